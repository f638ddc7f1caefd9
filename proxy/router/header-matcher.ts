// HeaderMatcher (route match headers, retriable_headers, retriable_request_headers) and
// QueryParameterMatcher, compiled once. Envoy semantics: repeated headers are joined with ','
// before matching; a missing header fails every value matcher even when inverted, unless
// treat_missing_header_as_empty; present_match compares presence and honours invert_match; a
// matcher with no specifier is a presence check. Pseudo-headers (:path, :method, :authority,
// :scheme) are read from the request head, not the header map.
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';
import { compileRegexMatcher, compileStringMatcher, RegexStringMatcher, StringMatcher } from './string-matcher';
import type { HeaderMatcher, RouteHeaders, RouteRequest } from './types';

/** All values of `name` joined with ',' (undefined when absent). */
export function joinedHeader(headers: RouteHeaders, name: string): string | undefined {
  if (headers.getJoined !== undefined) return headers.getJoined(name);
  const all = headers.getAll(name);
  if (all.length === 0) return undefined;
  return all.length === 1 ? all[0] : all.join(',');
}

/** A header value as Envoy's route matcher sees it, pseudo-headers included. */
export function requestHeaderValue(req: RouteRequest, name: string): string | undefined {
  if (name.charCodeAt(0) === 58 /* : */) {
    switch (name) {
      case ':path':
        return req.path;
      case ':method':
        return req.method;
      case ':authority':
        return req.authority;
      case ':scheme':
        return req.scheme;
      default:
        return joinedHeader(req.headers, name);
    }
  }
  if (name === 'host') return req.authority;
  return joinedHeader(req.headers, name);
}

const INT64 = /^\s*[+-]?\d+\s*$/;

const enum Kind {
  Present,
  String,
  Range,
}

export class CompiledHeaderMatcher implements HeaderMatcher {
  constructor(
    readonly name: string,
    private readonly kind: Kind,
    private readonly invert: boolean,
    private readonly missingAsEmpty: boolean,
    private readonly present: boolean,
    private readonly sm: StringMatcher | undefined,
    private readonly rangeStart: number,
    private readonly rangeEnd: number,
  ) {}

  test(value: string | undefined): boolean {
    if (this.kind === Kind.Present) return (value !== undefined) === this.present !== this.invert;
    if (value === undefined) {
      if (!this.missingAsEmpty) return false;
      value = '';
    }
    let m: boolean;
    if (this.kind === Kind.Range) {
      if (!INT64.test(value)) m = false;
      else {
        const n = Number(value);
        m = n >= this.rangeStart && n < this.rangeEnd;
      }
    } else m = this.sm!.match(value);
    return m !== this.invert;
  }

  matches(headers: RouteHeaders): boolean {
    return this.test(joinedHeader(headers, this.name));
  }

  matchesRequest(req: RouteRequest): boolean {
    return this.test(requestHeaderValue(req, this.name));
  }
}

export function compileHeaderMatcher(h: Canonical, path: string, sink: IssueSink): CompiledHeaderMatcher | undefined {
  const name = typeof h.name === 'string' ? h.name.toLowerCase() : '';
  if (name === '') {
    sink.error(`${path}.name`, 'header name is required');
    return undefined;
  }
  const invert = h.invert_match === true;
  const empty = h.treat_missing_header_as_empty === true;
  const mk = (kind: Kind, present: boolean, sm: StringMatcher | undefined, s = 0, e = 0): CompiledHeaderMatcher =>
    new CompiledHeaderMatcher(name, kind, invert, empty, present, sm, s, e);
  if (h.present_match !== undefined) return mk(Kind.Present, h.present_match === true, undefined);
  if (h.string_match !== undefined) {
    const sm = compileStringMatcher(h.string_match as Canonical, `${path}.string_match`, sink);
    return sm ? mk(Kind.String, false, sm) : undefined;
  }
  if (h.range_match !== undefined) {
    const r = h.range_match as Canonical;
    const s = Number(r.start ?? 0);
    const e = Number(r.end ?? 0);
    return mk(Kind.Range, false, undefined, s, e);
  }
  // Deprecated specifiers, still accepted by Envoy.
  const legacy: [string, string][] = [
    ['exact_match', 'exact'],
    ['prefix_match', 'prefix'],
    ['suffix_match', 'suffix'],
    ['contains_match', 'contains'],
  ];
  for (const [field, key] of legacy) {
    if (typeof h[field] === 'string') {
      const sm = compileStringMatcher({ [key]: h[field] }, `${path}.${field}`, sink);
      return sm ? mk(Kind.String, false, sm) : undefined;
    }
  }
  if (h.safe_regex_match !== undefined) {
    const re = compileRegexMatcher(h.safe_regex_match as Canonical, `${path}.safe_regex_match`, sink);
    return re ? mk(Kind.String, false, new RegexStringMatcher(re)) : undefined;
  }
  // No specifier: the header must be present.
  return mk(Kind.Present, true, undefined);
}

export function compileHeaderMatchers(list: unknown, path: string, sink: IssueSink): CompiledHeaderMatcher[] {
  const out: CompiledHeaderMatcher[] = [];
  const arr = (list as Canonical[] | undefined) ?? [];
  for (let i = 0; i < arr.length; i++) {
    const m = compileHeaderMatcher(arr[i], `${path}[${i}]`, sink);
    if (m) out.push(m);
  }
  return out;
}

/** route.match.query_parameters[]: the first occurrence of the parameter, value not decoded. */
export class QueryParameterMatcher {
  constructor(
    readonly name: string,
    private readonly sm: StringMatcher | undefined,
  ) {}

  /** `query` is the text after '?', without a fragment. */
  matches(query: string): boolean {
    const v = firstQueryValue(query, this.name);
    if (v === undefined) return false;
    return this.sm === undefined ? true : this.sm.match(v);
  }
}

/** The first value of `name` in a raw query string ('' for a bare `name`), undefined when absent. */
export function firstQueryValue(query: string, name: string): string | undefined {
  let start = 0;
  const len = query.length;
  while (start <= len) {
    let end = query.indexOf('&', start);
    if (end < 0) end = len;
    const eq = query.indexOf('=', start);
    if (eq >= 0 && eq < end) {
      if (eq - start === name.length && query.startsWith(name, start)) return query.slice(eq + 1, end);
    } else if (end - start === name.length && query.startsWith(name, start)) return '';
    start = end + 1;
  }
  return undefined;
}

export function compileQueryMatcher(q: Canonical, path: string, sink: IssueSink): QueryParameterMatcher | undefined {
  const name = typeof q.name === 'string' ? q.name : '';
  if (name === '') {
    sink.error(`${path}.name`, 'query parameter name is required');
    return undefined;
  }
  if (q.string_match !== undefined) {
    const sm = compileStringMatcher(q.string_match as Canonical, `${path}.string_match`, sink);
    return sm ? new QueryParameterMatcher(name, sm) : undefined;
  }
  // present_match (or nothing): the parameter must appear.
  return new QueryParameterMatcher(name, undefined);
}
