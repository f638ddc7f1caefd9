// The terminal HTTP filter (envoy.filters.http.router): for each request it takes the matched
// route, picks the cluster and a host through the cluster's load balancer, gets a pooled upstream
// connection, writes the request head once, streams the body both ways with backpressure, and
// enforces the route timeout, per-try timeouts and the retry policy. Every failure ends in
// Envoy's local reply with its response flags and details. One object per request, no closures.
import { timerWheel, TimerTarget, WheelTimer } from '../common/timer-wheel';
import { ResetReason, RESET_REASON_TEXT } from '../http/codec-types';
import type { FilterCallbacks, HttpStreamFilter, RequestHead } from '../http/filter-types';
import { FilterStatus } from '../http/filter-types';
import type { H1Parser } from '../http/h1/h1-parser';
import { HeaderBit, type HeaderMapImpl } from '../http/header-map-impl';
import { Details, LocalReplyBody } from '../http/local-reply';
import { ResponseFlag } from '../http/response-flags';
import type { Http1ConnectionPool } from '../upstream/http1-pool';
import { clusterTrafficStats, ClusterTrafficStats } from '../upstream/http1-pool-stats';
import type { Cluster, ClusterManager, Host, LbContext } from '../upstream/types';
import { OutlierResult } from '../upstream/types';
import { RetryState, RetryStatus } from './retry-state';
import type { RouterConfig } from './router-filter-config';
import { sendShadow } from './router-filter-shadow';
import type { RouteEntry } from './types';
import { UpstreamRequest, UpstreamRequestOwner } from './upstream-request';

const enum Timer {
  Global,
  Backoff,
}

let lastMs = -1;
let lastMsText = '';

/** String(ms) for header values, remembered for the last value (a route's timeout repeats). */
function msString(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastMsText = String(ms);
  }
  return lastMsText;
}

/** Methods whose requests carry no body: no `content-length: 0` is added for them. */
const NO_BODY_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE']);
const EMPTY = Buffer.alloc(0);

function resetFlag(r: ResetReason): ResponseFlag {
  switch (r) {
    case ResetReason.ConnectionFailure:
    case ResetReason.ConnectionTimeout:
      return ResponseFlag.UpstreamConnectionFailure;
    case ResetReason.ConnectionTermination:
      return ResponseFlag.UpstreamConnectionTermination;
    case ResetReason.LocalReset:
      return ResponseFlag.LocalReset;
    case ResetReason.Overflow:
      return ResponseFlag.UpstreamOverflow;
    case ResetReason.ProtocolError:
      return ResponseFlag.UpstreamProtocolError;
    default:
      return ResponseFlag.UpstreamRemoteReset;
  }
}

export class RouterFilter implements HttpStreamFilter, UpstreamRequestOwner, TimerTarget, LbContext {
  private route: RouteEntry | undefined = undefined;
  private cluster: Cluster | undefined = undefined;
  private stats: ClusterTrafficStats | undefined = undefined;
  private retry: RetryState | undefined = undefined;
  private upstream: UpstreamRequest | undefined = undefined;
  private attempts = 0;
  /** Request body kept for writing (while the upstream is not ready) and for retries/mirrors. */
  private body: Buffer[] = [];
  private bodyBytes = 0;
  private keepBody = false;
  private bodyOverflow = false;
  private bufferLimit = 1024 * 1024;
  private requestEnded = false;
  private upstreamChunked = false;
  private headersOnly = false;
  private tunnel = false;
  private downstreamResponseStarted = false;
  private timeoutMs = 0;
  private perTryTimeoutMs = 0;
  private perTryIdleTimeoutMs = 0;
  private globalTimer: WheelTimer | undefined;
  private backoffTimer: WheelTimer | undefined;
  private previousHosts: Host[] | undefined = undefined;
  private finished = false;
  /** The next encodeHeaders is this router's own local reply (see encodeHeaders). */
  private localReply = false;
  private responseStatus = 0;
  // LbContext
  hashKey: bigint | undefined = undefined;
  hostSelectionRetryMaxAttempts: number | undefined = undefined;
  originalDestination: { readonly ip: string; readonly port: number } | undefined;

  constructor(
    private readonly cb: FilterCallbacks,
    private readonly config: RouterConfig,
    private readonly clusterManager: ClusterManager,
  ) {
    this.originalDestination = cb.connection.originalDestination;
  }

