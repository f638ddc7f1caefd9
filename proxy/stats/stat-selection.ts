// Picking the stats a request asks for (usedonly, filter) and small helpers shared by renderers.

import type { Metric } from './metric';
import { compareNames } from './stat-order';
import { shouldShow, type StatsParams } from './stats-params';

export function selectMetrics<T extends Metric>(it: Iterable<T>, params: StatsParams): T[] {
  const out: T[] = [];
  for (const m of it) if (shouldShow(params, m.name, m.isUsed())) out.push(m);
  return out;
}

export function selectSortedMetrics<T extends Metric>(it: Iterable<T>, params: StatsParams): T[] {
  return selectMetrics(it, params).sort(byName);
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
