// Circuit breakers (Envoy's ResourceManager): per priority, counters of open connections,
// pending requests, active requests and active retries against their limits. Crossing a limit
// flips the `circuit_breakers.<priority>.*_open` gauge; `track_remaining` adds `remaining_*`.
// Gauges are written only when the count moves, with no allocation. Without track_remaining or a
// retry budget the `*_open` gauges are created the first time any limit of the cluster moves; the
// store shows them as zeros until then (most of 10,000 xDS clusters never see a request).
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';
import { deferStats, type DeferredStatNames, undeferStats } from '../stats/stats-store';
import type { Gauge, StatsScope } from '../stats/types';
import type { ClusterResources, ResourceLimit } from './types';

export interface Thresholds {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
  readonly trackRemaining: boolean;
  /** retry_budget: budget percent of active+pending requests, floor min concurrency. */
  readonly retryBudget: { readonly percent: number; readonly minConcurrency: number } | undefined;
}

export interface CircuitBreakersConfig {
  readonly default: Thresholds;
  readonly high: Thresholds;
}

const DEFAULTS: Thresholds = Object.freeze({ maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3, trackRemaining: false, retryBudget: undefined });

export const DEFAULT_CIRCUIT_BREAKERS: CircuitBreakersConfig = Object.freeze({ default: DEFAULTS, high: DEFAULTS });

function thresholds(t: Canonical | undefined, path: string, sink: IssueSink): Thresholds {
  if (t === undefined) return DEFAULTS;
  const n = (f: string, def: number): number => (typeof t[f] === 'number' ? (t[f] as number) : def);
  let retryBudget: Thresholds['retryBudget'];
  const rb = t.retry_budget as Canonical | undefined;
  if (rb !== undefined) {
    const pct = (rb.budget_percent as Canonical | undefined)?.value;
    const percent = typeof pct === 'number' ? pct : 20;
    if (percent < 0 || percent > 100) sink.error(`${path}.retry_budget.budget_percent`, 'value must be inside range [0, 100]');
    retryBudget = { percent, minConcurrency: typeof rb.min_retry_concurrency === 'number' ? rb.min_retry_concurrency : 3 };
  }
  return Object.freeze({
    maxConnections: n('max_connections', 1024),
    maxPendingRequests: n('max_pending_requests', 1024),
    maxRequests: n('max_requests', 1024),
    maxRetries: n('max_retries', 3),
    trackRemaining: t.track_remaining === true,
    retryBudget,
  });
}

export function parseCircuitBreakers(cb: Canonical | undefined, path: string, sink: IssueSink): CircuitBreakersConfig {
  const list = (cb?.thresholds as Canonical[] | undefined) ?? [];
  if (list.length === 0) return DEFAULT_CIRCUIT_BREAKERS;
  // Envoy uses the first entry of each priority.
  const di = list.findIndex((t) => (t.priority ?? 'DEFAULT') === 'DEFAULT');
  const hi = list.findIndex((t) => t.priority === 'HIGH');
  return Object.freeze({
    default: thresholds(di >= 0 ? list[di] : undefined, `${path}.thresholds[${di}]`, sink),
    high: thresholds(hi >= 0 ? list[hi] : undefined, `${path}.thresholds[${hi}]`, sink),
  });
}

const OPEN_GAUGES = ['cx_open', 'rq_pending_open', 'rq_open', 'rq_retry_open', 'cx_pool_open'] as const;

const BREAKER_STAT_NAMES: DeferredStatNames = {
  counters: [],
  gauges: ['default', 'high'].flatMap((p) => OPEN_GAUGES.map((n) => `circuit_breakers.${p}.${n}`)),
  histograms: [],
};

/** A cluster's deferred `*_open` gauges: all created together when the first limit moves. */
class LazyOpenGauges {
  /** Limits waiting for their gauge; exactly sized (see exact-array.ts) as it lives with the cluster. */
  limits: Limit[] | null = null;
  materialized = false;
  constructor(private readonly scope: StatsScope) {}
  add(more: readonly Limit[]): void {
    this.limits = this.limits === null ? [...more] : this.limits.concat(more);
  }
  materialize(): void {
    this.materialized = true;
    undeferStats(this.scope, BREAKER_STAT_NAMES);
    for (const n of BREAKER_STAT_NAMES.gauges) this.scope.gauge(n);
    if (this.limits !== null) for (const l of this.limits) l.attach(this.scope.gauge(l.openName));
    this.limits = null;
  }
  gauge(name: string): Gauge {
    return this.scope.gauge(name);
  }
}

class Limit implements ResourceLimit {
  count = 0;
  constructor(
    readonly max: number,
    private open: Gauge | undefined,
    private readonly remaining: Gauge | undefined,
    private lazy: LazyOpenGauges | undefined = undefined,
    readonly openName = '',
  ) {
    remaining?.set(max);
  }
  attach(open: Gauge): void {
    this.open = open;
    this.lazy = undefined;
  }
  canCreate(): boolean {
    return this.count < this.max;
  }
  inc(): void {
    this.count++;
    this.changed();
  }
  dec(): void {
    if (this.count > 0) this.count--;
    this.changed();
  }
  private changed(): void {
    if (this.lazy !== undefined) this.lazy.materialize();
    const max = this.max;
    if (this.open !== undefined) this.open.set(this.count >= max ? 1 : 0);
    if (this.remaining !== undefined) this.remaining.set(max > this.count ? max - this.count : 0);
  }
}