  shouldSelectAnotherHost(host: Host): boolean {
    return this.previousHosts !== undefined && this.previousHosts.includes(host);
  }

  // ---- decoding ----

  decodeHeaders(req: RequestHead, endStream: boolean): FilterStatus {
    const cb = this.cb;
    const info = cb.streamInfo;
    const hs = this.config.hcmStats;
    hs.rq_total.inc();
    const route = cb.route() as RouteEntry | undefined;
    if (route === undefined) {
      hs.no_route.inc();
      cb.sendLocalReply(404, '', ResponseFlag.NoRouteFound, Details.RouteNotFound);
      return FilterStatus.StopIteration;
    }
    this.route = route;
    const dr = route.directResponse;
    if (dr !== undefined) {
      if (dr.kind === 'redirect') hs.rq_redirect.inc();
      else hs.rq_direct_response.inc();
      const loc = dr.location(req);
      this.localReply = true;
      cb.sendLocalReply(dr.status, dr.body === undefined ? '' : dr.body.toString(), 0, Details.DirectResponse, loc === undefined ? undefined : [['location', loc]]);
      return FilterStatus.StopIteration;
    }
    const clusterName = route.resolveCluster(req.headers);
    const cluster = clusterName === undefined ? undefined : this.clusterManager.get(clusterName);
    if (cluster === undefined) {
      hs.no_cluster.inc();
      this.localReply = true;
      cb.sendLocalReply(route.clusterNotFoundStatus, '', ResponseFlag.NoClusterFound, Details.ClusterNotFound);
      return FilterStatus.StopIteration;
    }
    this.cluster = cluster;
    this.stats = clusterTrafficStats(cluster.info);
    info.upstreamClusterName = cluster.info.observabilityName || cluster.info.name;
    const h = req.headers;
    // No x-envoy-* header at all (the usual request): the header overrides below are skipped.
    const envoyHeaders = h.mayHave(HeaderBit.XEnvoy);

    // Timeouts: the route's, overridden by trusted headers (removed before forwarding).
    this.timeoutMs = route.timeoutMs;
    const policy = route.retryPolicy;
    this.perTryTimeoutMs = policy?.perTryTimeoutMs ?? 0;
    this.perTryIdleTimeoutMs = policy?.perTryIdleTimeoutMs ?? 0;
    if (envoyHeaders) {
      const rqTimeout = h.get('x-envoy-upstream-rq-timeout-ms');
      if (rqTimeout !== undefined) {
        if (/^\d+$/.test(rqTimeout)) this.timeoutMs = Number(rqTimeout);
        h.remove('x-envoy-upstream-rq-timeout-ms');
      }
      const ptHeader = h.get('x-envoy-upstream-rq-per-try-timeout-ms');
      if (ptHeader !== undefined) {
        if (/^\d+$/.test(ptHeader)) this.perTryTimeoutMs = Number(ptHeader);
        h.remove('x-envoy-upstream-rq-per-try-timeout-ms');
      }
    }
    if (!this.config.suppressEnvoyHeaders) {
      const expected = this.perTryTimeoutMs > 0 && (this.timeoutMs === 0 || this.perTryTimeoutMs < this.timeoutMs) ? this.perTryTimeoutMs : this.timeoutMs;
      if (expected > 0) {
        if (envoyHeaders) h.set('x-envoy-expected-rq-timeout-ms', msString(expected));
        else h.add('x-envoy-expected-rq-timeout-ms', msString(expected));
      }
    }

    // Retry state only when a policy or a retry header can enable retries.
    if (envoyHeaders || (policy !== undefined && policy.retryOn !== 0)) {
      const rs = new RetryState(policy, h, cluster.info.resources.default.retries);
      if (rs.enabled) {
        this.retry = rs;
        this.hostSelectionRetryMaxAttempts = policy?.hostSelectionRetryMaxAttempts;
        if (policy?.previousHosts) this.previousHosts = [];
      }
    }

    // Rewrites and header mutations.
    const newPath = route.rewritePath(req.path);
    if (newPath !== undefined && newPath !== req.path) {
      if (!this.config.suppressEnvoyHeaders && !h.has('x-envoy-original-path')) h.add('x-envoy-original-path', req.path);
      req.path = newPath;
    }
    const host = route.rewriteHost(req);
    if (host !== undefined) h.set('host', host);
    route.applyRequestHeaders(h, info);
    if (route.hashPolicies.length > 0) this.hashKey = route.hashKey(req, info.trustedRemoteIp ?? this.cb.connection.remoteIp);

    this.bufferLimit = route.perRequestBufferLimitBytes ?? this.config.bufferLimitBytes;
    this.keepBody = this.retry !== undefined || route.mirrorPolicies.length > 0;
    this.headersOnly = endStream;
    this.tunnel = req.upgradeType !== '';
    this.upstreamChunked = !endStream && !this.tunnel && !h.has('content-length');
    if (endStream) this.onRequestEnd();
    this.startAttempt();
    return FilterStatus.StopIteration;
  }

