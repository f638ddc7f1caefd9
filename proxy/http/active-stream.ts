// One request/response exchange on a downstream connection: Envoy's ActiveStream plus its filter
// manager. It validates and normalises the request, applies the managed headers, runs the decoder
// filters in order (a filter may stop iteration and resume it later; body arriving meanwhile is
// held), runs encoder hooks in reverse on the way back, sends local replies, owns the per-stream
// timeouts on the shared wheel, and at the end writes access logs and charges stats.
import { timerWheel, TimerTarget, WheelTimer } from '../common/timer-wheel';
import { FilterCallbacks, FilterStatus, HttpStreamFilter, RequestHead } from './filter-types';
import type { H1Parser } from './h1/h1-parser';
import { H1Details } from './h1/h1-errors';
import type { HcmConnection } from './hcm-connection';
import { HeaderMapImpl } from './header-map-impl';
import { Details, localReplyHeaders } from './local-reply';
import { normalizeRequestPath, PathResult } from './path-normalize';
import { mutateRequestHeaders, mutateResponseHeaders } from './request-headers';
import { ResponseFlag } from './response-flags';
import type { RouteSource, RouteView } from './route-view';
import { StreamInfo } from './stream-info';

const enum Timer {
  Idle,
  Request,
  MaxDuration,
}

/** Placeholder until begin(); never written to (begin/beginWithoutHead replace it first). */
const NO_HEADERS = new HeaderMapImpl();

class RequestHeadImpl implements RequestHead {
  method = '';
  path = '';
  scheme = 'http';
  /** The parser's map (begin) or a fresh one (beginWithoutHead): never a spare one per stream. */
  headers = NO_HEADERS;
  versionMinor = 1;
  upgradeType = '';
  get authority(): string {
    return this.headers.get('host') ?? '';
  }
}

export class ActiveStream implements FilterCallbacks, TimerTarget {
  readonly streamInfo: StreamInfo;
  readonly request = new RequestHeadImpl();
  private filters: HttpStreamFilter[] = [];
  private decodeIndex = 0;
  private stopped = false;
  private headersDone = false;
  private headersEndStream = false;
  private buffered: Buffer[] | null = null;
  private bufferedBytes = 0;
  private bufferedEnd = false;
  private routeCache: RouteView | undefined | null = null;
  requestComplete = false;
  responseStarted = false;
  responseComplete = false;
  done = false;
  isHead = false;
  keepAlive = true;
  closeConnection = false;
  internalRequest = false;
  private tunnel = false;
  private lastActivity = 0;
  private idleTimer: WheelTimer | undefined;
  /** stream_idle_timeout, or the matched route's idle_timeout (0 = none). */
  private idleMs = 0;
  private requestTimer: WheelTimer | undefined;
  private durationTimer: WheelTimer | undefined;

  constructor(
    private readonly conn: HcmConnection,
    private readonly routes: RouteSource,
  ) {
    this.streamInfo = new StreamInfo(conn.info, conn.config.accessLoggers.length > 0);
  }

  get connection(): HcmConnection['info'] {
    return this.conn.info;
  }

  get downstreamWritable(): boolean {
    return !this.conn.writeBlocked;
  }

  // ---- request side ----

  /** Error streams (codec errors, header timeout) have no head; they only log. */
  beginWithoutHead(): void {
    this.request.headers = new HeaderMapImpl();
    this.requestComplete = true;
    this.headersDone = true;
    this.streamInfo.requestHeaders = this.request.headers;
    this.chargeStart();
  }

