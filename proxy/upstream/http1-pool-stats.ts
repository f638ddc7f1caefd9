// The cluster's upstream_cx_* and upstream_rq_* stats the HTTP pool and the router update,
// resolved once per ClusterInfo from its stats scope (`cluster.<name>.`), so the hot path only
// calls inc()/dec() on objects it already holds. Per-status-code counters (upstream_rq_200) are
// created the first time a code is seen and then kept in an array indexed by code.
//
// A ClusterInfo defers the whole group (TRAFFIC_STAT_NAMES) to the first clusterTrafficStats()
// call: until then the store shows them as zeros, so /stats reads the same, but a cluster that
// never carries a request never pays for ~40 stat objects.
import { type DeferredStatNames, undeferStats } from '../stats/stats-store';
import type { Counter, Gauge, Histogram, StatsScope } from '../stats/types';
import type { ClusterInfo } from './types';

const NOOP_COUNTER: Counter = { name: '', value: 0, inc() {}, add() {} };
const NOOP_GAUGE: Gauge = { name: '', value: 0, set() {}, add() {}, sub() {}, inc() {}, dec() {} };
const NOOP_HISTOGRAM: Histogram = { name: '', recordValue() {} };

function isScope(s: unknown): s is StatsScope {
  return typeof s === 'object' && s !== null && typeof (s as StatsScope).counter === 'function';
}

export class ClusterTrafficStats {
  readonly upstream_cx_total: Counter;
  readonly upstream_cx_active: Gauge;
  readonly upstream_cx_http1_total: Counter;
  readonly upstream_cx_connect_fail: Counter;
  readonly upstream_cx_connect_timeout: Counter;
  readonly upstream_cx_destroy: Counter;
  readonly upstream_cx_destroy_local: Counter;
  readonly upstream_cx_destroy_remote: Counter;
  readonly upstream_cx_destroy_with_active_rq: Counter;
  readonly upstream_cx_destroy_local_with_active_rq: Counter;
  readonly upstream_cx_destroy_remote_with_active_rq: Counter;
  readonly upstream_cx_max_requests: Counter;
  readonly upstream_cx_max_duration_reached: Counter;
  readonly upstream_cx_idle_timeout: Counter;
  readonly upstream_cx_overflow: Counter;
  readonly upstream_cx_none_healthy: Counter;
  readonly upstream_cx_protocol_error: Counter;
  readonly upstream_cx_rx_bytes_total: Counter;
  readonly upstream_cx_tx_bytes_total: Counter;
  readonly upstream_cx_connect_ms: Histogram;
  readonly upstream_cx_length_ms: Histogram;
  readonly upstream_rq_total: Counter;
  readonly upstream_rq_active: Gauge;
  readonly upstream_rq_pending_total: Counter;
  readonly upstream_rq_pending_active: Gauge;
  readonly upstream_rq_pending_overflow: Counter;
  readonly upstream_rq_pending_failure_eject: Counter;
  readonly upstream_rq_cancelled: Counter;
  readonly upstream_rq_completed: Counter;
  readonly upstream_rq_timeout: Counter;
  readonly upstream_rq_per_try_timeout: Counter;
  readonly upstream_rq_per_try_idle_timeout: Counter;
  readonly upstream_rq_rx_reset: Counter;
  readonly upstream_rq_tx_reset: Counter;
  readonly upstream_rq_retry: Counter;
  readonly upstream_rq_retry_success: Counter;
  readonly upstream_rq_retry_overflow: Counter;
  readonly upstream_rq_retry_limit_exceeded: Counter;
  readonly upstream_rq_retry_backoff_exponential: Counter;
  readonly upstream_rq_maintenance_mode: Counter;
  readonly upstream_rq_time: Histogram;
  private readonly byCode: Counter[] = [];
  private readonly byClass: Counter[] = [];