  decodeData(data: Buffer, endStream: boolean): FilterStatus {
    if (this.finished || this.cluster === undefined) return FilterStatus.StopIteration;
    const up = this.upstream;
    const writable = up !== undefined && up.conn !== undefined && up.started && !up.done && (!this.tunnel || this.downstreamResponseStarted);
    if (data.length > 0) {
      if (writable && !this.keepBody) {
        this.writeBody(up!, data);
        up!.bodyIndex = 0;
      } else {
        this.body.push(data);
        this.bodyBytes += data.length;
        if (writable) {
          this.writeBody(up!, data);
          up!.bodyIndex = this.body.length;
        }
        if (this.bodyBytes > this.bufferLimit) this.onBufferOverflow();
      }
    }
    if (endStream) {
      this.onRequestEnd();
      if (writable) this.endBody(up!);
    }
    return FilterStatus.StopIteration;
  }

  private onBufferOverflow(): void {
    if (this.keepBody) {
      // Too large to replay: no more retries or mirrors for this request.
      this.keepBody = false;
      this.bodyOverflow = true;
      if (this.retry !== undefined) this.retry.release();
      this.retry = undefined;
      const up = this.upstream;
      if (up !== undefined && up.started && up.conn !== undefined) {
        this.body = [];
        this.bodyBytes = 0;
        up.bodyIndex = 0;
        return;
      }
      if (up === undefined || up.done) {
        // Waiting to retry and the body no longer fits: Envoy answers 507.
        this.cb.sendLocalReply(507, 'exceeded request buffer limit while retrying upstream', 0, 'request_payload_exceeded_retry_buffer_limit');
        return;
      }
    }
    // Waiting for a connection: stop reading until it is ready.
    this.cb.readDisable(true);
  }

  private onRequestEnd(): void {
    this.requestEnded = true;
    if (this.timeoutMs > 0 && this.globalTimer === undefined) {
      this.globalTimer = new WheelTimer(this, Timer.Global);
      timerWheel.schedule(this.globalTimer, this.timeoutMs);
    }
    const up = this.upstream;
    if (up !== undefined && up.started) up.startPerTryTimers(this.perTryTimeoutMs, this.perTryIdleTimeoutMs);
    const route = this.route;
    if (route !== undefined && route.mirrorPolicies.length > 0 && !this.bodyOverflow) {
      const req = this.cb.request;
      for (const m of route.mirrorPolicies) {
        if (!m.sampled(Math.random())) continue;
        const name = m.cluster ?? (m.clusterHeader !== undefined ? req.headers.get(m.clusterHeader) : undefined);
        const c = name === undefined ? undefined : this.clusterManager.get(name);
        if (c !== undefined) sendShadow(c, req, this.body, this.upstreamChunked, this.headersOnly, !m.disableShadowHostSuffixAppend);
      }
    }
  }

  // ---- attempts ----

  private startAttempt(): void {
    const cb = this.cb;
    const info = cb.streamInfo;
    const cluster = this.cluster!;
    this.attempts++;
    info.attemptCount = this.attempts;
    const host = cluster.chooseHost(this);
    if (host === undefined) {
      this.stats!.upstream_cx_none_healthy.inc();
      this.finishLocal(503, LocalReplyBody.NoHealthyUpstream, ResponseFlag.NoHealthyUpstream, Details.NoHealthyUpstream);
      return;
    }
    info.upstreamHost = host;
    if (this.previousHosts !== undefined) this.previousHosts.push(host);
    if (this.route!.autoHostRewrite && host.hostname) cb.request.headers.set('host', host.hostname);
    if (this.route!.includeRequestAttemptCount) cb.request.headers.set('x-envoy-attempt-count', String(this.attempts));
    const up = new UpstreamRequest(this, host, this.attempts);
    this.upstream = up;
    const pool = cluster.connectionPool(host) as Http1ConnectionPool;
    const pending = pool.newStream(up, cb.request.method === 'HEAD', cb.request.upgradeType === 'connect');
    if (pending !== undefined && !up.done && up.conn === undefined) up.pending = pending;
  }

