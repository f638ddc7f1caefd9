// The log-linear binning Envoy's histograms use (libcircllhist): a value v >= 1 falls in the bin of
// its two leading decimal digits, [d.d * 10^e, (d.d + 0.1) * 10^e); 0 has its own bin. 90 bins per
// decade bound the relative error of any quantile to one bin width: under 10% of the value
// (1/10 at the bottom of a decade, 1/99 at the top), the same error Envoy reports. The arithmetic
// below (bin bounds, midpoints, interpolation) follows circllhist step by step so that quantiles,
// bucket counts and sums print the same digits as Envoy for the same recorded values.
//
// Bins are indexed: 0 = zero bin, 1 + e * 90 + (dd - 10) for two-digit prefix dd and exponent e.
// Integer input only reaches exponents 0..19 (uint64), so indices stay below 1 + 20 * 90.

export const DECADES = 20;
export const BINS_PER_DECADE = 90;

/** POW10[e] is the double nearest 10^e, as circllhist's table has it. */
export const POW10: readonly number[] = Array.from({ length: DECADES + 1 }, (_, e) => Number(`1e${e}`));

/** Sorted sparse bins: bin indices ascending, with their counts. */
export class SparseBins {
  idx: number[] = [];
  cnt: number[] = [];
}

export const EMPTY_BINS: SparseBins = Object.freeze(new SparseBins()) as SparseBins;

/** Lower bound of a bin (circllhist hist_bucket_to_double). */
export function binLower(index: number): number {
  if (index === 0) return 0;
  const k = index - 1;
  const exp = Math.floor(k / BINS_PER_DECADE);
  const val = 10 + (k % BINS_PER_DECADE);
  return (val / 10) * POW10[exp];
}

/** Width of a bin (circllhist hist_bucket_to_double_bin_width). */
export function binWidth(index: number): number {
  if (index === 0) return 0;
  return POW10[Math.floor((index - 1) / BINS_PER_DECADE)] / 10;
}

export function sampleCount(b: SparseBins): number {
  let n = 0;
  for (let i = 0; i < b.cnt.length; i++) n += b.cnt[i];
  return n;
}

/** Sum of bin midpoints times counts, in bin order (circllhist hist_approx_sum). */
export function approxSum(b: SparseBins): number {
  let sum = 0;
  for (let i = 0; i < b.idx.length; i++) {
    const ix = b.idx[i];
    const mid = ix === 0 ? 0 : binLower(ix) + binWidth(ix) / 2;
    sum += mid * b.cnt[i];
  }
  return sum;
}

/** Count of samples in bins lying entirely at or below `threshold` (hist_approx_count_below). */
export function approxCountBelow(b: SparseBins, threshold: number): number {
  let n = 0;
  for (let i = 0; i < b.idx.length; i++) {
    const ix = b.idx[i];
    if (binLower(ix) + binWidth(ix) <= threshold) n += b.cnt[i];
    else break;
  }
  return n;
}

/**
 * Quantiles by linear interpolation inside the bin holding the q-th sample (hist_approx_quantile).
 * `qs` must be ascending in [0, 1]. Empty input gives NaN for every quantile.
 */
export function approxQuantiles(b: SparseBins, qs: readonly number[]): number[] {
  const out = new Array<number>(qs.length);
  let total = 0;
  for (let i = 0; i < b.cnt.length; i++) total += b.cnt[i];
  if (total === 0) return out.fill(NaN);
  const used = b.idx.length;
  let ib = 0;
  let width = 0;
  let left = 0;
  let lower = 0;
  let upper = 0;
  const track = (i: number): void => {
    width = binWidth(b.idx[i]);
    left = binLower(b.idx[i]);
    lower = upper;
    upper = lower + b.cnt[i];
  };
  for (; ib < used; ib++) {
    if (b.cnt[ib] === 0) continue;
    track(ib);
    break;
  }
  for (let iq = 0; iq < qs.length; iq++) {
    const target = total * qs[iq];
    while (ib < used - 1 && upper < target) {
      ib++;
      track(ib);
    }
    if (lower === target) out[iq] = left;
    else if (upper === target) out[iq] = left + width;
    else if (width === 0) out[iq] = left;
    else out[iq] = left + ((target - lower) / (upper - lower)) * width;
  }
  return out;
}

/** a + b as a new SparseBins (both sorted). */
export function mergeBins(a: SparseBins, b: SparseBins): SparseBins {
  if (b.idx.length === 0) return a;
  if (a.idx.length === 0) {
    const c = new SparseBins();
    c.idx = b.idx.slice();
    c.cnt = b.cnt.slice();
    return c;
  }
  const out = new SparseBins();
  let i = 0;
  let j = 0;
  while (i < a.idx.length || j < b.idx.length) {
    if (j >= b.idx.length || (i < a.idx.length && a.idx[i] < b.idx[j])) {
      out.idx.push(a.idx[i]);
      out.cnt.push(a.cnt[i++]);
    } else if (i >= a.idx.length || b.idx[j] < a.idx[i]) {
      out.idx.push(b.idx[j]);
      out.cnt.push(b.cnt[j++]);
    } else {
      out.idx.push(a.idx[i]);
      out.cnt.push(a.cnt[i++] + b.cnt[j++]);
    }
  }
  return out;
}
