// Envoy's jittered exponential back-off for control-plane reconnects: each failure doubles the
// ceiling (base 500 ms, cap 30 s) and the wait is drawn uniformly below it, so a fleet of proxies
// that lost the same control plane does not come back in lock step.
export interface BackoffOptions {
  readonly baseMs?: number;
  readonly maxMs?: number;
  readonly random?: () => number;
}

export class JitteredBackoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(o: BackoffOptions = {}) {
    this.baseMs = o.baseMs ?? 500;
    this.maxMs = o.maxMs ?? 30_000;
    this.random = o.random ?? Math.random;
  }

  /** The next wait in ms. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    if (ceiling < this.maxMs) this.attempt++;
    // Never zero: a control plane that refuses at once must not be hammered in a tight loop.
    return Math.max(1, Math.floor(this.random() * ceiling));
  }

  /** After a stream received a response: the next failure starts from the base again. */
  reset(): void {
    this.attempt = 0;
  }
}
