// Picking the stats a request asks for (usedonly, filter) and small helpers shared by renderers.

import type { Metric } from './metric';
import { CHECKPOINT, STEP_ITEMS, type RenderSteps } from './render-steps';
import { sortSteps } from './sort-steps';
import { compareNames } from './stat-order';
import { shouldShow, type StatsParams } from './stats-params';

/**
 * The stats a request asks for (usedonly, filter), appended to `into`, in steps: the store's
 * iterators make a stand-in for each deferred stat as they go, a large part of a big render.
 */
export function* selectSteps<T extends Metric>(it: Iterable<T>, params: StatsParams, into: T[] = []): RenderSteps<T[]> {
  let n = 0;
  for (const m of it) {
    if (shouldShow(params, m.name, m.isUsed())) into.push(m);
    if (++n % STEP_ITEMS === 0) yield CHECKPOINT;
  }
  return into;
}

export function* selectSortedSteps<T extends Metric>(it: Iterable<T>, params: StatsParams): RenderSteps<T[]> {
  return yield* sortSteps(yield* selectSteps(it, params), byName);
}

export function byName(a: Metric, b: Metric): number {
  return compareNames(a.name, b.name);
}

/** Cumulative bucket counts to per-bucket counts (Envoy's computeDisjointBuckets). */
export function disjoint(cumulative: readonly number[]): number[] {
  let prev = 0;
  return cumulative.map((c) => {
    const d = c - prev;
    prev = c;
    return d;
  });
}
