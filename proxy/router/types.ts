// THE CONTRACT between the route table (route-table.ts and the route-*.ts files of this folder)
// and the code that consumes it: the router filter (router-filter*.ts), the connection manager
// (through http/route-view.ts, which RouteEntry satisfies) and formatters shared with access logs.
// Everything here is compiled once from a RouteConfiguration into immutable objects; the hot path
// only reads fields and calls the methods below. Changing a member is a cross-team change.
//
// Envoy order of work for a request, which this contract mirrors:
//   HCM strips the port if configured (stripPort) -> table.route(req, random) -> RouteEntry
//   (a weighted-cluster pick returns a pre-built per-cluster entry, as Envoy's WeightedClusterEntry)
//   -> router: redirect / direct_response answer locally; otherwise cluster, timeouts, retries,
//   rewrites (rewritePath/hostRewrite), applyRequestHeaders, hash, mirrors.
import type { HeaderMap } from '../http/header-map';
import type { StreamInfo } from '../http/stream-info';

// ---- request view ------------------------------------------------------------------------------

/** Read access to request headers. HeaderMapImpl satisfies it (and provides getJoined). */
export interface RouteHeaders {
  get(name: string): string | undefined;
  getAll(name: string): readonly string[];
  /** All values of `name` joined with ','; the table falls back to getAll when absent. */
  getJoined?(name: string): string | undefined;
}

/** What the table reads from a request. http/filter-types RequestHead satisfies it. */
export interface RouteRequest {
  readonly method: string;
  /** ":authority" / Host, as received (the table lower-cases); ports already stripped by the HCM if configured. */
  readonly authority: string;
  /** ":path" including the query string. */
  readonly path: string;
  readonly scheme: string;
  readonly headers: RouteHeaders;
  /** Downstream remote IP (no port); only hash_policy connection_properties reads it (hashKey may pass it instead). */
  readonly downstreamRemoteIp?: string;
}

// ---- formatter hook (shared with access logs) --------------------------------------------------

/** A compiled `%COMMAND%` template. Header values use it with unset commands rendering as ''. */
export interface HeaderValueFormatter {
  format(info: StreamInfo): string;
}

/**
 * Compiles a header value template such as `%DOWNSTREAM_REMOTE_ADDRESS%` or `%REQ(x-foo)%`.
 * Returns undefined for a template without commands (the table then keeps the literal string);
 * an error string rejects the config. The access-log formatter provides the default (see
 * route-header-formatter.ts); tests or other hosts may inject their own.
 */
export type HeaderFormatterFactory = (template: string) => { ok: true; formatter: HeaderValueFormatter | undefined } | { ok: false; error: string };

// ---- header mutations --------------------------------------------------------------------------

export type AppendAction = 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';

/** One level's *_headers_to_add / *_headers_to_remove, precompiled. Removals run before additions. */
export interface HeaderMutations {
  readonly isEmpty: boolean;
  /** `info` may be undefined only when no value uses a formatter (tests). */
  apply(headers: HeaderMap, info: StreamInfo | undefined): void;
}

// ---- retry policy ------------------------------------------------------------------------------

/** retry_on / x-envoy-retry-on / x-envoy-retry-grpc-on tokens as bits (values shared with retry-state.ts). */
export const enum RetryOn {
  X5xx = 1 << 0,
  GatewayError = 1 << 1,
  Reset = 1 << 2,
  ConnectFailure = 1 << 3,
  Retriable4xx = 1 << 4,
  RefusedStream = 1 << 5,
  RetriableStatusCodes = 1 << 6,
  RetriableHeaders = 1 << 7,
  EnvoyRateLimited = 1 << 8,
  ResetBeforeRequest = 1 << 9,
  GrpcCancelled = 1 << 10,
  GrpcDeadlineExceeded = 1 << 11,
  GrpcResourceExhausted = 1 << 12,
  GrpcUnavailable = 1 << 13,
  GrpcInternal = 1 << 14,
  Http3PostConnectFailure = 1 << 15,
}

/** A compiled HeaderMatcher; `test` takes the (joined) value, undefined when absent. */
export interface HeaderMatcher {
  readonly name: string;
  test(value: string | undefined): boolean;
  matches(headers: RouteHeaders): boolean;
}

