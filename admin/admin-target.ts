/**
 * What the admin API needs from the proxy, and nothing more. The proxy (proxy/server) implements
 * this; admin/ renders Envoy's formats from these plain views and never reaches into the proxy.
 * Every method is called on the event loop for one request: keep it cheap, and return fresh data
 * (admin/ does not cache).
 */
import type { AdminBody } from './admin-handler';

/** A listen or host address as Envoy's `Network::Address` prints it. */
export type AdminAddress =
  | { readonly kind: 'socket'; readonly address: string; readonly port: number }
  | { readonly kind: 'pipe'; readonly path: string; readonly mode?: number }
  /** EnvoyInternalAddress: an internal listener, by name. */
  | { readonly kind: 'internal'; readonly name: string };

/** Envoy's `envoy.admin.v3.ServerInfo.State`. */
export type AdminServerState = 'LIVE' | 'DRAINING' | 'PRE_INITIALIZING' | 'INITIALIZING';

export interface AdminListenerView {
  readonly name: string;
  /** Every listen socket in config order; a port-0 socket shows the port the kernel chose. */
  readonly addresses: readonly AdminAddress[];
}

/** One priority's circuit breaker limits (`resourceManager(priority).x().max()`). */
export interface AdminThresholds {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
}

/** The outlier detector's cluster-wide numbers; -1 means "not enough data". */
export interface AdminOutlierView {
  readonly successRateAverage: number;
  readonly successRateEjectionThreshold: number;
  readonly localOriginSuccessRateAverage: number;
  readonly localOriginSuccessRateEjectionThreshold: number;
}

export interface AdminHostStat {
  /** Short name as Envoy's host stats: `cx_total`, `rq_active`, ... */
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly value: number;
}

/**
 * Envoy's `Host::HealthFlag`s. The JSON `eds_health_status` is derived from these exactly as
 * Envoy does (failedEdsHealth -> UNHEALTHY, else degradedEdsHealth -> DEGRADED, else HEALTHY;
 * edsStatusDraining -> DRAINING over all of them).
 */
export interface AdminHealthFlags {
  readonly failedActiveHc: boolean;
  readonly failedOutlierCheck: boolean;
  readonly failedEdsHealth: boolean;
  readonly degradedActiveHc: boolean;
  readonly degradedEdsHealth: boolean;
  readonly pendingDynamicRemoval: boolean;
  readonly pendingActiveHc: boolean;
  readonly excludedViaImmediateHcFail: boolean;
  readonly activeHcTimeout: boolean;
  readonly edsStatusDraining: boolean;
}

export interface AdminHostView {
  readonly address: AdminAddress;
  readonly hostname: string;
  /** Counters then gauges, in the order the proxy declares them (the JSON keeps this order). */
  readonly stats: readonly AdminHostStat[];
  readonly health: AdminHealthFlags;
  readonly weight: number;
  readonly locality: { readonly region: string; readonly zone: string; readonly subZone: string };
  readonly priority: number;
  readonly canary: boolean;
  /** -1 when the outlier detector has no value (or there is no detector). */
  readonly successRate: number;
  readonly localOriginSuccessRate: number;
}

/** One active (warmed) cluster. */
export interface AdminClusterView {
  readonly name: string;
  /** `alt_stat_name` if set, else the name. */
  readonly observabilityName: string;
  readonly addedViaApi: boolean;
  /** Only when the cluster's EDS config names a service_name. */
  readonly edsServiceName?: string;
  /** Present exactly when the cluster has an outlier detector. */
  readonly outlier?: AdminOutlierView;
  readonly circuitBreakers: { readonly default: AdminThresholds; readonly high: AdminThresholds };
  /** Hosts of every priority, priority 0 first. */
  readonly hosts: readonly AdminHostView[];
}