  begin(p: H1Parser): void {
    const cfg = this.conn.config;
    const req = this.request;
    const info = this.streamInfo;
    req.method = p.method;
    req.path = p.path;
    req.headers = p.headers;
    req.versionMinor = p.versionMinor;
    this.isHead = p.method === 'HEAD';
    this.keepAlive = p.keepAlive;
    info.method = p.method;
    info.path = p.path;
    info.protocol = p.versionMinor === 1 ? 'HTTP/1.1' : 'HTTP/1.0';
    info.requestHeaders = req.headers;
    this.chargeStart();
    if (p.upgrade) req.upgradeType = p.method === 'CONNECT' ? 'connect' : (req.headers.get('upgrade') ?? '').toLowerCase();
    const endStream = p.noBody;
    if (endStream) this.markRequestComplete();

    if (p.versionMinor === 0) {
      if (!cfg.acceptHttp10) {
        this.closeConnection = true;
        return this.sendLocalReply(426, 'Upgrade Required', ResponseFlag.DownstreamProtocolError, H1Details.LowVersion);
      }
      if (!req.headers.has('host') && cfg.defaultHostForHttp10) req.headers.add('host', cfg.defaultHostForHttp10);
    }
    if (!this.normaliseTarget()) return;
    info.authority = req.authority;
    if (!req.headers.has('host') && p.method !== 'CONNECT') {
      this.closeConnection = true;
      return this.sendLocalReply(400, 'Bad Request', ResponseFlag.DownstreamProtocolError, 'missing_host_header');
    }
    if (cfg.stripPortMode !== 'none' || cfg.stripTrailingHostDot) this.stripHostPort();
    const mr = mutateRequestHeaders(req, this.conn.info, cfg);
    this.internalRequest = mr.internal;
    if (mr.trustedClientIp !== this.conn.info.remoteIp) info.trustedRemoteIp = mr.trustedClientIp;
    info.scheme = req.scheme;

    if (p.expectContinue && !cfg.proxy100Continue) {
      req.headers.remove('expect');
      this.conn.send100Continue();
    }
    this.lastActivity = info.startTime; // taken a moment ago, in this same call
    this.idleMs = cfg.streamIdleTimeoutMs;
    if (cfg.streamIdleTimeoutMs > 0) {
      this.idleTimer = new WheelTimer(this, Timer.Idle);
      timerWheel.schedule(this.idleTimer, cfg.streamIdleTimeoutMs);
    }
    if (cfg.requestTimeoutMs > 0 && !endStream) {
      this.requestTimer = new WheelTimer(this, Timer.Request);
      timerWheel.schedule(this.requestTimer, cfg.requestTimeoutMs);
    }
    if (cfg.maxStreamDurationMs > 0) {
      this.durationTimer = new WheelTimer(this, Timer.MaxDuration);
      timerWheel.schedule(this.durationTimer, cfg.maxStreamDurationMs);
    }

    if (req.upgradeType !== '' && !this.upgradeAllowed()) {
      if (req.upgradeType === 'websocket') cfg.stats.downstream_rq_ws_on_non_ws_route.inc();
      this.closeConnection = true;
      return this.sendLocalReply(403, '', 0, Details.UpgradeFailed);
    }

    // A route's idle_timeout replaces stream_idle_timeout for its requests (0 disables it), as
    // Envoy does when it resolves the route.
    const routeIdle = this.route()?.idleTimeoutMs;
    if (routeIdle !== undefined && routeIdle !== this.idleMs) this.setIdleTimeout(routeIdle);

    // The filter chain for this request: one small object per configured filter.
    const factories = cfg.filters;
    const filters = this.filters;
    for (let i = 0; i < factories.length; i++) filters.push(factories[i].createFilter(this));
    this.headersEndStream = endStream;
    this.iterateHeaders();
  }

