// The part of a cluster that connection pools and the router hold on to (Envoy's ClusterInfo):
// timeouts, limits, protocol options, circuit breakers and the stats scope. It is rebuilt only
// when one of those settings changes (clusterInfoKey in cluster-config.ts), so an update that only moves
// endpoints or changes balancing keeps every pool and stat object.
import type { Canonical } from '../config/canonical';
import { deferStats } from '../stats/stats-store';
import type { StatsScope } from '../stats/types';
import { buildResources } from './circuit-breakers';
import type { ClusterConfig } from './cluster-config';
import { ClusterStats } from './cluster-stats';
import { clusterTrafficStats, ClusterTrafficStats, existingClusterTrafficStats, TRAFFIC_STAT_NAMES } from './http1-pool-stats';
import type { UpstreamProtocol } from './protocol-options-config';
import type { ClusterInfo, ClusterResources } from './types';

export class ClusterInfoImpl implements ClusterInfo {
  readonly name: string;
  readonly observabilityName: string;
  readonly connectTimeoutMs: number;
  readonly perConnectionBufferLimitBytes: number;
  readonly maxRequestsPerConnection: number;
  readonly idleTimeoutMs: number;
  readonly maxConnectionDurationMs: number;
  readonly tcpIdleTimeoutMs: number;
  readonly upstreamProtocol: UpstreamProtocol;
  readonly sourceAddress: { readonly ip: string; readonly port: number } | undefined;
  readonly resources: { readonly default: ClusterResources; readonly high: ClusterResources };
  readonly stats: StatsScope | undefined;
  readonly clusterStats: ClusterStats;
  private traffic: ClusterTrafficStats | undefined;
  readonly transportSocket: Canonical | undefined;
  readonly transportSocketMatches: readonly Canonical[];
  readonly metadata: Canonical | undefined;
  /**
   * The config this info was built from, for clusterInfoKey (whether an update can keep this
   * info). Not the cluster's current config: a later version sharing this info has its own.
   */
  readonly builtFrom: ClusterConfig;

  /**
   * `statsRoot` is the store (or a scope); the cluster's scope is `cluster.<observability name>.`.
   * `deferTrafficStats` (Envoy's enable_deferred_creation_stats) creates the upstream_cx_* and
   * upstream_rq_* stats on first use instead of with the cluster. Without it they are created on
   * first use too when the store can stand in for them meanwhile (they read as zeros in /stats,
   * as Envoy's eager ones do), else now.
   */
  constructor(cfg: ClusterConfig, statsRoot: StatsScope | undefined, deferTrafficStats = false) {
    this.name = cfg.name;
    this.observabilityName = cfg.observabilityName;
    this.connectTimeoutMs = cfg.connectTimeoutMs;
    this.perConnectionBufferLimitBytes = cfg.perConnectionBufferLimitBytes;
    const p = cfg.protocol;
    this.maxRequestsPerConnection = p.maxRequestsPerConnection;
    this.idleTimeoutMs = p.idleTimeoutMs;
    this.maxConnectionDurationMs = p.maxConnectionDurationMs;
    this.tcpIdleTimeoutMs = p.tcpIdleTimeoutMs;
    this.upstreamProtocol = p.protocol;
    this.sourceAddress = cfg.sourceAddress;
    this.transportSocket = cfg.transportSocket;
    this.transportSocketMatches = cfg.transportSocketMatches;
    this.metadata = cfg.metadata;
    this.builtFrom = cfg;
    this.stats = statsRoot?.scope(`cluster.${cfg.observabilityName}.`);
    this.resources = buildResources(cfg.circuitBreakers, this.stats);
    this.clusterStats = new ClusterStats(this.stats);
    if (!deferTrafficStats && !(this.stats && deferStats(this.stats, TRAFFIC_STAT_NAMES))) this.traffic = clusterTrafficStats(this);
  }

  /** The stats the pools and the router update (shared with http1-pool-stats.ts). */
  get trafficStats(): ClusterTrafficStats {
    return (this.traffic ??= clusterTrafficStats(this));
  }

  /** Whether the cluster ever opened an upstream connection (without creating deferred stats). */
  get trafficSeen(): boolean {
    // The router and pools create them through clusterTrafficStats(), not through this info.
    const t = this.traffic ?? existingClusterTrafficStats(this);
    return t !== undefined && t.upstream_cx_total.value > 0;
  }

  /** Drops this info's stats from the store unless a newer info of the same name holds them. */
  release(): void {
    this.stats?.release();
  }
}
