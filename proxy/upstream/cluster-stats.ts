// The cluster-level stats this folder owns (Envoy's config-update, load-balancer and endpoint
// stat groups under `cluster.<observability name>.`), resolved once when a ClusterInfo is built.
// Traffic stats (upstream_cx_*, upstream_rq_*) live in http1-pool-stats.ts, shared with the
// router and pools; outlier and health-check stats are created only when those are configured.
// The stats a cluster rarely moves (zone routing, panic, stale assignments) are created on first
// use; the store shows them as zeros until then, so /stats reads as if they existed. The ones it
// always has (update and membership) are a stat block: packed numbers, read as stats on demand.
import type { Counter, Gauge, StatsScope } from '../stats/types';
import { NULL_COUNTER, NULL_GAUGE } from '../stats/null-stats';
import { StatBlockLayout } from '../stats/stat-block-layout';
import { blockCounter, blockGauge, deferStats, type DeferredStatNames, openStatBlock, undeferStats } from '../stats/stats-store';

/**
 * The stats of the group a cluster touches only in rare cases (zone-aware balancing, panic, stale
 * assignments, empty updates): created on first use, shown as zeros by the store until then.
 */
class RareClusterStats {
  readonly update_empty: Counter;
  readonly assignment_stale: Counter;
  readonly assignment_timeout_received: Counter;
  readonly version: Gauge;
  readonly lb_healthy_panic: Counter;
  readonly lb_local_cluster_not_ok: Counter;
  readonly lb_recalculate_zone_structures: Counter;
  readonly lb_zone_cluster_too_small: Counter;
  readonly lb_zone_no_capacity_left: Counter;
  readonly lb_zone_number_differs: Counter;
  readonly lb_zone_routing_all_directly: Counter;
  readonly lb_zone_routing_sampled: Counter;
  readonly lb_zone_routing_cross_zone: Counter;

  constructor(scope: StatsScope | undefined) {
    const c = (n: string): Counter => (scope ? scope.counter(n) : NULL_COUNTER);
    this.update_empty = c('update_empty');
    this.assignment_stale = c('assignment_stale');
    this.assignment_timeout_received = c('assignment_timeout_received');
    this.version = scope ? scope.gauge('version') : NULL_GAUGE;
    this.lb_healthy_panic = c('lb_healthy_panic');
    this.lb_local_cluster_not_ok = c('lb_local_cluster_not_ok');
    this.lb_recalculate_zone_structures = c('lb_recalculate_zone_structures');
    this.lb_zone_cluster_too_small = c('lb_zone_cluster_too_small');
    this.lb_zone_no_capacity_left = c('lb_zone_no_capacity_left');
    this.lb_zone_number_differs = c('lb_zone_number_differs');
    this.lb_zone_routing_all_directly = c('lb_zone_routing_all_directly');
    this.lb_zone_routing_sampled = c('lb_zone_routing_sampled');
    this.lb_zone_routing_cross_zone = c('lb_zone_routing_cross_zone');
  }
}

/** The names RareClusterStats creates, recorded from its constructor so the list cannot drift. */
const RARE_STAT_NAMES: DeferredStatNames = (() => {
  const counters: string[] = [];
  const gauges: string[] = [];
  const recorder: StatsScope = {
    prefix: '',
    counter: (n) => (counters.push(n), NULL_COUNTER),
    gauge: (n) => (gauges.push(n), NULL_GAUGE),
    histogram: () => {
      throw new Error('RareClusterStats has no histograms');
    },
    textReadout: () => {
      throw new Error('RareClusterStats has no text readouts');
    },
    scope: () => recorder,
    release: () => undefined,
  };
  new RareClusterStats(recorder);
  return { counters, gauges, histograms: [] };
})();

/**
 * The stats every cluster has and moves only on config updates: a stat block (one packed block of
 * numbers per cluster name, not ten stat objects; 10,000 xDS clusters made these ~2 KB each).
 * Getter indexes follow these lists.
 */
