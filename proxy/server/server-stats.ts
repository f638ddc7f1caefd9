// The server's own stats, with Envoy's names: server.*, and the readiness stats pilot-agent polls
// (server.state, listener_manager.workers_started, cluster_manager.cds.*, listener_manager.lds.*).
import type { Counter, Gauge, StatsScope, TextReadout } from '../stats/types';

/** Envoy's server.state values (envoy.admin.v3.ServerInfo.State). */
export const SERVER_STATE = { LIVE: 0, DRAINING: 1, PRE_INITIALIZING: 2, INITIALIZING: 3 } as const;
export type ServerStateName = keyof typeof SERVER_STATE;

export class ServerStats {
  readonly state: Gauge;
  readonly live: Gauge;
  readonly uptime: Gauge;
  readonly memoryAllocated: Gauge;
  readonly memoryHeapSize: Gauge;
  readonly memoryPhysicalSize: Gauge;
  readonly concurrency: Gauge;
  readonly totalConnections: Gauge;
  readonly parentConnections: Gauge;
  readonly hotRestartEpoch: Gauge;
  readonly hotRestartGeneration: Gauge;
  readonly version: Gauge;
  readonly daysUntilFirstCertExpiring: Gauge;
  readonly secondsUntilFirstOcspResponseExpiring: Gauge;
  readonly statsRecentLookups: Gauge;
  readonly debugAssertionFailures: Counter;
  readonly envoyBugFailures: Counter;
  readonly staticUnknownFields: Counter;
  readonly dynamicUnknownFields: Counter;
  readonly wipCheckFailures: Counter;
  readonly initializationTimeMs: { recordValue(v: number): void };
  readonly workersStarted: Gauge;
  readonly cdsUpdateSuccess: Counter;
  readonly cdsUpdateRejected: Counter;
  readonly ldsUpdateSuccess: Counter;
  readonly ldsUpdateRejected: Counter;
  readonly controlPlaneConnected: Gauge;
  readonly versionText: TextReadout;

  constructor(root: StatsScope, versionLabel: string) {
    const s = root.scope('server.');
    this.state = s.gauge('state');
    this.live = s.gauge('live');
    this.uptime = s.gauge('uptime');
    this.memoryAllocated = s.gauge('memory_allocated');
    this.memoryHeapSize = s.gauge('memory_heap_size');
    this.memoryPhysicalSize = s.gauge('memory_physical_size');
    this.concurrency = s.gauge('concurrency');
    this.totalConnections = s.gauge('total_connections');
    this.parentConnections = s.gauge('parent_connections');
    this.hotRestartEpoch = s.gauge('hot_restart_epoch');
    this.hotRestartGeneration = s.gauge('hot_restart_generation');
    this.version = s.gauge('version');
    this.daysUntilFirstCertExpiring = s.gauge('days_until_first_cert_expiring');
    this.secondsUntilFirstOcspResponseExpiring = s.gauge('seconds_until_first_ocsp_response_expiring');
    this.statsRecentLookups = s.gauge('stats_recent_lookups');
    this.debugAssertionFailures = s.counter('debug_assertion_failures');
    this.envoyBugFailures = s.counter('envoy_bug_failures');
    this.staticUnknownFields = s.counter('static_unknown_fields');
    this.dynamicUnknownFields = s.counter('dynamic_unknown_fields');
    this.wipCheckFailures = s.counter('wip_check_failures');
    this.initializationTimeMs = s.histogram('initialization_time_ms');
    this.workersStarted = root.gauge('listener_manager.workers_started');
    this.cdsUpdateSuccess = root.counter('cluster_manager.cds.update_success');
    this.cdsUpdateRejected = root.counter('cluster_manager.cds.update_rejected');
    this.ldsUpdateSuccess = root.counter('listener_manager.lds.update_success');
    this.ldsUpdateRejected = root.counter('listener_manager.lds.update_rejected');
    this.controlPlaneConnected = root.gauge('control_plane.connected_state');
    this.versionText = root.textReadout('server.version_text') ;
    this.versionText.set(versionLabel);
  }

  setState(state: ServerStateName): void {
    this.state.set(SERVER_STATE[state]);
    this.live.set(state === 'LIVE' ? 1 : 0);
  }
}
