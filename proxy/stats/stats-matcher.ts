// stats_config.stats_matcher: decides, once per full stat name at creation, whether a stat exists.

import type { Result, StatsMatcherInput } from './stats-config';
import { compileStringMatcher, type StringPredicate } from './string-matcher';

export interface StatsMatcher {
  /** True if a stat with this full name must not be created. */
  rejects(name: string): boolean;
  /** True if no stat is ever rejected (lets the store skip the call). */
  readonly acceptsAll: boolean;
}

const ACCEPT_ALL: StatsMatcher = { rejects: () => false, acceptsAll: true };

export function compileStatsMatcher(m: StatsMatcherInput | undefined, path = 'stats_matcher'): Result<StatsMatcher> {
  if (m === undefined) return { ok: true, value: ACCEPT_ALL };
  const set = (['reject_all', 'exclusion_list', 'inclusion_list'] as const).filter((k) => m[k] !== undefined);
  if (set.length > 1) return { ok: false, errors: [`${path}: only one of reject_all, exclusion_list, inclusion_list may be set`] };
  if (set.length === 0) return { ok: true, value: ACCEPT_ALL };
  if (set[0] === 'reject_all') {
    return { ok: true, value: m.reject_all ? { rejects: () => true, acceptsAll: false } : ACCEPT_ALL };
  }
  const key = set[0];
  const patterns = m[key]!.patterns ?? [];
  const preds: StringPredicate[] = [];
  const errors: string[] = [];
  patterns.forEach((p, i) => {
    const r = compileStringMatcher(p, `${path}.${key}.patterns[${i}]`);
    if (r.ok) preds.push(r.value);
    else errors.push(...r.errors);
  });
  if (errors.length) return { ok: false, errors };
  const anyMatch = (name: string): boolean => {
    for (let i = 0; i < preds.length; i++) if (preds[i](name)) return true;
    return false;
  };
  return {
    ok: true,
    value:
      key === 'inclusion_list'
        ? { rejects: (name) => !anyMatch(name), acceptsAll: false }
        : { rejects: (name) => anyMatch(name), acceptsAll: preds.length === 0 },
  };
}
