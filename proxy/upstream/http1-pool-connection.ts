// One upstream HTTP/1.1 connection of a pool: it carries one request at a time, parses the
// response with the shared H1 parser and hands events to the attached stream through methods (no
// closures per request). It is returned to the pool only when both directions completed cleanly
// and keep-alive holds; anything else closes it.
import * as net from 'node:net';
import { timerWheel, WheelTimer, TimerTarget } from '../common/timer-wheel';
import { ResetReason } from '../http/codec-types';
import { H1Parser, H1ParserHandler, ParserKind } from '../http/h1/h1-parser';
import { formatAddress } from '../http/stream-info';
import { beginWriteBatch, endWriteBatch } from '../http/write-batch';
import { OutlierResult, type ClusterInfo, type Host } from './types';
import type { ClusterTrafficStats } from './http1-pool-stats';

/** What the router's upstream request implements to receive pool and response events. */
export interface UpstreamStreamHandler {
  onPoolReady(conn: Http1PoolConnection): void;
  onPoolFailure(reason: ResetReason, transportFailureReason: string | undefined): void;
  /** The response head; the parser's fields describe it (statusCode, headers, noBody, upgrade). */
  onUpstreamHeaders(parser: H1Parser): void;
  onUpstreamData(data: Buffer): void;
  onUpstreamComplete(): void;
  onUpstreamReset(reason: ResetReason): void;
  /** The connection's write buffer drained (request body backpressure released). */
  onUpstreamDrain(): void;
}

/** The pool side of a connection. */
export interface PoolConnectionOwner {
  onConnected(c: Http1PoolConnection): void;
  onConnectFailed(c: Http1PoolConnection, reason: ResetReason, transportFailure: string | undefined): void;
  onReleased(c: Http1PoolConnection): void;
  onClosed(c: Http1PoolConnection): void;
}

const enum Timer {
  Connect,
  Idle,
  Duration,
}

const CONNECTING = 0;
const READY = 1;
const CLOSED = 2;

let nextConnectionId = 1;

/**
 * Responses are read into one buffer per connection (net's `onread`) and copied out, instead of
 * Node's default read path, which mallocs 64 KiB per read, shrinks it, and runs each chunk
 * through Readable.push, a 'data' emit and a maybeReadMore tick. The copy is exact-size (a small
 * read is a slice of Node's shared Buffer pool) and short-lived like Node's own chunks; handing
 * out views of a longer-lived buffer instead would have it promoted to the old generation and
 * held there until a full GC (+12 MB RSS under load).
 */
const READ_BUFFER_BYTES = 16 * 1024;

export class Http1PoolConnection implements H1ParserHandler, TimerTarget {
  readonly id = nextConnectionId++;
  readonly socket: net.Socket;
  readonly parser: H1Parser;
  stream: UpstreamStreamHandler | undefined = undefined;
  localAddress: string | undefined = undefined;
  requestsSent = 0;
  private state = CONNECTING;
  private requestDone = false;
  private responseDone = false;
  /** Do not reuse: connection: close, an error, an upgrade, max duration reached. */
  private noReuse = false;
  private closedLocally = false;
  private readonly connectStart = performance.now();
  private connectedAt = 0;
  readonly connectTimer: WheelTimer;
  readonly idleTimer: WheelTimer;
  readonly durationTimer: WheelTimer;

  constructor(
    private readonly owner: PoolConnectionOwner,
    readonly host: Host,
    readonly cluster: ClusterInfo,
    private readonly stats: ClusterTrafficStats,
  ) {
    this.parser = new H1Parser(ParserKind.Response, this, { maxHeaderBytes: 60 * 1024, maxHeadersCount: 100 });
    this.connectTimer = new WheelTimer(this, Timer.Connect);
    this.idleTimer = new WheelTimer(this, Timer.Idle);
    this.durationTimer = new WheelTimer(this, Timer.Duration);
    const a = host.address;
    const opts: net.NetConnectOpts =
      a.kind === 'pipe'
        ? { path: a.path }
        : {
            host: a.ip,
            port: a.port,
            family: a.family,
            noDelay: true,
            ...(cluster.sourceAddress ? { localAddress: cluster.sourceAddress.ip, localPort: cluster.sourceAddress.port || undefined } : {}),
          };
    stats.upstream_cx_total.inc();
    stats.upstream_cx_http1_total.inc();
    stats.upstream_cx_active.inc();
    host.stats.cx_total++;
    host.stats.cx_active++;
    cluster.resources.default.connections.inc();
    this.onConnect = this.onConnect.bind(this);
    this.onData = this.onData.bind(this);
    this.onRead = this.onRead.bind(this);
    opts.onread = { buffer: Buffer.allocUnsafeSlow(READ_BUFFER_BYTES), callback: this.onRead };
    this.socket = net.connect(opts);
    this.socket.setNoDelay(true);
    this.onError = this.onError.bind(this);
    this.onClose = this.onClose.bind(this);
    this.onDrain = this.onDrain.bind(this);
    this.onEnd = this.onEnd.bind(this);
    this.socket.once('connect', this.onConnect);
    // Sockets that ignore `onread` (stand-ins in tests and benches) deliver 'data' events instead.
    this.socket.on('data', this.onData);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
    this.socket.on('drain', this.onDrain);
    this.socket.on('end', this.onEnd);
    if (cluster.connectTimeoutMs > 0) timerWheel.schedule(this.connectTimer, cluster.connectTimeoutMs);
  }

