// One downstream HTTP/1.1 connection: the server side of the codec (request parsing, response
// framing) and the connection-level duties of Envoy's ConnectionManagerImpl (idle and max-duration
// timeouts, request header timeout, drain, delayed close, stats). Requests are handled one at a
// time: the parser pauses after each request and resumes when its stream is done, which answers
// pipelined requests in order and applies backpressure (reading stops while work is queued).
import type * as net from 'node:net';
import { timerWheel, TimerTarget, WheelTimer } from '../common/timer-wheel';
import { ActiveStream } from './active-stream';
import { H1Parser, H1ParserHandler, ParserKind } from './h1/h1-parser';
import { latin1 } from './h1/latin1';
import type { HcmConfig } from './hcm-config';
import { HeaderBit, type HeaderMapImpl } from './header-map-impl';
import { Details, reasonPhrase, statusLine } from './local-reply';
import { ResponseFlag } from './response-flags';
import type { RouteSource } from './route-view';
import type { DownstreamConnectionInfo } from './stream-info';
import { deferToWriteBatch, HeldWrites } from './write-batch';

const enum Timer {
  Idle,
  MaxDuration,
  HeadersTimeout,
  DelayedClose,
  Drain,
}

const CONTINUE_100 = 'HTTP/1.1 100 Continue\r\n\r\n';
const LAST_CHUNK = '0\r\n\r\n';
/**
 * Body chunks up to this size are copied into the held latin1 text (one write with the head);
 * larger ones are written as the Buffers they are, where a copy would cost more than a writev.
 */
const MERGE_LIMIT = 4096;

/** Owner of the connection set (the HttpConnectionManager network filter). */
export interface HcmConnectionOwner {
  readonly config: HcmConfig;
  readonly routes: RouteSource;
  onConnectionClosed(c: HcmConnection): void;
}

export class HcmConnection implements H1ParserHandler, TimerTarget, HeldWrites {
  readonly parser: H1Parser;
  stream: ActiveStream | undefined = undefined;
  /** Listener drain (Envoy's drainClose()): the next response head says `connection: close`. */
  draining = false;
  /** max_connection_duration reached: close once the stream in flight is done. */
  private closeAfterStream = false;
  private closing = false;
  private closed = false;
  /** The socket buffer is above its high-water mark. */
  writeBlocked = false;
  private readPaused = false;
  /**
   * Response bytes (latin1 text) not yet written. Head and body usually arrive in the same tick
   * (one upstream read); holding them here makes one socket.write per response instead of a
   * cork/writev of separate chunks, the single largest cost on this path. Flushed when the
   * response ends, before a large body chunk, at the end of the upstream read being handled
   * (write-batch.ts), or else at the end of the tick (`flushTick`).
   */
  private out = '';
  private flushScheduled = false;
  private readonly flushTick: () => void;
  private readonly startMono = performance.now();
  private readonly idleTimer = new WheelTimer(this, Timer.Idle);
  private readonly maxDurationTimer = new WheelTimer(this, Timer.MaxDuration);
  private readonly headersTimer = new WheelTimer(this, Timer.HeadersTimeout);
  private readonly delayedCloseTimer = new WheelTimer(this, Timer.DelayedClose);
  private readonly drainTimer = new WheelTimer(this, Timer.Drain);
  // Framing of the response being written.
  private chunked = false;
  private noBody = false;
  private tunnel = false;
  readonly config: HcmConfig;

  constructor(
    readonly owner: HcmConnectionOwner,
    readonly socket: net.Socket,
    readonly info: DownstreamConnectionInfo,
  ) {
    const cfg = owner.config;
    this.config = cfg;
    this.parser = new H1Parser(ParserKind.Request, this, {
      maxHeaderBytes: cfg.maxRequestHeadersBytes,
      maxHeadersCount: cfg.maxHeadersCount,
      headersWithUnderscoresAction: cfg.headersWithUnderscoresAction,
    });
    const st = cfg.stats;
    st.downstream_cx_total.inc();
    st.downstream_cx_active.inc();
    st.downstream_cx_http1_total.inc();
    st.downstream_cx_http1_active.inc();
    socket.setNoDelay(true);
    this.onData = this.onData.bind(this);
    this.onEnd = this.onEnd.bind(this);
    this.onClose = this.onClose.bind(this);
    this.onDrain = this.onDrain.bind(this);
    this.flushTick = () => {
      this.flushScheduled = false;
      this.flush();
    };
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('drain', this.onDrain);
    socket.on('error', noop);
    if (cfg.maxConnectionDurationMs > 0) timerWheel.schedule(this.maxDurationTimer, cfg.maxConnectionDurationMs);
    this.armIdle();
  }

  // ---- socket events ----

  private onData(data: Buffer): void {
    this.config.stats.downstream_cx_rx_bytes_total.add(data.length);
    if (this.stream === undefined) {
      timerWheel.cancel(this.idleTimer);
      if (this.config.requestHeadersTimeoutMs > 0 && !this.headersTimer.armed) timerWheel.schedule(this.headersTimer, this.config.requestHeadersTimeoutMs);
    }
    this.parser.feed(data);
    // Pipelined bytes wait in the parser; past the buffer limit stop reading the socket.
    if (!this.readPaused && this.parser.queuedBytes > this.config.bufferLimitBytes) this.readDisable(true);
  }

