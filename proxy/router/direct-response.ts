// redirect and direct_response (Envoy's DirectResponseEntry), including how Envoy builds the
// Location: scheme from scheme_redirect / https_redirect / the request; host from host_redirect or
// the request's host, whose port is dropped when port_redirect is set or when the scheme changes
// from x-forwarded-proto and the port was that protocol's default; the path after the redirect's
// prefix_rewrite / regex_rewrite, or path_redirect (whose own query wins and is never stripped;
// otherwise the request's query is kept unless strip_query).
import { readFileSync } from 'node:fs';
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';
import { compileRegex, compileSubstitution, CompiledRegex, CompiledSubstitution } from './route-regex';
import type { DirectResponse, RouteRequest } from './types';

const REDIRECT_CODES: Readonly<Record<string, number>> = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
};

/** Where the route's matched part of the path ends, for a prefix rewrite; -1 = whole path. */
export type MatchedLength = number;

function pathEnd(path: string): number {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 63 /* ? */ || c === 35 /* # */) return i;
  }
  return path.length;
}

function isHttps(s: string): boolean {
  return s.length === 5 && s.toLowerCase() === 'https';
}
function isHttp(s: string): boolean {
  return s.length === 4 && s.toLowerCase() === 'http';
}

/** Envoy's processRequestHost: the request host, minus its port where the redirect calls for it. */
function requestHost(req: RouteRequest, newScheme: string, newPort: string): string {
  const host = req.authority;
  if (host === '') return host;
  let end: number;
  if (host.charCodeAt(0) === 91 /* [ */) {
    end = host.lastIndexOf(']:');
    if (end >= 0) end += 1;
  } else end = host.lastIndexOf(':');
  if (end < 0) return host;
  const port = host.slice(end);
  const proto = req.headers.get('x-forwarded-proto') ?? req.scheme;
  let remove = newPort !== '';
  if (newScheme !== proto) {
    remove ||= isHttps(proto) && port === ':443';
    remove ||= isHttp(proto) && port === ':80';
  }
  return remove ? host.slice(0, end) : host;
}

class RedirectResponse implements DirectResponse {
  readonly kind = 'redirect' as const;
  readonly body = undefined;
  private readonly pathRedirectHasQuery: boolean;
  constructor(
    readonly status: number,
    private readonly scheme: string,
    private readonly host: string,
    private readonly port: string,
    private readonly pathRedirect: string,
    private readonly prefixRewrite: string,
    private readonly regexRewrite: { readonly re: CompiledRegex; readonly sub: CompiledSubstitution } | undefined,
    private readonly stripQuery: boolean,
    /** The route's prefix / path / path_separated_prefix length; -1 for regex and connect routes. */
    private readonly matchedLength: number,
  ) {
    this.pathRedirectHasQuery = pathRedirect.includes('?');
  }

  /** The request path after the redirect's own prefix/regex rewrite (Envoy rewrites :path first). */
  private rewrittenPath(path: string): string {
    if (this.regexRewrite !== undefined) {
      const e = pathEnd(path);
      return this.regexRewrite.re.replaceAll(path.slice(0, e), this.regexRewrite.sub) + path.slice(e);
    }
    if (this.prefixRewrite !== '') {
      const n = this.matchedLength < 0 ? pathEnd(path) : this.matchedLength;
      return this.prefixRewrite + path.slice(n);
    }
    return path;
  }

  location(req: RouteRequest): string {
    const scheme = this.scheme !== '' ? this.scheme : req.scheme;
    const host = this.host !== '' ? this.host : requestHost(req, scheme, this.port);
    let path: string;
    if (this.pathRedirect !== '') {
      if (this.pathRedirectHasQuery) path = this.pathRedirect;
      else {
        const q = req.path.indexOf('?');
        path = q >= 0 ? this.pathRedirect + req.path.slice(q) : this.pathRedirect;
      }
    } else path = this.rewrittenPath(req.path);
    if (path.charCodeAt(0) !== 47 /* / */) path = `/${path}`;
    if (!this.pathRedirectHasQuery && this.stripQuery) {
      const q = path.indexOf('?');
      if (q >= 0) path = path.slice(0, q);
    }
    return `${scheme}://${host}${this.port}${path}`;
  }
}

