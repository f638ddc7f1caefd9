// The stats API other parts of the proxy see: small objects resolved when a component is built,
// whose methods are the only thing the hot path calls.

export interface Counter {
  readonly name: string;
  readonly value: number;
  inc(): void;
  add(n: number): void;
}

export interface Gauge {
  readonly name: string;
  readonly value: number;
  set(n: number): void;
  add(n: number): void;
  sub(n: number): void;
  inc(): void;
  dec(): void;
}

/** Values are recorded as Envoy's uint64: fractions are truncated, negatives count as 0. */
export interface Histogram {
  readonly name: string;
  recordValue(v: number): void;
}

export interface TextReadout {
  readonly name: string;
  readonly value: string;
  set(s: string): void;
}

/** A prefix under which stats are created; `release()` drops the stats only it still holds. */
export interface StatsScope {
  /** Prefix with no trailing dot ('' for the root). */
  readonly prefix: string;
  counter(name: string): Counter;
  gauge(name: string): Gauge;
  histogram(name: string): Histogram;
  textReadout(name: string): TextReadout;
  /** A child scope; `prefix` may end with '.', as in Envoy (`'cluster.backend.'`). */
  scope(prefix: string): StatsScope;
  /** Removes every stat created through this scope (and its children) that no other scope holds. */
  release(): void;
}