  onPoolReady(up: UpstreamRequest): void {
    if (up !== this.upstream || this.finished) return;
    const conn = up.conn!;
    const info = this.cb.streamInfo;
    info.upstreamLocalAddress = conn.localAddress;
    if (info.timed && info.firstUpstreamTxMs < 0) info.firstUpstreamTxMs = info.sinceStart();
    // A request without body (the usual GET) leaves in one plain write: corking a single chunk
    // only adds Writable buffering; with body parts queued, cork makes them one writev.
    const cork = !this.tunnel && (this.body.length > 0 || (this.requestEnded && this.upstreamChunked));
    if (cork) conn.cork();
    conn.write(this.requestHead());
    up.started = true;
    if (!this.tunnel) {
      for (let i = 0; i < this.body.length; i++) this.writeBody(up, this.body[i]);
      up.bodyIndex = this.body.length;
      if (!this.keepBody) {
        this.body = [];
        this.bodyBytes = 0;
        up.bodyIndex = 0;
      }
      if (this.requestEnded) this.endBody(up);
    }
    if (cork) conn.uncork();
    if (this.requestEnded) up.startPerTryTimers(this.perTryTimeoutMs, this.perTryIdleTimeoutMs);
    this.cb.readDisable(false);
  }

  private requestHead(): string {
    const req = this.cb.request;
    let s = `${req.method} ${req.path} HTTP/1.1\r\n${req.headers.serialize()}`;
    if (this.upstreamChunked) s += 'transfer-encoding: chunked\r\n';
    else if (this.headersOnly && !this.tunnel && !NO_BODY_METHODS.has(req.method) && !req.headers.has('content-length')) s += 'content-length: 0\r\n';
    return `${s}\r\n`;
  }

  private writeBody(up: UpstreamRequest, data: Buffer): void {
    const conn = up.conn!;
    let ok: boolean;
    if (this.upstreamChunked) {
      conn.cork();
      conn.write(`${data.length.toString(16)}\r\n`);
      conn.write(data);
      ok = conn.write('\r\n');
      conn.uncork();
    } else ok = conn.write(data);
    if (!ok) this.cb.readDisable(true);
  }

  private endBody(up: UpstreamRequest): void {
    const conn = up.conn!;
    if (this.upstreamChunked) conn.write('0\r\n\r\n');
    conn.requestComplete();
    const info = this.cb.streamInfo;
    if (info.timed) info.lastUpstreamTxMs = info.sinceStart();
  }

  onUpstreamDrain(up: UpstreamRequest): void {
    if (up === this.upstream) this.cb.readDisable(false);
  }

  onDownstreamDrain(): void {
    const c = this.upstream?.conn;
    if (c !== undefined) c.readDisable(false);
  }

  // ---- response ----

  onUpstreamHeaders(up: UpstreamRequest, p: H1Parser): void {
    if (up !== this.upstream || this.finished) return;
    const cb = this.cb;
    const info = cb.streamInfo;
    const status = p.statusCode;
    const headers = p.headers;
    if (info.timed) info.firstUpstreamRxMs = info.sinceStart();
    up.cancelPerTry();
    up.host.putHttpResponseCode(status);
    if (headers.mayHave(HeaderBit.XEnvoy) && headers.has('x-envoy-immediate-health-check-fail')) up.host.markImmediateHealthCheckFail?.();
    const stats = this.stats!;
    let retriable = false;
    if (this.retry !== undefined && !this.downstreamResponseStarted) {
      const decision = this.retry.decide(this.retry.wouldRetryFromHeaders(status, headers));
      if (decision === RetryStatus.Yes) {
        stats.chargeResponse(status);
        up.reset();
        this.scheduleRetry();
        return;
      }
      retriable = decision !== RetryStatus.No;
      this.noteRetryStatus(decision);
    }
    stats.chargeResponse(status);
    // Envoy counts a retry success when a retried request ends on an outcome its policy would
    // not retry (whatever the status); a retriable outcome out of retries is a limit exceeded.
    if (this.attempts > 1 && !retriable) stats.upstream_rq_retry_success.inc();
    this.responseStatus = status;
    if (!this.config.suppressEnvoyHeaders) {
      headers.add('x-envoy-upstream-service-time', String(Math.floor(performance.now() - up.startMono)));
    }
    if (this.route!.includeAttemptCountInResponse) headers.set('x-envoy-attempt-count', String(this.attempts));
    this.route!.applyResponseHeaders(headers, info);
    if (info.responseCodeDetails === undefined) info.responseCodeDetails = Details.ViaUpstream;
    this.downstreamResponseStarted = true;
    const upgraded = p.upgrade;
    cb.encodeHeaders(status, headers, p.noBody);
    if (upgraded) {
      cb.upgradeAccepted();
      // Client bytes that arrived before the 101 go out now.
      const conn = up.conn;
      if (conn !== undefined) {
        for (const b of this.body) conn.write(b);
        this.body = [];
        this.bodyBytes = 0;
      }
    }
    if (!cb.downstreamWritable && up.conn !== undefined) up.conn.readDisable(true);
  }

