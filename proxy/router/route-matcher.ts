// One route's match conditions compiled into a flat object: the path specifier (prefix, path,
// safe_regex, path_separated_prefix, connect_matcher) plus headers, query_parameters,
// runtime_fraction and grpc. Matching reads a per-table MatchContext that strips the query once and
// lower-cases or slices the path only if some route needs it, so a request allocates nothing for
// the common prefix/exact routes.
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';
import { compileHeaderMatchers, CompiledHeaderMatcher, compileQueryMatcher, QueryParameterMatcher } from './header-matcher';
import { compileFraction, Fraction, fractionHolds } from './route-levels';
import { compileRegexMatcher } from './string-matcher';
import type { CompiledRegex } from './route-regex';
import type { RouteRequest } from './types';
import { frozenList } from '../common/exact-array';

export const enum PathKind {
  Prefix,
  Exact,
  Regex,
  SeparatedPrefix,
  Connect,
}

/** The request path seen by matchers, computed lazily and reused for every route of one lookup. */
export class MatchContext {
  path = '';
  /** End of the path proper (first '?' or '#', or ';' with ignore_path_parameters_in_path_matching). */
  end = 0;
  /** The request carries a path (CONNECT on HTTP/1 does not). */
  hasPath = false;
  private lower: string | undefined = undefined;
  private only: string | undefined = undefined;
  private query: string | undefined = undefined;
  private queryDone = false;

  constructor(private readonly ignorePathParams: boolean) {}

  reset(req: RouteRequest): void {
    const path = req.path;
    this.path = path;
    this.hasPath = path.length > 0 && path.charCodeAt(0) === 47;
    let end = path.length;
    for (let i = 0; i < path.length; i++) {
      const c = path.charCodeAt(i);
      if (c === 63 || c === 35) {
        end = i;
        break;
      }
    }
    if (this.ignorePathParams) {
      const semi = path.indexOf(';');
      if (semi >= 0 && semi < end) end = semi;
    }
    this.end = end;
    this.lower = undefined;
    this.only = undefined;
    this.query = undefined;
    this.queryDone = false;
  }

  lowerPath(): string {
    if (this.lower === undefined) this.lower = this.pathOnly().toLowerCase();
    return this.lower;
  }

  pathOnly(): string {
    if (this.only === undefined) this.only = this.end === this.path.length ? this.path : this.path.slice(0, this.end);
    return this.only;
  }

  /** The raw query string (after '?', before '#'), or undefined. */
  queryString(): string | undefined {
    if (!this.queryDone) {
      this.queryDone = true;
      const q = this.path.indexOf('?');
      if (q >= 0) {
        const f = this.path.indexOf('#', q);
        this.query = f < 0 ? this.path.slice(q + 1) : this.path.slice(q + 1, f);
      }
    }
    return this.query;
  }
}

function isGrpc(req: RouteRequest): boolean {
  const ct = req.headers.get('content-type');
  if (ct === undefined || !ct.startsWith('application/grpc')) return false;
  return ct.length === 16 || ct.charCodeAt(16) === 43 /* + */;
}

export class RouteMatcher {
  constructor(
    readonly kind: PathKind,
    /** The prefix/path (lower-cased when case-insensitive). */
    private readonly value: string,
    private readonly caseSensitive: boolean,
    private readonly regex: CompiledRegex | undefined,
    private readonly headers: readonly CompiledHeaderMatcher[],
    private readonly queries: readonly QueryParameterMatcher[],
    private readonly runtime: Fraction | undefined,
    private readonly grpc: boolean,
  ) {}

  /** Length of the matched prefix for prefix rewrites; -1 = the whole path. */
  get matchedLength(): number {
    return this.kind === PathKind.Prefix || this.kind === PathKind.Exact || this.kind === PathKind.SeparatedPrefix ? this.value.length : -1;
  }

