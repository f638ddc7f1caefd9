// Regular expressions from route configuration (safe_regex, regex_rewrite, header and query
// matchers) run on the RE2 engine, as in Envoy. RE2 matches in time linear in the input and has no
// backtracking, so a request path or header an attacker controls cannot make matching explode the
// way a crafted input can with V8's backtracking RegExp. Patterns compile once, at config time.
import RE2 = require('re2');

export interface CompiledRegex {
  readonly source: string;
  /** The whole input matches (RE2::FullMatch). */
  fullMatch(input: string): boolean;
  /** Every non-overlapping match replaced (RE2::GlobalReplace with \1-style substitutions). */
  replaceAll(input: string, substitution: CompiledSubstitution): string;
}

/** An Envoy substitution string (`\1`, `\\`) turned into the `$1` form the engine expects. */
export type CompiledSubstitution = { readonly replacement: string };

const META = new Set(['.', '[', ']', '(', ')', '*', '+', '?', '{', '}', '^', '$', '|', '\\']);
const QUANTIFIER = new Set(['*', '+', '?', '{']);

/**
 * The literal text every full match must start with ('' when unsure). Each call into the RE2
 * binding costs about 1.5 us (the string crosses into C++ as UTF-8), so a plain startsWith check
 * first keeps a table of regex routes cheap for the requests they cannot match. Conservative: any
 * alternation, group, class or non-punctuation escape ends the prefix; a quantified last character
 * is dropped.
 */
export function literalPrefix(pattern: string): string {
  if (pattern.includes('|')) return '';
  let out = '';
  let i = pattern.startsWith('^') ? 1 : 0;
  while (i < pattern.length) {
    let c = pattern[i];
    let width = 1;
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined || /[A-Za-z0-9]/.test(n) || n.charCodeAt(0) > 127) break;
      c = n;
      width = 2;
    } else if (META.has(c)) break;
    const next = pattern[i + width];
    if (next !== undefined && QUANTIFIER.has(next)) break;
    out += c;
    i += width;
  }
  return out;
}

class Re2Regex implements CompiledRegex {
  private readonly anchored: RE2;
  private readonly global: RE2;
  private readonly prefix: string;
  constructor(readonly source: string) {
    this.anchored = new RE2(`^(?:${source})$`, 'u');
    this.global = new RE2(source, 'gu');
    this.prefix = literalPrefix(source);
  }
  fullMatch(input: string): boolean {
    if (this.prefix !== '' && !input.startsWith(this.prefix)) return false;
    return this.anchored.test(input);
  }
  replaceAll(input: string, substitution: CompiledSubstitution): string {
    this.global.lastIndex = 0;
    return this.global.replace(input, substitution.replacement);
  }
}

/** Compiles an RE2 pattern; a syntax error becomes a message naming the pattern. */
export function compileRegex(pattern: string): { ok: true; regex: CompiledRegex } | { ok: false; error: string } {
  try {
    return { ok: true, regex: new Re2Regex(pattern) };
  } catch (e) {
    return { ok: false, error: `invalid regex '${pattern}': ${(e as Error).message}` };
  }
}

/** RE2 rewrite syntax: `\0`-`\9` name groups, `\\` is a backslash; anything else is literal. */
export function compileSubstitution(sub: string): { ok: true; value: CompiledSubstitution } | { ok: false; error: string } {
  let out = '';
  for (let i = 0; i < sub.length; i++) {
    const c = sub[i];
    if (c === '\\') {
      const n = sub[i + 1];
      if (n === undefined) return { ok: false, error: `invalid substitution '${sub}': trailing backslash` };
      if (n >= '0' && n <= '9') out += n === '0' ? '$&' : `$${n}`;
      else if (n === '\\') out += '\\';
      else return { ok: false, error: `invalid substitution '${sub}': invalid rewrite pattern` };
      i++;
    } else if (c === '$') out += '$$';
    else out += c;
  }
  return { ok: true, value: { replacement: out } };
}