export interface RetryPolicy {
  /** RetryOn bits. */
  readonly retryOn: number;
  /** Default 1. */
  readonly numRetries: number;
  /** 0 = none. */
  readonly perTryTimeoutMs: number;
  /** 0 = none. */
  readonly perTryIdleTimeoutMs: number;
  readonly retriableStatusCodes: readonly number[];
  readonly retriableHeaders: readonly HeaderMatcher[];
  readonly retriableRequestHeaders: readonly HeaderMatcher[];
  /** retry_back_off; defaults 25 ms and 10x base. */
  readonly baseIntervalMs: number;
  readonly maxIntervalMs: number;
  /** Default 1. */
  readonly hostSelectionRetryMaxAttempts: number;
  /** retry_host_predicate includes envoy.retry_host_predicates.previous_hosts. */
  readonly previousHosts: boolean;
  /** Other retry_host_predicate / retry_priority names (accepted, not acted on). */
  readonly otherPredicates: readonly string[];
}

// ---- per-route policies ------------------------------------------------------------------------

export interface HashPolicy {
  readonly kind: 'header' | 'cookie' | 'source_ip' | 'query_parameter' | 'filter_state';
  /** Header name (lower-case), cookie name, query parameter name or filter_state key. */
  readonly name: string;
  readonly terminal: boolean;
  /** Cookie: ttl set means the router should generate the cookie when absent (not done by the table). */
  readonly cookieTtlMs: number | undefined;
  readonly cookiePath: string | undefined;
}

export interface MirrorPolicy {
  /** Static cluster, or undefined with clusterHeader set. */
  readonly cluster: string | undefined;
  readonly clusterHeader: string | undefined;
  /** runtime_fraction default_value; true when this request (random in [0,1)) mirrors. */
  sampled(random: number): boolean;
  /** trace_sampled (default true in Envoy; only meaningful with tracing). */
  readonly traceSampled: boolean;
  readonly disableShadowHostSuffixAppend: boolean;
}

export interface UpgradeConfig {
  readonly enabled: boolean;
  /** CONNECT handling: connect_config present (terminate CONNECT and proxy the payload as TCP). */
  readonly connectConfig: boolean;
  readonly allowPost: boolean;
}

export interface WeightedClusterChoice {
  readonly name: string | undefined;
  /** cluster_header on the weighted entry (newer Envoy), lower-case. */
  readonly clusterHeader: string | undefined;
  readonly weight: number;
}

/** weighted_clusters compiled: cumulative weights and a pick by random or header value. */
export interface WeightedClusters {
  readonly clusters: readonly WeightedClusterChoice[];
  readonly totalWeight: number;
  /** header_name (lower-case) whose numeric value replaces the random value, or undefined. */
  readonly headerName: string | undefined;
  /** Index into `clusters` for this request. */
  pick(random: number, headers: RouteHeaders): number;
}

/** A redirect or direct_response (Envoy's DirectResponseEntry). */
export interface DirectResponse {
  readonly kind: 'redirect' | 'direct_response';
  /** 301 default for redirects; direct_response.status. */
  readonly status: number;
  /** direct_response body (text/plain); undefined when none. */
  readonly body: Buffer | undefined;
  /**
   * The Location header value: always for redirects; for direct_response only when the status is
   * 201 or 3xx (Envoy then echoes the request URI). undefined = no Location.
   */
  location(req: RouteRequest): string | undefined;
}

// ---- virtual host and route entry --------------------------------------------------------------

export interface VirtualHostInfo {
  readonly name: string;
  readonly retryPolicy: RetryPolicy | undefined;
  readonly includeRequestAttemptCount: boolean;
  readonly includeAttemptCountInResponse: boolean;
  readonly perRequestBufferLimitBytes: number | undefined;
  perFilterConfig(filterName: string): unknown;
}

/**
 * A matched route. Satisfies http/route-view RouteView (routeName, perFilterConfig,
 * upgradeEnabled). For weighted_clusters, route() returns one of the pre-built per-cluster
 * entries, so `clusterName` and the mutations already include the chosen cluster's level.
 */
export interface RouteEntry {
  /** route.name ('' when unnamed), for %ROUTE_NAME%. */
  readonly routeName: string;
  readonly virtualHost: VirtualHostInfo;
  readonly kind: 'cluster' | 'redirect' | 'direct_response';
  /** Set for redirect / direct_response. */
  readonly directResponse: DirectResponse | undefined;

