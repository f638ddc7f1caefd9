// envoy.filters.http.fault: delay and/or abort a share of requests (Istio VirtualService faults
// arrive as per-route typed_per_filter_config). Delay first (flag DI), then abort with a local
// reply `fault filter abort` (flag FI). Header-controlled faults (x-envoy-fault-*) apply only
// when the config has header_delay / header_abort. Stats under `http.<prefix>.fault.`.
import type { Canonical } from '../../config/canonical';
import type { Counter, Gauge } from '../../stats/types';
import { timerWheel, TimerTarget, WheelTimer } from '../../common/timer-wheel';
import { FilterCallbacks, FilterStatus, HttpFilterContext, HttpFilterFactory, HttpStreamFilter, RequestHead } from '../filter-types';
import { Details, LocalReplyBody } from '../local-reply';
import { ResponseFlag } from '../response-flags';
import { IssueSink } from '../../config/result';
import { compileHeaderMatchers } from '../../router/header-matcher';
import type { HeaderMatcher } from '../../router/types';
import { percentOf, Percent, sample } from './fractional-percent';

export const FAULT_TYPE = 'envoy.extensions.filters.http.fault.v3.HTTPFault';

interface FaultConfig {
  readonly delayMs: number | undefined;
  readonly headerDelay: boolean;
  readonly delayPercent: Percent;
  readonly abortStatus: number | undefined;
  readonly headerAbort: boolean;
  readonly abortPercent: Percent;
  readonly headers: readonly HeaderMatcher[];
  readonly maxActiveFaults: number;
  readonly downstreamNodes: readonly string[];
}

function compile(c: Canonical): FaultConfig {
  const d = c.delay as Canonical | undefined;
  const a = c.abort as Canonical | undefined;
  return Object.freeze({
    delayMs: typeof d?.fixed_delay === 'number' ? d.fixed_delay : undefined,
    headerDelay: d?.header_delay !== undefined,
    delayPercent: percentOf(d?.percentage as Canonical | undefined),
    abortStatus: typeof a?.http_status === 'number' ? a.http_status : undefined,
    headerAbort: a?.header_abort !== undefined,
    abortPercent: percentOf(a?.percentage as Canonical | undefined),
    headers: compileHeaderMatchers(c.headers, 'headers', new IssueSink()),
    maxActiveFaults: typeof c.max_active_faults === 'number' ? c.max_active_faults : Infinity,
    downstreamNodes: (c.downstream_nodes as string[] | undefined) ?? [],
  });
}

interface FaultStats {
  readonly delays_injected: Counter;
  readonly aborts_injected: Counter;
  readonly faults_overflow: Counter;
  readonly active_faults: Gauge;
}

const perRouteCache = new WeakMap<object, FaultConfig>();

class FaultFilter implements HttpStreamFilter, TimerTarget {
  private timer: WheelTimer | undefined;
  private cfg: FaultConfig | undefined;
  /** The abort chosen once per request (sampling again after the check would square the share). */
  private abortStatus: number | undefined = undefined;
  private active = false;
  private done = false;

  constructor(
    private readonly cb: FilterCallbacks,
    private readonly base: FaultConfig,
    private readonly name: string,
    private readonly stats: FaultStats,
  ) {}

