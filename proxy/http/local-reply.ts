// Local replies as Envoy sends them (source/common/http/utility.cc sendLocalReply): a text/plain
// body, content-length, and the date and server headers the connection manager adds to every
// response. The status text table matches Envoy's CodeUtility::toString.
import { HeaderMapImpl } from './header-map-impl';

const REASONS: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols', 200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information',
  204: 'No Content', 205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status', 208: 'Already Reported', 226: 'IM Used',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified', 305: 'Use Proxy',
  307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required',
  408: 'Request Timeout', 409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Payload Too Large',
  414: 'URI Too Long', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 417: 'Expectation Failed', 421: 'Misdirected Request',
  422: 'Unprocessable Entity', 423: 'Locked', 424: 'Failed Dependency', 425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway',
  503: 'Service Unavailable', 504: 'Gateway Timeout', 505: 'HTTP Version Not Supported', 507: 'Insufficient Storage', 508: 'Loop Detected',
  510: 'Not Extended', 511: 'Network Authentication Required',
};

export function reasonPhrase(code: number): string {
  return REASONS[code] ?? 'Unknown';
}

const STATUS_LINES: string[] = [];

/** `HTTP/1.1 200 OK\r\n`, cached per code. */
export function statusLine(code: number): string {
  let s = STATUS_LINES[code];
  if (s === undefined) {
    s = `HTTP/1.1 ${code} ${reasonPhrase(code)}\r\n`;
    if (code >= 100 && code < 1000) STATUS_LINES[code] = s;
  }
  return s;
}

let dateSecond = -1;
let dateValue = '';

/** The IMF-fixdate for now, recomputed once a second. */
export function httpDate(): string {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  if (sec !== dateSecond) {
    dateSecond = sec;
    dateValue = new Date(sec * 1000).toUTCString();
  }
  return dateValue;
}

/** Envoy's local-reply body texts and details (envoy-compat.md section 4). */
export const LocalReplyBody = {
  NoHealthyUpstream: 'no healthy upstream',
  UpstreamTimeout: 'upstream request timeout',
  FaultAbort: 'fault filter abort',
  ResetPrefix: 'upstream connect error or disconnect/reset before headers. ',
} as const;

export const Details = {
  RouteNotFound: 'route_not_found',
  ClusterNotFound: 'cluster_not_found',
  NoHealthyUpstream: 'no_healthy_upstream',
  ResponseTimeout: 'response_timeout',
  PerTryTimeout: 'upstream_per_try_timeout',
  PerTryIdleTimeout: 'upstream_per_try_idle_timeout',
  DirectResponse: 'direct_response',
  ViaUpstream: 'via_upstream',
  FaultAbort: 'fault_filter_abort',
  StreamIdleTimeout: 'stream_idle_timeout',
  RequestOverallTimeout: 'request_overall_timeout',
  RequestHeaderTimeout: 'request_header_timeout',
  UpgradeFailed: 'upgrade_failed',
  MaintenanceMode: 'maintenance_mode',
  LowVersion: 'low_version',
  PathNormalizationFailed: 'path_normalization_failed',
  InvalidEnvoyRequestHeaders: 'request_headers_failed_strict_check',
  RequestPayloadTooLarge: 'request_payload_too_large',
  LocalRateLimited: 'local_rate_limited',
  DownstreamRemoteDisconnect: 'downstream_remote_disconnect',
  DurationTimeout: 'max_duration_timeout',
  UpstreamMaxStreamDuration: 'upstream_max_stream_duration_reached',
  Overload: 'overload',
  InternalRedirect: 'internal_redirect',
  FilterChainNotFound: 'filter_chain_not_found',
} as const;

/** Builds a local reply's headers; body is sent with content-length. */
export function localReplyHeaders(body: string, serverName: string | undefined): HeaderMapImpl {
  const h = new HeaderMapImpl();
  // An empty body gets `content-length: 0` from the codec, after date and server, as in Envoy.
  if (body.length > 0) {
    h.push('content-length', String(Buffer.byteLength(body)));
    h.push('content-type', 'text/plain');
  }
  h.push('date', httpDate());
  if (serverName !== undefined) h.push('server', serverName);
  return h;
}