  // cluster choice
  /** The cluster (static or the weighted pick); undefined for cluster_header or non-cluster routes. */
  readonly clusterName: string | undefined;
  /** cluster_header (lower-case) when the cluster comes from a request header. */
  readonly clusterHeader: string | undefined;
  /** Resolves the upstream cluster for this request (reads cluster_header when set). */
  resolveCluster(headers: RouteHeaders): string | undefined;
  /** The route's weighted_clusters, for information (the pick already happened in route()). */
  readonly weightedClusters: WeightedClusters | undefined;
  /** cluster_not_found_response_code: 503 default, 404, 500. */
  readonly clusterNotFoundStatus: number;

  // timeouts
  /** route.timeout; default 15000; 0 = disabled. */
  readonly timeoutMs: number;
  /** route.idle_timeout; undefined = not set (HCM stream_idle_timeout applies); 0 = disabled. */
  readonly idleTimeoutMs: number | undefined;
  /** max_stream_duration.max_stream_duration; undefined when not set. */
  readonly maxStreamDurationMs: number | undefined;
  /** max_stream_duration.grpc_timeout_header_max (0 = no cap) when set; honours grpc-timeout. */
  readonly grpcTimeoutHeaderMaxMs: number | undefined;
  readonly grpcTimeoutHeaderOffsetMs: number | undefined;

  // policies
  /** Route retry_policy, else the virtual host's. */
  readonly retryPolicy: RetryPolicy | undefined;
  readonly hashPolicies: readonly HashPolicy[];
  /**
   * Envoy's hash for hash-based LBs: xxHash64 of each policy's input, combined by rotate-left-1
   * XOR, stopping at a terminal policy that produced a value. undefined when no policy applies.
   */
  hashKey(req: RouteRequest, downstreamRemoteIp?: string): bigint | undefined;
  readonly mirrorPolicies: readonly MirrorPolicy[];
  upgradeEnabled(type: string): boolean | undefined;
  readonly upgradeConfigs: ReadonlyMap<string, UpgradeConfig>;
  readonly includeRequestAttemptCount: boolean;
  readonly includeAttemptCountInResponse: boolean;
  readonly perRequestBufferLimitBytes: number | undefined;
  /** Legacy route/vhost `cors` (canonical), for the CORS filter. */
  readonly corsPolicy: unknown;

  // rewrites
  /**
   * prefix_rewrite / regex_rewrite applied to `path` (query kept untouched); undefined when the
   * route has no rewrite. The router sets x-envoy-original-path itself.
   */
  rewritePath(path: string): string | undefined;
  /** host_rewrite_literal / host_rewrite_header / host_rewrite_path_regex; undefined = keep. */
  rewriteHost(req: RouteRequest): string | undefined;
  /** auto_host_rewrite: the router sets the authority to the chosen upstream host's hostname. */
  readonly autoHostRewrite: boolean;
  readonly appendXForwardedHost: boolean;

  // header mutations, levels already ordered as Envoy applies them
  /** Weighted cluster -> route -> vhost -> route config (reversed with most_specific_header_mutations_wins). */
  applyRequestHeaders(headers: HeaderMap, info: StreamInfo | undefined): void;
  applyResponseHeaders(headers: HeaderMap, info: StreamInfo | undefined): void;

  // per-filter config
  /** typed_per_filter_config for `filterName`: most specific of weighted cluster, route, vhost, route config. */
  perFilterConfig(filterName: string): unknown;
  /** All levels' configs for `filterName`, least specific first (for filters that merge). */
  perFilterConfigs(filterName: string): readonly unknown[];
}

/** A compiled RouteConfiguration. Immutable; RDS swaps whole tables. */
export interface RouteTable {
  readonly name: string;
  /** The route for a request, or undefined (no vhost or no route: 404 NR `route_not_found`). random is uniform in [0,1). */
  route(req: RouteRequest, random: number): RouteEntry | undefined;
  /** The virtual host for an authority (undefined: none), as route() selects it. */
  virtualHost(authority: string): VirtualHostInfo | undefined;
  /** RouteConfiguration.internal_only_headers, lower-case: the HCM removes them from external requests. */
  readonly internalOnlyHeaders: readonly string[];
}

export interface RouteTableOptions {
  /** Defaults to the access-log formatter (unset commands render as ''). */
  readonly formatterFactory?: HeaderFormatterFactory;
  /** HCM-level port handling for callers that do not strip before route() (see stripPort). */
  readonly stripAnyHostPort?: boolean;
}
