// What access logs and stats know about one request (Envoy's StreamInfo): timings, response code,
// flags and details, bytes, and which upstream served it. Plain fields written on the hot path;
// formatting happens only if a logger asks.
import type { Host } from '../upstream/types';
import type { HeaderMapImpl } from './header-map-impl';
import { ResponseFlag } from './response-flags';

/** The downstream connection as the listener saw it; shared by every request on it. */
export interface DownstreamConnectionInfo {
  readonly id: number;
  /** `ip:port` (or `[v6]:port`) strings, as %DOWNSTREAM_*_ADDRESS% print them. */
  readonly remoteAddress: string;
  readonly remoteIp: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localIp: string;
  readonly localPort: number;
  /** Before PROXY protocol / original_src rewriting; usually the remote address. */
  readonly directRemoteAddress: string;
  readonly requestedServerName: string;
  /** The connection is TLS (x-forwarded-proto https). */
  readonly secure: boolean;
  /** Original destination restored by the listener (ORIGINAL_DST clusters). */
  readonly originalDestination?: { readonly ip: string; readonly port: number };
  terminationDetails?: string;
}

export function formatAddress(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export class StreamInfo {
  /** Wall clock at start (ms since epoch) for %START_TIME%. */
  readonly startTime = Date.now();
  /** Monotonic start (performance.now()) for durations. */
  readonly startMono = performance.now();
  /** Monotonic offsets from start, -1 = not yet. */
  lastDownstreamRxMs = -1;
  firstUpstreamTxMs = -1;
  lastUpstreamTxMs = -1;
  firstUpstreamRxMs = -1;
  lastUpstreamRxMs = -1;
  firstDownstreamTxMs = -1;
  lastDownstreamTxMs = -1;

  responseCode = 0;
  responseFlags = 0;
  responseCodeDetails: string | undefined = undefined;
  bytesReceived = 0;
  bytesSent = 0;
  protocol = 'HTTP/1.1';
  routeName: string | undefined = undefined;
  upstreamClusterName: string | undefined = undefined;
  upstreamHost: Host | undefined = undefined;
  upstreamLocalAddress: string | undefined = undefined;
  upstreamTransportFailureReason: string | undefined = undefined;
  attemptCount = 0;
  healthCheck = false;
  /**
   * The client address the connection manager trusts when it is not the peer (taken from
   * x-forwarded-for by xff_num_trusted_hops / use_remote_address false); Envoy gives it port 0.
   */
  trustedRemoteIp: string | undefined = undefined;
  requestHeaders: HeaderMapImpl | undefined = undefined;
  responseHeaders: HeaderMapImpl | undefined = undefined;
  /** Request pseudo-headers kept apart from the map. */
  method = '';
  path = '';
  authority = '';
  scheme = 'http';

  /**
   * @param timed record the intermediate timings (first/last byte up and down); only access logs
   *   read them, so the connection manager passes false when none is configured and the hot path
   *   skips half a dozen clock reads per request. Start, duration and response code are always kept.
   */
  constructor(
    readonly connection: DownstreamConnectionInfo,
    readonly timed = true,
  ) {}

  setResponseFlag(flag: ResponseFlag): void {
    this.responseFlags |= flag;
  }

  hasResponseFlag(flag: ResponseFlag): boolean {
    return (this.responseFlags & flag) !== 0;
  }

  /** Milliseconds since start (fractional). */
  sinceStart(): number {
    return performance.now() - this.startMono;
  }

  /** Total duration once the stream is done (ms, fractional); -1 while running. */
  finalMs = -1;
}
