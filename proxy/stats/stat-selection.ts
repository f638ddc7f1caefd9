// Picking the stats a request asks for (usedonly, filter) and small helpers shared by renderers.

import type { Metric } from './metric';
import { CHECKPOINT, STEP_ITEMS, type RenderSteps } from './render-steps';
import { sortSteps } from './sort-steps';
import { compareNames } from './stat-order';
import { shouldShow, type StatsParams } from './stats-params';
import { NO_STAND_INS, type StandInFilter } from './stats-store';

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

/**
 * The deferred stats a request can show, for the store's iterators to make stand-ins only for
 * those: none under usedonly (a stand-in is never used), the filter's matches under a filter.
 */
export function standInsFor(params: StatsParams): StandInFilter {
  if (params.usedOnly) return NO_STAND_INS;
  const filter = params.filter;
  return filter === null ? undefined : (name) => filter.test(name);
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