  constructor(private readonly scope: StatsScope | undefined) {
    const c = (n: string): Counter => (scope ? scope.counter(n) : NOOP_COUNTER);
    const g = (n: string): Gauge => (scope ? scope.gauge(n) : NOOP_GAUGE);
    const h = (n: string): Histogram => (scope ? scope.histogram(n) : NOOP_HISTOGRAM);
    this.upstream_cx_total = c('upstream_cx_total');
    this.upstream_cx_active = g('upstream_cx_active');
    this.upstream_cx_http1_total = c('upstream_cx_http1_total');
    this.upstream_cx_connect_fail = c('upstream_cx_connect_fail');
    this.upstream_cx_connect_timeout = c('upstream_cx_connect_timeout');
    this.upstream_cx_destroy = c('upstream_cx_destroy');
    this.upstream_cx_destroy_local = c('upstream_cx_destroy_local');
    this.upstream_cx_destroy_remote = c('upstream_cx_destroy_remote');
    this.upstream_cx_destroy_with_active_rq = c('upstream_cx_destroy_with_active_rq');
    this.upstream_cx_destroy_local_with_active_rq = c('upstream_cx_destroy_local_with_active_rq');
    this.upstream_cx_destroy_remote_with_active_rq = c('upstream_cx_destroy_remote_with_active_rq');
    this.upstream_cx_max_requests = c('upstream_cx_max_requests');
    this.upstream_cx_max_duration_reached = c('upstream_cx_max_duration_reached');
    this.upstream_cx_idle_timeout = c('upstream_cx_idle_timeout');
    this.upstream_cx_overflow = c('upstream_cx_overflow');
    this.upstream_cx_none_healthy = c('upstream_cx_none_healthy');
    this.upstream_cx_protocol_error = c('upstream_cx_protocol_error');
    this.upstream_cx_rx_bytes_total = c('upstream_cx_rx_bytes_total');
    this.upstream_cx_tx_bytes_total = c('upstream_cx_tx_bytes_total');
    this.upstream_cx_connect_ms = h('upstream_cx_connect_ms');
    this.upstream_cx_length_ms = h('upstream_cx_length_ms');
    this.upstream_rq_total = c('upstream_rq_total');
    this.upstream_rq_active = g('upstream_rq_active');
    this.upstream_rq_pending_total = c('upstream_rq_pending_total');
    this.upstream_rq_pending_active = g('upstream_rq_pending_active');
    this.upstream_rq_pending_overflow = c('upstream_rq_pending_overflow');
    this.upstream_rq_pending_failure_eject = c('upstream_rq_pending_failure_eject');
    this.upstream_rq_cancelled = c('upstream_rq_cancelled');
    this.upstream_rq_completed = c('upstream_rq_completed');
    this.upstream_rq_timeout = c('upstream_rq_timeout');
    this.upstream_rq_per_try_timeout = c('upstream_rq_per_try_timeout');
    this.upstream_rq_per_try_idle_timeout = c('upstream_rq_per_try_idle_timeout');
    this.upstream_rq_rx_reset = c('upstream_rq_rx_reset');
    this.upstream_rq_tx_reset = c('upstream_rq_tx_reset');
    this.upstream_rq_retry = c('upstream_rq_retry');
    this.upstream_rq_retry_success = c('upstream_rq_retry_success');
    this.upstream_rq_retry_overflow = c('upstream_rq_retry_overflow');
    this.upstream_rq_retry_limit_exceeded = c('upstream_rq_retry_limit_exceeded');
    this.upstream_rq_retry_backoff_exponential = c('upstream_rq_retry_backoff_exponential');
    this.upstream_rq_maintenance_mode = c('upstream_rq_maintenance_mode');
    this.upstream_rq_time = h('upstream_rq_time');
  }

  /** upstream_rq_<code> and upstream_rq_<class>xx, as the router charges a response. */
  chargeResponse(code: number): void {
    let k = this.byCode[code];
    if (k === undefined) k = this.byCode[code] = this.scope ? this.scope.counter(`upstream_rq_${code}`) : NOOP_COUNTER;
    k.inc();
    const cls = Math.floor(code / 100);
    let kc = this.byClass[cls];
    if (kc === undefined) kc = this.byClass[cls] = this.scope ? this.scope.counter(`upstream_rq_${cls}xx`) : NOOP_COUNTER;
    kc.inc();
    this.upstream_rq_completed.inc();
  }
}

const cache = new WeakMap<ClusterInfo, ClusterTrafficStats>();
// The router asks once per request, nearly always for the cluster it asked for last: a one-entry
// memo in front of the WeakMap saves its hash lookup.
let lastInfo: ClusterInfo | undefined;
let lastStats: ClusterTrafficStats | undefined;

/** The info's traffic stats if something created them already; never creates them. */
export function existingClusterTrafficStats(info: ClusterInfo): ClusterTrafficStats | undefined {
  return info === lastInfo ? lastStats : cache.get(info);
}

export function clusterTrafficStats(info: ClusterInfo): ClusterTrafficStats {
  if (info === lastInfo) return lastStats!;
  let s = cache.get(info);
  if (s === undefined) {
    const scope = isScope(info.stats) ? info.stats : undefined;
    if (scope) undeferStats(scope, TRAFFIC_STAT_NAMES);
    s = new ClusterTrafficStats(scope);
    cache.set(info, s);
  }
  lastInfo = info;
  lastStats = s;
  return s;
}

/** The stats ClusterTrafficStats creates, recorded from its constructor so the list cannot drift. */
export const TRAFFIC_STAT_NAMES: DeferredStatNames = (() => {
  const counters: string[] = [];
  const gauges: string[] = [];
  const histograms: string[] = [];
  const recorder: StatsScope = {
    prefix: '',
    counter: (n) => (counters.push(n), NOOP_COUNTER),
    gauge: (n) => (gauges.push(n), NOOP_GAUGE),
    histogram: (n) => (histograms.push(n), NOOP_HISTOGRAM),
    textReadout: () => {
      throw new Error('ClusterTrafficStats has no text readouts');
    },
    scope: () => recorder,
    release: () => undefined,
  };
  new ClusterTrafficStats(recorder);
  return { counters, gauges, histograms };
})();
