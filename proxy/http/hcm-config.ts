// The HttpConnectionManager config (envoy.extensions.filters.network.http_connection_manager.v3)
// validated once into an immutable, typed snapshot with Envoy's defaults applied. Filter
// factories, access loggers and stats are built here, never per connection or request.
import type { Canonical } from '../config/canonical';
import type { ConfigIssue } from '../config/result';
import { ExtensionRegistry } from '../registry/registry';
import type { StatsScope } from '../stats/types';
import type { ClusterManager } from '../upstream/types';
import { AccessLogger, buildAccessLoggers } from './access-log/access-logger';
import type { AccessLogManager } from './access-log/log-writer';
import type { HttpFilterContext, HttpFilterFactory } from './filter-types';
import type { HeadersWithUnderscoresAction } from './h1/h1-errors';
import { HcmStats, isInternalAddress } from './hcm-stats';
import type { EscapedSlashesAction, PathOptions } from './path-normalize';

export const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

export type ServerHeaderTransformation = 'OVERWRITE' | 'APPEND_IF_ABSENT' | 'PASS_THROUGH';

export interface HcmConfig {
  readonly statPrefix: string;
  readonly stats: HcmStats;
  readonly serverName: string;
  readonly serverHeaderTransformation: ServerHeaderTransformation;
  readonly useRemoteAddress: boolean;
  readonly xffNumTrustedHops: number;
  readonly skipXffAppend: boolean;
  readonly via: string;
  readonly generateRequestId: boolean;
  readonly preserveExternalRequestId: boolean;
  readonly alwaysSetRequestIdInResponse: boolean;
  readonly isInternal: (ip: string) => boolean;
  readonly maxRequestHeadersBytes: number;
  readonly maxHeadersCount: number;
  readonly headersWithUnderscoresAction: HeadersWithUnderscoresAction;
  readonly acceptHttp10: boolean;
  readonly defaultHostForHttp10: string;
  readonly proxy100Continue: boolean;
  readonly streamIdleTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly requestHeadersTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxConnectionDurationMs: number;
  readonly maxStreamDurationMs: number;
  readonly drainTimeoutMs: number;
  readonly delayedCloseTimeoutMs: number;
  readonly path: PathOptions;
  readonly pathNormalizationEnabled: boolean;
  /** Upgrade types (lower case) the HCM allows, with their enabled flag. */
  readonly upgrades: ReadonlyMap<string, boolean>;
  readonly stripPortMode: 'none' | 'matching' | 'any';
  readonly stripTrailingHostDot: boolean;
  readonly filters: readonly HttpFilterFactory[];
  readonly accessLoggers: readonly AccessLogger[];
  /** The route_config (inline) or rds section, for the route table provider. */
  readonly routeSpecifier: { readonly kind: 'inline'; readonly config: Canonical } | { readonly kind: 'rds'; readonly name: string; readonly configSource: Canonical | undefined } | { readonly kind: 'scoped' };
  /** Per-request body buffer limit when neither route nor cluster says (Envoy: 1 MiB listener buffer). */
  readonly bufferLimitBytes: number;
}

export interface HcmBuildContext {
  readonly registry: ExtensionRegistry;
  /** Root stats store (or any scope); the HCM uses `http.<stat_prefix>.` under it. */
  readonly stats: StatsScope;
  readonly clusterManager: ClusterManager;
  readonly accessLogManager: AccessLogManager;
  /** Listener's per_connection_buffer_limit_bytes (default 1 MiB). */
  readonly bufferLimitBytes?: number;
}

const num = (v: unknown, d: number): number => (typeof v === 'number' ? v : d);
const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d);

function cidrMatcher(ranges: readonly Canonical[]): (ip: string) => boolean {
  const parsed = ranges.map((r) => ({ prefix: String(r.address_prefix ?? ''), len: num(r.prefix_len, 32) }));
  return (ip: string) => parsed.some((r) => ipInCidr(ip, r.prefix, r.len));
}

function ipv4ToInt(ip: string): number | undefined {
  const p = ip.split('.');
  if (p.length !== 4) return undefined;
  let n = 0;
  for (const x of p) n = n * 256 + Number(x);
  return n;
}