  matches(req: RouteRequest, ctx: MatchContext, r: number): boolean {
    if (!this.pathMatches(req, ctx)) return false;
    if (this.runtime !== undefined && !fractionHolds(this.runtime, r)) return false;
    if (this.grpc && !isGrpc(req)) return false;
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) if (!hs[i].matchesRequest(req)) return false;
    const qs = this.queries;
    if (qs.length > 0) {
      const q = ctx.queryString();
      if (q === undefined) return false;
      for (let i = 0; i < qs.length; i++) if (!qs[i].matches(q)) return false;
    }
    return true;
  }

  private pathMatches(req: RouteRequest, ctx: MatchContext): boolean {
    const kind = this.kind;
    if (kind === PathKind.Connect) return req.method === 'CONNECT';
    if (!ctx.hasPath) return false;
    const v = this.value;
    const n = v.length;
    switch (kind) {
      case PathKind.Prefix:
        if (ctx.end < n) return false;
        return this.caseSensitive ? ctx.path.startsWith(v) : ctx.lowerPath().startsWith(v);
      case PathKind.Exact:
        if (ctx.end !== n) return false;
        return this.caseSensitive ? ctx.path.startsWith(v) : ctx.lowerPath() === v;
      case PathKind.SeparatedPrefix: {
        if (ctx.end < n) return false;
        const ok = this.caseSensitive ? ctx.path.startsWith(v) : ctx.lowerPath().startsWith(v);
        return ok && (ctx.end === n || ctx.path.charCodeAt(n) === 47);
      }
      case PathKind.Regex:
        return this.regex!.fullMatch(ctx.pathOnly());
      default:
        return false;
    }
  }
}

const SEPARATED_PREFIX = /^[^?#]+[^?#/]$/;

/** Compiles route.match at `path` (e.g. virtual_hosts[0].routes[2].match). */
export function compileRouteMatch(m: Canonical, path: string, sink: IssueSink): RouteMatcher | undefined {
  const cs = m.case_sensitive !== false;
  let kind: PathKind;
  let value = '';
  let regex: CompiledRegex | undefined;
  if (typeof m.prefix === 'string') {
    kind = PathKind.Prefix;
    value = m.prefix;
  } else if (typeof m.path === 'string') {
    kind = PathKind.Exact;
    value = m.path;
  } else if (m.safe_regex !== undefined) {
    kind = PathKind.Regex;
    regex = compileRegexMatcher(m.safe_regex as Canonical, `${path}.safe_regex`, sink);
    if (regex === undefined) return undefined;
  } else if (typeof m.path_separated_prefix === 'string') {
    kind = PathKind.SeparatedPrefix;
    value = m.path_separated_prefix;
    if (!SEPARATED_PREFIX.test(value)) {
      sink.error(`${path}.path_separated_prefix`, `value '${value}' must not contain '?' or '#' and must not end with '/'`);
      return undefined;
    }
  } else if (m.connect_matcher !== undefined) {
    kind = PathKind.Connect;
  } else if (m.path_match_policy !== undefined) {
    sink.error(`${path}.path_match_policy`, 'path_match_policy (URI template matching) is not supported');
    return undefined;
  } else {
    sink.error(path, 'a path specifier (prefix, path, safe_regex, path_separated_prefix or connect_matcher) is required');
    return undefined;
  }
  if (!cs) value = value.toLowerCase();
  for (const unsupported of ['tls_context', 'dynamic_metadata', 'filter_state', 'cel_expression']) {
    const v = m[unsupported];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) sink.error(`${path}.${unsupported}`, `${unsupported} route matching is not supported`);
  }
  const headers = compileHeaderMatchers(m.headers, `${path}.headers`, sink);
  const queries: QueryParameterMatcher[] = [];
  ((m.query_parameters as Canonical[] | undefined) ?? []).forEach((q, i) => {
    const c = compileQueryMatcher(q, `${path}.query_parameters[${i}]`, sink);
    if (c) queries.push(c);
  });
  let runtime: Fraction | undefined;
  const rf = m.runtime_fraction as Canonical | undefined;
  if (rf !== undefined) runtime = compileFraction(rf.default_value as Canonical | undefined, `${path}.runtime_fraction.default_value`, sink);
  return new RouteMatcher(kind, value, cs, regex, frozenList(headers), frozenList(queries), runtime, m.grpc !== undefined);
}