/** /stats and /stats/prometheus parameters, already validated by admin/. */
export interface AdminStatsQuery {
  readonly usedOnly: boolean;
  /** `filter=`: an RE2 pattern compiled with {@link AdminTarget.compileRe2}; partial match (`test`). */
  readonly filter?: RegExp;
  readonly filterSource?: string;
  readonly type: 'All' | 'Counters' | 'Gauges' | 'Histograms' | 'TextReadouts';
  /** undefined: Envoy's default (quantile summary in text/json, buckets in Prometheus). */
  readonly histogramBuckets?: 'cumulative' | 'disjoint' | 'detailed' | 'summary';
  /** Prometheus `text_readouts`: emit text readouts as gauges. */
  readonly textReadouts: boolean;
  readonly hidden: 'include' | 'only' | 'exclude';
  /** `pretty` (json). */
  readonly pretty: boolean;
}

export interface AdminDrainOptions {
  readonly graceful: boolean;
  readonly inboundOnly: boolean;
  readonly skipExit: boolean;
}

/** The answer of a handler whose text the proxy owns (logger, runtime). */
export interface AdminTextResult {
  readonly ok: boolean;
  readonly body: string;
}

/** A field of a proto message, as the FieldMask and `?resource=` checks need it. */
export interface AdminProtoField {
  readonly repeated: boolean;
  /** Full name of the message type, or undefined for scalars and enums. */
  readonly messageType?: string;
}

export type AdminRegexResult = { readonly ok: true; readonly regex: RegExp } | { readonly ok: false; readonly error: string };

export interface AdminTarget {
  state(): AdminServerState;
  /** The /server_info body (`envoy.admin.v3.ServerInfo` as proto3 JSON, every field printed). */
  serverInfo(): object;
  /** Listeners in config order. */
  listeners(): readonly AdminListenerView[];
  /** Active clusters. */
  clusters(): readonly AdminClusterView[];
  /**
   * Each component dump as proto3 JSON with its "@type" (Bootstrap, Clusters, Endpoints only with
   * includeEds, Listeners, ScopedRoutes, Routes, Secrets: Envoy's order), secrets redacted. Keys in
   * proto field-number order, as Envoy prints them. admin/ applies resource/mask/name_regex.
   */
  configDump(opts: { readonly includeEds: boolean }): readonly object[];
  /**
   * Describes `field` (proto name, not JSON name) of message `messageType` (full name, e.g.
   * `envoy.admin.v3.ClustersConfigDump` or `envoy.config.cluster.v3.Cluster`); undefined when the
   * message has no such field or the type is unknown.
   */
  protoField(messageType: string, field: string): AdminProtoField | undefined;
  /** Compiles an RE2 pattern (admin `filter=`, `name_regex=`) to an unanchored JS RegExp. */
  compileRe2(pattern: string): AdminRegexResult;
  /**
   * The /stats bodies: a string, or (a large store) pieces produced a slice at a time so the
   * render does not hold the event loop; the admin writes them as they come.
   */
  statsText(q: AdminStatsQuery): AdminBody;
  statsJson(q: AdminStatsQuery): AdminBody;
  statsPrometheus(q: AdminStatsQuery): AdminBody;
  /** `active loggers:` ... as /logging lists them. */
  loggingList(): string;
  /** POST /logging with parameters (decoded, in order); ok=false answers 400 with `body`. */
  loggingSet(params: readonly (readonly [string, string])[]): AdminTextResult;
  /** `envoy.admin.v3.Memory` as proto3 JSON (uint64 as strings, every field). */
  memory(): object;
  /** `{"layers": [...], "entries": {...}}`. */
  runtime(): object;
  /** `envoy.admin.v3.Certificates` as proto3 JSON. */
  certs(): object;
  resetCounters(): void;
  healthcheckFail(): void;
  healthcheckOk(): void;
  /** Starts the drain; the admin answers `OK` at once, as Envoy does, without awaiting it. */
  drainListeners(opts: AdminDrainOptions): Promise<void> | void;
  /** Called once the `OK` of /quitquitquit has been written. */
  quit(): void;
  /** `envoy.admin.v3.UnreadyTargetsDumps` as proto3 JSON; `mask` is e.g. `listener`. */
  initDump?(mask: string | undefined): object;
  /** POST /runtime_modify; without it the endpoint is not offered. */
  runtimeModify?(params: readonly (readonly [string, string])[]): AdminTextResult;
  /** POST /reopen_logs. */
  reopenLogs?(): void;
}
