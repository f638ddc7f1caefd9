// stats_config.histogram_bucket_settings: the first matching rule gives a histogram's buckets.

import { DEFAULT_BUCKETS } from './histogram';
import type { HistogramBucketSettingsInput, Result } from './stats-config';
import { compileStringMatcher, type StringPredicate } from './string-matcher';

export interface HistogramSettings {
  bucketsFor(name: string): readonly number[];
}

export function compileHistogramSettings(list: HistogramBucketSettingsInput[] | undefined): Result<HistogramSettings> {
  const rules: Array<{ match: StringPredicate; buckets: readonly number[] }> = [];
  const errors: string[] = [];
  (list ?? []).forEach((s, i) => {
    const path = `histogram_bucket_settings[${i}]`;
    if (s.match === undefined) {
      errors.push(`${path}.match: required`);
      return;
    }
    const m = compileStringMatcher(s.match, `${path}.match`);
    if (!m.ok) {
      errors.push(...m.errors);
      return;
    }
    const buckets = (s.buckets ?? []).slice();
    if (buckets.length === 0) errors.push(`${path}.buckets: at least one bucket is required`);
    if (buckets.some((b) => !(b > 0))) errors.push(`${path}.buckets: every bucket must be > 0`);
    if (new Set(buckets).size !== buckets.length) errors.push(`${path}.buckets: buckets must be unique`);
    buckets.sort((a, b) => a - b);
    rules.push({ match: m.value, buckets: Object.freeze(buckets) });
  });
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      bucketsFor(name: string): readonly number[] {
        for (const r of rules) if (r.match(name)) return r.buckets;
        return DEFAULT_BUCKETS;
      },
    },
  };
}