  private onEnd(): void {
    // The client half-closed. Envoy does not support half-close on HTTP: the connection closes.
    if (this.stream === undefined) this.close(false);
    else if (!this.stream.requestComplete || !this.stream.responseComplete) this.close(false);
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    const st = this.config.stats;
    const local = this.closing;
    st.downstream_cx_destroy.inc();
    if (local) st.downstream_cx_destroy_local.inc();
    else st.downstream_cx_destroy_remote.inc();
    const s = this.stream;
    if (s !== undefined && !s.done) {
      st.downstream_cx_destroy_active_rq.inc();
      if (local) st.downstream_cx_destroy_local_active_rq.inc();
      else st.downstream_cx_destroy_remote_active_rq.inc();
      s.onDownstreamReset(local);
    }
    this.stream = undefined;
    st.downstream_cx_active.dec();
    st.downstream_cx_http1_active.dec();
    st.downstream_cx_length_ms.recordValue(performance.now() - this.startMono);
    if (this.tunnel) st.downstream_cx_upgrades_active.dec();
    timerWheel.cancel(this.idleTimer);
    timerWheel.cancel(this.maxDurationTimer);
    timerWheel.cancel(this.headersTimer);
    timerWheel.cancel(this.delayedCloseTimer);
    timerWheel.cancel(this.drainTimer);
    this.owner.onConnectionClosed(this);
  }

  private onDrain(): void {
    this.writeBlocked = false;
    this.stream?.onDownstreamDrain();
  }

  // ---- parser events ----

  onMessageHead(): void {
    timerWheel.cancel(this.headersTimer);
    timerWheel.cancel(this.idleTimer);
    const s = new ActiveStream(this, this.owner.routes);
    this.stream = s;
    this.chunked = false;
    this.noBody = false;
    s.begin(this.parser);
  }

  onMessageBody(data: Buffer): void {
    this.stream?.decodeData(data, false);
  }

  onMessageComplete(): void {
    const s = this.stream;
    if (s !== undefined && !s.requestComplete) s.decodeData(EMPTY, true);
  }

  onParseError(status: number, details: string): void {
    this.config.stats.downstream_cx_protocol_error.inc();
    timerWheel.cancel(this.headersTimer);
    let s = this.stream;
    if (s === undefined || s.done) {
      s = new ActiveStream(this, this.owner.routes);
      this.stream = s;
      s.beginWithoutHead();
    }
    if (s.responseStarted) {
      this.close(true);
      return;
    }
    s.closeConnection = true;
    s.sendLocalReply(status, reasonPhrase(status), ResponseFlag.DownstreamProtocolError, details);
  }

  // ---- response path (called by the stream) ----

  send100Continue(): void {
    this.write(CONTINUE_100);
  }

  writeResponseHead(s: ActiveStream, status: number, headers: HeaderMapImpl, endStream: boolean): void {
    let head = statusLine(status);
    const req = s.request;
    let extra = '';
    this.tunnel = false;
    this.chunked = false;
    this.noBody = s.isHead || status === 204 || status === 304 || status < 200;
    if (status === 101 || (req.upgradeType === 'connect' && status >= 200 && status < 300 && !endStream)) {
      this.tunnel = true;
      this.noBody = false;
    } else if (headers.mayHave(HeaderBit.ContentLength) && headers.has('content-length')) {
      // framing given
    } else if (endStream) {
      if (!s.isHead && status !== 204 && status !== 304 && status >= 200) extra += 'content-length: 0\r\n';
    } else if (!this.noBody) {
      if (req.versionMinor === 1) {
        this.chunked = true;
        extra += 'transfer-encoding: chunked\r\n';
      } else s.closeConnection = true; // HTTP/1.0: the body ends with the connection
    }
    if (req.upgradeType !== '' && !this.tunnel) s.closeConnection = true;
    if (!this.tunnel) {
      const draining = this.draining || this.closeAfterStream;
      if (s.closeConnection || draining || !s.keepAlive) {
        if (draining && !s.closeConnection && s.keepAlive) this.config.stats.downstream_cx_drain_close.inc();
        s.closeConnection = true;
        extra += 'connection: close\r\n';
      } else if (req.versionMinor === 0) extra += 'connection: keep-alive\r\n';
    }
    head += headers.serialize();
    head += extra;
    head += '\r\n';
    this.out += head;
    if (endStream || this.tunnel) this.flush();
    else this.scheduleFlush();
    if (this.tunnel) {
      this.config.stats.downstream_cx_upgrades_total.inc();
      this.config.stats.downstream_cx_upgrades_active.inc();
    }
  }