function ipInCidr(ip: string, prefix: string, len: number): boolean {
  if (ip.startsWith('::ffff:')) ip = ip.slice(7);
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(prefix);
  if (a === undefined || b === undefined) return ip === prefix;
  if (len === 0) return true;
  const mask = len >= 32 ? 0xffffffff : ~((1 << (32 - len)) - 1) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

export function buildHcmConfig(c: Canonical, ctx: HcmBuildContext, path = ''): { ok: true; value: HcmConfig } | { ok: false; errors: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const p = (k: string): string => (path ? `${path}.${k}` : k);
  const statPrefix = typeof c.stat_prefix === 'string' ? c.stat_prefix : '';
  if (!statPrefix) issues.push({ path: p('stat_prefix'), message: 'value length must be at least 1 characters' });
  const scope = ctx.stats.scope(`http.${statPrefix}.`);
  const stats = new HcmStats(scope);
  const cpo = (c.common_http_protocol_options ?? {}) as Canonical;
  const hpo = (c.http_protocol_options ?? {}) as Canonical;
  const iac = c.internal_address_config as Canonical | undefined;
  const isInternal = iac?.cidr_ranges ? cidrMatcher(iac.cidr_ranges as Canonical[]) : isInternalAddress;

  const upgrades = new Map<string, boolean>();
  for (const u of (c.upgrade_configs as Canonical[] | undefined) ?? []) {
    upgrades.set(String(u.upgrade_type ?? '').toLowerCase(), bool(u.enabled, true));
  }

  let routeSpecifier: HcmConfig['routeSpecifier'];
  if (c.route_config !== undefined) routeSpecifier = { kind: 'inline', config: c.route_config as Canonical };
  else if (c.rds !== undefined) {
    const rds = c.rds as Canonical;
    routeSpecifier = { kind: 'rds', name: String(rds.route_config_name ?? ''), configSource: rds.config_source as Canonical | undefined };
  } else if (c.scoped_routes !== undefined) routeSpecifier = { kind: 'scoped' };
  else {
    issues.push({ path: p('route_specifier'), message: 'one of route_config, rds or scoped_routes is required' });
    routeSpecifier = { kind: 'scoped' };
  }

  // HTTP filters, through the registry; the last must be terminal (the router).
  const filters: HttpFilterFactory[] = [];
  const list = (c.http_filters as Canonical[] | undefined) ?? [];
  const fctx: HttpFilterContext = { statPrefix, scope, clusterManager: ctx.clusterManager };
  list.forEach((f, i) => {
    const fp = p(`http_filters[${i}]`);
    if (f.disabled === true) return;
    const tc = f.typed_config as (Canonical & { '@type': string }) | undefined;
    const name = String(f.name ?? '');
    if (tc === undefined) {
      issues.push({ path: fp, message: 'typed_config is required' });
      return;
    }
    const err = ctx.registry.check('http_filter', tc, f.is_optional === true);
    if (err !== undefined) {
      issues.push({ path: `${fp}.typed_config`, message: err });
      return;
    }
    const ext = ctx.registry.find('http_filter', tc);
    if (ext?.create === undefined) return; // recognised, no behaviour
    try {
      const factory = ext.create(tc, { ...fctx, name }) as HttpFilterFactory;
      filters.push(factory);
    } catch (e) {
      issues.push({ path: `${fp}.typed_config`, message: (e as Error).message });
    }
  });
  if (filters.length === 0 || !filters[filters.length - 1].terminal) {
    if (list.length > 0) issues.push({ path: p('http_filters'), message: 'the last HTTP filter must be a terminal filter (envoy.filters.http.router)' });
  }
  filters.forEach((f, i) => {
    if (f.terminal && i !== filters.length - 1) issues.push({ path: p(`http_filters[${i}]`), message: `terminal filter ${f.name} must be the last filter` });
  });

  const accessLoggers = buildAccessLoggers(c.access_log as Canonical[] | undefined, p('access_log'), ctx.accessLogManager, issues);

  const escaped = (c.path_with_escaped_slashes_action as EscapedSlashesAction | undefined) ?? 'IMPLEMENTATION_SPECIFIC_DEFAULT';
  const pathOpts: PathOptions = { normalize: bool(c.normalize_path, false), mergeSlashes: bool(c.merge_slashes, false), escapedSlashes: escaped };
  const stripPortMode = c.strip_any_host_port === true ? 'any' : c.strip_matching_host_port === true ? 'matching' : 'none';

  if (issues.length > 0) return { ok: false, errors: issues };
  const value: HcmConfig = Object.freeze({
    statPrefix,
    stats,
    serverName: typeof c.server_name === 'string' && c.server_name ? c.server_name : 'envoy',
    serverHeaderTransformation: (c.server_header_transformation as ServerHeaderTransformation | undefined) ?? 'OVERWRITE',
    useRemoteAddress: bool(c.use_remote_address, false),
    xffNumTrustedHops: num(c.xff_num_trusted_hops, 0),
    skipXffAppend: bool(c.skip_xff_append, false),
    via: typeof c.via === 'string' ? c.via : '',
    generateRequestId: bool(c.generate_request_id, true),
    preserveExternalRequestId: bool(c.preserve_external_request_id, false),
    alwaysSetRequestIdInResponse: bool(c.always_set_request_id_in_response, false),
    isInternal,
    maxRequestHeadersBytes: num(c.max_request_headers_kb, 60) * 1024,
    maxHeadersCount: num(cpo.max_headers_count, 100),
    headersWithUnderscoresAction: (cpo.headers_with_underscores_action as HeadersWithUnderscoresAction | undefined) ?? 'ALLOW',
    acceptHttp10: bool(hpo.accept_http_10, false),
    defaultHostForHttp10: typeof hpo.default_host_for_http_10 === 'string' ? hpo.default_host_for_http_10 : '',
    proxy100Continue: bool(c.proxy_100_continue, false),
    streamIdleTimeoutMs: num(c.stream_idle_timeout, 300000),
    requestTimeoutMs: num(c.request_timeout, 0),
    requestHeadersTimeoutMs: num(c.request_headers_timeout, 0),
    idleTimeoutMs: num(cpo.idle_timeout, 3600000),
    maxConnectionDurationMs: num(cpo.max_connection_duration, 0),
    maxStreamDurationMs: num(cpo.max_stream_duration, 0),
    drainTimeoutMs: num(c.drain_timeout, 5000),
    delayedCloseTimeoutMs: num(c.delayed_close_timeout, 1000),
    path: pathOpts,
    pathNormalizationEnabled: pathOpts.normalize || pathOpts.mergeSlashes || (escaped !== 'IMPLEMENTATION_SPECIFIC_DEFAULT' && escaped !== 'KEEP_UNCHANGED'),
    upgrades,
    stripPortMode,
    stripTrailingHostDot: bool(c.strip_trailing_host_dot, false),
    filters,
    accessLoggers,
    routeSpecifier,
    bufferLimitBytes: ctx.bufferLimitBytes ?? 1024 * 1024,
  });
  return { ok: true, value };
}