  onUpstreamData(up: UpstreamRequest, data: Buffer): void {
    if (up !== this.upstream || this.finished) return;
    this.cb.encodeData(data, false);
    if (!this.cb.downstreamWritable && up.conn !== undefined) up.conn.readDisable(true);
  }

  onUpstreamComplete(up: UpstreamRequest): void {
    if (up !== this.upstream || this.finished) return;
    const info = this.cb.streamInfo;
    if (info.timed) info.lastUpstreamRxMs = info.sinceStart();
    this.finished = true;
    this.cancelTimers();
    const stats = this.stats!;
    stats.upstream_rq_time.recordValue(performance.now() - up.startMono);
    if (this.responseStatus >= 500) up.host.stats.rq_error++;
    else up.host.stats.rq_success++;
    this.cb.encodeData(EMPTY, true);
  }

  onUpstreamReset(up: UpstreamRequest, reason: ResetReason, transportFailure: string | undefined): void {
    if (up !== this.upstream || this.finished) return;
    const cb = this.cb;
    const info = cb.streamInfo;
    if (transportFailure !== undefined) info.upstreamTransportFailureReason = transportFailure;
    up.host.stats.rq_error++;
    if (reason === ResetReason.ConnectionTermination || reason === ResetReason.RemoteReset) this.stats!.upstream_rq_rx_reset.inc();
    if (this.downstreamResponseStarted) {
      // Mid-response: nothing to retry or answer; the downstream is reset.
      this.finished = true;
      this.cancelTimers();
      if (this.tunnel) {
        cb.encodeData(EMPTY, true);
        return;
      }
      this.config.hcmStats.rq_reset_after_downstream_response_started.inc();
      info.setResponseFlag(resetFlag(reason));
      cb.sendLocalReply(503, '', 0, `upstream_reset_after_response_started{${RESET_REASON_TEXT[reason].replace(/\s/g, '_')}}`);
      return;
    }
    if (reason === ResetReason.Overflow) {
      this.finishLocal(503, `${LocalReplyBody.ResetPrefix}reset reason: overflow`, ResponseFlag.UpstreamOverflow, 'upstream_reset_before_response_started{overflow}', [['x-envoy-overloaded', 'true']]);
      return;
    }
    if (this.retry !== undefined && !this.bodyOverflow) {
      const decision = this.retry.decide(this.retry.wouldRetryFromReset(reason, up.started));
      if (decision === RetryStatus.Yes) {
        this.scheduleRetry();
        return;
      }
      this.noteRetryStatus(decision);
    }
    const text = RESET_REASON_TEXT[reason];
    // Envoy: "..., transport failure reason: <why>" in the body, "{<reason>,<why>}" in the details.
    const why = transportFailure !== undefined && transportFailure !== '' ? transportFailure : undefined;
    const body = `${LocalReplyBody.ResetPrefix}${this.attempts > 1 ? 'retried and the latest ' : ''}reset reason: ${text}${why ? `, transport failure reason: ${why}` : ''}`;
    const details = `upstream_reset_before_response_started{${text}${why ? `,${why}` : ''}}`.replace(/\s/g, '_');
    this.finishLocal(503, body, resetFlag(reason), details);
  }