/** Retries under a retry_budget: the limit follows the active and pending request counts. */
class BudgetLimit implements ResourceLimit {
  count = 0;
  constructor(
    private readonly budget: { readonly percent: number; readonly minConcurrency: number },
    private readonly requests: ResourceLimit,
    private readonly pending: ResourceLimit,
    private readonly open: Gauge | undefined,
    private readonly remaining: Gauge | undefined,
  ) {}
  get max(): number {
    const b = this.budget;
    return Math.max(b.minConcurrency, Math.floor(((this.requests.count + this.pending.count) * b.percent) / 100));
  }
  canCreate(): boolean {
    return this.count < this.max;
  }
  inc(): void {
    this.count++;
    this.changed();
  }
  dec(): void {
    if (this.count > 0) this.count--;
    this.changed();
  }
  private changed(): void {
    const max = this.max;
    if (this.open !== undefined) this.open.set(this.count >= max ? 1 : 0);
    if (this.remaining !== undefined) this.remaining.set(max > this.count ? max - this.count : 0);
  }
}

function build(t: Thresholds, scope: StatsScope | undefined, prio: 'default' | 'high'): ClusterResources {
  const g = (name: string): Gauge | undefined => scope?.gauge(`circuit_breakers.${prio}.${name}`);
  const r = (name: string): Gauge | undefined => (t.trackRemaining ? g(name) : undefined);
  const connections = new Limit(t.maxConnections, g('cx_open'), r('remaining_cx'));
  const pendingRequests = new Limit(t.maxPendingRequests, g('rq_pending_open'), r('remaining_pending'));
  const requests = new Limit(t.maxRequests, g('rq_open'), r('remaining_rq'));
  const retries: ResourceLimit =
    t.retryBudget !== undefined
      ? new BudgetLimit(t.retryBudget, requests, pendingRequests, g('rq_retry_open'), r('remaining_retries'))
      : new Limit(t.maxRetries, g('rq_retry_open'), r('remaining_retries'));
  // Envoy declares cx_pool_open too (max_connection_pools); it stays 0 here.
  g('cx_pool_open');
  return { connections, pendingRequests, requests, retries };
}

function buildLazy(t: Thresholds, lazy: LazyOpenGauges, prio: 'default' | 'high'): ClusterResources {
  // The gauge names are the shared strings of BREAKER_STAT_NAMES (OPEN_GAUGES order), not new ones per cluster.
  const names = BREAKER_STAT_NAMES.gauges;
  const base = prio === 'default' ? 0 : OPEN_GAUGES.length;
  const on = lazy.materialized;
  const limit = (max: number, i: number): Limit =>
    on ? new Limit(max, lazy.gauge(names[base + i]), undefined) : new Limit(max, undefined, undefined, lazy, names[base + i]);
  const r = { connections: limit(t.maxConnections, 0), pendingRequests: limit(t.maxPendingRequests, 1), requests: limit(t.maxRequests, 2), retries: limit(t.maxRetries, 3) };
  if (!on) lazy.add([r.connections, r.pendingRequests, r.requests, r.retries]);
  return r;
}

/**
 * The lazy form's priorities, each built (four objects) the first time something asks for it:
 * the default one by the cluster's first request, the high one by the admin view. Most of 10,000
 * pushed clusters never see either, nor the gauges' holder.
 */
class LazyResources {
  private defaultLimits: ClusterResources | undefined;
  private highLimits: ClusterResources | undefined;
  private gauges: LazyOpenGauges | undefined;
  constructor(
    private readonly cfg: CircuitBreakersConfig,
    private readonly scope: StatsScope,
  ) {}
  get default(): ClusterResources {
    return (this.defaultLimits ??= buildLazy(this.cfg.default, this.openGauges(), 'default'));
  }
  get high(): ClusterResources {
    return (this.highLimits ??= buildLazy(this.cfg.high, this.openGauges(), 'high'));
  }
  private openGauges(): LazyOpenGauges {
    return (this.gauges ??= new LazyOpenGauges(this.scope));
  }
}

const lazyOk = (t: Thresholds): boolean => !t.trackRemaining && t.retryBudget === undefined;

export function buildResources(cfg: CircuitBreakersConfig, scope: StatsScope | undefined): { readonly default: ClusterResources; readonly high: ClusterResources } {
  if (scope && lazyOk(cfg.default) && lazyOk(cfg.high) && deferStats(scope, BREAKER_STAT_NAMES)) return new LazyResources(cfg, scope);
  return { default: build(cfg.default, scope, 'default'), high: build(cfg.high, scope, 'high') };
}
