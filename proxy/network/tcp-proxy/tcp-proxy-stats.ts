// tcp_proxy's stats (`tcp.<stat_prefix>.*`) and the cluster/host counters it updates for its
// upstream connections (`cluster.<name>.upstream_cx_*`), resolved once per filter / per cluster.
import type { Counter, Gauge, Histogram, StatsScope } from '../../stats/types';
import type { ClusterInfo } from '../../upstream/types';

export class TcpProxyStats {
  readonly downstream_cx_total: Counter;
  readonly downstream_cx_no_route: Counter;
  readonly downstream_cx_tx_bytes_total: Counter;
  readonly downstream_cx_tx_bytes_buffered: Gauge;
  readonly downstream_cx_rx_bytes_total: Counter;
  readonly downstream_cx_rx_bytes_buffered: Gauge;
  readonly downstream_flow_control_paused_reading_total: Counter;
  readonly downstream_flow_control_resumed_reading_total: Counter;
  readonly idle_timeout: Counter;
  readonly max_downstream_connection_duration: Counter;
  readonly upstream_flush_total: Counter;
  readonly upstream_flush_active: Gauge;

  constructor(root: StatsScope, prefix: string) {
    const s = root.scope(`tcp.${prefix}.`);
    this.downstream_cx_total = s.counter('downstream_cx_total');
    this.downstream_cx_no_route = s.counter('downstream_cx_no_route');
    this.downstream_cx_tx_bytes_total = s.counter('downstream_cx_tx_bytes_total');
    this.downstream_cx_tx_bytes_buffered = s.gauge('downstream_cx_tx_bytes_buffered');
    this.downstream_cx_rx_bytes_total = s.counter('downstream_cx_rx_bytes_total');
    this.downstream_cx_rx_bytes_buffered = s.gauge('downstream_cx_rx_bytes_buffered');
    this.downstream_flow_control_paused_reading_total = s.counter('downstream_flow_control_paused_reading_total');
    this.downstream_flow_control_resumed_reading_total = s.counter('downstream_flow_control_resumed_reading_total');
    this.idle_timeout = s.counter('idle_timeout');
    this.max_downstream_connection_duration = s.counter('max_downstream_connection_duration');
    this.upstream_flush_total = s.counter('upstream_flush_total');
    this.upstream_flush_active = s.gauge('upstream_flush_active');
    s.counter('early_data_received_count_total');
    s.counter('on_demand_cluster_attempt');
    s.counter('on_demand_cluster_missing');
    s.counter('on_demand_cluster_success');
    s.counter('on_demand_cluster_timeout');
  }
}

const NOOP_COUNTER: Counter = { name: '', value: 0, inc() {}, add() {} };
const NOOP_GAUGE: Gauge = { name: '', value: 0, set() {}, add() {}, sub() {}, inc() {}, dec() {} };
const NOOP_HISTOGRAM: Histogram = { name: '', recordValue() {} };

/** The cluster counters a TCP upstream connection moves (same names the HTTP pools use). */
export class UpstreamCxStats {
  readonly upstream_cx_total: Counter;
  readonly upstream_cx_active: Gauge;
  readonly upstream_cx_connect_fail: Counter;
  readonly upstream_cx_connect_timeout: Counter;
  readonly upstream_cx_overflow: Counter;
  readonly upstream_cx_none_healthy: Counter;
  readonly upstream_cx_destroy: Counter;
  readonly upstream_cx_destroy_local: Counter;
  readonly upstream_cx_destroy_remote: Counter;
  readonly upstream_cx_rx_bytes_total: Counter;
  readonly upstream_cx_tx_bytes_total: Counter;
  readonly upstream_cx_connect_ms: Histogram;
  readonly upstream_cx_length_ms: Histogram;

  constructor(scope: StatsScope | undefined) {
    const c = (n: string): Counter => (scope ? scope.counter(n) : NOOP_COUNTER);
    const g = (n: string): Gauge => (scope ? scope.gauge(n) : NOOP_GAUGE);
    const h = (n: string): Histogram => (scope ? scope.histogram(n) : NOOP_HISTOGRAM);
    this.upstream_cx_total = c('upstream_cx_total');
    this.upstream_cx_active = g('upstream_cx_active');
    this.upstream_cx_connect_fail = c('upstream_cx_connect_fail');
    this.upstream_cx_connect_timeout = c('upstream_cx_connect_timeout');
    this.upstream_cx_overflow = c('upstream_cx_overflow');
    this.upstream_cx_none_healthy = c('upstream_cx_none_healthy');
    this.upstream_cx_destroy = c('upstream_cx_destroy');
    this.upstream_cx_destroy_local = c('upstream_cx_destroy_local');
    this.upstream_cx_destroy_remote = c('upstream_cx_destroy_remote');
    this.upstream_cx_rx_bytes_total = c('upstream_cx_rx_bytes_total');
    this.upstream_cx_tx_bytes_total = c('upstream_cx_tx_bytes_total');
    this.upstream_cx_connect_ms = h('upstream_cx_connect_ms');
    this.upstream_cx_length_ms = h('upstream_cx_length_ms');
  }
}

const cache = new WeakMap<ClusterInfo, UpstreamCxStats>();

function isScope(s: unknown): s is StatsScope {
  return typeof s === 'object' && s !== null && typeof (s as StatsScope).counter === 'function';
}

export function upstreamCxStats(info: ClusterInfo): UpstreamCxStats {
  let s = cache.get(info);
  if (s === undefined) {
    s = new UpstreamCxStats(isScope(info.stats) ? info.stats : undefined);
    cache.set(info, s);
  }
  return s;
}
