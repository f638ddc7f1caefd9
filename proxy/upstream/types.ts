// What the router and tcp_proxy see of the cluster manager: a cluster by name, a host picked by
// the cluster's load balancer, and a connection pool per host. They never see host sets,
// discovery or health checking. (Envoy: envoy/upstream/thread_local_cluster.h)
import type { Canonical } from '../config/canonical';

export type HostAddress =
  | { readonly kind: 'socket'; readonly ip: string; readonly port: number; readonly family: 4 | 6 }
  | { readonly kind: 'pipe'; readonly path: string };

export interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly sub_zone: string;
}

/** Per-host counters are plain fields (as Envoy's primitive host stats): no store lookup. */
export interface HostStats {
  cx_total: number;
  cx_active: number;
  cx_connect_fail: number;
  rq_total: number;
  rq_active: number;
  rq_success: number;
  rq_error: number;
  rq_timeout: number;
}

/** Outcomes reported to outlier detection (Envoy's Outlier::Result). */
export const enum OutlierResult {
  ExtOriginRequestSuccess,
  ExtOriginRequestFailed,
  LocalOriginConnectSuccess,
  LocalOriginConnectFailed,
  LocalOriginTimeout,
  LocalOriginConnectSuccessFinal,
}

export interface Host {
  readonly address: HostAddress;
  /** `ip:port`, `[v6]:port` or the pipe path: %UPSTREAM_HOST% and /clusters. */
  readonly addressString: string;
  readonly hostname: string;
  readonly weight: number;
  readonly priority: number;
  readonly locality: Locality;
  readonly metadata: Canonical | undefined;
  readonly stats: HostStats;
  /** Healthy for load balancing: not failed by active HC, outlier ejection or EDS status. */
  healthy(): boolean;
  /** The upstream answered with this HTTP status (for consecutive_5xx, success rate...). */
  putHttpResponseCode(code: number): void;
  putResult(result: OutlierResult, httpCode?: number): void;
  /** The response carried x-envoy-immediate-health-check-fail. */
  markImmediateHealthCheckFail?(): void;
}

/** What a load balancer may use to pick; fields are optional so the fast path sets none. */
export interface LbContext {
  /** From the route's hash_policy (RING_HASH, MAGLEV). */
  readonly hashKey?: number | bigint;
  /** ORIGINAL_DST clusters: the downstream connection's original destination. */
  readonly originalDestination?: { readonly ip: string; readonly port: number };
  /** ORIGINAL_DST with use_http_header: the x-envoy-original-dst-host value. */
  readonly originalDstHostHeader?: string;
  /** Retry host predicates (previous_hosts): true = pick again. */
  shouldSelectAnotherHost?(host: Host): boolean;
  readonly hostSelectionRetryMaxAttempts?: number;
  /** ORIGINAL_DST with use_http_header and a custom http_header_name: reads a request header. */
  requestHeader?(name: string): string | undefined;
}

/** A circuit-breaker resource (Envoy's ResourceLimit). */
export interface ResourceLimit {
  canCreate(): boolean;
  inc(): void;
  dec(): void;
  readonly max: number;
  readonly count: number;
}

export interface ClusterResources {
  readonly connections: ResourceLimit;
  readonly pendingRequests: ResourceLimit;
  readonly requests: ResourceLimit;
  readonly retries: ResourceLimit;
}

/** Stats objects resolved when the cluster is built; the hot path only calls their methods. */
export interface ClusterStats {
  readonly [name: string]: { inc(): void; add?(n: number): void; dec?(): void; set?(n: number): void; recordValue?(v: number): void };
}

export interface ClusterInfo {
  readonly name: string;
  readonly observabilityName: string;
  readonly connectTimeoutMs: number;
  readonly perConnectionBufferLimitBytes: number;
  /** 0 = unlimited. */
  readonly maxRequestsPerConnection: number;
  /** Upstream connection idle timeout (common_http_protocol_options.idle_timeout), default 1 h. */
  readonly idleTimeoutMs: number;
  readonly maxConnectionDurationMs: number;
  /** upstream_bind_config.source_address (Istio's 127.0.0.6 for inbound passthrough). */
  readonly sourceAddress?: { readonly ip: string; readonly port: number };
  readonly resources: { readonly default: ClusterResources; readonly high: ClusterResources };
  /** The cluster's stats scope `cluster.<name>.`; see proxy/stats. */
  readonly stats: unknown;
  /** Typed config for the upstream transport (TLS) when present; raw canonical form. */
  readonly transportSocket?: Canonical;
  /** `transport_socket_matches`, chosen per host by its metadata (see transport-socket-select.ts). */
  readonly transportSocketMatches?: readonly Canonical[];
}

/** An upstream connection pool for one host; the concrete class lives with the codec. */
export interface ConnectionPool {
  /** Stop handing out connections, close idle ones, let busy ones finish. */
  drain(): void;
  /** Close everything now. */
  destroy(): void;
}

export type ConnectionPoolFactory = (host: Host, cluster: ClusterInfo) => ConnectionPool;

export interface Cluster {
  readonly info: ClusterInfo;
  /** undefined: no healthy host (-> 503 UH, or panic routing below the panic threshold). */
  chooseHost(ctx: LbContext | undefined): Host | undefined;
  /** The pool for `host`, created on first use with the manager's pool factory. */
  connectionPool(host: Host): ConnectionPool;
  /** The TCP pool for `host` (tcp_proxy), when the manager was given a 'tcp' pool factory. */
  tcpConnectionPool?(host: Host): ConnectionPool | undefined;
}

export interface ClusterManager {
  get(name: string): Cluster | undefined;
}
