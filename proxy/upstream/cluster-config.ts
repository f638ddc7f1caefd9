// envoy.config.cluster.v3.Cluster (canonical form) -> ClusterConfig: validated once, immutable,
// every error naming its field path. The cluster manager builds clusters only from this.
import type { Canonical } from '../config/canonical';
import { EncodedValue, keptValue, type KeptValue } from '../config/kept-value';
import { ConfigIssue, IssueSink, Result } from '../config/result';
import type { ExtensionRegistry } from '../registry/registry';
import { CircuitBreakersConfig, parseCircuitBreakers } from './circuit-breakers';
import { EMPTY_ASSIGNMENT, ipFamily, LoadAssignmentSpec, parseLoadAssignment } from './endpoint-config';
import { HealthCheckConfig, parseHealthCheck } from './health-check-config';
import { CommonLbConfig, LbConfig, parseCommonLbConfig, parseLbConfig } from './lb-config';
import { OutlierConfig, parseOutlierDetection } from './outlier-config';
import { parseProtocolOptions, ProtocolOptions } from './protocol-options-config';
import { stableKey } from './stable-key';

export type DiscoveryType = 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'EDS' | 'ORIGINAL_DST' | 'EXTENSION';
export type DnsLookupFamily = 'AUTO' | 'V4_ONLY' | 'V6_ONLY' | 'V4_PREFERRED' | 'ALL';

export interface DnsConfig {
  readonly refreshRateMs: number;
  /** dns_failure_refresh_rate base; 0 = use refreshRateMs. */
  readonly failureRefreshBaseMs: number;
  readonly failureRefreshMaxMs: number;
  readonly respectTtl: boolean;
  readonly family: DnsLookupFamily;
}

export interface OriginalDstConfig {
  readonly cleanupIntervalMs: number;
  readonly useHttpHeader: boolean;
  /** Lower-case header name (x-envoy-original-dst-host unless http_header_name). */
  readonly httpHeaderName: string;
  /** upstream_port_override, 0 = none. */
  readonly portOverride: number;
}

export interface ClusterConfig {
  readonly name: string;
  readonly observabilityName: string;
  readonly type: DiscoveryType;
  /** cluster_type's extension name and config when type is EXTENSION. */
  readonly extension: { readonly name: string; readonly config: Canonical | undefined } | undefined;
  readonly connectTimeoutMs: number;
  readonly perConnectionBufferLimitBytes: number;
  readonly lb: LbConfig;
  readonly commonLb: CommonLbConfig;
  readonly circuitBreakers: CircuitBreakersConfig;
  readonly protocol: ProtocolOptions;
  readonly outlier: OutlierConfig | undefined;
  readonly healthChecks: readonly HealthCheckConfig[];
  readonly assignment: LoadAssignmentSpec;
  readonly edsServiceName: string | undefined;
  readonly dns: DnsConfig;
  readonly originalDst: OriginalDstConfig;
  readonly sourceAddress: { readonly ip: string; readonly port: number } | undefined;
  readonly transportSocket: Canonical | undefined;
  readonly transportSocketMatches: readonly Canonical[];
  readonly metadata: Canonical | undefined;
  /** An inline load_assignment was given (an EDS cluster then starts with its hosts). */
  readonly hasLoadAssignment: boolean;
  /** The canonical Cluster, kept for config_dump and change detection (clusterKey, clusterInfoKey). */
  readonly kept: KeptValue;
}

// The digests are taken when a cluster is compared with its update, not for each of the thousands
// of clusters a push adds (two JSON texts and hashes each were ~15% of a CDS apply), and are not
// kept: a digest per cluster would stay in memory for good after the first update of each.

/** The canonical Cluster the config was built from. */
export function clusterCanonical(cfg: ClusterConfig): Canonical {
  return keptValue(cfg.kept);
}

/** Digest of the whole cluster: an update with the same key changes nothing. */
export function clusterKey(cfg: ClusterConfig): string {
  return stableKey(clusterCanonical(cfg));
}

/** clusterInfoKey of a canonical Cluster. */
function infoKeyOf(c: Canonical): string {
  return stableKey(pick(c, INFO_FIELDS));
}

