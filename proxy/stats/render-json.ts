// /stats?format=json as Envoy streams it: {"stats":[{name,value}..., {"histograms":...}]}, compact.
// Integers print as integers, doubles as printf "%g", NaN as null.

import type { HistogramImpl } from './histogram';
import { SUPPORTED_QUANTILES } from './histogram';
import { binLower, binWidth, type SparseBins } from './log-linear-bins';
import type { Metric } from './metric';
import { formatG } from './number-format';
import { joinSteps, streamSteps, type RenderClock, type RenderSteps } from './render-steps';
import { sortSteps } from './sort-steps';
import { byName, disjoint, selectSortedSteps, selectSteps } from './stat-selection';
import type { StatsParams } from './stats-params';
import type { StatsStore } from './stats-store';

const str = (s: string): string => JSON.stringify(s);
const dbl = (x: number): string => (Number.isNaN(x) ? 'null' : formatG(x));
const SUPPORTED_PERCENTILES = `[${SUPPORTED_QUANTILES.map((q) => formatG(q * 100)).join(',')}]`;

export function renderStatsJson(store: StatsStore, params: StatsParams): string {
  return joinSteps(statsJsonSteps(store, params));
}

/** The same JSON, a slice at a time (admin /stats?format=json). */
export function streamStatsJson(store: StatsStore, params: StatsParams, clock: RenderClock): AsyncGenerator<string, void, undefined> {
  return streamSteps(statsJsonSteps(store, params), clock);
}

function* statsJsonSteps(store: StatsStore, params: StatsParams): RenderSteps {
  // Entries of "stats" are comma-separated: each after the first brings its comma.
  let sep = '';
  const entry = (e: string): string => {
    const s = sep + e;
    sep = ',';
    return s;
  };
  yield '{"stats":[';
  const t = params.type;
  if (t === 'All' || t === 'TextReadouts') {
    for (const s of yield* selectSortedSteps(store.textReadouts(), params)) {
      yield entry(`{"name":${str(s.name)},"value":${str(s.value)}}`);
    }
  }
  if (t === 'All' || t === 'Counters' || t === 'Gauges') {
    // One array for both, not concat or push(...): a spread of hundreds of thousands of stats
    // (10,000 clusters) overflows the stack, and a copy of them is a long stretch without a checkpoint.
    const numeric: Array<Metric & { value: number }> = t !== 'Gauges' ? yield* selectSteps(store.counters(params), params) : [];
    if (t !== 'Counters') yield* selectSteps(store.gauges(params), params, numeric);
    for (const s of yield* sortSteps(numeric, byName)) yield entry(`{"name":${str(s.name)},"value":${s.value}}`);
  }
  if (t === 'All' || t === 'Histograms') {
    const hs = yield* selectSortedSteps(store.histograms(params), params);
    if (hs.length > 0) {
      const [head, item, tail] = histogramsEntry(params);
      yield entry(head);
      for (let i = 0; i < hs.length; i++) yield (i === 0 ? '' : ',') + item(hs[i]);
      yield tail;
    }
  }
  yield ']}';
}

function percentiles(h: HistogramImpl): string {
  const iv = h.intervalStatistics().quantiles;
  const cu = h.cumulativeStatistics().quantiles;
  return `[${cu.map((c, i) => `{"cumulative":${dbl(c)},"interval":${dbl(iv[i])}}`).join(',')}]`;
}

function verbose(bins: SparseBins): string {
  const parts: string[] = [];
  for (let i = 0; i < bins.idx.length; i++) {
    const ix = bins.idx[i];
    parts.push(`{"lower_bound":${dbl(binLower(ix))},"width":${dbl(binWidth(ix))},"count":${bins.cnt[i]}}`);
  }
  return `[${parts.join(',')}]`;
}

/** The "histograms" entry as its opening, one item per histogram (comma-separated), and closing. */
function histogramsEntry(params: StatsParams): [string, (h: HistogramImpl) => string, string] {
  switch (params.histogramBuckets) {
    case 'none':
      return [
        `{"histograms":{"supported_quantiles":${SUPPORTED_PERCENTILES},"computed_quantiles":[`,
        (h) => `{"name":${str(h.name)},"values":${percentiles(h)}}`,
        ']}}',
      ];
    case 'cumulative':
    case 'disjoint': {
      const item = (h: HistogramImpl): string => {
        let iv = h.intervalStatistics().buckets;
        let cu = h.cumulativeStatistics().buckets;
        if (params.histogramBuckets === 'disjoint') {
          iv = disjoint(iv);
          cu = disjoint(cu);
        }
        const buckets = h.supportedBuckets.map(
          (b, i) => `{"upper_bound":${dbl(b)},"interval":${iv[i]},"cumulative":${cu[i]}}`,
        );
        return `{"name":${str(h.name)},"buckets":[${buckets.join(',')}]}`;
      };
      return ['{"histograms":[', item, ']}'];
    }
    case 'detailed':
      return [
        `{"histograms":{"supported_percentiles":${SUPPORTED_PERCENTILES},"details":[`,
        (h) =>
          `{"name":${str(h.name)},"totals":${verbose(h.bins('cumulative'))},` +
          `"intervals":${verbose(h.bins('interval'))},"percentiles":${percentiles(h)}}`,
        ']}}',
      ];
  }
}
