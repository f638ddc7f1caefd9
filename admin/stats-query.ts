/**
 * /stats and /stats/prometheus parameters, validated with Envoy's StatsParams::parse rules and
 * error texts (each a 400).
 */
import type { AdminRegexResult, AdminStatsQuery } from './admin-target';
import type { QueryParams } from './query-params';

export type StatsFormat = 'text' | 'json' | 'prometheus' | 'html' | 'active-html';

export type StatsQueryResult =
  | { readonly ok: true; readonly query: AdminStatsQuery; readonly format: StatsFormat }
  | { readonly ok: false; readonly message: string };

const TYPES = new Set(['All', 'Counters', 'Gauges', 'Histograms', 'TextReadouts']);
const FORMATS = new Set(['text', 'json', 'prometheus', 'html', 'active-html']);

export function parseStatsQuery(
  params: QueryParams,
  compileRe2: (pattern: string) => AdminRegexResult,
  prometheusPath: boolean,
): StatsQueryResult {
  let filter: RegExp | undefined;
  const filterSource = params.nonEmpty('filter');
  if (filterSource !== undefined) {
    const r = compileRe2(filterSource);
    if (!r.ok) return { ok: false, message: 'Invalid re2 regex' };
    filter = r.regex;
  }

  let histogramBuckets: AdminStatsQuery['histogramBuckets'];
  const buckets = params.first('histogram_buckets');
  if (buckets !== undefined && buckets !== '' && buckets !== 'none') {
    if (buckets === 'cumulative' || buckets === 'disjoint' || buckets === 'detailed') histogramBuckets = buckets;
    else if (buckets === 'summary' && prometheusPath) histogramBuckets = 'summary';
    else return { ok: false, message: 'usage: /stats?histogram_buckets=(cumulative|disjoint|none)\n' };
  }

  const type = params.nonEmpty('type') ?? 'All';
  if (!TYPES.has(type)) return { ok: false, message: 'invalid &type= param' };

  const hiddenText = params.nonEmpty('hidden') ?? 'exclude';
  if (hiddenText !== 'include' && hiddenText !== 'only' && hiddenText !== 'exclude') {
    return { ok: false, message: 'usage: /stats?hidden=(include|only|exclude)\n\n' };
  }

  const formatText = params.nonEmpty('format') ?? 'text';
  if (!FORMATS.has(formatText)) {
    return { ok: false, message: 'usage: /stats?format=(html|active-html|json|prometheus|text)\n\n' };
  }

  return {
    ok: true,
    format: formatText as StatsFormat,
    query: {
      usedOnly: params.has('usedonly'),
      filter,
      filterSource,
      type: type as AdminStatsQuery['type'],
      histogramBuckets,
      textReadouts: params.has('text_readouts'),
      hidden: hiddenText,
      pretty: params.has('pretty'),
    },
  };
}
