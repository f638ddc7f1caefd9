// /stats?format=json as Envoy streams it: {"stats":[{name,value}..., {"histograms":...}]}, compact.
// Integers print as integers, doubles as printf "%g", NaN as null.

import type { HistogramImpl } from './histogram';
import { SUPPORTED_QUANTILES } from './histogram';
import { binLower, binWidth, type SparseBins } from './log-linear-bins';
import type { Metric } from './metric';
import { formatG } from './number-format';
import { byName, disjoint, selectMetrics, selectSortedMetrics } from './stat-selection';
import type { StatsParams } from './stats-params';
import type { StatsStore } from './stats-store';

const str = (s: string): string => JSON.stringify(s);
const dbl = (x: number): string => (Number.isNaN(x) ? 'null' : formatG(x));
const SUPPORTED_PERCENTILES = `[${SUPPORTED_QUANTILES.map((q) => formatG(q * 100)).join(',')}]`;

export function renderStatsJson(store: StatsStore, params: StatsParams): string {
  const entries: string[] = [];
  const t = params.type;
  if (t === 'All' || t === 'TextReadouts') {
    for (const s of selectSortedMetrics(store.textReadouts(), params)) {
      entries.push(`{"name":${str(s.name)},"value":${str(s.value)}}`);
    }
  }
  if (t === 'All' || t === 'Counters' || t === 'Gauges') {
    // concat, not push(...): a spread of hundreds of thousands of stats (10,000 clusters) overflows the stack.
    const counters: Array<Metric & { value: number }> = t !== 'Gauges' ? selectMetrics(store.counters(), params) : [];
    const numeric = t !== 'Counters' ? counters.concat(selectMetrics(store.gauges(), params)) : counters;
    numeric.sort(byName);
    for (const s of numeric) entries.push(`{"name":${str(s.name)},"value":${s.value}}`);
  }
  if (t === 'All' || t === 'Histograms') {
    const hs = selectSortedMetrics(store.histograms(), params);
    if (hs.length > 0) entries.push(histogramsEntry(hs, params));
  }
  return `{"stats":[${entries.join(',')}]}`;
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

function histogramsEntry(hs: HistogramImpl[], params: StatsParams): string {
  switch (params.histogramBuckets) {
    case 'none': {
      const items = hs.map((h) => `{"name":${str(h.name)},"values":${percentiles(h)}}`);
      return `{"histograms":{"supported_quantiles":${SUPPORTED_PERCENTILES},"computed_quantiles":[${items.join(',')}]}}`;
    }
    case 'cumulative':
    case 'disjoint': {
      const items = hs.map((h) => {
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
      });
      return `{"histograms":[${items.join(',')}]}`;
    }
    case 'detailed': {
      const items = hs.map(
        (h) =>
          `{"name":${str(h.name)},"totals":${verbose(h.bins('cumulative'))},` +
          `"intervals":${verbose(h.bins('interval'))},"percentiles":${percentiles(h)}}`,
      );
      return `{"histograms":{"supported_percentiles":${SUPPORTED_PERCENTILES},"details":[${items.join(',')}]}}`;
    }
  }
}
