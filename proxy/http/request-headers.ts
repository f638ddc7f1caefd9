// The request and response headers the connection manager owns (Envoy's ConnectionManagerUtility
// mutateRequestHeaders / mutateResponseHeaders): x-forwarded-for and the trusted client address,
// x-forwarded-proto, internal-request detection and the stripping of x-envoy-* headers from edge
// requests, x-request-id, via, and on the way back server, date and hop-by-hop removal.
import type { RequestHead } from './filter-types';
import type { HcmConfig } from './hcm-config';
import { HeaderBit, type HeaderMapImpl } from './header-map-impl';
import { httpDate } from './local-reply';
import { newRequestId } from './request-id';
import type { DownstreamConnectionInfo } from './stream-info';

/** x-envoy-* request headers Envoy removes from requests it does not trust (cleanInternalHeaders). */
// The first three only go on edge requests.
const INTERNAL_REQUEST_HEADERS = [
  'x-envoy-decorator-operation',
  'x-envoy-downstream-service-cluster',
  'x-envoy-downstream-service-node',
  'x-envoy-expected-rq-timeout-ms',
  'x-envoy-force-trace',
  'x-envoy-ip-tags',
  'x-envoy-max-retries',
  'x-envoy-retry-grpc-on',
  'x-envoy-retry-on',
  'x-envoy-retriable-status-codes',
  'x-envoy-retriable-header-names',
  'x-envoy-upstream-alt-stat-name',
  'x-envoy-upstream-rq-per-try-timeout-ms',
  'x-envoy-upstream-rq-timeout-alt-response',
  'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-stream-duration-ms',
  'x-envoy-hedge-on-per-try-timeout',
  'x-envoy-original-url',
];

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip.startsWith('::ffff:127.');
}

/**
 * Hop-by-hop headers never cross the proxy (the codec re-adds framing): connection, keep-alive,
 * proxy-connection, transfer-encoding, te and upgrade. One pass over the map removes them all
 * (a lookup per name costs six scans); `keepUpgrade` keeps connection and upgrade (a 101).
 */
function removeHopByHop(h: HeaderMapImpl, keepUpgrade: boolean): void {
  const names = h.names;
  for (let j = names.length - 1; j >= 0; j--) {
    const n = names[j];
    switch (n.length) {
      case 2:
        if (n === 'te') h.removeAt(j);
        break;
      case 7:
        if (n === 'upgrade' && !keepUpgrade) h.removeAt(j);
        break;
      case 10:
        if ((n === 'connection' && !keepUpgrade) || n === 'keep-alive') h.removeAt(j);
        break;
      case 16:
        if (n === 'proxy-connection') h.removeAt(j);
        break;
      case 17:
        if (n === 'transfer-encoding') h.removeAt(j);
        break;
    }
  }
}

export interface RequestMutationResult {
  /** The request comes from inside (x-envoy-* headers are trusted). */
  readonly internal: boolean;
  /** The address the HCM attributes the request to (after XFF processing). */
  readonly trustedClientIp: string;
}

function lastXffAddress(xff: string | undefined, trustedHops: number): string | undefined {
  if (xff === undefined) return undefined;
  const parts = xff.split(',');
  const i = parts.length - 1 - trustedHops;
  if (i < 0) return undefined;
  const a = parts[i].trim();
  return a === '' ? undefined : a;
}

