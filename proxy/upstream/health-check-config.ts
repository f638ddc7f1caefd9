// core.v3.HealthCheck validated: intervals, thresholds and the HTTP or TCP checker's settings.
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';

export interface StatusRange {
  readonly start: number;
  /** Exclusive, as Int64Range. */
  readonly end: number;
}

export type HealthCheckKind =
  | {
      readonly kind: 'http';
      readonly path: string;
      readonly host: string;
      readonly method: string;
      readonly expected: readonly StatusRange[];
      readonly retriable: readonly StatusRange[];
      readonly headersToAdd: readonly (readonly [string, string, boolean])[];
      readonly headersToRemove: readonly string[];
    }
  | { readonly kind: 'tcp'; readonly send: Buffer | undefined; readonly receive: readonly Buffer[] };

export interface HealthCheckConfig {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly initialJitterMs: number;
  readonly intervalJitterMs: number;
  readonly intervalJitterPercent: number;
  readonly unhealthyThreshold: number;
  readonly healthyThreshold: number;
  readonly reuseConnection: boolean;
  readonly noTrafficIntervalMs: number;
  readonly noTrafficHealthyIntervalMs: number;
  readonly unhealthyIntervalMs: number;
  readonly unhealthyEdgeIntervalMs: number;
  readonly healthyEdgeIntervalMs: number;
  readonly checker: HealthCheckKind;
}

function payload(p: Canonical | undefined, path: string, sink: IssueSink): Buffer | undefined {
  if (p === undefined) return undefined;
  if (typeof p.text === 'string') {
    const t = p.text;
    if (!/^([0-9a-fA-F]{2})*$/.test(t)) {
      sink.error(`${path}.text`, `invalid hex string '${t}'`);
      return undefined;
    }
    return Buffer.from(t, 'hex');
  }
  if (Buffer.isBuffer(p.binary)) return p.binary;
  return Buffer.alloc(0);
}

function ranges(list: unknown, path: string, sink: IssueSink): StatusRange[] {
  const out: StatusRange[] = [];
  ((list as Canonical[] | undefined) ?? []).forEach((r, i) => {
    const start = typeof r.start === 'number' ? r.start : 0;
    const end = typeof r.end === 'number' ? r.end : 0;
    if (start < 100) sink.error(`${path}[${i}].start`, `Invalid http status range: expecting start >= 100, but found start=${start}`);
    else if (end > 600) sink.error(`${path}[${i}].end`, `Invalid http status range: expecting end <= 600, but found end=${end}`);
    else if (start >= end) sink.error(`${path}[${i}]`, `Invalid http status range: expecting start < end, but found start=${start} and end=${end}`);
    else out.push({ start, end });
  });
  return out;
}

const ms = (v: unknown, def: number): number => (typeof v === 'number' ? v : def);