  decodeHeaders(req: RequestHead): FilterStatus {
    const per = this.cb.perFilterConfig(this.name) as Canonical | undefined;
    let cfg = this.base;
    if (per !== undefined && typeof per === 'object') {
      let c = perRouteCache.get(per);
      if (c === undefined) {
        c = compile(per);
        perRouteCache.set(per, c);
      }
      cfg = c;
    }
    this.cfg = cfg;
    for (const h of cfg.headers) if (!h.matches(req.headers)) return FilterStatus.Continue;
    if (cfg.downstreamNodes.length > 0 && !cfg.downstreamNodes.includes(req.headers.get('x-envoy-downstream-service-node') ?? '')) return FilterStatus.Continue;
    const delay = this.delayFor(req, cfg);
    const abort = this.abortFor(req, cfg);
    if (delay === undefined && abort === undefined) return FilterStatus.Continue;
    this.abortStatus = abort;
    if (this.stats.active_faults.value >= cfg.maxActiveFaults) {
      this.stats.faults_overflow.inc();
      return FilterStatus.Continue;
    }
    this.active = true;
    this.stats.active_faults.inc();
    if (delay !== undefined && delay > 0) {
      this.stats.delays_injected.inc();
      this.cb.streamInfo.setResponseFlag(ResponseFlag.DelayInjected);
      this.timer = new WheelTimer(this, 0);
      timerWheel.schedule(this.timer, delay);
      return FilterStatus.StopIteration;
    }
    return this.maybeAbort() ? FilterStatus.StopIteration : FilterStatus.Continue;
  }

  private delayFor(req: RequestHead, cfg: FaultConfig): number | undefined {
    let ms = cfg.delayMs;
    if (cfg.headerDelay) {
      const h = req.headers.get('x-envoy-fault-delay-request');
      ms = h !== undefined && /^\d+$/.test(h) ? Number(h) : undefined;
    }
    if (ms === undefined) return undefined;
    let pct = cfg.delayPercent;
    const hp = req.headers.get('x-envoy-fault-delay-request-percentage');
    if (hp !== undefined && /^\d+$/.test(hp)) pct = { numerator: Math.min(Number(hp), pct.numerator), denominator: pct.denominator };
    return sample(pct) ? ms : undefined;
  }

  private abortFor(req: RequestHead, cfg: FaultConfig): number | undefined {
    let status = cfg.abortStatus;
    if (cfg.headerAbort) {
      const h = req.headers.get('x-envoy-fault-abort-request');
      status = h !== undefined && /^\d+$/.test(h) && Number(h) >= 200 && Number(h) < 600 ? Number(h) : undefined;
    }
    if (status === undefined) return undefined;
    let pct = cfg.abortPercent;
    const hp = req.headers.get('x-envoy-fault-abort-request-percentage');
    if (hp !== undefined && /^\d+$/.test(hp)) pct = { numerator: Math.min(Number(hp), pct.numerator), denominator: pct.denominator };
    return sample(pct) ? status : undefined;
  }

  private maybeAbort(): boolean {
    const s = this.abortStatus;
    if (s === undefined) return false;
    this.stats.aborts_injected.inc();
    this.cb.sendLocalReply(s, LocalReplyBody.FaultAbort, ResponseFlag.FaultInjected, Details.FaultAbort);
    return true;
  }

  onTimer(): void {
    if (this.done) return;
    if (!this.maybeAbort()) this.cb.continueDecoding();
  }

  onDestroy(): void {
    this.done = true;
    if (this.timer !== undefined) timerWheel.cancel(this.timer);
    if (this.active) {
      this.active = false;
      this.stats.active_faults.dec();
    }
  }
}

class FaultFactory implements HttpFilterFactory {
  readonly terminal = false;
  constructor(
    readonly name: string,
    private readonly cfg: FaultConfig,
    private readonly stats: FaultStats,
  ) {}
  createFilter(cb: FilterCallbacks): HttpStreamFilter {
    return new FaultFilter(cb, this.cfg, this.name, this.stats);
  }
}

export function createFaultFactory(c: Canonical, ctx: HttpFilterContext & { readonly name: string }): HttpFilterFactory {
  const s = ctx.scope.scope('fault.');
  const stats: FaultStats = {
    delays_injected: s.counter('delays_injected'),
    aborts_injected: s.counter('aborts_injected'),
    faults_overflow: s.counter('faults_overflow'),
    active_faults: s.gauge('active_faults'),
  };
  return new FaultFactory(ctx.name || 'envoy.filters.http.fault', compile(c), stats);
}
