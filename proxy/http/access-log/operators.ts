// The command operators of Envoy's substitution formatter, each a small object built once when the
// format is compiled. `text` gives the string form (undefined prints '-'); `typed` the value a
// typed JSON format emits (numbers stay numbers, unset is null).
import { hostname } from 'node:os';
import { responseFlagsString } from '../response-flags';
import { formatAddress, StreamInfo } from '../stream-info';
import { DateFormatter, isoMillis } from './strftime';

export interface FormatOperator {
  text(info: StreamInfo): string | undefined;
  typed(info: StreamInfo): string | number | null;
}

type Getter = (info: StreamInfo) => string | number | undefined;

class FieldOperator implements FormatOperator {
  constructor(
    private readonly get: Getter,
    private readonly maxLen: number,
  ) {}
  text(info: StreamInfo): string | undefined {
    const v = this.get(info);
    if (v === undefined) return undefined;
    const s = typeof v === 'number' ? String(v) : v;
    return this.maxLen > 0 && s.length > this.maxLen ? s.slice(0, this.maxLen) : s;
  }
  typed(info: StreamInfo): string | number | null {
    const v = this.get(info);
    if (v === undefined) return null;
    if (typeof v === 'number') return v;
    return this.maxLen > 0 && v.length > this.maxLen ? v.slice(0, this.maxLen) : v;
  }
}

function ms(v: number): number | undefined {
  return v < 0 ? undefined : Math.floor(v);
}

function portOf(addr: string): number | undefined {
  const i = addr.lastIndexOf(':');
  return i < 0 ? undefined : Number(addr.slice(i + 1));
}

function withoutPort(addr: string): string {
  if (addr.startsWith('[')) return addr.slice(1, addr.indexOf(']'));
  const i = addr.lastIndexOf(':');
  return i < 0 ? addr : addr.slice(0, i);
}

const HOSTNAME = hostname();

/** Operators taking no argument, by name. */
const FIELDS: Record<string, Getter> = {
  PROTOCOL: (i) => i.protocol,
  RESPONSE_CODE: (i) => i.responseCode,
  RESPONSE_FLAGS: (i) => responseFlagsString(i.responseFlags),
  RESPONSE_FLAGS_LONG: (i) => (i.responseFlags === 0 ? '-' : responseFlagsString(i.responseFlags, true)),
  RESPONSE_CODE_DETAILS: (i) => i.responseCodeDetails,
  CONNECTION_TERMINATION_DETAILS: (i) => i.connection.terminationDetails,
  BYTES_RECEIVED: (i) => i.bytesReceived,
  BYTES_SENT: (i) => i.bytesSent,
  DURATION: (i) => ms(i.finalMs >= 0 ? i.finalMs : i.lastDownstreamTxMs),
  REQUEST_DURATION: (i) => ms(i.lastDownstreamRxMs),
  REQUEST_TX_DURATION: (i) => ms(i.lastUpstreamTxMs),
  RESPONSE_DURATION: (i) => ms(i.firstUpstreamRxMs),
  RESPONSE_TX_DURATION: (i) => (i.firstUpstreamRxMs < 0 || i.lastDownstreamTxMs < 0 ? undefined : Math.floor(i.lastDownstreamTxMs - i.firstUpstreamRxMs)),
  UPSTREAM_HOST: (i) => i.upstreamHost?.addressString,
  UPSTREAM_REMOTE_ADDRESS: (i) => i.upstreamHost?.addressString,
  UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: (i) => (i.upstreamHost ? withoutPort(i.upstreamHost.addressString) : undefined),
  UPSTREAM_REMOTE_PORT: (i) => (i.upstreamHost ? portOf(i.upstreamHost.addressString) : undefined),
  UPSTREAM_CLUSTER: (i) => i.upstreamClusterName,
  UPSTREAM_CLUSTER_RAW: (i) => i.upstreamClusterName,
  UPSTREAM_LOCAL_ADDRESS: (i) => i.upstreamLocalAddress,
  UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT: (i) => (i.upstreamLocalAddress ? withoutPort(i.upstreamLocalAddress) : undefined),
  UPSTREAM_LOCAL_PORT: (i) => (i.upstreamLocalAddress ? portOf(i.upstreamLocalAddress) : undefined),
  UPSTREAM_TRANSPORT_FAILURE_REASON: (i) => i.upstreamTransportFailureReason,
  UPSTREAM_REQUEST_ATTEMPT_COUNT: (i) => i.attemptCount,
  UPSTREAM_PROTOCOL: (i) => (i.upstreamHost ? 'HTTP/1.1' : undefined),
  DOWNSTREAM_REMOTE_ADDRESS: (i) => (i.trustedRemoteIp === undefined ? i.connection.remoteAddress : formatAddress(i.trustedRemoteIp, 0)),
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: (i) => i.trustedRemoteIp ?? i.connection.remoteIp,
  DOWNSTREAM_REMOTE_PORT: (i) => (i.trustedRemoteIp === undefined ? i.connection.remotePort : 0),
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS: (i) => i.connection.directRemoteAddress,
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT: (i) => withoutPort(i.connection.directRemoteAddress),
  DOWNSTREAM_LOCAL_ADDRESS: (i) => i.connection.localAddress,
  DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT: (i) => i.connection.localIp,
  DOWNSTREAM_LOCAL_PORT: (i) => i.connection.localPort,
  REQUESTED_SERVER_NAME: (i) => i.connection.requestedServerName || undefined,
  ROUTE_NAME: (i) => i.routeName || undefined,
  HOSTNAME: () => HOSTNAME,
  CONNECTION_ID: (i) => i.connection.id,
  STREAM_ID: (i) => i.requestHeaders?.get('x-request-id'),
  UNIQUE_ID: () => crypto.randomUUID(),
  // Recognised, but what they describe does not exist here (TLS peer data arrives with the tls module).
  DOWNSTREAM_PEER_URI_SAN: () => undefined,
  DOWNSTREAM_LOCAL_URI_SAN: () => undefined,
  DOWNSTREAM_PEER_SUBJECT: () => undefined,
  DOWNSTREAM_LOCAL_SUBJECT: () => undefined,
  DOWNSTREAM_TLS_VERSION: () => undefined,
  DOWNSTREAM_TLS_CIPHER: () => undefined,
  DOWNSTREAM_PEER_FINGERPRINT_256: () => undefined,
  DOWNSTREAM_PEER_CERT: () => undefined,
  DOWNSTREAM_TLS_SESSION_ID: () => undefined,
  UPSTREAM_PEER_URI_SAN: () => undefined,
  UPSTREAM_TLS_VERSION: () => undefined,
  UPSTREAM_FILTER_STATE: () => undefined,
  DOWNSTREAM_TRANSPORT_FAILURE_REASON: () => undefined,
  VIRTUAL_CLUSTER_NAME: () => undefined,
  TRACE_ID: () => undefined,
  UPSTREAM_CONNECTION_ID: () => undefined,
  REQUEST_HEADERS_BYTES: () => undefined,
  RESPONSE_HEADERS_BYTES: () => undefined,
};