const CORE = new StatBlockLayout(
  ['update_attempt', 'update_success', 'update_failure', 'update_no_rebuild', 'membership_change'],
  ['membership_healthy', 'membership_degraded', 'membership_excluded', 'membership_total', 'max_host_weight'],
);

export class ClusterStats {
  /**
   * The CORE stats: a block handle (views are made on each access: these move on config updates,
   * never per request), or the stats themselves, created eagerly where no block can be opened (no
   * store scope, or a scope whose names exist already as eager stats).
   */
  private readonly core: number | readonly (Counter | Gauge)[];
  private rareStats: RareClusterStats | undefined;

  constructor(private readonly scope: StatsScope | undefined) {
    const block = scope ? openStatBlock(scope, CORE) : undefined;
    if (block !== undefined) this.core = block;
    else {
      const nc = CORE.counters.length;
      this.core = CORE.names.map((n, i) => (scope === undefined ? (i < nc ? NULL_COUNTER : NULL_GAUGE) : i < nc ? scope.counter(n) : scope.gauge(n)));
    }
    if (!scope || !deferStats(scope, RARE_STAT_NAMES)) this.rareStats = new RareClusterStats(scope);
  }

  private counter(i: number): Counter {
    const c = this.core;
    return typeof c === 'number' ? blockCounter(this.scope!, CORE, c, i) : (c[i] as Counter);
  }
  private gauge(i: number): Gauge {
    const c = this.core;
    return typeof c === 'number' ? blockGauge(this.scope!, CORE, c, i) : (c[CORE.counters.length + i] as Gauge);
  }

  get update_attempt(): Counter {
    return this.counter(0);
  }
  get update_success(): Counter {
    return this.counter(1);
  }
  get update_failure(): Counter {
    return this.counter(2);
  }
  get update_no_rebuild(): Counter {
    return this.counter(3);
  }
  get membership_change(): Counter {
    return this.counter(4);
  }
  get membership_healthy(): Gauge {
    return this.gauge(0);
  }
  get membership_degraded(): Gauge {
    return this.gauge(1);
  }
  get membership_excluded(): Gauge {
    return this.gauge(2);
  }
  get membership_total(): Gauge {
    return this.gauge(3);
  }
  get max_host_weight(): Gauge {
    return this.gauge(4);
  }

  private get rare(): RareClusterStats {
    if (this.rareStats === undefined) {
      undeferStats(this.scope!, RARE_STAT_NAMES);
      this.rareStats = new RareClusterStats(this.scope);
    }
    return this.rareStats;
  }

  get update_empty(): Counter {
    return this.rare.update_empty;
  }
  get assignment_stale(): Counter {
    return this.rare.assignment_stale;
  }
  get assignment_timeout_received(): Counter {
    return this.rare.assignment_timeout_received;
  }
  get version(): Gauge {
    return this.rare.version;
  }
  get lb_healthy_panic(): Counter {
    return this.rare.lb_healthy_panic;
  }
  get lb_local_cluster_not_ok(): Counter {
    return this.rare.lb_local_cluster_not_ok;
  }
  get lb_recalculate_zone_structures(): Counter {
    return this.rare.lb_recalculate_zone_structures;
  }
  get lb_zone_cluster_too_small(): Counter {
    return this.rare.lb_zone_cluster_too_small;
  }
  get lb_zone_no_capacity_left(): Counter {
    return this.rare.lb_zone_no_capacity_left;
  }
  get lb_zone_number_differs(): Counter {
    return this.rare.lb_zone_number_differs;
  }
  get lb_zone_routing_all_directly(): Counter {
    return this.rare.lb_zone_routing_all_directly;
  }
  get lb_zone_routing_sampled(): Counter {
    return this.rare.lb_zone_routing_sampled;
  }
  get lb_zone_routing_cross_zone(): Counter {
    return this.rare.lb_zone_routing_cross_zone;
  }
}

