// Envoy's listener stats (`listener.<stat_prefix or address>.*`, plus the per-worker
// `worker_0.` copies; this process is one worker) and listener manager stats
// (`listener_manager.*`), resolved when a listener or the manager is built.
import type { Counter, Gauge, Histogram, StatsScope } from '../stats/types';

export class ListenerStats {
  readonly downstream_cx_total: Counter;
  readonly downstream_cx_destroy: Counter;
  readonly downstream_cx_active: Gauge;
  readonly downstream_cx_length_ms: Histogram;
  readonly downstream_cx_overflow: Counter;
  readonly downstream_global_cx_overflow: Counter;
  readonly downstream_pre_cx_active: Gauge;
  readonly downstream_pre_cx_timeout: Counter;
  readonly downstream_listener_filter_remote_close: Counter;
  readonly downstream_listener_filter_error: Counter;
  readonly no_filter_chain_match: Counter;
  readonly worker_cx_total: Counter;
  readonly worker_cx_active: Gauge;

  constructor(readonly scope: StatsScope) {
    this.downstream_cx_total = scope.counter('downstream_cx_total');
    this.downstream_cx_destroy = scope.counter('downstream_cx_destroy');
    this.downstream_cx_active = scope.gauge('downstream_cx_active');
    this.downstream_cx_length_ms = scope.histogram('downstream_cx_length_ms');
    this.downstream_cx_overflow = scope.counter('downstream_cx_overflow');
    this.downstream_global_cx_overflow = scope.counter('downstream_global_cx_overflow');
    this.downstream_pre_cx_active = scope.gauge('downstream_pre_cx_active');
    this.downstream_pre_cx_timeout = scope.counter('downstream_pre_cx_timeout');
    this.downstream_listener_filter_remote_close = scope.counter('downstream_listener_filter_remote_close');
    this.downstream_listener_filter_error = scope.counter('downstream_listener_filter_error');
    this.no_filter_chain_match = scope.counter('no_filter_chain_match');
    scope.counter('extension_config_missing');
    scope.counter('network_extension_config_missing');
    scope.counter('downstream_cx_transport_socket_connect_timeout');
    scope.counter('downstream_cx_overload_reject');
    const worker = scope.scope('worker_0.');
    this.worker_cx_total = worker.counter('downstream_cx_total');
    this.worker_cx_active = worker.gauge('downstream_cx_active');
  }
}

export class ListenerManagerStats {
  readonly listener_added: Counter;
  readonly listener_modified: Counter;
  readonly listener_removed: Counter;
  readonly listener_stopped: Counter;
  readonly listener_create_success: Counter;
  readonly listener_create_failure: Counter;
  readonly listener_in_place_updated: Counter;
  readonly total_listeners_active: Gauge;
  readonly total_listeners_warming: Gauge;
  readonly total_listeners_draining: Gauge;
  readonly total_filter_chains_draining: Gauge;
  readonly workers_started: Gauge;

  constructor(root: StatsScope) {
    const s = root.scope('listener_manager.');
    this.listener_added = s.counter('listener_added');
    this.listener_modified = s.counter('listener_modified');
    this.listener_removed = s.counter('listener_removed');
    this.listener_stopped = s.counter('listener_stopped');
    this.listener_create_success = s.counter('listener_create_success');
    this.listener_create_failure = s.counter('listener_create_failure');
    this.listener_in_place_updated = s.counter('listener_in_place_updated');
    this.total_listeners_active = s.gauge('total_listeners_active');
    this.total_listeners_warming = s.gauge('total_listeners_warming');
    this.total_listeners_draining = s.gauge('total_listeners_draining');
    this.total_filter_chains_draining = s.gauge('total_filter_chains_draining');
    this.workers_started = s.gauge('workers_started');
  }
}