class InlineResponse implements DirectResponse {
  readonly kind = 'direct_response' as const;
  private readonly echoLocation: boolean;
  constructor(
    readonly status: number,
    readonly body: Buffer | undefined,
  ) {
    this.echoLocation = status === 201 || (status >= 300 && status < 400);
  }
  location(req: RouteRequest): string | undefined {
    if (!this.echoLocation || req.path === '') return undefined;
    const host = requestHost(req, req.scheme, '');
    const path = req.path.charCodeAt(0) === 47 ? req.path : `/${req.path}`;
    return `${req.scheme}://${host}${path}`;
  }
}

export function compileRedirect(r: Canonical, matchedLength: number, path: string, sink: IssueSink): DirectResponse | undefined {
  const codeName = typeof r.response_code === 'string' ? r.response_code : 'MOVED_PERMANENTLY';
  const status = REDIRECT_CODES[codeName];
  if (status === undefined) {
    sink.error(`${path}.response_code`, `unknown redirect response code ${codeName}`);
    return undefined;
  }
  const scheme = typeof r.scheme_redirect === 'string' && r.scheme_redirect !== '' ? r.scheme_redirect : r.https_redirect === true ? 'https' : '';
  const port = typeof r.port_redirect === 'number' && r.port_redirect > 0 ? `:${r.port_redirect}` : '';
  let regexRewrite: { re: CompiledRegex; sub: CompiledSubstitution } | undefined;
  const rr = r.regex_rewrite as Canonical | undefined;
  if (rr !== undefined) {
    const re = compileRegex(String((rr.pattern as Canonical | undefined)?.regex ?? ''));
    const sub = compileSubstitution(String(rr.substitution ?? ''));
    if (!re.ok) sink.error(`${path}.regex_rewrite.pattern.regex`, re.error);
    else if (!sub.ok) sink.error(`${path}.regex_rewrite.substitution`, sub.error);
    else regexRewrite = { re: re.regex, sub: sub.value };
  }
  const prefixRewrite = typeof r.prefix_rewrite === 'string' ? r.prefix_rewrite : '';
  return new RedirectResponse(
    status,
    scheme,
    typeof r.host_redirect === 'string' ? r.host_redirect : '',
    port,
    typeof r.path_redirect === 'string' ? r.path_redirect : '',
    prefixRewrite,
    regexRewrite,
    r.strip_query === true,
    matchedLength,
  );
}

export function compileDirectResponse(d: Canonical, maxBodyBytes: number, path: string, sink: IssueSink): DirectResponse | undefined {
  const status = typeof d.status === 'number' ? d.status : 0;
  if (status < 200 || status >= 600) {
    sink.error(`${path}.status`, `status must be in [200, 600), got ${status}`);
    return undefined;
  }
  let body: Buffer | undefined;
  const b = d.body as Canonical | undefined;
  if (b !== undefined) {
    if (typeof b.inline_string === 'string') body = Buffer.from(b.inline_string, 'utf8');
    else if (Buffer.isBuffer(b.inline_bytes)) body = b.inline_bytes;
    else if (typeof b.filename === 'string') {
      try {
        body = readFileSync(b.filename);
      } catch (e) {
        sink.error(`${path}.body.filename`, `cannot read '${b.filename}': ${(e as Error).message}`);
        return undefined;
      }
    } else if (typeof b.environment_variable === 'string') {
      const v = process.env[b.environment_variable];
      if (v === undefined) {
        sink.error(`${path}.body.environment_variable`, `environment variable '${b.environment_variable}' does not exist`);
        return undefined;
      }
      body = Buffer.from(v, 'utf8');
    }
    if (body !== undefined && body.length > maxBodyBytes) {
      sink.error(`${path}.body`, `response body size is ${body.length} bytes; maximum is ${maxBodyBytes}`);
      return undefined;
    }
    if (body !== undefined && body.length === 0) body = undefined;
  }
  return new InlineResponse(status, body);
}
