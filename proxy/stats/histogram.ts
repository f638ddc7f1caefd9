// A histogram with Envoy's semantics: values recorded since the last flush are pending; flush()
// turns them into the interval snapshot and adds them to the cumulative one. Quantiles, bucket
// counts and sums are computed from those snapshots only (as Envoy's merged parent histogram does),
// lazily and cached until the next flush. A histogram counts as "used" once a flush merged data.
//
// Recording is one comparison loop over powers of ten and one typed-array increment: the pending
// counts live in one Uint32Array of 90 bins per decade actually touched, allocated on first use.

import {
  BINS_PER_DECADE,
  DECADES,
  EMPTY_BINS,
  POW10,
  SparseBins,
  approxCountBelow,
  approxQuantiles,
  approxSum,
  mergeBins,
  sampleCount,
} from './log-linear-bins';
import { Metric, type TagResolver } from './metric';
import type { FlatTags } from './tag-producer';
import type { Histogram } from './types';

export const SUPPORTED_QUANTILES: readonly number[] = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1];

export const DEFAULT_BUCKETS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];

export interface HistogramStatistics {
  /** One value per SUPPORTED_QUANTILES entry; NaN when there are no samples. */
  readonly quantiles: readonly number[];
  /** Cumulative count of samples <= each supported bucket bound. */
  readonly buckets: readonly number[];
  readonly sampleCount: number;
  readonly sampleSum: number;
}

export class HistogramImpl extends Metric implements Histogram {
  /** True once a flush merged recorded values (Envoy's ParentHistogram::used()). */
  merged = false;
  private pendingCount = 0;
  private pendingZero = 0;
  private pending: Array<Uint32Array | undefined> | null = null;
  private interval: SparseBins = EMPTY_BINS;
  private cumulative: SparseBins = EMPTY_BINS;
  private intervalStats: HistogramStatistics | null = null;
  private cumulativeStats: HistogramStatistics | null = null;

  constructor(name: string, tagExtractedName: string | TagResolver, tags: FlatTags | undefined, readonly supportedBuckets: readonly number[]) {
    super(name, tagExtractedName, tags);
  }

  recordValue(v: number): void {
    this.pendingCount++;
    if (!(v >= 1)) {
      this.pendingZero++;
      return;
    }
    let exp = 0;
    while (exp < DECADES - 1 && v >= POW10[exp + 1]) exp++;
    let val = exp === 0 ? Math.floor(v) * 10 : Math.floor(v / POW10[exp - 1]);
    if (val > 99) val = 99;
    const pending = this.pending ?? (this.pending = new Array<Uint32Array | undefined>(DECADES));
    const decade = pending[exp] ?? (pending[exp] = new Uint32Array(BINS_PER_DECADE));
    decade[val - 10]++;
  }

  isUsed(): boolean {
    return this.merged;
  }

  /** Moves pending values into the interval snapshot and the cumulative totals. */
  flush(): void {
    if (this.pendingCount === 0 && !this.merged) return;
    const iv = new SparseBins();
    if (this.pendingZero > 0) {
      iv.idx.push(0);
      iv.cnt.push(this.pendingZero);
    }
    const pending = this.pending;
    if (pending !== null && this.pendingCount > this.pendingZero) {
      for (let e = 0; e < DECADES; e++) {
        const d = pending[e];
        if (d === undefined) continue;
        for (let k = 0; k < BINS_PER_DECADE; k++) {
          if (d[k] !== 0) {
            iv.idx.push(1 + e * BINS_PER_DECADE + k);
            iv.cnt.push(d[k]);
            d[k] = 0;
          }
        }
      }
    }
    this.pendingCount = 0;
    this.pendingZero = 0;
    this.interval = iv.idx.length === 0 ? EMPTY_BINS : iv;
    this.cumulative = mergeBins(this.cumulative, iv);
    this.merged = true;
    this.intervalStats = null;
    this.cumulativeStats = null;
  }

  intervalStatistics(): HistogramStatistics {
    return (this.intervalStats ??= computeStatistics(this.interval, this.supportedBuckets));
  }

  cumulativeStatistics(): HistogramStatistics {
    return (this.cumulativeStats ??= computeStatistics(this.cumulative, this.supportedBuckets));
  }

  /** The raw bins of the last interval or of all time, for `histogram_buckets=detailed`. */
  bins(which: 'interval' | 'cumulative'): SparseBins {
    return which === 'interval' ? this.interval : this.cumulative;
  }
}

function computeStatistics(bins: SparseBins, buckets: readonly number[]): HistogramStatistics {
  return {
    quantiles: approxQuantiles(bins, SUPPORTED_QUANTILES),
    buckets: buckets.map((b) => approxCountBelow(bins, b)),
    sampleCount: sampleCount(bins),
    sampleSum: approxSum(bins),
  };
}