/** Operators taking an argument that is not a header name: recognised, print unset. */
const UNSET_WITH_ARG = new Set(['DYNAMIC_METADATA', 'CLUSTER_METADATA', 'UPSTREAM_METADATA', 'FILTER_STATE', 'UPSTREAM_FILTER_STATE', 'ENVIRONMENT', 'CEL', 'METADATA', 'TRAILER', 'RESPONSE_TRAILER']);

function requestPseudo(name: string): Getter | undefined {
  switch (name) {
    case ':method':
      return (i) => i.method || undefined;
    case ':path':
      return (i) => i.path || undefined;
    case ':authority':
      // The Host header as forwarded (port stripping and host rewrites change it), as Envoy logs it.
      return (i) => i.requestHeaders?.get('host') ?? (i.authority || undefined);
    case ':scheme':
      return (i) => i.scheme;
    case ':protocol':
      return (i) => i.requestHeaders?.get('upgrade');
  }
  return undefined;
}

function headerGetter(which: 'REQ' | 'RESP', name: string): Getter {
  const n = name.toLowerCase();
  if (which === 'REQ') {
    const pseudo = requestPseudo(n);
    if (pseudo) return pseudo;
    return (i) => i.requestHeaders?.get(n);
  }
  if (n === ':status') return (i) => (i.responseCode === 0 ? undefined : String(i.responseCode));
  return (i) => i.responseHeaders?.get(n);
}

export type OperatorResult = { ok: true; op: FormatOperator } | { ok: false; error: string };

/** Builds the operator `%name(arg):len%`; `arg`/`len` absent when not written. */
export function makeOperator(name: string, arg: string | undefined, len: number | undefined): OperatorResult {
  const max = len ?? 0;
  if (name === 'REQ' || name === 'RESP') {
    if (arg === undefined || arg === '') return { ok: false, error: `${name} requires a header name` };
    const [main, alt, extra] = arg.split('?');
    if (extra !== undefined) return { ok: false, error: `more than 1 alternative header specified in ${name}(${arg})` };
    const a = headerGetter(name, main);
    const b = alt === undefined ? undefined : headerGetter(name, alt);
    const get: Getter = b === undefined ? a : (i) => a(i) ?? b(i);
    return { ok: true, op: new FieldOperator(get, max) };
  }
  if (name === 'START_TIME') {
    if (arg === undefined || arg === '') return { ok: true, op: new FieldOperator((i) => isoMillis(i.startTime), max) };
    const f = new DateFormatter(arg);
    return { ok: true, op: new FieldOperator((i) => f.format(i.startTime), max) };
  }
  if (UNSET_WITH_ARG.has(name)) return { ok: true, op: new FieldOperator(() => undefined, max) };
  const field = FIELDS[name];
  if (field === undefined) return { ok: false, error: `Not supported field in StreamInfo: ${name}` };
  return { ok: true, op: new FieldOperator(field, max) };
}

export { formatAddress };
