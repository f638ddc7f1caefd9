// /stats/prometheus: Prometheus text exposition v0.0.4 as Envoy writes it. Families are keyed by
// tag-extracted name (counters, then gauges, then text readouts if asked, then histograms), sorted
// the way Envoy's symbol table orders names; labels are the extracted tags in extraction order.
// Rendered by hand rather than with prom-client: Envoy's format (family order, `{}` on unlabelled
// samples, %.32g bucket bounds, circllhist sums) is specific, and the store already has the data.

import type { HistogramImpl } from './histogram';
import type { Metric } from './metric';
import { formatG } from './number-format';
import { CHECKPOINT, joinSteps, STEP_ITEMS, streamSteps, type RenderClock, type RenderSteps } from './render-steps';
import { sortSteps } from './sort-steps';
import { compareTokenwise } from './stat-order';
import { selectSteps } from './stat-selection';
import type { StatsParams } from './stats-params';
import type { StatsStore } from './stats-store';
import type { FlatTags } from './tag-producer';

/** Every char outside [a-zA-Z0-9_] becomes '_'. */
export function sanitizePrometheusName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** Label value escaping of the Prometheus text format: backslash, newline, double quote. */
export function escapeLabelValue(v: string): string {
  return v.replace(/[\\\n"]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : '\\"'));
}

/** `envoy_` + sanitized name, or for a custom namespace the sanitized rest (null if unusable). */
export function prometheusMetricName(tagExtractedName: string, customNamespaces: readonly string[]): string | null {
  for (const ns of customNamespaces) {
    if (tagExtractedName.startsWith(ns) && tagExtractedName.charCodeAt(ns.length) === 46 /* . */) {
      const s = sanitizePrometheusName(tagExtractedName.slice(ns.length + 1));
      if (s === '' || (s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57)) return null;
      return s;
    }
  }
  return `envoy_${sanitizePrometheusName(tagExtractedName)}`;
}

/** `a="x",b="y"` from flat tags. */
export function formatLabels(tags: FlatTags, extra?: [string, string]): string {
  const parts: string[] = [];
  for (let i = 0; i < tags.length; i += 2) parts.push(`${sanitizePrometheusName(tags[i])}="${escapeLabelValue(tags[i + 1])}"`);
  if (extra) parts.push(`${sanitizePrometheusName(extra[0])}="${escapeLabelValue(extra[1])}"`);
  return parts.join(',');
}

export function renderPrometheus(store: StatsStore, params: StatsParams): string {
  return joinSteps(prometheusSteps(store, params));
}

/** The same exposition, a slice at a time (admin /stats/prometheus, Istio's :15090 through it). */
export function streamPrometheus(store: StatsStore, params: StatsParams, clock: RenderClock): AsyncGenerator<string, void, undefined> {
  return streamSteps(prometheusSteps(store, params), clock);
}

function* prometheusSteps(store: StatsStore, params: StatsParams): RenderSteps {
  const ns = store.customNamespaces();
  const t = params.type;
  if (t === 'All' || t === 'Counters') {
    yield* families(yield* selectSteps(store.counters(params), params), ns, 'counter', (name, c) => `${name}{${formatLabels(c.tags)}} ${c.value}\n`);
  }
  if (t === 'All' || t === 'Gauges') {
    yield* families(yield* selectSteps(store.gauges(params), params), ns, 'gauge', (name, g) => `${name}{${formatLabels(g.tags)}} ${g.value}\n`);
  }
  if (params.prometheusTextReadouts && (t === 'All' || t === 'TextReadouts')) {
    yield* families(yield* selectSteps(store.textReadouts(), params), ns, 'gauge', (name, r) => `${name}{${formatLabels(r.tags, ['text_value', r.value])}} 0\n`);
  }
  if (t === 'All' || t === 'Histograms') {
    yield* families(yield* selectSteps(store.histograms(params), params), ns, 'histogram', histogramSamples);
  }
}

/** `le` values by bucket-bounds array: histograms share a few such arrays, so each is printed once. */
const leValues = new WeakMap<readonly number[], readonly string[]>();

function leOf(bounds: readonly number[]): readonly string[] {
  let le = leValues.get(bounds);
  if (le === undefined) {
    le = bounds.map((b) => formatG(b, 32));
    leValues.set(bounds, le);
  }
  return le;
}

function histogramSamples(name: string, h: HistogramImpl): string {
  const labels = formatLabels(h.tags);
  const lead = labels === '' ? '' : `${labels},`;
  const s = h.cumulativeStatistics();
  const le = leOf(h.supportedBuckets);
  let out = '';
  for (let i = 0; i < le.length; i++) out += `${name}_bucket{${lead}le="${le[i]}"} ${s.buckets[i]}\n`;
  out += `${name}_bucket{${lead}le="+Inf"} ${s.sampleCount}\n`;
  out += `${name}_sum{${labels}} ${formatG(s.sampleSum, 32)}\n`;
  return out + `${name}_count{${labels}} ${s.sampleCount}\n`;
}

/** One `# TYPE` line and the samples of each family, families and samples in tokenwise order. */
function* families<T extends Metric>(
  metrics: T[],
  customNamespaces: readonly string[],
  type: string,
  sample: (promName: string, m: T) => string,
): RenderSteps {
  // Reading tagExtractedName runs tag extraction (regexes) for a stat's first render, and for
  // every stand-in on every render: the costliest silent stretch, so checkpointed per few stats.
  const groups = new Map<string, T[]>();
  let n = 0;
  for (const m of metrics) {
    const g = groups.get(m.tagExtractedName);
    if (g) g.push(m);
    else groups.set(m.tagExtractedName, [m]);
    if (++n % STEP_ITEMS === 0) yield CHECKPOINT;
  }
  for (const k of yield* sortSteps([...groups.keys()], compareTokenwise)) {
    const promName = prometheusMetricName(k, customNamespaces);
    if (promName === null) continue;
    yield `# TYPE ${promName} ${type}\n`;
    for (const m of yield* sortSteps(groups.get(k)!, byTokens)) yield sample(promName, m);
  }
}

const byTokens = (a: Metric, b: Metric): number => compareTokenwise(a.name, b.name);
