// initial_fetch_timeout for every watched name with one timer per type: names are armed with a
// deadline when first watched, disarmed when they arrive (or are unwatched), and whatever is still
// armed at its deadline is reported as not existing. 10,000 EDS names cost one timer, not 10,000.
export class FetchTimers {
  private readonly deadlines = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(private readonly onExpired: (name: string) => void) {}

  /** Arms `name` (no-op when armed already or timeoutMs is 0, which means wait forever). */
  arm(name: string, timeoutMs: number): void {
    if (timeoutMs <= 0 || this.deadlines.has(name)) return;
    const at = Date.now() + timeoutMs;
    this.deadlines.set(name, at);
    if (at < this.timerAt) this.schedule(at);
  }

  disarm(name: string): void {
    this.deadlines.delete(name);
    if (this.deadlines.size === 0) this.cancel();
  }

  isArmed(name: string): boolean {
    return this.deadlines.has(name);
  }

  close(): void {
    this.deadlines.clear();
    this.cancel();
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private schedule(at: number): void {
    this.cancel();
    this.timerAt = at;
    this.timer = setTimeout(() => this.sweep(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private sweep(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    const expired: string[] = [];
    let next = Infinity;
    for (const [name, at] of this.deadlines) {
      if (at <= now) expired.push(name);
      else if (at < next) next = at;
    }
    for (const name of expired) this.deadlines.delete(name);
    if (next !== Infinity) this.schedule(next);
    for (const name of expired) this.onExpired(name);
  }
}