/**
 * Digest of what ClusterInfo (and so every connection pool) depends on: an update that keeps it
 * keeps the ClusterInfo, hosts, pools and stats, and only rebuilds balancing, health checking and
 * outlier detection.
 */
export function clusterInfoKey(cfg: ClusterConfig): string {
  return infoKeyOf(clusterCanonical(cfg));
}

/** Both kept as the same bytes: equal without decoding either. */
function sameBytes(a: ClusterConfig, b: ClusterConfig): boolean {
  return a.kept instanceof EncodedValue && b.kept instanceof EncodedValue && a.kept.bytes.equals(b.kept.bytes);
}

/**
 * What an update `next` changes of the cluster `current`, whose ClusterInfo was built from
 * `infoFrom`: nothing (clusterKey), not the ClusterInfo (clusterInfoKey), or the ClusterInfo too.
 * Each config is decoded at most once (an xDS one is kept as bytes, see kept-value.ts).
 */
export function clusterChange(current: ClusterConfig, infoFrom: ClusterConfig, next: ClusterConfig): 'none' | 'keep-info' | 'new-info' {
  if (sameBytes(current, next)) return 'none';
  const n = clusterCanonical(next);
  const c = clusterCanonical(current);
  if (stableKey(c) === stableKey(n)) return 'none';
  if (sameBytes(infoFrom, next)) return 'keep-info';
  const i = infoFrom === current ? c : clusterCanonical(infoFrom);
  return infoKeyOf(i) === infoKeyOf(n) ? 'keep-info' : 'new-info';
}

const TYPES = new Set(['STATIC', 'STRICT_DNS', 'LOGICAL_DNS', 'EDS', 'ORIGINAL_DST']);
const FAMILIES = new Set(['AUTO', 'V4_ONLY', 'V6_ONLY', 'V4_PREFERRED', 'ALL']);

/** Fields ClusterInfo is built from; see clusterInfoKey. */
const INFO_FIELDS = [
  'name',
  'alt_stat_name',
  'connect_timeout',
  'per_connection_buffer_limit_bytes',
  'circuit_breakers',
  'typed_extension_protocol_options',
  'common_http_protocol_options',
  'http_protocol_options',
  'http2_protocol_options',
  'protocol_selection',
  'max_requests_per_connection',
  'upstream_bind_config',
  'transport_socket',
  'transport_socket_matches',
  'metadata',
];

// The settings of a cluster that sets none of their fields (most): shared, as 10,000 clusters' copies add up.
const DEFAULT_DNS: DnsConfig = Object.freeze({ refreshRateMs: 5000, failureRefreshBaseMs: 0, failureRefreshMaxMs: 0, respectTtl: false, family: 'AUTO' });
const NONE: readonly never[] = Object.freeze([]);
const DEFAULT_ORIGINAL_DST: OriginalDstConfig = Object.freeze({ cleanupIntervalMs: 5000, useHttpHeader: false, httpHeaderName: 'x-envoy-original-dst-host', portOverride: 0 });

function parseDns(c: Canonical, path: string, sink: IssueSink): DnsConfig {
  if (c.dns_refresh_rate === undefined && c.dns_failure_refresh_rate === undefined && c.dns_lookup_family === undefined && c.respect_dns_ttl === undefined) return DEFAULT_DNS;
  const rate = typeof c.dns_refresh_rate === 'number' ? c.dns_refresh_rate : 5000;
  if (c.dns_refresh_rate !== undefined && !(rate > 1)) sink.error(`${path}.dns_refresh_rate`, 'value must be greater than 1ms');
  const fr = c.dns_failure_refresh_rate as Canonical | undefined;
  let base = 0;
  let max = 0;
  if (fr !== undefined) {
    base = typeof fr.base_interval === 'number' ? fr.base_interval : 0;
    max = typeof fr.max_interval === 'number' ? fr.max_interval : base * 10;
    if (!(base > 0)) sink.error(`${path}.dns_failure_refresh_rate.base_interval`, 'value must be greater than 1ms');
    if (max < base) sink.error(`${path}.dns_failure_refresh_rate.max_interval`, 'dns_failure_refresh_rate max_interval must be greater than or equal to the base_interval');
  }
  const family = typeof c.dns_lookup_family === 'string' ? c.dns_lookup_family : 'AUTO';
  if (!FAMILIES.has(family)) sink.error(`${path}.dns_lookup_family`, `unsupported dns_lookup_family ${family}`);
  return Object.freeze({ refreshRateMs: rate, failureRefreshBaseMs: base, failureRefreshMaxMs: max, respectTtl: c.respect_dns_ttl === true, family: family as DnsLookupFamily });
}