  /** Absolute-form targets, path checks and normalisation; false when a reply was sent. */
  private normaliseTarget(): boolean {
    const req = this.request;
    const cfg = this.conn.config;
    let path = req.path;
    if (req.method === 'CONNECT') {
      if (!req.headers.has('host')) req.headers.add('host', path);
      return true;
    }
    if (path.charCodeAt(0) !== 47 /* / */) {
      if (req.method === 'OPTIONS' && path === '*') return true;
      const m = /^(https?):\/\/([^/?#]+)(.*)$/i.exec(path);
      if (m === null) {
        cfg.stats.downstream_rq_non_relative_path.inc();
        this.sendLocalReply(404, '', 0, 'absolute_path_rejected');
        return false;
      }
      // RFC 9112 3.2.2: the target's authority replaces Host.
      req.headers.set('host', m[2]);
      path = m[3] === '' ? '/' : m[3];
      req.path = path;
    }
    if (cfg.pathNormalizationEnabled) {
      const r = normalizeRequestPath(path, cfg.path);
      if (r.result === PathResult.Reject) {
        cfg.stats.downstream_rq_failed_path_normalization.inc();
        this.sendLocalReply(400, 'Bad Request', 0, Details.PathNormalizationFailed);
        return false;
      }
      if (r.result === PathResult.Redirect) {
        cfg.stats.downstream_rq_redirected_with_normalized_path.inc();
        this.sendLocalReply(307, '', 0, Details.PathNormalizationFailed, [['location', r.path]]);
        return false;
      }
      req.path = r.path;
    }
    this.streamInfo.path = req.path;
    return true;
  }

  /** strip_any_host_port / strip_matching_host_port / strip_trailing_host_dot. */
  private stripHostPort(): void {
    const cfg = this.conn.config;
    const h = this.request.headers;
    const host = h.get('host');
    if (host === undefined) return;
    const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
    if (m === null) return;
    let name = m[1];
    let port: string | undefined = m[2];
    if (port !== undefined && (cfg.stripPortMode === 'any' || (cfg.stripPortMode === 'matching' && Number(port) === this.conn.info.localPort))) port = undefined;
    if (cfg.stripTrailingHostDot && name.endsWith('.')) name = name.slice(0, -1);
    const out = port === undefined ? name : `${name}:${port}`;
    if (out !== host) h.set('host', out);

  }

  private upgradeAllowed(): boolean {
    const type = this.request.upgradeType;
    const r = this.route();
    const routeSays = r === undefined ? undefined : r.upgradeEnabled(type);
    // A route's upgrade_configs entry decides on its own: it may disable an upgrade the HCM allows
    // or enable one the HCM does not list (Envoy's createUpgradeFilterChain).
    if (routeSays !== undefined) return routeSays;
    return this.conn.config.upgrades.get(type) === true;
  }

  private chargeStart(): void {
    const st = this.conn.config.stats;
    st.downstream_rq_total.inc();
    st.downstream_rq_http1_total.inc();
    st.downstream_rq_active.inc();
  }

  private markRequestComplete(): void {
    this.requestComplete = true;
    if (this.streamInfo.timed) this.streamInfo.lastDownstreamRxMs = this.streamInfo.sinceStart();
    if (this.requestTimer !== undefined) timerWheel.cancel(this.requestTimer);
  }

  private iterateHeaders(): void {
    const filters = this.filters;
    while (this.decodeIndex < filters.length) {
      const f = filters[this.decodeIndex++];
      if (f.decodeHeaders === undefined) continue;
      const st = f.decodeHeaders(this.request, this.headersEndStream);
      if (this.responseStarted || this.done) return;
      // The terminal filter consumes the request; only an earlier filter can hold it back.
      if (st === FilterStatus.StopIteration && this.decodeIndex < filters.length) {
        this.stopped = true;
        return;
      }
    }
    this.headersDone = true;
    const b = this.buffered;
    if (b !== null) {
      this.buffered = null;
      this.bufferedBytes = 0;
      for (let i = 0; i < b.length; i++) this.passData(b[i], this.bufferedEnd && i === b.length - 1);
      if (b.length === 0 && this.bufferedEnd) this.passData(EMPTY, true);
    }
  }

  decodeData(data: Buffer, endStream: boolean): void {
    if (this.done) return;
    this.streamInfo.bytesReceived += data.length;
    if (endStream) this.markRequestComplete();
    if (this.idleTimer !== undefined) this.lastActivity = Date.now();
    if (this.responseComplete) return; // answered early; the rest of the request is dropped
    if (!this.headersDone) {
      if (this.buffered === null) this.buffered = [];
      if (data.length > 0) this.buffered.push(data);
      this.bufferedBytes += data.length;
      if (endStream) this.bufferedEnd = true;
      if (this.bufferedBytes > this.conn.config.bufferLimitBytes) this.conn.readDisable(true);
      return;
    }
    this.passData(data, endStream);
  }

  private passData(data: Buffer, endStream: boolean): void {
    const filters = this.filters;
    for (let i = 0; i < filters.length; i++) {
      const f = filters[i];
      if (f.decodeData === undefined) continue;
      f.decodeData(data, endStream);
      if (this.done || this.responseComplete) return;
    }
  }

  // ---- FilterCallbacks ----

  private setIdleTimeout(ms: number): void {
    this.idleMs = ms;
    if (ms === 0) {
      if (this.idleTimer !== undefined) timerWheel.cancel(this.idleTimer);
      this.idleTimer = undefined;
      return;
    }
    if (this.idleTimer === undefined) this.idleTimer = new WheelTimer(this, Timer.Idle);
    else timerWheel.cancel(this.idleTimer);
    this.lastActivity = Date.now();
    timerWheel.schedule(this.idleTimer, ms);
  }

  route(): RouteView | undefined {
    if (this.routeCache === null) {
      const r = this.routes.match(this.request, this.conn.info, Math.random());
      this.routeCache = r;
      this.streamInfo.routeName = r?.routeName || undefined;
    }
    return this.routeCache;
  }

  clearRouteCache(): void {
    this.routeCache = null;
  }

  perFilterConfig(filterName: string): unknown {
    return this.route()?.perFilterConfig(filterName);
  }

  continueDecoding(): void {
    if (!this.stopped || this.done) return;
    this.stopped = false;
    if (this.buffered !== null && this.bufferedBytes > this.conn.config.bufferLimitBytes) this.conn.readDisable(false);
    this.iterateHeaders();
  }

  readDisable(disable: boolean): void {
    this.conn.readDisable(disable);
  }

  sendLocalReply(code: number, body: string, flag: number, details: string, extraHeaders?: readonly (readonly [string, string])[]): void {
    if (this.done) return;
    const info = this.streamInfo;
    if (flag !== 0) info.setResponseFlag(flag);
    if (this.responseStarted) {
      // Too late for a reply: the only way to signal the failure is to reset the connection.
      if (info.responseCodeDetails === undefined) info.responseCodeDetails = details;
      this.conn.close(true);
      return;
    }
    info.responseCodeDetails = details;
    const h = localReplyHeaders(body, undefined);
    if (extraHeaders !== undefined) for (const [k, v] of extraHeaders) h.add(k, v);
    // Answering before the whole request arrived: the connection cannot be reused (HTTP/1).
    if (!this.requestComplete) this.closeConnection = true;
    const noBody = body.length === 0 || this.isHead;
    this.encodeHeaders(code, h, noBody);
    if (!noBody && !this.done) this.encodeData(Buffer.from(body), true);
  }

  encodeHeaders(status: number, headers: HeaderMapImpl, endStream: boolean): void {
    if (this.responseStarted || this.done) return;
    this.responseStarted = true;
    const info = this.streamInfo;
    info.responseCode = status;
    info.responseHeaders = headers;
    const filters = this.filters;
    for (let i = filters.length - 1; i >= 0; i--) {
      const f = filters[i];
      if (f.encodeHeaders !== undefined) f.encodeHeaders(status, headers, endStream);
    }
    const cfg = this.conn.config;
    mutateResponseHeaders(headers, status, cfg, cfg.alwaysSetRequestIdInResponse ? this.request.headers.get('x-request-id') : undefined);
    if (info.timed) info.firstDownstreamTxMs = info.sinceStart();
    this.conn.writeResponseHead(this, status, headers, endStream);
    if (endStream) this.onResponseComplete();
  }

  encodeData(data: Buffer, endStream: boolean): void {
    if (!this.responseStarted || this.responseComplete || this.done) return;
    this.streamInfo.bytesSent += data.length;
    if (this.idleTimer !== undefined) this.lastActivity = Date.now();
    this.conn.writeResponseBody(data, endStream && !this.tunnel);
    if (endStream) this.onResponseComplete();
  }

  upgradeAccepted(): void {
    this.tunnel = true;
    // A tunnel has no stream idle limit of its own beyond the configured one; keep it.
  }

  onDownstreamDrain(): void {
    const filters = this.filters;
    for (let i = 0; i < filters.length; i++) filters[i].onDownstreamDrain?.();
  }

  // ---- completion ----

  private onResponseComplete(): void {
    this.responseComplete = true;
    if (this.streamInfo.timed) this.streamInfo.lastDownstreamTxMs = this.streamInfo.sinceStart();
    if (!this.requestComplete) {
      this.closeConnection = true;
      this.conn.config.stats.downstream_rq_response_before_rq_complete.inc();
    }
    if (this.tunnel) this.closeConnection = true;
    this.finish(false);
  }

  /** The downstream connection went away before the exchange finished. */
  onDownstreamReset(local: boolean): void {
    if (this.done) return;
    const info = this.streamInfo;
    if (!this.responseComplete && !this.tunnel) {
      if (!local) {
        info.setResponseFlag(ResponseFlag.DownstreamConnectionTermination);
        this.conn.config.stats.downstream_rq_rx_reset.inc();
        if (info.responseCodeDetails === undefined) info.responseCodeDetails = Details.DownstreamRemoteDisconnect;
      } else this.conn.config.stats.downstream_rq_tx_reset.inc();
    }
    this.finish(true);
  }

  private finish(reset: boolean): void {
    if (this.done) return;
    this.done = true;
    if (this.idleTimer !== undefined) timerWheel.cancel(this.idleTimer);
    if (this.requestTimer !== undefined) timerWheel.cancel(this.requestTimer);
    if (this.durationTimer !== undefined) timerWheel.cancel(this.durationTimer);
    const filters = this.filters;
    for (let i = 0; i < filters.length; i++) {
      const f = filters[i];
      if (f.onDestroy !== undefined) f.onDestroy(reset);
    }
    const cfg = this.conn.config;
    const info = this.streamInfo;
    info.finalMs = info.sinceStart();
    const st = cfg.stats;
    st.downstream_rq_active.dec();
    if (info.responseCode > 0) {
      st.chargeResponse(info.responseCode);
      st.downstream_rq_completed.inc();
    }
    st.downstream_rq_time.recordValue(info.finalMs);
    const loggers = cfg.accessLoggers;
    for (let i = 0; i < loggers.length; i++) loggers[i].log(info);
    if (!reset) this.conn.onStreamDone(this);
  }

  onTimer(kind: number): void {
    if (this.done) return;
    const cfg = this.conn.config;
    if (kind === Timer.Idle) {
      const idle = Date.now() - this.lastActivity;
      if (idle < this.idleMs) {
        timerWheel.schedule(this.idleTimer!, this.idleMs - idle);
        return;
      }
      cfg.stats.downstream_rq_idle_timeout.inc();
      this.timeoutReply(408, 'stream timeout', ResponseFlag.StreamIdleTimeout, Details.StreamIdleTimeout);
    } else if (kind === Timer.Request) {
      if (this.requestComplete) return;
      cfg.stats.downstream_rq_timeout.inc();
      this.timeoutReply(408, 'request timeout', 0, Details.RequestOverallTimeout);
    } else {
      cfg.stats.downstream_rq_max_duration_reached.inc();
      this.timeoutReply(408, 'downstream duration timeout', ResponseFlag.DurationTimeout, Details.DurationTimeout);
    }
  }

  private timeoutReply(code: number, body: string, flag: number, details: string): void {
    // Filters (the router) must stop their upstream work before the reply goes out.
    const filters = this.filters;
    for (let i = 0; i < filters.length; i++) filters[i].onDestroy?.(true);
    this.filters = [];
    if (this.responseStarted) {
      if (flag !== 0) this.streamInfo.setResponseFlag(flag);
      if (this.streamInfo.responseCodeDetails === undefined) this.streamInfo.responseCodeDetails = details;
      this.conn.close(true);
      return;
    }
    this.sendLocalReply(code, body, flag, details);
  }
}

const EMPTY = Buffer.alloc(0);
