// One coarse timer for every request and connection timeout in the process (undici's fast timers,
// Envoy's per-worker dispatcher timers): arming, re-arming and cancelling a timeout is a few field
// writes on an object the owner already holds, so the hot path never calls setTimeout nor
// allocates a closure. Timeouts fire up to one tick late; every Envoy timeout is in milliseconds
// to minutes, so a 10 ms tick is well inside its tolerance.

/** Implemented by whatever owns a timer; `kind` says which of its timers fired. */
export interface TimerTarget {
  onTimer(kind: number): void;
}

/** An intrusive wheel entry, embedded in its owner (one per timeout kind) and reused. */
export class WheelTimer {
  deadline = 0;
  /** The wheel slot the timer is linked in, -1 when not armed. */
  slot = -1;
  prev: WheelTimer | null = null;
  next: WheelTimer | null = null;
  constructor(
    readonly target: TimerTarget,
    readonly kind: number,
  ) {}

  get armed(): boolean {
    return this.slot >= 0;
  }
}

const SLOT_BITS = 9;
const SLOTS = 1 << SLOT_BITS;
const MASK = SLOTS - 1;

export class TimerWheel {
  private readonly heads: (WheelTimer | null)[] = new Array(SLOTS).fill(null);
  private count = 0;
  private interval: NodeJS.Timeout | undefined;
  private lastTick: number;
  private readonly due: WheelTimer[] = [];

  constructor(private readonly resolutionMs = 10) {
    this.lastTick = Math.floor(Date.now() / resolutionMs);
    this.tick = this.tick.bind(this);
  }

  get size(): number {
    return this.count;
  }

  /** Arms (or re-arms) `t` to fire `delayMs` from now. */
  schedule(t: WheelTimer, delayMs: number): void {
    if (t.slot >= 0) {
      this.unlink(t);
      this.count--;
    }
    const deadline = Date.now() + delayMs;
    t.deadline = deadline;
    let tick = Math.ceil(deadline / this.resolutionMs);
    if (tick <= this.lastTick) tick = this.lastTick + 1;
    const slot = tick & MASK;
    t.slot = slot;
    t.prev = null;
    const head = this.heads[slot];
    t.next = head;
    if (head !== null) head.prev = t;
    this.heads[slot] = t;
    if (++this.count === 1) this.start();
  }

  cancel(t: WheelTimer): void {
    if (t.slot < 0) return;
    this.unlink(t);
    if (--this.count === 0) this.stop();
  }

  private unlink(t: WheelTimer): void {
    if (t.prev !== null) t.prev.next = t.next;
    else this.heads[t.slot] = t.next;
    if (t.next !== null) t.next.prev = t.prev;
    t.prev = t.next = null;
    t.slot = -1;
    // count is adjusted by the callers (schedule re-links at once).
  }

  private start(): void {
    this.lastTick = Math.floor(Date.now() / this.resolutionMs);
    if (this.interval === undefined) {
      this.interval = setInterval(this.tick, this.resolutionMs);
      this.interval.unref();
    }
  }

  private stop(): void {
    if (this.interval !== undefined) {
      clearInterval(this.interval);
      this.interval = undefined;
    }
  }

  private tick(): void {
    const now = Date.now();
    const nowTick = Math.floor(now / this.resolutionMs);
    let from = this.lastTick + 1;
    // After a long stall every slot is due for inspection once; more laps add nothing.
    if (nowTick - from >= SLOTS) from = nowTick - SLOTS + 1;
    const due = this.due;
    for (let tk = from; tk <= nowTick; tk++) {
      let t = this.heads[tk & MASK];
      while (t !== null) {
        const next = t.next;
        if (t.deadline <= now) {
          this.unlink(t);
          this.count--;
          due.push(t);
        }
        t = next;
      }
    }
    this.lastTick = nowTick;
    for (let i = 0; i < due.length; i++) {
      const t = due[i];
      due[i] = undefined as unknown as WheelTimer;
      try {
        t.target.onTimer(t.kind);
      } catch (e) {
        // A timeout handler must never stop the wheel for everyone else.
        process.emitWarning(`timer handler failed: ${(e as Error).stack ?? e}`);
      }
    }
    due.length = 0;
    if (this.count === 0) this.stop();
  }
}

/** The process-wide wheel; tests may build their own. */
export const timerWheel = new TimerWheel(10);