function parseOriginalDst(c: Canonical, sink: IssueSink, path: string): OriginalDstConfig {
  if (c.original_dst_lb_config === undefined && c.cleanup_interval === undefined) return DEFAULT_ORIGINAL_DST;
  const o = c.original_dst_lb_config as Canonical | undefined;
  const port = typeof o?.upstream_port_override === 'number' ? o.upstream_port_override : 0;
  if (port > 65535) sink.error(`${path}.original_dst_lb_config.upstream_port_override`, 'value must be less than or equal to 65535');
  const header = typeof o?.http_header_name === 'string' && o.http_header_name !== '' ? o.http_header_name.toLowerCase() : 'x-envoy-original-dst-host';
  return Object.freeze({
    cleanupIntervalMs: typeof c.cleanup_interval === 'number' ? c.cleanup_interval : 5000,
    useHttpHeader: o?.use_http_header === true,
    httpHeaderName: header,
    portOverride: port,
  });
}

function pick(c: Canonical, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (c[f] !== undefined) out[f] = c[f];
  return out;
}

/**
 * Validates one Cluster. `path` prefixes every issue (e.g. `static_resources.clusters[2]`).
 * `registry` decides whether a `cluster_type` extension is known.
 */
export function parseCluster(c: Canonical, path: string, registry?: ExtensionRegistry, kept: KeptValue = c): Result<ClusterConfig> {
  const sink = new IssueSink();
  const p = (f: string): string => (path ? `${path}.${f}` : f);
  const name = typeof c.name === 'string' ? c.name : '';
  if (name === '') sink.error(p('name'), 'value length must be at least 1 characters');
  const observabilityName = typeof c.alt_stat_name === 'string' && c.alt_stat_name !== '' ? c.alt_stat_name : name;

  let type: DiscoveryType = 'STATIC';
  let extension: ClusterConfig['extension'];
  if (c.cluster_type !== undefined) {
    const ct = c.cluster_type as Canonical;
    const cfg = ct.typed_config as Canonical | undefined;
    const extName = String(ct.name ?? '');
    type = 'EXTENSION';
    extension = { name: extName, config: cfg };
    const problem =
      cfg === undefined
        ? 'missing typed_config'
        : registry !== undefined
          ? registry.check('cluster', cfg)
          : `didn't find a registered implementation for type URL '${String(cfg['@type'] ?? '').replace(/^type\.googleapis\.com\//, '')}'`;
    if (problem !== undefined) sink.error(p('cluster_type'), `unsupported cluster type '${extName}': ${problem}`);
    else sink.warn(p('cluster_type'), `cluster type '${extName}' is recognised but not implemented: the cluster has no hosts`);
  } else if (typeof c.type === 'string') {
    if (!TYPES.has(c.type)) sink.error(p('type'), `unsupported cluster discovery type ${c.type}`);
    else type = c.type as DiscoveryType;
  }

  const connectTimeoutMs = typeof c.connect_timeout === 'number' ? c.connect_timeout : 5000;
  if (!(connectTimeoutMs > 0)) sink.error(p('connect_timeout'), 'value must be greater than 0s');
  const perConnectionBufferLimitBytes = typeof c.per_connection_buffer_limit_bytes === 'number' ? c.per_connection_buffer_limit_bytes : 1024 * 1024;

  const commonLb = parseCommonLbConfig(c.common_lb_config as Canonical | undefined);
  const lb = parseLbConfig(c, path, commonLb, sink);
  if (type === 'ORIGINAL_DST' && lb.kind !== 'CLUSTER_PROVIDED' && c.load_balancing_policy === undefined) {
    sink.error(p('lb_policy'), `cluster: LB policy ${String(c.lb_policy ?? 'ROUND_ROBIN')} is not valid for Cluster type ORIGINAL_DST. Only 'CLUSTER_PROVIDED' is allowed with cluster type 'ORIGINAL_DST'`);
  }
  if (type !== 'ORIGINAL_DST' && type !== 'EXTENSION' && lb.kind === 'CLUSTER_PROVIDED') {
    sink.error(p('lb_policy'), `cluster: LB policy CLUSTER_PROVIDED is not valid for Cluster type ${type}. 'CLUSTER_PROVIDED' is allowed only with cluster type 'ORIGINAL_DST'`);
  }

  if (c.lb_subset_config !== undefined) sink.warn(p('lb_subset_config'), 'subset load balancing is not implemented: the whole cluster is balanced');
  if (c.slow_start_config !== undefined) sink.warn(p('slow_start_config'), 'slow start is not implemented');
  const circuitBreakers = parseCircuitBreakers(c.circuit_breakers as Canonical | undefined, p('circuit_breakers'), sink);
  const protocol = parseProtocolOptions(c, path, sink);
  const outlier = c.outlier_detection !== undefined ? parseOutlierDetection(c.outlier_detection as Canonical, p('outlier_detection'), sink) : undefined;
  const healthChecks: HealthCheckConfig[] = [];
  ((c.health_checks as Canonical[] | undefined) ?? []).forEach((h, i) => {
    const hc = parseHealthCheck(h, p(`health_checks[${i}]`), sink);
    if (hc !== undefined) healthChecks.push(hc);
  });

  const dnsType = type === 'STRICT_DNS' || type === 'LOGICAL_DNS';
  const cla = c.load_assignment as Canonical | undefined;
  const assignment = cla === undefined ? EMPTY_ASSIGNMENT : parseLoadAssignment(cla, p('load_assignment'), dnsType ? 'dns' : 'ip', sink);
  if (type === 'ORIGINAL_DST' && assignment.endpoints.length > 0) sink.error(p('load_assignment'), 'ORIGINAL_DST clusters must have no load assignment configured');
  if (type === 'LOGICAL_DNS' && assignment.endpoints.length !== 1) {
    sink.error(p('load_assignment'), 'LOGICAL_DNS clusters must have a single locality_lb_endpoint and a single lb_endpoint');
  }
  if (c.hosts !== undefined) sink.error(p('hosts'), 'the deprecated hosts field is not supported; use load_assignment');
  let edsServiceName: string | undefined;
  if (type === 'EDS') {
    const eds = c.eds_cluster_config as Canonical | undefined;
    if (typeof eds?.service_name === 'string' && eds.service_name !== '') edsServiceName = eds.service_name;
  }

  let sourceAddress: ClusterConfig['sourceAddress'];
  const bind = c.upstream_bind_config as Canonical | undefined;
  const sa = bind?.source_address as Canonical | undefined;
  if (sa !== undefined) {
    const ip = String(sa.address ?? '');
    if (ipFamily(ip) === 0) sink.error(p('upstream_bind_config.source_address.address'), `malformed IP address: ${ip}`);
    sourceAddress = Object.freeze({ ip, port: typeof sa.port_value === 'number' ? sa.port_value : 0 });
  }

  const value: ClusterConfig = Object.freeze({
    name,
    observabilityName,
    type,
    extension,
    connectTimeoutMs,
    perConnectionBufferLimitBytes,
    lb,
    commonLb,
    circuitBreakers,
    protocol,
    outlier,
    healthChecks: healthChecks.length === 0 ? NONE : Object.freeze(healthChecks),
    assignment,
    edsServiceName,
    dns: parseDns(c, path, sink),
    originalDst: parseOriginalDst(c, sink, path),
    sourceAddress,
    transportSocket: c.transport_socket as Canonical | undefined,
    transportSocketMatches: (c.transport_socket_matches as Canonical[] | undefined) ?? NONE,
    metadata: c.metadata as Canonical | undefined,
    hasLoadAssignment: cla !== undefined,
    kept,
  });
  return sink.result(value);
}

/** Convenience for callers that want one message list. */
export function clusterIssues(r: Result<ClusterConfig>): readonly ConfigIssue[] {
  return r.ok ? [] : r.errors;
}
