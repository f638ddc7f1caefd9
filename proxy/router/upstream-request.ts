// One attempt of a routed request on one upstream host (Envoy's UpstreamRequest): it waits in the
// host's pool, owns the pooled connection while attached, runs the per-try timeouts on the shared
// wheel, and forwards every pool and response event to its router filter by method call.
import { timerWheel, TimerTarget, WheelTimer } from '../common/timer-wheel';
import { ResetReason } from '../http/codec-types';
import type { H1Parser } from '../http/h1/h1-parser';
import type { Http1PoolConnection, PendingStream, UpstreamStreamHandler } from '../upstream/http1-pool';
import type { Host } from '../upstream/types';

/** The router side an attempt reports to. */
export interface UpstreamRequestOwner {
  onPoolReady(up: UpstreamRequest): void;
  onUpstreamReset(up: UpstreamRequest, reason: ResetReason, transportFailure: string | undefined): void;
  onUpstreamHeaders(up: UpstreamRequest, parser: H1Parser): void;
  onUpstreamData(up: UpstreamRequest, data: Buffer): void;
  onUpstreamComplete(up: UpstreamRequest): void;
  onUpstreamDrain(up: UpstreamRequest): void;
  onPerTryTimeout(up: UpstreamRequest, idle: boolean): void;
}

const enum Timer {
  PerTry,
  PerTryIdle,
}

export class UpstreamRequest implements UpstreamStreamHandler, TimerTarget {
  conn: Http1PoolConnection | undefined = undefined;
  pending: PendingStream | undefined = undefined;
  /** The request head went out. */
  started = false;
  headersReceived = false;
  done = false;
  /** Body bytes of the downstream request already written on this attempt (for replay). */
  bodyIndex = 0;
  readonly startMono = performance.now();
  private perTryTimer: WheelTimer | undefined;
  private perTryIdleTimer: WheelTimer | undefined;
  private perTryIdleMs = 0;
  private lastActivity = 0;

  constructor(
    private readonly owner: UpstreamRequestOwner,
    readonly host: Host,
    readonly attempt: number,
  ) {}

  startPerTryTimers(perTryMs: number, perTryIdleMs: number): void {
    if (perTryMs > 0 && this.perTryTimer === undefined) {
      this.perTryTimer = new WheelTimer(this, Timer.PerTry);
      timerWheel.schedule(this.perTryTimer, perTryMs);
    }
    if (perTryIdleMs > 0 && this.perTryIdleTimer === undefined) {
      this.perTryIdleMs = perTryIdleMs;
      this.lastActivity = Date.now();
      this.perTryIdleTimer = new WheelTimer(this, Timer.PerTryIdle);
      timerWheel.schedule(this.perTryIdleTimer, perTryIdleMs);
    }
  }

  cancelPerTry(): void {
    if (this.perTryTimer !== undefined) timerWheel.cancel(this.perTryTimer);
  }

  onTimer(kind: number): void {
    if (this.done) return;
    if (kind === Timer.PerTryIdle) {
      const idle = Date.now() - this.lastActivity;
      if (idle < this.perTryIdleMs) {
        timerWheel.schedule(this.perTryIdleTimer!, this.perTryIdleMs - idle);
        return;
      }
    }
    this.owner.onPerTryTimeout(this, kind === Timer.PerTryIdle);
  }

  /** Abandons the attempt: a queued request leaves the queue, an attached connection closes. */
  reset(): void {
    if (this.done) return;
    this.done = true;
    this.clearTimers();
    if (this.pending !== undefined) {
      this.pending.cancel();
      this.pending = undefined;
    }
    const c = this.conn;
    this.conn = undefined;
    if (c !== undefined && c.stream === this) c.resetStream();
  }

  private clearTimers(): void {
    if (this.perTryTimer !== undefined) timerWheel.cancel(this.perTryTimer);
    if (this.perTryIdleTimer !== undefined) timerWheel.cancel(this.perTryIdleTimer);
  }

  // ---- UpstreamStreamHandler ----

  onPoolReady(conn: Http1PoolConnection): void {
    this.pending = undefined;
    if (this.done) {
      conn.resetStream();
      return;
    }
    this.conn = conn;
    this.owner.onPoolReady(this);
  }

  onPoolFailure(reason: ResetReason, transportFailureReason: string | undefined): void {
    this.pending = undefined;
    if (this.done) return;
    this.done = true;
    this.clearTimers();
    this.owner.onUpstreamReset(this, reason, transportFailureReason);
  }

  onUpstreamHeaders(parser: H1Parser): void {
    if (this.done) return;
    this.headersReceived = true;
    // Only the per-try idle timer reads it (arming it sets it too).
    if (this.perTryIdleTimer !== undefined) this.lastActivity = Date.now();
    this.owner.onUpstreamHeaders(this, parser);
  }

  onUpstreamData(data: Buffer): void {
    if (this.done) return;
    if (this.perTryIdleTimer !== undefined) this.lastActivity = Date.now();
    this.owner.onUpstreamData(this, data);
  }

  onUpstreamComplete(): void {
    if (this.done) return;
    this.done = true;
    this.conn = undefined;
    this.clearTimers();
    this.owner.onUpstreamComplete(this);
  }

  onUpstreamReset(reason: ResetReason): void {
    if (this.done) return;
    this.done = true;
    this.conn = undefined;
    this.clearTimers();
    this.owner.onUpstreamReset(this, reason, undefined);
  }

  onUpstreamDrain(): void {
    if (!this.done) this.owner.onUpstreamDrain(this);
  }
}