export function mutateRequestHeaders(req: RequestHead, conn: DownstreamConnectionInfo, cfg: HcmConfig): RequestMutationResult {
  const h = req.headers;
  // Presence bits skip the lookups for headers the request does not carry (the usual case for
  // all of them): a clear bit means absent for sure.
  const bits = h.bits;
  const secureProto = conn.secure ? 'https' : 'http';
  if ((bits & HeaderBit.HopByHop) !== 0) {
    // Hop-by-hop headers and the headers the Connection header nominates.
    const connection = h.get('connection');
    if (connection !== undefined) {
      for (const tok of connection.split(',')) {
        const t = tok.trim().toLowerCase();
        if (t && t !== 'close' && t !== 'keep-alive' && t !== 'upgrade' && !t.startsWith(':') && t !== 'host') h.remove(t);
      }
    }
  }
  if (req.upgradeType === '') {
    if ((bits & HeaderBit.HopByHop) !== 0) removeHopByHop(h, false);
  } else {
    // An upgrade keeps `connection: upgrade` and `upgrade` for the upstream.
    if (h.has('keep-alive')) h.remove('keep-alive');
    if (h.has('proxy-connection')) h.remove('proxy-connection');
    if (h.has('transfer-encoding')) h.remove('transfer-encoding');
    if (req.upgradeType !== 'connect') h.set('connection', 'upgrade');
    else if (h.has('connection')) h.remove('connection');
  }

  const envoyHeaders = (bits & HeaderBit.XEnvoy) !== 0;
  if (envoyHeaders && h.has('x-envoy-internal')) h.remove('x-envoy-internal');
  const remoteIp = conn.remoteIp;
  const xffBefore = (bits & HeaderBit.XForwardedFor) !== 0 ? h.getJoined('x-forwarded-for') : undefined;
  let hasProto = (bits & HeaderBit.XForwardedProto) !== 0 && h.has('x-forwarded-proto');
  let finalIp: string | undefined;
  let allowTrustedChecks = false;
  if (cfg.useRemoteAddress) {
    allowTrustedChecks = xffBefore === undefined;
    if (cfg.xffNumTrustedHops > 0) finalIp = lastXffAddress(xffBefore, cfg.xffNumTrustedHops - 1);
    if (finalIp === undefined) finalIp = remoteIp;
    if (!cfg.skipXffAppend) {
      // A loopback peer is replaced by the proxy's own address, as Envoy does.
      const append = isLoopback(remoteIp) ? conn.localIp : remoteIp;
      if (xffBefore === undefined) h.add('x-forwarded-for', append);
      else h.set('x-forwarded-for', `${xffBefore},${append}`);
    }
    if (cfg.xffNumTrustedHops === 0 || !hasProto) {
      h.set('x-forwarded-proto', secureProto);
      hasProto = true;
    }
  } else {
    finalIp = lastXffAddress(xffBefore, cfg.xffNumTrustedHops);
  }
  if (!hasProto) h.add('x-forwarded-proto', secureProto);
  // Internal: a request straight from an internal address to a proxy using the remote address.
  const internal = allowTrustedChecks && finalIp !== undefined && cfg.isInternal(finalIp);
  const trustedClientIp = finalIp ?? remoteIp;
  const edge = !internal && cfg.useRemoteAddress;
  if (internal) h.add('x-envoy-internal', 'true');
  else if (envoyHeaders) {
    for (let i = edge ? 0 : 3; i < INTERNAL_REQUEST_HEADERS.length; i++) {
      const n = INTERNAL_REQUEST_HEADERS[i];
      if (h.has(n)) h.remove(n);
    }
  }
  if (edge) h.set('x-envoy-external-address', trustedClientIp);

  if (cfg.generateRequestId) {
    const rid = (bits & HeaderBit.XRequestId) !== 0 ? h.get('x-request-id') : undefined;
    if (rid === undefined) h.add('x-request-id', newRequestId());
    else if (edge && !cfg.preserveExternalRequestId) h.set('x-request-id', newRequestId());
  }
  if (cfg.via) {
    const v = h.get('via');
    if (v === undefined) h.add('via', cfg.via);
    else h.set('via', `${v},${cfg.via}`);
  }
  req.scheme = h.get('x-forwarded-proto') ?? secureProto;
  return { internal, trustedClientIp };
}

/** Server, date, via, request id echo; hop-by-hop headers out (the codec re-adds framing). */
export function mutateResponseHeaders(h: HeaderMapImpl, status: number, cfg: HcmConfig, requestId: string | undefined): void {
  const bits = h.bits;
  if ((bits & HeaderBit.HopByHop) !== 0) removeHopByHop(h, status === 101);
  switch (cfg.serverHeaderTransformation) {
    case 'OVERWRITE':
      if ((bits & HeaderBit.Server) === 0) h.add('server', cfg.serverName);
      else if (h.get('server') !== cfg.serverName) h.set('server', cfg.serverName);
      break;
    case 'APPEND_IF_ABSENT':
      if ((bits & HeaderBit.Server) === 0 || !h.has('server')) h.add('server', cfg.serverName);
      break;
    case 'PASS_THROUGH':
      break;
  }
  const d = httpDate();
  if ((bits & HeaderBit.Date) === 0) h.add('date', d);
  else if (h.get('date') !== d) h.set('date', d);
  if (cfg.via) {
    const v = (bits & HeaderBit.Via) !== 0 ? h.get('via') : undefined;
    if (v === undefined) h.add('via', cfg.via);
    else h.set('via', `${v},${cfg.via}`);
  }
  if (cfg.alwaysSetRequestIdInResponse && requestId !== undefined && !h.has('x-request-id')) h.add('x-request-id', requestId);
}
