// envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy validated into TcpProxyConfig.
import type { Canonical } from '../../config/canonical';
import { IssueSink, Result } from '../../config/result';

export const TCP_PROXY_TYPE = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
/** Envoy's default idle_timeout for tcp_proxy. */
export const DEFAULT_TCP_IDLE_TIMEOUT_MS = 60 * 60 * 1000;

export interface WeightedCluster {
  readonly name: string;
  readonly weight: number;
}

export interface TcpProxyConfig {
  readonly statPrefix: string;
  /** One cluster, or several by weight. */
  readonly cluster: string | undefined;
  readonly weightedClusters: readonly WeightedCluster[];
  readonly totalWeight: number;
  /** 0 = disabled. */
  readonly idleTimeoutMs: number;
  readonly maxConnectAttempts: number;
  /** 0 = none. */
  readonly maxDownstreamConnectionDurationMs: number;
  /** hash_policy: source_ip is the one tcp_proxy policy that needs no filter state. */
  readonly hashSourceIp: boolean;
  readonly accessLog: readonly Canonical[];
  /**
   * tunneling_config (HTTP CONNECT to the upstream; Istio's connect_originate, HBONE) is accepted
   * as Envoy accepts it, but tsenvoy has no CONNECT upstream yet: such connections are closed
   * rather than sent as plain TCP to a peer that expects a tunnel.
   */
  readonly tunnelingUnsupported: boolean;
}

export function buildTcpProxyConfig(c: Canonical, path = ''): Result<TcpProxyConfig> {
  const sink = new IssueSink();
  const p = (k: string): string => (path ? `${path}.${k}` : k);
  const statPrefix = typeof c.stat_prefix === 'string' ? c.stat_prefix : '';
  if (statPrefix === '') sink.error(p('stat_prefix'), 'value length must be at least 1 characters');
  const cluster = typeof c.cluster === 'string' ? c.cluster : undefined;
  const weightedClusters: WeightedCluster[] = [];
  if (c.weighted_clusters) {
    const list = ((c.weighted_clusters as Canonical).clusters as Canonical[] | undefined) ?? [];
    if (list.length < 1) sink.error(p('weighted_clusters.clusters'), 'value must contain at least 1 item(s)');
    list.forEach((w, i) => {
      const name = typeof w.name === 'string' ? w.name : '';
      if (name === '') sink.error(p(`weighted_clusters.clusters[${i}].name`), 'value length must be at least 1 characters');
      const weight = typeof w.weight === 'number' ? w.weight : 0;
      if (weight < 1) sink.error(p(`weighted_clusters.clusters[${i}].weight`), 'value must be greater than or equal to 1');
      weightedClusters.push({ name, weight });
    });
  }
  if (cluster === undefined && !c.weighted_clusters) {
    if (c.on_demand) sink.error(p('on_demand'), 'on-demand cluster discovery is not supported');
    else sink.error(p('cluster_specifier'), 'value is required');
  }
  const tunneling = c.tunneling_config as Canonical | undefined;
  const attempts = typeof c.max_connect_attempts === 'number' ? c.max_connect_attempts : 1;
  if (attempts < 1) sink.error(p('max_connect_attempts'), 'value must be greater than or equal to 1');
  let hashSourceIp = false;
  ((c.hash_policy as Canonical[] | undefined) ?? []).forEach((h, i) => {
    if (h.source_ip !== undefined) hashSourceIp = true;
    else if (h.filter_state !== undefined) sink.warn(p(`hash_policy[${i}].filter_state`), 'filter_state hashing is not supported; ignored');
  });
  if (((c.hash_policy as Canonical[] | undefined) ?? []).length > 1) sink.error(p('hash_policy'), 'value must contain at most 1 item(s)');
  return sink.result({
    statPrefix,
    cluster,
    weightedClusters,
    totalWeight: weightedClusters.reduce((a, w) => a + w.weight, 0),
    idleTimeoutMs: typeof c.idle_timeout === 'number' ? c.idle_timeout : DEFAULT_TCP_IDLE_TIMEOUT_MS,
    maxConnectAttempts: attempts,
    maxDownstreamConnectionDurationMs: typeof c.max_downstream_connection_duration === 'number' ? c.max_downstream_connection_duration : 0,
    hashSourceIp,
    accessLog: (c.access_log as Canonical[] | undefined) ?? [],
    tunnelingUnsupported: tunneling !== undefined,
  });
}
