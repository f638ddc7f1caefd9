// /stats/prometheus: Prometheus text exposition v0.0.4 as Envoy writes it. Families are keyed by
// tag-extracted name (counters, then gauges, then text readouts if asked, then histograms), sorted
// the way Envoy's symbol table orders names; labels are the extracted tags in extraction order.
// Rendered by hand rather than with prom-client: Envoy's format (family order, `{}` on unlabelled
// samples, %.32g bucket bounds, circllhist sums) is specific, and the store already has the data.

import type { HistogramImpl } from './histogram';
import type { Metric } from './metric';
import { formatG } from './number-format';
import { compareTokenwise } from './stat-order';
import { selectMetrics } from './stat-selection';
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
  const out: string[] = [];
  const ns = store.customNamespaces();
  const t = params.type;
  if (t === 'All' || t === 'Counters') {
    families(selectMetrics(store.counters(), params), ns, (name, group) => {
      out.push(`# TYPE ${name} counter\n`);
      for (const c of group) out.push(`${name}{${formatLabels(c.tags)}} ${c.value}\n`);
    });
  }
  if (t === 'All' || t === 'Gauges') {
    families(selectMetrics(store.gauges(), params), ns, (name, group) => {
      out.push(`# TYPE ${name} gauge\n`);
      for (const g of group) out.push(`${name}{${formatLabels(g.tags)}} ${g.value}\n`);
    });
  }
  if (params.prometheusTextReadouts && (t === 'All' || t === 'TextReadouts')) {
    families(selectMetrics(store.textReadouts(), params), ns, (name, group) => {
      out.push(`# TYPE ${name} gauge\n`);
      for (const r of group) out.push(`${name}{${formatLabels(r.tags, ['text_value', r.value])}} 0\n`);
    });
  }
  if (t === 'All' || t === 'Histograms') {
    families(selectMetrics(store.histograms(), params), ns, (name, group) => {
      out.push(`# TYPE ${name} histogram\n`);
      for (const h of group) histogramSamples(out, name, h);
    });
  }
  return out.join('');
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

function histogramSamples(out: string[], name: string, h: HistogramImpl): void {
  const labels = formatLabels(h.tags);
  const lead = labels === '' ? '' : `${labels},`;
  const s = h.cumulativeStatistics();
  const le = leOf(h.supportedBuckets);
  for (let i = 0; i < le.length; i++) out.push(`${name}_bucket{${lead}le="${le[i]}"} ${s.buckets[i]}\n`);
  out.push(`${name}_bucket{${lead}le="+Inf"} ${s.sampleCount}\n`);
  out.push(`${name}_sum{${labels}} ${formatG(s.sampleSum, 32)}\n`);
  out.push(`${name}_count{${labels}} ${s.sampleCount}\n`);
}

function families<T extends Metric>(
  metrics: T[],
  customNamespaces: readonly string[],
  emit: (promName: string, group: T[]) => void,
): void {
  const groups = new Map<string, T[]>();
  for (const m of metrics) {
    const g = groups.get(m.tagExtractedName);
    if (g) g.push(m);
    else groups.set(m.tagExtractedName, [m]);
  }
  const keys = [...groups.keys()].sort(compareTokenwise);
  for (const k of keys) {
    const promName = prometheusMetricName(k, customNamespaces);
    if (promName === null) continue;
    emit(promName, groups.get(k)!.sort((a, b) => compareTokenwise(a.name, b.name)));
  }
}
