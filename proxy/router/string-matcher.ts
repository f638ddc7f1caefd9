// envoy.type.matcher.v3.StringMatcher compiled into one small object per matcher. ignore_case
// lower-cases the expected value once here and the input per test (exact/prefix/suffix/contains);
// safe_regex must match the whole input and ignores ignore_case, as in Envoy.
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';
import { compileRegex, CompiledRegex } from './route-regex';

export interface StringMatcher {
  match(value: string): boolean;
}

class Exact implements StringMatcher {
  constructor(private readonly v: string, private readonly ic: boolean) {}
  match(value: string): boolean {
    return (this.ic ? value.toLowerCase() : value) === this.v;
  }
}
class Prefix implements StringMatcher {
  constructor(private readonly v: string, private readonly ic: boolean) {}
  match(value: string): boolean {
    return (this.ic ? value.toLowerCase() : value).startsWith(this.v);
  }
}
class Suffix implements StringMatcher {
  constructor(private readonly v: string, private readonly ic: boolean) {}
  match(value: string): boolean {
    return (this.ic ? value.toLowerCase() : value).endsWith(this.v);
  }
}
class Contains implements StringMatcher {
  constructor(private readonly v: string, private readonly ic: boolean) {}
  match(value: string): boolean {
    return (this.ic ? value.toLowerCase() : value).includes(this.v);
  }
}
export class RegexStringMatcher implements StringMatcher {
  constructor(readonly regex: CompiledRegex) {}
  match(value: string): boolean {
    return this.regex.fullMatch(value);
  }
}

/** RegexMatcher {regex} -> compiled regex, or an error at `path`. */
export function compileRegexMatcher(m: Canonical | undefined, path: string, sink: IssueSink): CompiledRegex | undefined {
  const src = m?.regex;
  if (typeof src !== 'string') {
    sink.error(path, 'regex is required');
    return undefined;
  }
  const r = compileRegex(src);
  if (!r.ok) {
    sink.error(`${path}.regex`, r.error);
    return undefined;
  }
  return r.regex;
}

/** Compiles a StringMatcher at `path`; undefined (with an error recorded) when invalid. */
export function compileStringMatcher(m: Canonical, path: string, sink: IssueSink): StringMatcher | undefined {
  const ic = m.ignore_case === true;
  const norm = (s: unknown): string => (ic ? String(s).toLowerCase() : String(s));
  if (typeof m.exact === 'string') return new Exact(norm(m.exact), ic);
  if (typeof m.prefix === 'string') return new Prefix(norm(m.prefix), ic);
  if (typeof m.suffix === 'string') return new Suffix(norm(m.suffix), ic);
  if (typeof m.contains === 'string') return new Contains(norm(m.contains), ic);
  if (m.safe_regex !== undefined) {
    const re = compileRegexMatcher(m.safe_regex as Canonical, `${path}.safe_regex`, sink);
    return re ? new RegexStringMatcher(re) : undefined;
  }
  if (m.custom !== undefined) {
    sink.error(`${path}.custom`, 'custom string matchers are not supported');
    return undefined;
  }
  sink.error(path, 'one of exact, prefix, suffix, contains or safe_regex is required');
  return undefined;
}
