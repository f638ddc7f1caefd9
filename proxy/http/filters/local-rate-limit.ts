// envoy.filters.http.local_ratelimit: a token bucket per filter config (listener level) or per
// route config (typed_per_filter_config); requests over the limit get a local 429
// `local_rate_limited` with flag RL when enforced. Buckets refill lazily on use: no timers.
import type { Canonical } from '../../config/canonical';
import type { Counter } from '../../stats/types';
import { FilterCallbacks, FilterStatus, HttpFilterContext, HttpFilterFactory, HttpStreamFilter } from '../filter-types';
import { ResponseFlag } from '../response-flags';
import { percentOf, Percent, sample } from './fractional-percent';

export const LOCAL_RATE_LIMIT_TYPE = 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';

class TokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(
    private readonly max: number,
    private readonly perFill: number,
    private readonly intervalMs: number,
  ) {
    this.tokens = max;
  }
  consume(): boolean {
    const now = Date.now();
    const fills = Math.floor((now - this.last) / this.intervalMs);
    if (fills > 0) {
      this.tokens = Math.min(this.max, this.tokens + fills * this.perFill);
      this.last += fills * this.intervalMs;
    }
    if (this.tokens <= 0) return false;
    this.tokens--;
    return true;
  }
}

interface RateLimitStats {
  readonly enabled: Counter;
  readonly enforced: Counter;
  readonly rate_limited: Counter;
  readonly ok: Counter;
}

interface Limit {
  readonly bucket: TokenBucket | undefined;
  readonly enabled: Percent;
  readonly enforced: Percent;
  readonly status: number;
  readonly headers: readonly [string, string][];
  readonly stats: RateLimitStats;
}

function compileLimit(c: Canonical, ctx: HttpFilterContext): Limit {
  const tb = c.token_bucket as Canonical | undefined;
  const bucket = tb
    ? new TokenBucket(Number(tb.max_tokens ?? 0), typeof tb.tokens_per_fill === 'number' ? tb.tokens_per_fill : 1, Math.max(1, Number(tb.fill_interval ?? 1000)))
    : undefined;
  const s = ctx.scope.scope(`${String(c.stat_prefix ?? '')}.http_local_rate_limit.`);
  const code = (c.status as Canonical | undefined)?.code;
  return {
    bucket,
    enabled: percentOf((c.filter_enabled as Canonical | undefined)?.default_value as Canonical | undefined),
    enforced: percentOf((c.filter_enforced as Canonical | undefined)?.default_value as Canonical | undefined),
    status: typeof code === 'number' && code >= 400 ? code : 429,
    headers: ((c.response_headers_to_add as Canonical[] | undefined) ?? []).map((o) => {
      const h = (o.header ?? {}) as Canonical;
      return [String(h.key ?? '').toLowerCase(), String(h.value ?? '')] as [string, string];
    }),
    stats: { enabled: s.counter('enabled'), enforced: s.counter('enforced'), rate_limited: s.counter('rate_limited'), ok: s.counter('ok') },
  };
}

class LocalRateLimitFilter implements HttpStreamFilter {
  constructor(
    private readonly cb: FilterCallbacks,
    private readonly factory: LocalRateLimitFactory,
  ) {}

  decodeHeaders(): FilterStatus {
    const limit = this.factory.limitFor(this.cb.perFilterConfig(this.factory.name) as Canonical | undefined);
    if (limit.bucket === undefined || !sample(limit.enabled)) return FilterStatus.Continue;
    limit.stats.enabled.inc();
    if (limit.bucket.consume()) {
      limit.stats.ok.inc();
      return FilterStatus.Continue;
    }
    limit.stats.rate_limited.inc();
    if (!sample(limit.enforced)) return FilterStatus.Continue;
    limit.stats.enforced.inc();
    this.cb.sendLocalReply(limit.status, 'local_rate_limited', ResponseFlag.RateLimited, 'local_rate_limited', limit.headers);
    return FilterStatus.StopIteration;
  }
}

class LocalRateLimitFactory implements HttpFilterFactory {
  readonly terminal = false;
  private readonly perRoute = new WeakMap<object, Limit>();
  constructor(
    readonly name: string,
    private readonly base: Limit,
    private readonly ctx: HttpFilterContext,
  ) {}
  limitFor(per: Canonical | undefined): Limit {
    if (per === undefined || typeof per !== 'object') return this.base;
    let l = this.perRoute.get(per);
    if (l === undefined) {
      l = compileLimit(per, this.ctx);
      this.perRoute.set(per, l);
    }
    return l;
  }
  createFilter(cb: FilterCallbacks): HttpStreamFilter {
    return new LocalRateLimitFilter(cb, this);
  }
}

export function createLocalRateLimitFactory(c: Canonical, ctx: HttpFilterContext & { readonly name: string }): HttpFilterFactory {
  if (typeof c.stat_prefix !== 'string' || c.stat_prefix === '') throw new Error('stat_prefix: value length must be at least 1 characters');
  return new LocalRateLimitFactory(ctx.name || 'envoy.filters.http.local_ratelimit', compileLimit(c, ctx), ctx);
}