/** `outlier_detection.*` (Envoy's ALL_OUTLIER_DETECTION_STATS). */
export class OutlierStats {
  readonly ejections_active: Gauge;
  readonly ejections_overflow: Counter;
  readonly ejections_enforced_total: Counter;
  readonly ejections_total: Counter;
  readonly ejections_consecutive_5xx: Counter;
  readonly ejections_enforced_consecutive_5xx: Counter;
  readonly ejections_detected_consecutive_5xx: Counter;
  readonly ejections_success_rate: Counter;
  readonly ejections_enforced_success_rate: Counter;
  readonly ejections_detected_success_rate: Counter;
  readonly ejections_enforced_consecutive_gateway_failure: Counter;
  readonly ejections_detected_consecutive_gateway_failure: Counter;
  readonly ejections_enforced_consecutive_local_origin_failure: Counter;
  readonly ejections_detected_consecutive_local_origin_failure: Counter;
  readonly ejections_enforced_local_origin_success_rate: Counter;
  readonly ejections_detected_local_origin_success_rate: Counter;
  readonly ejections_enforced_failure_percentage: Counter;
  readonly ejections_detected_failure_percentage: Counter;
  readonly ejections_enforced_failure_percentage_local_origin: Counter;
  readonly ejections_detected_failure_percentage_local_origin: Counter;

  constructor(scope: StatsScope | undefined) {
    const c = (n: string): Counter => (scope ? scope.counter(`outlier_detection.${n}`) : NULL_COUNTER);
    this.ejections_active = scope ? scope.gauge('outlier_detection.ejections_active') : NULL_GAUGE;
    this.ejections_overflow = c('ejections_overflow');
    this.ejections_enforced_total = c('ejections_enforced_total');
    this.ejections_total = c('ejections_total');
    this.ejections_consecutive_5xx = c('ejections_consecutive_5xx');
    this.ejections_enforced_consecutive_5xx = c('ejections_enforced_consecutive_5xx');
    this.ejections_detected_consecutive_5xx = c('ejections_detected_consecutive_5xx');
    this.ejections_success_rate = c('ejections_success_rate');
    this.ejections_enforced_success_rate = c('ejections_enforced_success_rate');
    this.ejections_detected_success_rate = c('ejections_detected_success_rate');
    this.ejections_enforced_consecutive_gateway_failure = c('ejections_enforced_consecutive_gateway_failure');
    this.ejections_detected_consecutive_gateway_failure = c('ejections_detected_consecutive_gateway_failure');
    this.ejections_enforced_consecutive_local_origin_failure = c('ejections_enforced_consecutive_local_origin_failure');
    this.ejections_detected_consecutive_local_origin_failure = c('ejections_detected_consecutive_local_origin_failure');
    this.ejections_enforced_local_origin_success_rate = c('ejections_enforced_local_origin_success_rate');
    this.ejections_detected_local_origin_success_rate = c('ejections_detected_local_origin_success_rate');
    this.ejections_enforced_failure_percentage = c('ejections_enforced_failure_percentage');
    this.ejections_detected_failure_percentage = c('ejections_detected_failure_percentage');
    this.ejections_enforced_failure_percentage_local_origin = c('ejections_enforced_failure_percentage_local_origin');
    this.ejections_detected_failure_percentage_local_origin = c('ejections_detected_failure_percentage_local_origin');
  }
}

/** `health_check.*` (Envoy's ALL_HEALTH_CHECKER_STATS). */
export class HealthCheckStats {
  readonly attempt: Counter;
  readonly success: Counter;
  readonly failure: Counter;
  readonly passive_failure: Counter;
  readonly network_failure: Counter;
  readonly verify_cluster: Counter;
  readonly healthy: Gauge;
  readonly degraded: Gauge;

  constructor(scope: StatsScope | undefined) {
    const c = (n: string): Counter => (scope ? scope.counter(`health_check.${n}`) : NULL_COUNTER);
    const g = (n: string): Gauge => (scope ? scope.gauge(`health_check.${n}`) : NULL_GAUGE);
    this.attempt = c('attempt');
    this.success = c('success');
    this.failure = c('failure');
    this.passive_failure = c('passive_failure');
    this.network_failure = c('network_failure');
    this.verify_cluster = c('verify_cluster');
    this.healthy = g('healthy');
    this.degraded = g('degraded');
  }
}
