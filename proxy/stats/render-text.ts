// /stats in Envoy's text format: text readouts, then counters and gauges interleaved, then
// histograms, each phase sorted by full name, one `name: value` line per stat.

import type { HistogramImpl } from './histogram';
import { SUPPORTED_QUANTILES } from './histogram';
import { binLower, binWidth, type SparseBins } from './log-linear-bins';
import type { Metric } from './metric';
import { formatG, formatShortest } from './number-format';
import { joinSteps, streamSteps, type RenderClock, type RenderSteps } from './render-steps';
import { sortSteps } from './sort-steps';
import { byName, disjoint, selectSortedSteps, selectSteps } from './stat-selection';
import type { StatsParams } from './stats-params';
import type { StatsStore } from './stats-store';

export function renderStatsText(store: StatsStore, params: StatsParams): string {
  return joinSteps(statsTextSteps(store, params));
}

/** The same text, a slice at a time (admin /stats). */
export function streamStatsText(store: StatsStore, params: StatsParams, clock: RenderClock): AsyncGenerator<string, void, undefined> {
  return streamSteps(statsTextSteps(store, params), clock);
}

function* statsTextSteps(store: StatsStore, params: StatsParams): RenderSteps {
  const t = params.type;
  if (t === 'All' || t === 'TextReadouts') {
    for (const s of yield* selectSortedSteps(store.textReadouts(), params)) yield `${s.name}: "${s.value}"\n`;
  }
  if (t === 'All' || t === 'Counters' || t === 'Gauges') {
    // One array for both, not concat or push(...): a spread of hundreds of thousands of stats
    // (10,000 clusters) overflows the stack, and a copy of them is a long stretch without a checkpoint.
    const numeric: Array<Metric & { value: number }> = t !== 'Gauges' ? yield* selectSteps(store.counters(params), params) : [];
    if (t !== 'Counters') yield* selectSteps(store.gauges(params), params, numeric);
    for (const s of yield* sortSteps(numeric, byName)) yield `${s.name}: ${s.value}\n`;
  }
  if (t === 'All' || t === 'Histograms') {
    for (const h of yield* selectSortedSteps(store.histograms(params), params)) yield histogramLine(h, params);
  }
}

/** Envoy's quantile summary: `P0(i,c) P25(i,c) ...`, values printed as fmt's shortest form. */
export function quantileSummary(h: HistogramImpl): string {
  const iv = h.intervalStatistics().quantiles;
  const cu = h.cumulativeStatistics().quantiles;
  const parts: string[] = [];
  for (let i = 0; i < SUPPORTED_QUANTILES.length; i++) {
    parts.push(`P${formatG(100 * SUPPORTED_QUANTILES[i])}(${formatShortest(iv[i])},${formatShortest(cu[i])})`);
  }
  return parts.join(' ');
}

function histogramLine(h: HistogramImpl, params: StatsParams): string {
  if (!h.isUsed()) return `${h.name}: No recorded values\n`;
  switch (params.histogramBuckets) {
    case 'none':
      return `${h.name}: ${quantileSummary(h)}\n`;
    case 'cumulative':
    case 'disjoint': {
      const bounds = h.supportedBuckets;
      let iv = h.intervalStatistics().buckets;
      let cu = h.cumulativeStatistics().buckets;
      if (params.histogramBuckets === 'disjoint') {
        iv = disjoint(iv);
        cu = disjoint(cu);
      }
      const parts = bounds.map((b, i) => `B${formatG(b)}(${iv[i]},${cu[i]})`);
      return `${h.name}: ${parts.join(' ')}\n`;
    }
    case 'detailed':
      return (
        `${h.name}:\n  totals=${detail(h.bins('cumulative'))}\n  intervals=${detail(h.bins('interval'))}` +
        `\n  summary=${quantileSummary(h)}\n`
      );
  }
}

function detail(bins: SparseBins): string {
  const parts: string[] = [];
  for (let i = 0; i < bins.idx.length; i++) {
    parts.push(`${formatG(binLower(bins.idx[i]))},${formatG(binWidth(bins.idx[i]))}:${bins.cnt[i]}`);
  }
  return parts.join(', ');
}
