// proxy/upstream: clusters and everything behind them — the cluster config model (validated from
// the canonical envoy.config.cluster.v3.Cluster), host discovery (static, DNS, EDS, original
// destination), priorities and load balancers, circuit breakers, outlier detection, active
// health checks, per-host connection pools (built by the factories the server passes in), the
// cluster manager, and the /clusters admin view. The router and tcp_proxy see only types.ts.
export type { Cluster, ClusterInfo, ClusterManager, ConnectionPool, ConnectionPoolFactory, Host, LbContext, ResourceLimit } from './types';
export { OutlierResult } from './types';
export { ClusterManagerImpl, type ClusterManagerOptions, type AddClusterOptions, type AddClusterResult } from './cluster-manager';
export { parseCluster, type ClusterConfig } from './cluster-config';
export { ClusterImpl, type PoolFactories, type HostSpec } from './cluster-impl';
export { ClusterInfoImpl } from './cluster-info';
export { HostImpl, HealthFlag } from './host';
export { clusterAdminView } from './cluster-admin-view';
