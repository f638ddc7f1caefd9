// Sorting in steps for the stats renderers: a million stat names (10,000 clusters) take far more
// than a slice to sort, so they are sorted in short runs (the built-in sort) merged bottom-up,
// with a checkpoint every few hundred elements. Both sorts are stable, so the order is exactly
// that of `a.sort(compare)`.

import { CHECKPOINT, type RenderSteps } from './render-steps';

/** Elements sorted at once by the built-in sort: well under a slice even with tokenwise compare. */
const RUN = 256;
/** Elements merged between two checkpoints. */
const MERGE_STEP = 1024;

/** Returns `a` sorted (`a` itself or a new array; `a`'s order is undefined afterwards). */
export function* sortSteps<T>(a: T[], compare: (x: T, y: T) => number): RenderSteps<T[]> {
  const n = a.length;
  if (n <= RUN) return a.sort(compare);
  for (let lo = 0; lo < n; lo += RUN) {
    const run = a.slice(lo, lo + RUN).sort(compare);
    for (let i = 0; i < run.length; i++) a[lo + i] = run[i];
    yield CHECKPOINT;
  }
  let src = a;
  let dst = new Array<T>(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++) {
        // Ties take the left run first: stable.
        if (i < mid && (j >= hi || compare(src[i], src[j]) <= 0)) dst[k] = src[i++];
        else dst[k] = src[j++];
        if (k % MERGE_STEP === 0) yield CHECKPOINT;
      }
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}
