// Shared do-nothing stats handed out for names the stats_matcher rejects, so callers never branch.

import type { Counter, Gauge, Histogram, TextReadout } from './types';

class NullCounter implements Counter {
  readonly name = '';
  get value(): number {
    return 0;
  }
  inc(): void {}
  add(_n: number): void {}
}

class NullGauge implements Gauge {
  readonly name = '';
  get value(): number {
    return 0;
  }
  set(_n: number): void {}
  add(_n: number): void {}
  sub(_n: number): void {}
  inc(): void {}
  dec(): void {}
}

class NullHistogram implements Histogram {
  readonly name = '';
  recordValue(_v: number): void {}
}

class NullTextReadout implements TextReadout {
  readonly name = '';
  get value(): string {
    return '';
  }
  set(_s: string): void {}
}

export const NULL_COUNTER: Counter = Object.freeze(new NullCounter());
export const NULL_GAUGE: Gauge = Object.freeze(new NullGauge());
export const NULL_HISTOGRAM: Histogram = Object.freeze(new NullHistogram());
export const NULL_TEXT_READOUT: TextReadout = Object.freeze(new NullTextReadout());
