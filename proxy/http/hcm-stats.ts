// The connection manager's stats under `http.<stat_prefix>.` (Envoy's ConnectionManagerStats and
// the router's per-prefix stats), resolved once when the HCM config is built.
import type { Counter, Gauge, Histogram, StatsScope } from '../stats/types';

export class HcmStats {
  readonly downstream_cx_total: Counter;
  readonly downstream_cx_active: Gauge;
  readonly downstream_cx_http1_total: Counter;
  readonly downstream_cx_http1_active: Gauge;
  readonly downstream_cx_destroy: Counter;
  readonly downstream_cx_destroy_remote: Counter;
  readonly downstream_cx_destroy_local: Counter;
  readonly downstream_cx_destroy_active_rq: Counter;
  readonly downstream_cx_destroy_remote_active_rq: Counter;
  readonly downstream_cx_destroy_local_active_rq: Counter;
  readonly downstream_cx_protocol_error: Counter;
  readonly downstream_cx_rx_bytes_total: Counter;
  readonly downstream_cx_tx_bytes_total: Counter;
  readonly downstream_cx_length_ms: Histogram;
  readonly downstream_cx_idle_timeout: Counter;
  readonly downstream_cx_max_duration_reached: Counter;
  readonly downstream_cx_drain_close: Counter;
  readonly downstream_cx_delayed_close_timeout: Counter;
  readonly downstream_cx_upgrades_total: Counter;
  readonly downstream_cx_upgrades_active: Gauge;
  readonly downstream_rq_total: Counter;
  readonly downstream_rq_http1_total: Counter;
  readonly downstream_rq_active: Gauge;
  readonly downstream_rq_completed: Counter;
  readonly downstream_rq_time: Histogram;
  readonly downstream_rq_timeout: Counter;
  readonly downstream_rq_idle_timeout: Counter;
  readonly downstream_rq_header_timeout: Counter;
  readonly downstream_rq_max_duration_reached: Counter;
  readonly downstream_rq_rx_reset: Counter;
  readonly downstream_rq_tx_reset: Counter;
  readonly downstream_rq_non_relative_path: Counter;
  readonly downstream_rq_too_large: Counter;
  readonly downstream_rq_ws_on_non_ws_route: Counter;
  readonly downstream_rq_response_before_rq_complete: Counter;
  readonly downstream_rq_failed_path_normalization: Counter;
  readonly downstream_rq_redirected_with_normalized_path: Counter;
  readonly downstream_flow_control_paused_reading_total: Counter;
  readonly downstream_flow_control_resumed_reading_total: Counter;
  readonly rs_too_large: Counter;
  readonly no_route: Counter;
  readonly no_cluster: Counter;
  readonly rq_redirect: Counter;
  readonly rq_direct_response: Counter;
  readonly rq_total: Counter;
  readonly rq_reset_after_downstream_response_started: Counter;
  private readonly byClass: Counter[];

  constructor(readonly scope: StatsScope) {
    const c = (n: string): Counter => scope.counter(n);
    const g = (n: string): Gauge => scope.gauge(n);
    this.downstream_cx_total = c('downstream_cx_total');
    this.downstream_cx_active = g('downstream_cx_active');
    this.downstream_cx_http1_total = c('downstream_cx_http1_total');
    this.downstream_cx_http1_active = g('downstream_cx_http1_active');
    this.downstream_cx_destroy = c('downstream_cx_destroy');
    this.downstream_cx_destroy_remote = c('downstream_cx_destroy_remote');
    this.downstream_cx_destroy_local = c('downstream_cx_destroy_local');
    this.downstream_cx_destroy_active_rq = c('downstream_cx_destroy_active_rq');
    this.downstream_cx_destroy_remote_active_rq = c('downstream_cx_destroy_remote_active_rq');
    this.downstream_cx_destroy_local_active_rq = c('downstream_cx_destroy_local_active_rq');
    this.downstream_cx_protocol_error = c('downstream_cx_protocol_error');
    this.downstream_cx_rx_bytes_total = c('downstream_cx_rx_bytes_total');
    this.downstream_cx_tx_bytes_total = c('downstream_cx_tx_bytes_total');
    this.downstream_cx_length_ms = scope.histogram('downstream_cx_length_ms');
    this.downstream_cx_idle_timeout = c('downstream_cx_idle_timeout');
    this.downstream_cx_max_duration_reached = c('downstream_cx_max_duration_reached');
    this.downstream_cx_drain_close = c('downstream_cx_drain_close');
    this.downstream_cx_delayed_close_timeout = c('downstream_cx_delayed_close_timeout');
    this.downstream_cx_upgrades_total = c('downstream_cx_upgrades_total');
    this.downstream_cx_upgrades_active = g('downstream_cx_upgrades_active');
    this.downstream_rq_total = c('downstream_rq_total');
    this.downstream_rq_http1_total = c('downstream_rq_http1_total');
    this.downstream_rq_active = g('downstream_rq_active');
    this.downstream_rq_completed = c('downstream_rq_completed');
    this.downstream_rq_time = scope.histogram('downstream_rq_time');
    this.downstream_rq_timeout = c('downstream_rq_timeout');
    this.downstream_rq_idle_timeout = c('downstream_rq_idle_timeout');
    this.downstream_rq_header_timeout = c('downstream_rq_header_timeout');
    this.downstream_rq_max_duration_reached = c('downstream_rq_max_duration_reached');
    this.downstream_rq_rx_reset = c('downstream_rq_rx_reset');
    this.downstream_rq_tx_reset = c('downstream_rq_tx_reset');
    this.downstream_rq_non_relative_path = c('downstream_rq_non_relative_path');
    this.downstream_rq_too_large = c('downstream_rq_too_large');
    this.downstream_rq_ws_on_non_ws_route = c('downstream_rq_ws_on_non_ws_route');
    this.downstream_rq_response_before_rq_complete = c('downstream_rq_response_before_rq_complete');
    this.downstream_rq_failed_path_normalization = c('downstream_rq_failed_path_normalization');
    this.downstream_rq_redirected_with_normalized_path = c('downstream_rq_redirected_with_normalized_path');
    this.downstream_flow_control_paused_reading_total = c('downstream_flow_control_paused_reading_total');
    this.downstream_flow_control_resumed_reading_total = c('downstream_flow_control_resumed_reading_total');
    this.rs_too_large = c('rs_too_large');
    this.no_route = c('no_route');
    this.no_cluster = c('no_cluster');
    this.rq_redirect = c('rq_redirect');
    this.rq_direct_response = c('rq_direct_response');
    this.rq_total = c('rq_total');
    this.rq_reset_after_downstream_response_started = c('rq_reset_after_downstream_response_started');
    this.byClass = [1, 2, 3, 4, 5].map((k) => c(`downstream_rq_${k}xx`));
    this.byClass.unshift(this.byClass[0]);
  }

  /** downstream_rq_<class>xx for a response code. */
  chargeResponse(code: number): void {
    const k = Math.floor(code / 100);
    if (k >= 1 && k <= 5) this.byClass[k].inc();
  }
}

/** RFC 1918, loopback and unique-local addresses: Envoy's default notion of "internal". */
export function isInternalAddress(ip: string): boolean {
  if (ip.startsWith('::ffff:')) ip = ip.slice(7);
  if (ip.includes(':')) return ip === '::1' || /^f[cd][0-9a-f]{2}:/i.test(ip);
  const p = ip.split('.').map(Number);
  if (p.length !== 4) return false;
  return p[0] === 10 || p[0] === 127 || (p[0] === 172 && p[1] >= 16 && p[1] <= 31) || (p[0] === 192 && p[1] === 168);
}
