// Upstream HTTP protocol options: typed_extension_protocol_options' HttpProtocolOptions (current)
// or the deprecated cluster-level fields, never both for the same setting (as Envoy rejects).
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';

export const HTTP_OPTIONS_TYPE = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
const TCP_OPTIONS_TYPE = 'envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions';
/** Keys Envoy accepts for the HTTP options: the type name, and the legacy extension name. */
const HTTP_KEYS = new Set([HTTP_OPTIONS_TYPE, 'envoy.upstreams.http.http_protocol_options']);
const TCP_KEYS = new Set([TCP_OPTIONS_TYPE, 'envoy.upstreams.tcp.tcp_protocol_options']);

export type UpstreamProtocol = 'http1' | 'http2' | 'http3' | 'auto' | 'downstream';

export interface ProtocolOptions {
  readonly protocol: UpstreamProtocol;
  /** 0 = disabled. */
  readonly idleTimeoutMs: number;
  readonly maxConnectionDurationMs: number;
  readonly maxRequestsPerConnection: number;
  readonly maxHeadersCount: number;
  readonly maxStreamDurationMs: number;
  /** TcpProtocolOptions.idle_timeout for tcp_proxy pools (default 10 min in Envoy's TCP pool). */
  readonly tcpIdleTimeoutMs: number;
}

const typeName = (a: Canonical): string => String(a['@type'] ?? '').replace(/^type\.googleapis\.com\//, '');

export function parseProtocolOptions(c: Canonical, path: string, sink: IssueSink): ProtocolOptions {
  const map = (c.typed_extension_protocol_options as Record<string, Canonical> | undefined) ?? {};
  let http: Canonical | undefined;
  let tcp: Canonical | undefined;
  for (const key of Object.keys(map)) {
    const v = map[key];
    const p = `${path}.typed_extension_protocol_options['${key}']`;
    const t = typeof v === 'object' && v !== null ? typeName(v) : '';
    if (HTTP_KEYS.has(key) || (t === HTTP_OPTIONS_TYPE && !TCP_KEYS.has(key))) {
      if (t !== HTTP_OPTIONS_TYPE) sink.error(p, `expected ${HTTP_OPTIONS_TYPE}, got '${t}'`);
      else http = v;
    } else if (TCP_KEYS.has(key) || t === TCP_OPTIONS_TYPE) {
      tcp = v;
    }
    // Other keys are checked against the extension registry by the config edge.
  }
  const common = http?.common_http_protocol_options as Canonical | undefined;
  const legacyCommon = c.common_http_protocol_options as Canonical | undefined;
  if (common !== undefined && legacyCommon !== undefined) {
    sink.error(`${path}.common_http_protocol_options`, 'Only one of typed_extension_protocol_options or common_http_protocol_options can be specified');
  }
  const cc = common ?? legacyCommon;
  let maxRequests = typeof cc?.max_requests_per_connection === 'number' ? cc.max_requests_per_connection : 0;
  if (typeof c.max_requests_per_connection === 'number') {
    if (typeof cc?.max_requests_per_connection === 'number') {
      sink.error(`${path}.max_requests_per_connection`, 'Only one of max_requests_per_connection from Cluster or HttpProtocolOptions can be specified');
    }
    maxRequests = c.max_requests_per_connection;
  }
  let protocol: UpstreamProtocol = 'http1';
  if (http !== undefined) {
    const explicit = http.explicit_http_config as Canonical | undefined;
    if (explicit !== undefined) {
      if (explicit.http2_protocol_options !== undefined) protocol = 'http2';
      else if (explicit.http3_protocol_options !== undefined) protocol = 'http3';
    } else if (http.use_downstream_protocol_config !== undefined) protocol = 'downstream';
    else if (http.auto_config !== undefined) protocol = 'auto';
    if (c.http2_protocol_options !== undefined || c.http_protocol_options !== undefined || c.protocol_selection !== undefined) {
      sink.error(path, 'cannot combine typed_extension_protocol_options HttpProtocolOptions with the deprecated http_protocol_options, http2_protocol_options or protocol_selection');
    }
  } else {
    if (c.protocol_selection === 'USE_DOWNSTREAM_PROTOCOL') protocol = 'downstream';
    else if (c.http2_protocol_options !== undefined) protocol = 'http2';
  }
  return shared({
    protocol,
    idleTimeoutMs: typeof cc?.idle_timeout === 'number' ? cc.idle_timeout : 3600000,
    maxConnectionDurationMs: typeof cc?.max_connection_duration === 'number' ? cc.max_connection_duration : 0,
    maxRequestsPerConnection: maxRequests,
    maxHeadersCount: typeof cc?.max_headers_count === 'number' ? cc.max_headers_count : 100,
    maxStreamDurationMs: typeof cc?.max_stream_duration === 'number' ? cc.max_stream_duration : 0,
    tcpIdleTimeoutMs: typeof tcp?.idle_timeout === 'number' ? tcp.idle_timeout : 600000,
  });
}

/**
 * One frozen object per distinct set of options: a mesh's clusters share a handful (Istio gives
 * every cluster the same ones), and 10,000 copies add up. Bounded: past the bound, not shared.
 */
const known = new Map<string, ProtocolOptions>();

function shared(o: ProtocolOptions): ProtocolOptions {
  const key = Object.values(o).join('/'); // every field, so a new one cannot be left out
  const k = known.get(key);
  if (k !== undefined) return k;
  Object.freeze(o);
  if (known.size < 64) known.set(key, o);
  return o;
}