  private noteRetryStatus(s: RetryStatus): void {
    if (s === RetryStatus.NoRetryLimitExceeded) {
      this.cb.streamInfo.setResponseFlag(ResponseFlag.UpstreamRetryLimitExceeded);
      this.stats!.upstream_rq_retry_limit_exceeded.inc();
    } else if (s === RetryStatus.NoOverflow) {
      this.cb.streamInfo.setResponseFlag(ResponseFlag.UpstreamOverflow);
      this.stats!.upstream_rq_retry_overflow.inc();
    }
  }

  onPerTryTimeout(up: UpstreamRequest, idle: boolean): void {
    if (up !== this.upstream || this.finished) return;
    const stats = this.stats!;
    if (idle) stats.upstream_rq_per_try_idle_timeout.inc();
    else stats.upstream_rq_per_try_timeout.inc();
    up.host.stats.rq_timeout++;
    up.host.putResult(OutlierResult.LocalOriginTimeout);
    up.reset();
    if (this.retry !== undefined && !this.downstreamResponseStarted && !this.bodyOverflow) {
      const decision = this.retry.decide(this.retry.wouldRetryFromReset(ResetReason.LocalReset, true));
      if (decision === RetryStatus.Yes) {
        this.scheduleRetry();
        return;
      }
      this.noteRetryStatus(decision);
    }
    this.finishLocal(504, LocalReplyBody.UpstreamTimeout, ResponseFlag.UpstreamRequestTimeout, idle ? Details.PerTryIdleTimeout : Details.PerTryTimeout);
  }

  private scheduleRetry(): void {
    this.stats!.upstream_rq_retry.inc();
    this.stats!.upstream_rq_retry_backoff_exponential.inc();
    this.upstream = undefined;
    if (this.backoffTimer === undefined) this.backoffTimer = new WheelTimer(this, Timer.Backoff);
    timerWheel.schedule(this.backoffTimer, this.retry!.nextBackoffMs());
  }

  onTimer(kind: number): void {
    if (this.finished) return;
    if (kind === Timer.Backoff) {
      this.retry?.release();
      this.startAttempt();
      return;
    }
    // The route timeout covers every attempt and back-off.
    const stats = this.stats!;
    stats.upstream_rq_timeout.inc();
    const up = this.upstream;
    if (up !== undefined) {
      up.host.stats.rq_timeout++;
      up.host.putResult(OutlierResult.LocalOriginTimeout);
      up.reset();
    }
    if (this.downstreamResponseStarted) {
      this.finished = true;
      this.cancelTimers();
      this.cb.streamInfo.setResponseFlag(ResponseFlag.UpstreamRequestTimeout);
      this.cb.sendLocalReply(504, '', 0, Details.ResponseTimeout);
      return;
    }
    this.finishLocal(504, LocalReplyBody.UpstreamTimeout, ResponseFlag.UpstreamRequestTimeout, Details.ResponseTimeout);
  }

  private finishLocal(code: number, body: string, flag: number, details: string, extra?: [string, string][]): void {
    this.finished = true;
    this.cancelTimers();
    this.upstream?.reset();
    this.localReply = true;
    this.cb.sendLocalReply(code, body, flag, details, extra);
  }

  /**
   * The router's own local replies (direct responses, redirects, upstream failures) carry the
   * route's response header mutations and the attempt count, as Envoy's modify_headers_ does.
   * Proxied responses got them in onUpstreamHeaders.
   */
  encodeHeaders(_status: number, headers: HeaderMapImpl): void {
    if (!this.localReply) return;
    this.localReply = false;
    const route = this.route;
    if (route === undefined) return;
    route.applyResponseHeaders(headers, this.cb.streamInfo);
    if (route.includeAttemptCountInResponse && this.attempts > 0) headers.set('x-envoy-attempt-count', String(this.attempts));
  }

  private cancelTimers(): void {
    if (this.globalTimer !== undefined) timerWheel.cancel(this.globalTimer);
    if (this.backoffTimer !== undefined) timerWheel.cancel(this.backoffTimer);
    this.retry?.release();
  }

  onDestroy(reset: boolean): void {
    this.cancelTimers();
    const up = this.upstream;
    if (up !== undefined && !up.done) {
      if (reset) this.stats?.upstream_rq_tx_reset.inc();
      up.reset();
    }
    this.finished = true;
    this.body = [];
  }
}

export type { HeaderMapImpl };
