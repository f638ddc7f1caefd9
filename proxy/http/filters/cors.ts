// envoy.filters.http.cors: answers CORS preflights locally and adds access-control-* headers to
// responses for allowed origins. The policy comes from the route (typed_per_filter_config
// CorsPolicy, or the legacy route / virtual host `cors` field).
import type { Canonical } from '../../config/canonical';
import type { Counter } from '../../stats/types';
import { FilterCallbacks, FilterStatus, HttpFilterContext, HttpFilterFactory, HttpStreamFilter, RequestHead } from '../filter-types';
import type { HeaderMapImpl } from '../header-map-impl';

export const CORS_TYPE = 'envoy.extensions.filters.http.cors.v3.Cors';
export const CORS_POLICY_TYPE = 'envoy.extensions.filters.http.cors.v3.CorsPolicy';

interface CorsPolicy {
  readonly origins: readonly ((o: string) => boolean)[];
  readonly methods: string;
  readonly headers: string;
  readonly expose: string;
  readonly maxAge: string;
  readonly credentials: boolean;
  readonly enabled: boolean;
}

function originMatcher(m: Canonical): (o: string) => boolean {
  const ic = m.ignore_case === true;
  const n = (s: string): string => (ic ? s.toLowerCase() : s);
  if (m.exact !== undefined) return (o) => n(o) === n(String(m.exact));
  if (m.prefix !== undefined) return (o) => n(o).startsWith(n(String(m.prefix)));
  if (m.suffix !== undefined) return (o) => n(o).endsWith(n(String(m.suffix)));
  if (m.contains !== undefined) return (o) => n(o).includes(n(String(m.contains)));
  if (m.safe_regex !== undefined) {
    const re = new RegExp(`^(?:${String((m.safe_regex as Canonical).regex)})$`);
    return (o) => re.test(o);
  }
  return () => false;
}

const cache = new WeakMap<object, CorsPolicy>();

function policyOf(c: Canonical): CorsPolicy {
  let p = cache.get(c);
  if (p === undefined) {
    const fe = (c.filter_enabled as Canonical | undefined)?.default_value as Canonical | undefined;
    p = {
      origins: ((c.allow_origin_string_match as Canonical[] | undefined) ?? []).map(originMatcher),
      methods: String(c.allow_methods ?? ''),
      headers: String(c.allow_headers ?? ''),
      expose: String(c.expose_headers ?? ''),
      maxAge: String(c.max_age ?? ''),
      credentials: c.allow_credentials === true,
      enabled: fe === undefined || (typeof fe.numerator === 'number' && fe.numerator > 0),
    };
    cache.set(c, p);
  }
  return p;
}

interface CorsStats {
  readonly origin_valid: Counter;
  readonly origin_invalid: Counter;
}

class CorsFilter implements HttpStreamFilter {
  private origin: string | undefined;
  private policy: CorsPolicy | undefined;

  constructor(
    private readonly cb: FilterCallbacks,
    private readonly name: string,
    private readonly stats: CorsStats,
  ) {}

  decodeHeaders(req: RequestHead): FilterStatus {
    const origin = req.headers.get('origin');
    if (origin === undefined) return FilterStatus.Continue;
    const route = this.cb.route() as { corsPolicy?: Canonical } | undefined;
    const raw = (this.cb.perFilterConfig(this.name) as Canonical | undefined) ?? route?.corsPolicy;
    if (raw === undefined) return FilterStatus.Continue;
    const p = policyOf(raw);
    if (!p.enabled) return FilterStatus.Continue;
    if (!p.origins.some((m) => m(origin))) {
      this.stats.origin_invalid.inc();
      return FilterStatus.Continue;
    }
    this.stats.origin_valid.inc();
    this.origin = origin;
    this.policy = p;
    if (req.method === 'OPTIONS' && req.headers.has('access-control-request-method')) {
      const extra: [string, string][] = [['access-control-allow-origin', origin]];
      if (p.credentials) extra.push(['access-control-allow-credentials', 'true']);
      if (p.methods) extra.push(['access-control-allow-methods', p.methods]);
      if (p.headers) extra.push(['access-control-allow-headers', p.headers]);
      if (p.maxAge) extra.push(['access-control-max-age', p.maxAge]);
      this.origin = undefined; // the reply already carries the headers
      this.cb.sendLocalReply(200, '', 0, 'cors_response', extra);
      return FilterStatus.StopIteration;
    }
    return FilterStatus.Continue;
  }

  encodeHeaders(_status: number, h: HeaderMapImpl): void {
    if (this.origin === undefined || this.policy === undefined) return;
    h.set('access-control-allow-origin', this.origin);
    if (this.policy.credentials) h.set('access-control-allow-credentials', 'true');
    if (this.policy.expose) h.set('access-control-expose-headers', this.policy.expose);
  }
}

class CorsFactory implements HttpFilterFactory {
  readonly terminal = false;
  constructor(
    readonly name: string,
    private readonly stats: CorsStats,
  ) {}
  createFilter(cb: FilterCallbacks): HttpStreamFilter {
    return new CorsFilter(cb, this.name, this.stats);
  }
}

export function createCorsFactory(_c: Canonical, ctx: HttpFilterContext & { readonly name: string }): HttpFilterFactory {
  const s = ctx.scope.scope('cors.');
  return new CorsFactory(ctx.name || 'envoy.filters.http.cors', { origin_valid: s.counter('origin_valid'), origin_invalid: s.counter('origin_invalid') });
}