  writeResponseBody(data: Buffer, endStream: boolean): void {
    if (this.noBody) {
      if (endStream) this.flush();
      return;
    }
    const n = data.length;
    if (n > MERGE_LIMIT || (this.tunnel && n > 0)) {
      // Large chunks are not copied into the text: what is held goes first, the Buffer as is.
      if (this.chunked) this.out += `${n.toString(16)}\r\n`;
      if (this.out.length > 0) {
        // One writev for the held text and the chunk.
        this.socket.cork();
        this.flush();
        this.writeBuf(data);
        this.socket.uncork();
      } else this.writeBuf(data);
      if (this.chunked) this.out += endStream ? `\r\n${LAST_CHUNK}` : '\r\n';
    } else if (n > 0) {
      // Small chunks join the held text: latin1 keeps every byte as one char.
      if (this.chunked) this.out += `${n.toString(16)}\r\n${latin1(data, 0, n)}${endStream ? `\r\n${LAST_CHUNK}` : '\r\n'}`;
      else this.out += latin1(data, 0, n);
    } else if (endStream && this.chunked) this.out += LAST_CHUNK;
    if (endStream) this.flush();
    else if (this.out.length > 0) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (!deferToWriteBatch(this)) process.nextTick(this.flushTick);
  }

  flushHeld(): void {
    this.flushScheduled = false;
    this.flush();
  }

  /** Writes the held response bytes, if any. */
  private flush(): void {
    const out = this.out;
    if (out.length === 0) return;
    this.out = '';
    if (this.closed) return;
    this.write(out);
  }

  private write(s: string): void {
    this.config.stats.downstream_cx_tx_bytes_total.add(s.length);
    if (!this.socket.write(s, 'latin1')) this.writeBlocked = true;
  }

  private writeBuf(b: Buffer): void {
    this.config.stats.downstream_cx_tx_bytes_total.add(b.length);
    if (!this.socket.write(b)) this.writeBlocked = true;
  }

  /** The stream finished (logged); next request or close. */
  onStreamDone(s: ActiveStream): void {
    if (this.stream !== s) return;
    this.stream = undefined;
    // A response whose head went out before a listener drain began said keep-alive: the connection
    // stays, and the next response carries `connection: close` (as Envoy marks only later heads).
    if (s.closeConnection || this.closeAfterStream || this.closing) {
      this.closeGracefully();
      return;
    }
    if (this.readPaused) this.readDisable(false);
    this.armIdle();
    // Next pipelined request (may run synchronously).
    this.parser.resume();
  }

  /** Stream-level flow control: stop reading the request body. */
  readDisable(disable: boolean): void {
    if (this.closed || disable === this.readPaused) return;
    this.readPaused = disable;
    const st = this.config.stats;
    if (disable) {
      st.downstream_flow_control_paused_reading_total.inc();
      this.socket.pause();
    } else {
      st.downstream_flow_control_resumed_reading_total.inc();
      this.socket.resume();
    }
  }

  // ---- lifecycle ----

  private armIdle(): void {
    if (this.config.idleTimeoutMs > 0) timerWheel.schedule(this.idleTimer, this.config.idleTimeoutMs);
  }

  onTimer(kind: number): void {
    const st = this.config.stats;
    switch (kind) {
      case Timer.Idle:
        if (this.stream !== undefined) return;
        st.downstream_cx_idle_timeout.inc();
        this.closeGracefully();
        return;
      case Timer.MaxDuration:
        st.downstream_cx_max_duration_reached.inc();
        this.startDrain(true);
        return;
      case Timer.HeadersTimeout:
        if (this.stream !== undefined || this.closed) return;
        st.downstream_rq_header_timeout.inc();
        {
          const s = new ActiveStream(this, this.owner.routes);
          this.stream = s;
          s.beginWithoutHead();
          s.closeConnection = true;
          s.sendLocalReply(408, 'request header timeout', 0, Details.RequestHeaderTimeout);
        }
        return;
      case Timer.DelayedClose:
        st.downstream_cx_delayed_close_timeout.inc();
        this.close(true);
        return;
      case Timer.Drain:
        if (this.stream === undefined) this.closeGracefully();
        return;
    }
  }

  /**
   * Drain. A listener drain (Envoy's drain manager) marks the next response head with
   * `connection: close` and leaves an idle connection open: its client may still send one more
   * request, and the listener closes what is left when the drain time ends. max_connection_duration
   * (`closeIdle`) closes an idle connection at once and any other after its stream, as Envoy does.
   */
  startDrain(closeIdle = false): void {
    if (!closeIdle) {
      this.draining = true;
      return;
    }
    if (this.closeAfterStream) return;
    this.closeAfterStream = true;
    if (this.stream === undefined) this.closeGracefully();
    else if (this.config.drainTimeoutMs > 0) timerWheel.schedule(this.drainTimer, this.config.drainTimeoutMs);
  }

  /** Flush what was written, send FIN, and give the peer delayed_close_timeout to close. */
  closeGracefully(): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    timerWheel.cancel(this.idleTimer);
    this.flush();
    this.socket.end();
    const t = this.config.delayedCloseTimeoutMs;
    if (t > 0) timerWheel.schedule(this.delayedCloseTimer, t);
    else this.socket.destroy();
  }

  /** Immediate close (reset). */
  close(local: boolean): void {
    if (this.closed) return;
    if (local) this.closing = true;
    this.socket.destroy();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

const EMPTY = Buffer.alloc(0);

function noop(): void {}