  get ready(): boolean {
    return this.state === READY;
  }

  get closed(): boolean {
    return this.state === CLOSED;
  }

  private onConnect(): void {
    timerWheel.cancel(this.connectTimer);
    this.state = READY;
    this.connectedAt = performance.now();
    this.stats.upstream_cx_connect_ms.recordValue(this.connectedAt - this.connectStart);
    const la = this.socket.localAddress;
    if (la !== undefined) this.localAddress = formatAddress(la, this.socket.localPort ?? 0);
    if (this.cluster.maxConnectionDurationMs > 0) timerWheel.schedule(this.durationTimer, this.cluster.maxConnectionDurationMs);
    this.host.putResult(OutlierResult.LocalOriginConnectSuccess);
    this.owner.onConnected(this);
  }

  /** Binds a stream; the caller writes the request next. */
  attach(stream: UpstreamStreamHandler, isHead: boolean, isConnect: boolean): void {
    timerWheel.cancel(this.idleTimer);
    this.stream = stream;
    this.requestDone = false;
    this.responseDone = false;
    this.requestsSent++;
    this.parser.responseToHead = isHead;
    this.parser.responseToConnect = isConnect;
    this.cluster.resources.default.requests.inc();
    this.stats.upstream_rq_total.inc();
    this.stats.upstream_rq_active.inc();
    this.host.stats.rq_total++;
    this.host.stats.rq_active++;
    const max = this.cluster.maxRequestsPerConnection;
    if (max > 0 && this.requestsSent >= max) {
      this.noReuse = true;
      this.stats.upstream_cx_max_requests.inc();
    }
  }

  /** The attached stream is over: releases what attach() took. */
  private detach(): UpstreamStreamHandler | undefined {
    const s = this.stream;
    if (s === undefined) return undefined;
    this.stream = undefined;
    this.cluster.resources.default.requests.dec();
    this.stats.upstream_rq_active.dec();
    this.host.stats.rq_active--;
    return s;
  }

  /** Writes request bytes; false when the socket buffer is full (wait for onUpstreamDrain). */
  write(data: string | Buffer): boolean {
    const n = typeof data === 'string' ? data.length : data.length;
    this.stats.upstream_cx_tx_bytes_total.add(n);
    return typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data);
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  /** The whole request has been written. */
  requestComplete(): void {
    this.requestDone = true;
    if (this.responseDone) this.release();
  }

  /** The stream gives up on this connection (timeout, downstream reset): it is closed. */
  resetStream(): void {
    this.detach();
    this.noReuse = true;
    this.close(true);
  }

  /** Pauses or resumes reading the response (downstream backpressure). */
  readDisable(disable: boolean): void {
    if (disable) this.socket.pause();
    else this.socket.resume();
  }

  onTimer(kind: number): void {
    if (kind === Timer.Connect) {
      if (this.state !== CONNECTING) return;
      this.stats.upstream_cx_connect_timeout.inc();
      this.failConnect(ResetReason.ConnectionFailure, undefined, true);
    } else if (kind === Timer.Idle) {
      if (this.stream !== undefined || this.state !== READY) return;
      this.stats.upstream_cx_idle_timeout.inc();
      this.close(true);
    } else {
      this.stats.upstream_cx_max_duration_reached.inc();
      this.noReuse = true;
      if (this.stream === undefined) this.close(true);
    }
  }

  /** Parked in the pool: the idle timeout runs. */
  markIdle(): void {
    const t = this.cluster.idleTimeoutMs;
    if (t > 0) timerWheel.schedule(this.idleTimer, t);
  }

  // ---- H1ParserHandler (response side) ----

  onMessageHead(): void {
    const p = this.parser;
    if (!p.keepAlive || p.upgrade) this.noReuse = true;
    this.stream?.onUpstreamHeaders(p);
  }

