// envoy.type.matcher.v3.StringMatcher compiled once into a predicate.

import { compileFullMatchRe2 } from './regex-dialects';
import type { Result, StringMatcherInput } from './stats-config';

export type StringPredicate = (s: string) => boolean;

/** Compiles a StringMatcher; `path` prefixes error messages (e.g. `stats_matcher.inclusion_list.patterns[1]`). */
export function compileStringMatcher(m: StringMatcherInput, path: string): Result<StringPredicate> {
  const set = (['exact', 'prefix', 'suffix', 'contains', 'safe_regex'] as const).filter((k) => m[k] !== undefined);
  if (set.length !== 1) {
    return { ok: false, errors: [`${path}: exactly one of exact, prefix, suffix, contains, safe_regex must be set`] };
  }
  const ic = m.ignore_case === true;
  switch (set[0]) {
    case 'exact': {
      const v = ic ? m.exact!.toLowerCase() : m.exact!;
      return { ok: true, value: ic ? (s) => s.toLowerCase() === v : (s) => s === v };
    }
    case 'prefix': {
      const v = ic ? m.prefix!.toLowerCase() : m.prefix!;
      return { ok: true, value: ic ? (s) => s.toLowerCase().startsWith(v) : (s) => s.startsWith(v) };
    }
    case 'suffix': {
      const v = ic ? m.suffix!.toLowerCase() : m.suffix!;
      return { ok: true, value: ic ? (s) => s.toLowerCase().endsWith(v) : (s) => s.endsWith(v) };
    }
    case 'contains': {
      const v = ic ? m.contains!.toLowerCase() : m.contains!;
      return { ok: true, value: ic ? (s) => s.toLowerCase().includes(v) : (s) => s.includes(v) };
    }
    case 'safe_regex': {
      const r = compileFullMatchRe2(m.safe_regex!.regex ?? '');
      if (!r.ok) return { ok: false, errors: [`${path}.safe_regex.regex: invalid RE2 regex: ${r.error}`] };
      const re = r.regex;
      return { ok: true, value: (s) => re.test(s) };
    }
  }
}
