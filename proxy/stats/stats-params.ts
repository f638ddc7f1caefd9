// Query parameters of /stats and /stats/prometheus, parsed and validated as Envoy's StatsParams
// does (same error texts). `filter` is RE2 in Envoy; see regex-dialects.ts for what we accept.

import { compileRegex } from './regex-dialects';

export type StatsType = 'All' | 'Counters' | 'Gauges' | 'Histograms' | 'TextReadouts';
export type StatsFormat = 'text' | 'json' | 'prometheus';
export type HistogramBucketsMode = 'none' | 'cumulative' | 'disjoint' | 'detailed';

export interface StatsParams {
  readonly usedOnly: boolean;
  /** Partial-match filter on the full stat name, or null. */
  readonly filter: RegExp | null;
  readonly type: StatsType;
  /** Requested format; undefined when the query did not say (the path decides). */
  readonly format: StatsFormat | undefined;
  readonly histogramBuckets: HistogramBucketsMode;
  /** `text_readouts`: include text readouts in Prometheus output. */
  readonly prometheusTextReadouts: boolean;
}

export const DEFAULT_STATS_PARAMS: StatsParams = Object.freeze({
  usedOnly: false,
  filter: null,
  type: 'All',
  format: undefined,
  histogramBuckets: 'none',
  prometheusTextReadouts: false,
});

export type ParamsResult = { ok: true; value: StatsParams } | { ok: false; error: string };

/**
 * Parses a query string ("a=b&c", "?a=b&c", or a path "/stats?a=b&c") or pre-split pairs. Values are
 * percent-decoded only ('+' stays '+', it is common in regexes); the first of repeated keys wins.
 */
export function parseStatsParams(query: string | ReadonlyMap<string, string>): ParamsResult {
  const q = typeof query === 'string' ? splitQuery(query) : query;
  let filter: RegExp | null = null;
  const f = q.get('filter');
  if (f !== undefined) {
    const r = compileRegex(f, 're2');
    if (!r.ok) return { ok: false, error: 'Invalid re2 regex' };
    filter = r.regex;
  }
  let histogramBuckets: HistogramBucketsMode = 'none';
  const hb = q.get('histogram_buckets');
  if (hb !== undefined) {
    if (hb === 'cumulative' || hb === 'disjoint' || hb === 'detailed' || hb === 'none') histogramBuckets = hb;
    else return { ok: false, error: 'usage: /stats?histogram_buckets=(cumulative|disjoint|detailed|none)\n' };
  }
  let type: StatsType = 'All';
  const t = q.get('type');
  if (t !== undefined) {
    if (t === 'All' || t === 'Counters' || t === 'Gauges' || t === 'Histograms' || t === 'TextReadouts') type = t;
    else return { ok: false, error: 'invalid &type= param' };
  }
  let format: StatsFormat | undefined;
  const fm = q.get('format');
  if (fm !== undefined) {
    if (fm === 'text' || fm === 'json' || fm === 'prometheus') format = fm;
    else if (fm === 'html') return { ok: false, error: 'HTML output was disabled by building with --define=admin_html=disabled' };
    else if (fm === 'active-html') {
      return { ok: false, error: 'Active HTML output was disabled by building with --define=admin_html=disabled' };
    } else return { ok: false, error: 'usage: /stats?format=(html|active-html|json|prometheus|text)\n\n' };
  }
  return {
    ok: true,
    value: {
      usedOnly: q.has('usedonly'),
      filter,
      type,
      format,
      histogramBuckets,
      prometheusTextReadouts: q.has('text_readouts'),
    },
  };
}

function splitQuery(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  // Accepts "a=b&c", "?a=b&c" or a whole path "/stats?a=b&c".
  let qs = raw;
  if (raw.startsWith('?')) qs = raw.slice(1);
  else if (raw.startsWith('/')) qs = raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : '';
  for (const part of qs.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = decode(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decode(part.slice(eq + 1));
    if (!out.has(k)) out.set(k, v);
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Envoy's shouldShowMetric: usedonly and filter, applied to the full stat name. */
export function shouldShow(params: StatsParams, name: string, used: boolean): boolean {
  return (!params.usedOnly || used) && (params.filter === null || params.filter.test(name));
}