  onMessageBody(data: Buffer): void {
    this.stream?.onUpstreamData(data);
  }

  onMessageComplete(): void {
    this.responseDone = true;
    const s = this.detach();
    // Release first so a request waiting in the pool can take this connection at once.
    if (this.requestDone) this.release();
    else {
      // A response before the request was fully sent: the connection cannot carry another one.
      this.noReuse = true;
      this.close(true);
    }
    if (s !== undefined) s.onUpstreamComplete();
  }

  onParseError(): void {
    this.stats.upstream_cx_protocol_error.inc();
    const s = this.detach();
    this.noReuse = true;
    this.close(true);
    s?.onUpstreamReset(ResetReason.ProtocolError);
  }

  // ---- socket events ----

  private onRead(nread: number, buf: Uint8Array): boolean {
    // Parsed views of the bytes may outlive this call (body chunks, a partial head): the read
    // buffer is reused, so they get their own copy.
    const data = Buffer.allocUnsafe(nread);
    data.set(nread === buf.length ? buf : buf.subarray(0, nread));
    this.onData(data);
    return true;
  }

  private onData(data: Buffer): void {
    this.stats.upstream_cx_rx_bytes_total.add(data.length);
    if (this.stream === undefined && !this.parser.inMessage) {
      // Bytes with no request outstanding: the upstream is misbehaving.
      this.noReuse = true;
      this.close(true);
      return;
    }
    // Response bytes this read produces leave together when it has been handled.
    beginWriteBatch();
    try {
      this.parser.feed(data);
    } finally {
      endWriteBatch();
    }
  }

  private onDrain(): void {
    this.stream?.onUpstreamDrain();
  }

  private onEnd(): void {
    // Half-close from the upstream ends a close-delimited body; the socket closes after.
    if (this.parser.finish()) {
      /* cut short: handled in onClose as a termination */
    }
    this.noReuse = true;
    if (this.stream === undefined && this.state === READY) this.close(false);
  }

  private onError(err: NodeJS.ErrnoException): void {
    if (this.state === CONNECTING) {
      const code = err.errno !== undefined ? Math.abs(err.errno) : undefined;
      const reason = err.code === 'ECONNREFUSED' && code !== undefined ? `delayed connect error: ${code}` : err.code ?? err.message;
      this.failConnect(ResetReason.ConnectionFailure, reason, false);
    }
    // Other errors are followed by 'close', which reports the reset.
  }

  private failConnect(reason: ResetReason, transportFailure: string | undefined, timeout: boolean): void {
    if (this.state !== CONNECTING) return;
    this.stats.upstream_cx_connect_fail.inc();
    this.host.stats.cx_connect_fail++;
    this.host.putResult(timeout ? OutlierResult.LocalOriginTimeout : OutlierResult.LocalOriginConnectFailed);
    this.closedLocally = true;
    this.teardown();
    this.owner.onConnectFailed(this, reason, transportFailure);
  }

  private onClose(): void {
    if (this.state === CLOSED) return;
    const s = this.detach();
    const remote = !this.closedLocally;
    if (s !== undefined) {
      this.stats.upstream_cx_destroy_with_active_rq.inc();
      if (remote) this.stats.upstream_cx_destroy_remote_with_active_rq.inc();
      else this.stats.upstream_cx_destroy_local_with_active_rq.inc();
    }
    this.teardown();
    if (s !== undefined && !this.responseDone) s.onUpstreamReset(ResetReason.ConnectionTermination);
  }

  private release(): void {
    if (this.noReuse || this.state !== READY) {
      this.close(true);
      return;
    }
    this.owner.onReleased(this);
  }

  close(local: boolean): void {
    if (this.state === CLOSED) return;
    this.closedLocally = local;
    this.socket.destroy();
    this.teardown();
  }

  private teardown(): void {
    if (this.state === CLOSED) return;
    const wasConnected = this.connectedAt > 0;
    this.state = CLOSED;
    this.detach();
    timerWheel.cancel(this.connectTimer);
    timerWheel.cancel(this.idleTimer);
    timerWheel.cancel(this.durationTimer);
    if (!this.socket.destroyed) this.socket.destroy();
    this.stats.upstream_cx_active.dec();
    this.stats.upstream_cx_destroy.inc();
    if (this.closedLocally) this.stats.upstream_cx_destroy_local.inc();
    else this.stats.upstream_cx_destroy_remote.inc();
    if (wasConnected) this.stats.upstream_cx_length_ms.recordValue(performance.now() - this.connectedAt);
    this.host.stats.cx_active--;
    this.cluster.resources.default.connections.dec();
    this.owner.onClosed(this);
  }
}