export function parseHealthCheck(h: Canonical, path: string, sink: IssueSink): HealthCheckConfig | undefined {
  const timeoutMs = ms(h.timeout, 0);
  const intervalMs = ms(h.interval, 0);
  if (!(timeoutMs > 0)) sink.error(`${path}.timeout`, 'value must be greater than 0s');
  if (!(intervalMs > 0)) sink.error(`${path}.interval`, 'value must be greater than 0s');
  if (typeof h.unhealthy_threshold !== 'number') sink.error(`${path}.unhealthy_threshold`, 'value is required');
  if (typeof h.healthy_threshold !== 'number') sink.error(`${path}.healthy_threshold`, 'value is required');
  let checker: HealthCheckKind | undefined;
  if (h.http_health_check !== undefined) {
    const c = h.http_health_check as Canonical;
    const p = `${path}.http_health_check`;
    const hcPath = String(c.path ?? '');
    if (hcPath === '') sink.error(`${p}.path`, 'value length must be at least 1 characters');
    if (c.send !== undefined || c.receive !== undefined) sink.error(p, 'send and receive payloads are not supported for HTTP health checks');
    if (c.codec_client_type !== undefined && c.codec_client_type !== 'HTTP1') sink.error(`${p}.codec_client_type`, `${String(c.codec_client_type)} health checks are not supported (HTTP1 is)`);
    const method = typeof c.method === 'string' && c.method !== 'METHOD_UNSPECIFIED' ? c.method : 'GET';
    if (method === 'CONNECT') sink.error(`${p}.method`, 'value must not be in list [CONNECT]');
    const expected = c.expected_statuses === undefined ? [{ start: 200, end: 201 }] : ranges(c.expected_statuses, `${p}.expected_statuses`, sink);
    const retriable = ranges(c.retriable_statuses, `${p}.retriable_statuses`, sink);
    const headersToAdd: [string, string, boolean][] = [];
    ((c.request_headers_to_add as Canonical[] | undefined) ?? []).forEach((o, i) => {
      const hv = (o.header as Canonical | undefined) ?? {};
      const key = String(hv.key ?? '').toLowerCase();
      if (key === '') sink.error(`${p}.request_headers_to_add[${i}].header.key`, 'value length must be at least 1 characters');
      const append = o.append_action !== undefined ? o.append_action === 'APPEND_IF_EXISTS_OR_ADD' : o.append !== false;
      headersToAdd.push([key, String(hv.value ?? ''), append]);
    });
    checker = {
      kind: 'http',
      path: hcPath,
      host: String(c.host ?? ''),
      method,
      expected,
      retriable,
      headersToAdd,
      headersToRemove: ((c.request_headers_to_remove as string[] | undefined) ?? []).map((s) => s.toLowerCase()),
    };
  } else if (h.tcp_health_check !== undefined) {
    const c = h.tcp_health_check as Canonical;
    const p = `${path}.tcp_health_check`;
    const send = payload(c.send as Canonical | undefined, `${p}.send`, sink);
    const receive: Buffer[] = [];
    ((c.receive as Canonical[] | undefined) ?? []).forEach((r, i) => {
      const b = payload(r, `${p}.receive[${i}]`, sink);
      if (b !== undefined) receive.push(b);
    });
    checker = { kind: 'tcp', send: send !== undefined && send.length > 0 ? send : undefined, receive };
  } else if (h.grpc_health_check !== undefined) {
    sink.error(`${path}.grpc_health_check`, 'gRPC health checks are not supported');
  } else if (h.custom_health_check !== undefined) {
    sink.error(`${path}.custom_health_check`, `didn't find a registered health checker for '${String((h.custom_health_check as Canonical).name ?? '')}'`);
  } else {
    sink.error(path, 'one of http_health_check, tcp_health_check, grpc_health_check, custom_health_check is required');
  }
  if (checker === undefined) return undefined;
  const noTraffic = ms(h.no_traffic_interval, 60000);
  const unhealthyInterval = ms(h.unhealthy_interval, intervalMs);
  return Object.freeze({
    timeoutMs,
    intervalMs,
    initialJitterMs: ms(h.initial_jitter, 0),
    intervalJitterMs: ms(h.interval_jitter, 0),
    intervalJitterPercent: typeof h.interval_jitter_percent === 'number' ? h.interval_jitter_percent : 0,
    unhealthyThreshold: typeof h.unhealthy_threshold === 'number' ? Math.max(1, h.unhealthy_threshold) : 1,
    healthyThreshold: typeof h.healthy_threshold === 'number' ? Math.max(1, h.healthy_threshold) : 1,
    reuseConnection: h.reuse_connection !== false,
    noTrafficIntervalMs: noTraffic,
    noTrafficHealthyIntervalMs: ms(h.no_traffic_healthy_interval, noTraffic),
    unhealthyIntervalMs: unhealthyInterval,
    unhealthyEdgeIntervalMs: ms(h.unhealthy_edge_interval, unhealthyInterval),
    healthyEdgeIntervalMs: ms(h.healthy_edge_interval, intervalMs),
    checker,
  });
}
