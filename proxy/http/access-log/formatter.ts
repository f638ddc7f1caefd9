// Access-log formats compiled once, at config time, into arrays of literal strings and operator
// objects (Envoy's SubstitutionFormatParser). Formatting a request walks the array.
import type { StreamInfo } from '../stream-info';
import { FormatOperator, makeOperator } from './operators';

export type FormatPart = string | FormatOperator;

/** Envoy's default access-log format (one line, newline-terminated). */
export const ENVOY_DEFAULT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
  '%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" ' +
  '"%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

/** Istio's default text format (meshConfig accessLogEncoding TEXT). */
export const ISTIO_DEFAULT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
  '%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% ' +
  '%BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" ' +
  '"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% ' +
  '%DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';

/** Istio's default JSON format (meshConfig accessLogEncoding JSON). */
export const ISTIO_DEFAULT_JSON_FORMAT: Readonly<Record<string, string>> = {
  start_time: '%START_TIME%',
  route_name: '%ROUTE_NAME%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  duration: '%DURATION%',
  upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
  user_agent: '%REQ(USER-AGENT)%',
  request_id: '%REQ(X-REQUEST-ID)%',
  authority: '%REQ(:AUTHORITY)%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER%',
  upstream_local_address: '%UPSTREAM_LOCAL_ADDRESS%',
  downstream_local_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  requested_server_name: '%REQUESTED_SERVER_NAME%',
  upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
};

const OP = /^%([A-Z][A-Z0-9_]*)(?:\(([^)]*)\))?(?::([0-9]+))?%/;

export type CompileResult = { ok: true; parts: FormatPart[] } | { ok: false; error: string };

/** Parses a format string into parts. A '%' that does not start an operator is literal text. */
export function compileFormat(format: string): CompileResult {
  const parts: FormatPart[] = [];
  let lit = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i];
    if (c !== '%') {
      lit += c;
      i++;
      continue;
    }
    if (format[i + 1] === '%') {
      lit += '%';
      i += 2;
      continue;
    }
    const m = OP.exec(format.slice(i));
    if (m === null) {
      lit += c;
      i++;
      continue;
    }
    const r = makeOperator(m[1], m[2], m[3] === undefined ? undefined : Number(m[3]));
    if (!r.ok) return { ok: false, error: r.error };
    if (lit) parts.push(lit);
    lit = '';
    parts.push(r.op);
    i += m[0].length;
  }
  if (lit) parts.push(lit);
  return { ok: true, parts };
}

export interface Formatter {
  format(info: StreamInfo): string;
}

export class TextFormatter implements Formatter {
  constructor(
    private readonly parts: readonly FormatPart[],
    private readonly omitEmpty = false,
  ) {}

  format(info: StreamInfo): string {
    let s = '';
    const parts = this.parts;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (typeof p === 'string') s += p;
      else {
        const v = p.text(info);
        s += v === undefined ? (this.omitEmpty ? '' : '-') : v;
      }
    }
    return s;
  }
}

type JsonNode = { kind: 'single'; op: FormatOperator } | { kind: 'text'; formatter: TextFormatter } | { kind: 'literal'; value: unknown } | { kind: 'object'; entries: [string, JsonNode][] };

/**
 * json_format: a value that is exactly one operator keeps its type (numbers as numbers, unset as
 * null); other strings are formatted as text. One JSON object per line.
 */
export class JsonFormatter implements Formatter {
  private constructor(
    private readonly root: JsonNode,
    private readonly omitEmpty: boolean,
  ) {}

  static compile(template: Readonly<Record<string, unknown>>, omitEmpty = false): { ok: true; formatter: JsonFormatter } | { ok: false; error: string } {
    try {
      return { ok: true, formatter: new JsonFormatter(compileNode(template), omitEmpty) };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }

  format(info: StreamInfo): string {
    return `${JSON.stringify(this.render(this.root, info))}\n`;
  }

  private render(n: JsonNode, info: StreamInfo): unknown {
    switch (n.kind) {
      case 'single':
        return n.op.typed(info);
      case 'text':
        return n.formatter.format(info);
      case 'literal':
        return n.value;
      case 'object': {
        const o: Record<string, unknown> = {};
        for (const [k, v] of n.entries) {
          const r = this.render(v, info);
          if (this.omitEmpty && (r === null || r === '')) continue;
          o[k] = r;
        }
        return o;
      }
    }
  }
}

function compileNode(v: unknown): JsonNode {
  if (typeof v === 'string') {
    const r = compileFormat(v);
    if (!r.ok) throw new Error(r.error);
    if (r.parts.length === 1 && typeof r.parts[0] !== 'string') return { kind: 'single', op: r.parts[0] };
    return { kind: 'text', formatter: new TextFormatter(r.parts) };
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    return { kind: 'object', entries: Object.entries(v).map(([k, x]) => [k, compileNode(x)] as [string, JsonNode]) };
  }
  return { kind: 'literal', value: v };
}
