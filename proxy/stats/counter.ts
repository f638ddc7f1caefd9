// A counter: monotonically increasing, reset only by /reset_counters.

import { Metric } from './metric';
import type { Counter } from './types';

export class CounterImpl extends Metric implements Counter {
  value = 0;
  /** Value at the previous flush, for interval deltas (sinks). */
  latched = 0;
  used = false;

  inc(): void {
    this.value++;
    this.used = true;
  }
  add(n: number): void {
    this.value += n;
    this.used = true;
  }
  /** Increase since the previous flush. */
  intervalValue(): number {
    return this.value - this.latched;
  }
  isUsed(): boolean {
    return this.used;
  }
}
