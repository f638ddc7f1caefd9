// Regex dialects Envoy's stats config is written in, compiled to JS RegExp.
//
// - RE2 (safe_regex in StringMatcher, admin `filter=`, Envoy's built-in tag regexes): JS RegExp is a
//   superset in syntax but not in guarantees, so constructs RE2 lacks (lookaround, backreferences)
//   are rejected to keep configs portable; RE2-only syntax ((?P<n>..), [[:digit:]], \A, \z, \Q..\E,
//   leading (?i)/(?s)/(?m)) is translated.
// - ECMAScript as C++ std::regex implements it (custom `stats_tags[].regex`): lookahead is legal
//   there (Istio's default bootstrap uses `(?=\.)`); only POSIX bracket classes need translating.
// JS RegExp backtracks; a pathological pattern can be slow. These patterns come from the bootstrap
// or from the loopback-only admin API, and stat names are short, so we accept that risk.

export type RegexResult = { ok: true; regex: RegExp } | { ok: false; error: string };

export type RegexDialect = 're2' | 'ecmascript';

const POSIX_CLASSES: Record<string, string> = {
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  ascii: '\\x00-\\x7f',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '\\x21-\\x7e',
  lower: 'a-z',
  print: '\\x20-\\x7e',
  punct: '!-\\/:-@\\[-`{-~',
  space: ' \\t\\n\\r\\f\\v',
  upper: 'A-Z',
  word: '\\w',
  xdigit: '0-9A-Fa-f',
};

/** Translates `pattern` from `dialect` to JS source plus flags, or explains why it cannot. */
export function translateRegex(
  pattern: string,
  dialect: RegexDialect,
): { ok: true; source: string; flags: string } | { ok: false; error: string } {
  let flags = '';
  let i = 0;
  if (dialect === 're2') {
    // Leading inline flag groups like (?i) or (?is).
    for (;;) {
      const m = /^\(\?([imsU]+)\)/.exec(pattern.slice(i));
      if (!m) break;
      for (const f of m[1]) {
        if (f === 'U') return { ok: false, error: 'non-greedy flag (?U) is not supported' };
        if (!flags.includes(f)) flags += f;
      }
      i += m[0].length;
    }
  }
  let out = '';
  let inClass = false;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) return { ok: false, error: 'trailing backslash' };
      if (dialect === 're2') {
        if (!inClass && n >= '1' && n <= '9') return { ok: false, error: 'backreferences are not supported' };
        if (n === 'k' && pattern[i + 2] === '<') return { ok: false, error: 'backreferences are not supported' };
        if (!inClass && n === 'A') { out += '^'; i += 2; continue; }
        if (!inClass && n === 'z') { out += '$'; i += 2; continue; }
        if (n === 'Q') {
          const end = pattern.indexOf('\\E', i + 2);
          const lit = pattern.slice(i + 2, end < 0 ? pattern.length : end);
          out += lit.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
          i = end < 0 ? pattern.length : end + 2;
          continue;
        }
        if (n === 'C') return { ok: false, error: '\\C is not supported' };
      }
      out += c + n;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        if (end > 0) {
          const name = pattern.slice(i + 2, end);
          if (name.startsWith('^')) return { ok: false, error: `negated POSIX class [:${name}:] is not supported` };
          const rep = POSIX_CLASSES[name];
          if (rep === undefined) return { ok: false, error: `unknown POSIX class [:${name}:]` };
          out += rep;
          i = end + 2;
          continue;
        }
      }
      if (c === '[') { out += '\\['; i++; continue; }
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      // A ']' right after '[' or '[^' is a literal in RE2 and std::regex; JS would end the class.
      if (pattern[i] === '^') { out += '^'; i++; }
      if (pattern[i] === ']') { out += '\\]'; i++; }
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith('P<')) { out += '(?<'; i += 4; continue; }
      if (dialect === 're2' && /^(=|!|<=|<!)/.test(rest)) {
        return { ok: false, error: 'lookaround assertions are not supported' };
      }
      if (dialect === 're2' && /^[imsU-]+[:)]/.test(rest)) {
        return { ok: false, error: 'inline flags are only supported at the start of the pattern' };
      }
    }
    out += c;
    i++;
  }
  if (inClass) return { ok: false, error: 'missing ]' };
  return { ok: true, source: out, flags };
}

/** Compiles a pattern of `dialect` into a JS RegExp (extra flags such as 'd' may be added). */
export function compileRegex(pattern: string, dialect: RegexDialect, extraFlags = ''): RegexResult {
  const t = translateRegex(pattern, dialect);
  if (!t.ok) return t;
  try {
    return { ok: true, regex: new RegExp(t.source, t.flags + extraFlags) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** Compiles an RE2 pattern that must match the whole input (StringMatcher.safe_regex). */
export function compileFullMatchRe2(pattern: string): RegexResult {
  const t = translateRegex(pattern, 're2');
  if (!t.ok) return t;
  try {
    return { ok: true, regex: new RegExp(`^(?:${t.source})$`, t.flags) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}
