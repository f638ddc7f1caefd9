// A route's action compiled into the RouteEntry of the contract (types.ts). The shared part
// (RouteCore) is built once per route; a weighted_clusters route also gets one RouteEntryImpl per
// cluster, made at config time, so route() hands back a ready entry without allocating (Envoy's
// WeightedClusterEntry). Header mutation chains are flattened here into the order Envoy applies
// them: weighted cluster first, then route -> vhost -> route config (config last wins on
// overwrite), or config -> vhost -> route with most_specific_header_mutations_wins.
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';
import type { HeaderMap } from '../http/header-map';
import type { StreamInfo } from '../http/stream-info';
import { compileDirectResponse, compileRedirect } from './direct-response';
import { compileHashPolicies, CompiledHashPolicy, generateHash } from './hash-policy';
import { compileHeaderMutations } from './header-mutations';
import { compileRetryPolicy } from './retry-policy';
import { compileRegex, compileSubstitution, CompiledRegex, CompiledSubstitution } from './route-regex';
import { compileMirrors, compilePerFilter, PerFilterMap, VirtualHostLevel } from './route-levels';
import type { DirectResponse, HeaderMutations, MirrorPolicy, RetryPolicy, RouteEntry, RouteHeaders, RouteRequest, UpgradeConfig, WeightedClusters } from './types';
import { compileWeightedClusters, CompiledWeightedClusters } from './weighted-clusters';
import { EMPTY_LIST, frozenList } from '../common/exact-array';

const NOT_FOUND_CODES: Readonly<Record<string, number>> = { SERVICE_UNAVAILABLE: 503, NOT_FOUND: 404, INTERNAL_SERVER_ERROR: 500 };
/** The upgrade configs of a route that has none (most): shared, never written. */
const NO_UPGRADES: ReadonlyMap<string, UpgradeConfig> = new Map();

interface Rewrite {
  readonly re: CompiledRegex;
  readonly sub: CompiledSubstitution;
}

function pathEnd(path: string): number {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 63 || c === 35) return i;
  }
  return path.length;
}

function compileRewrite(rr: Canonical, path: string, sink: IssueSink): Rewrite | undefined {
  const re = compileRegex(String((rr.pattern as Canonical | undefined)?.regex ?? ''));
  if (!re.ok) {
    sink.error(`${path}.pattern.regex`, re.error);
    return undefined;
  }
  const sub = compileSubstitution(String(rr.substitution ?? ''));
  if (!sub.ok) {
    sink.error(`${path}.substitution`, sub.error);
    return undefined;
  }
  return { re: re.regex, sub: sub.value };
}

/** What a route's match tells its action: how much of the path a prefix rewrite replaces. */
export interface MatchShape {
  /** Length of prefix / path / path_separated_prefix; -1 = the whole path (regex, connect). */
  readonly matchedLength: number;
}

/** Everything compiled from one Route, shared by its weighted entries. */
export class RouteCore {
  readonly routeName: string;
  readonly kind: 'cluster' | 'redirect' | 'direct_response';
  readonly directResponse: DirectResponse | undefined;
  readonly clusterName: string | undefined;
  readonly clusterHeader: string | undefined;
  readonly weighted: CompiledWeightedClusters | undefined;
  readonly weightedRaw: readonly Canonical[];
  readonly clusterNotFoundStatus: number;
  readonly timeoutMs: number;
  readonly idleTimeoutMs: number | undefined;
  readonly maxStreamDurationMs: number | undefined;
  readonly grpcTimeoutHeaderMaxMs: number | undefined;
  readonly grpcTimeoutHeaderOffsetMs: number | undefined;
  readonly retryPolicy: RetryPolicy | undefined;
  readonly hashPolicies: readonly CompiledHashPolicy[];
  readonly mirrorPolicies: readonly MirrorPolicy[];
  readonly upgradeConfigs: ReadonlyMap<string, UpgradeConfig>;
  readonly prefixRewrite: string | undefined;
  readonly regexRewrite: Rewrite | undefined;
  readonly hostLiteral: string | undefined;
  readonly hostHeader: string | undefined;
  readonly hostPathRegex: Rewrite | undefined;
  readonly autoHostRewrite: boolean;
  readonly appendXForwardedHost: boolean;
  readonly perRequestBufferLimitBytes: number | undefined;
  readonly corsPolicy: unknown;
  readonly requestMutations: HeaderMutations;
  readonly responseMutations: HeaderMutations;
  readonly perFilter: PerFilterMap | undefined;

  constructor(
    r: Canonical,
    readonly vhost: VirtualHostLevel,
    readonly shape: MatchShape,
    path: string,
    sink: IssueSink,
  ) {
    this.routeName = typeof r.name === 'string' ? r.name : '';
    const cfg = vhost.config;
    const a = r.route as Canonical | undefined;
    const act = a ?? {};
    const ap = `${path}.route`;
    if (a !== undefined) this.kind = 'cluster';
    else if (r.redirect !== undefined) this.kind = 'redirect';
    else if (r.direct_response !== undefined) this.kind = 'direct_response';
    else {
      this.kind = 'direct_response';
      sink.error(path, 'one of route, redirect or direct_response is required');
    }
    this.directResponse =
      this.kind === 'redirect'
        ? compileRedirect(r.redirect as Canonical, shape.matchedLength, `${path}.redirect`, sink)
        : r.direct_response !== undefined
          ? compileDirectResponse(r.direct_response as Canonical, cfg.maxDirectResponseBodyBytes, `${path}.direct_response`, sink)
          : undefined;

    // Cluster specifier.
    this.clusterName = typeof act.cluster === 'string' && act.cluster !== '' ? act.cluster : undefined;
    this.clusterHeader = typeof act.cluster_header === 'string' && act.cluster_header !== '' ? act.cluster_header.toLowerCase() : undefined;
    let weighted: CompiledWeightedClusters | undefined;
    let weightedRaw: readonly Canonical[] = EMPTY_LIST;
    if (act.weighted_clusters !== undefined) {
      const w = compileWeightedClusters(act.weighted_clusters as Canonical, this.routeName, `${ap}.weighted_clusters`, sink);
      if (w) {
        weighted = w.spec;
        weightedRaw = w.raw;
      }
    }
    this.weighted = weighted;
    this.weightedRaw = weightedRaw;
    if (act.cluster_specifier_plugin !== undefined || act.inline_cluster_specifier_plugin !== undefined) {
      sink.error(`${ap}.cluster_specifier_plugin`, 'cluster specifier plugins are not supported');
    } else if (a !== undefined && this.clusterName === undefined && this.clusterHeader === undefined && act.weighted_clusters === undefined) {
      sink.error(ap, 'one of cluster, cluster_header or weighted_clusters is required');
    }
    const nf = typeof act.cluster_not_found_response_code === 'string' ? act.cluster_not_found_response_code : 'SERVICE_UNAVAILABLE';
    this.clusterNotFoundStatus = NOT_FOUND_CODES[nf] ?? 503;

    // Timeouts.
    this.timeoutMs = typeof act.timeout === 'number' ? act.timeout : 15000;
    this.idleTimeoutMs = typeof act.idle_timeout === 'number' ? act.idle_timeout : undefined;
    const msd = act.max_stream_duration as Canonical | undefined;
    this.maxStreamDurationMs = typeof msd?.max_stream_duration === 'number' ? msd.max_stream_duration : undefined;
    if (msd !== undefined) {
      this.grpcTimeoutHeaderMaxMs = typeof msd.grpc_timeout_header_max === 'number' ? msd.grpc_timeout_header_max : undefined;
      this.grpcTimeoutHeaderOffsetMs = typeof msd.grpc_timeout_header_offset === 'number' ? msd.grpc_timeout_header_offset : undefined;
    } else {
      // Deprecated RouteAction fields, used by Envoy only without max_stream_duration.
      this.grpcTimeoutHeaderMaxMs = typeof act.max_grpc_timeout === 'number' ? act.max_grpc_timeout : undefined;
      this.grpcTimeoutHeaderOffsetMs = typeof act.grpc_timeout_offset === 'number' ? act.grpc_timeout_offset : undefined;
    }

    // Policies.
    this.retryPolicy = act.retry_policy !== undefined ? compileRetryPolicy(act.retry_policy as Canonical, `${ap}.retry_policy`, sink) : vhost.retryPolicy;
    this.hashPolicies = Object.freeze(compileHashPolicies(act.hash_policy, `${ap}.hash_policy`, sink));
    const mirrors = compileMirrors(act.request_mirror_policies, `${ap}.request_mirror_policies`, sink);
    this.mirrorPolicies = mirrors.length > 0 ? Object.freeze(mirrors) : vhost.mirrors;
    const upList = (act.upgrade_configs as Canonical[] | undefined) ?? [];
    // Most routes have none: one shared empty map instead of ~180 bytes per route.
    const ups = upList.length === 0 ? NO_UPGRADES : new Map<string, UpgradeConfig>();
    upList.forEach((u, i) => {
      const type = String(u.upgrade_type ?? '').toLowerCase();
      if (ups.has(type)) sink.error(`${ap}.upgrade_configs[${i}]`, `Duplicate upgrade ${String(u.upgrade_type)}`);
      const connect = u.connect_config !== undefined;
      if (connect && type !== 'connect' && type !== 'connect-udp') sink.error(`${ap}.upgrade_configs[${i}].connect_config`, `Non-CONNECT upgrade type ${String(u.upgrade_type)} has ConnectConfig`);
      (ups as Map<string, UpgradeConfig>).set(type, Object.freeze({ enabled: u.enabled !== false, connectConfig: connect, allowPost: (u.connect_config as Canonical | undefined)?.allow_post === true }));
    });
    this.upgradeConfigs = ups;

    // Rewrites.
    this.prefixRewrite = typeof act.prefix_rewrite === 'string' && act.prefix_rewrite !== '' ? act.prefix_rewrite : undefined;
    this.regexRewrite = act.regex_rewrite !== undefined ? compileRewrite(act.regex_rewrite as Canonical, `${ap}.regex_rewrite`, sink) : undefined;
    if (this.prefixRewrite !== undefined && act.regex_rewrite !== undefined) sink.error(ap, 'Specify only one of prefix_rewrite, regex_rewrite or path_rewrite_policy');
    if (act.path_rewrite_policy !== undefined) sink.error(`${ap}.path_rewrite_policy`, 'path_rewrite_policy is not supported');
    this.hostLiteral = typeof act.host_rewrite_literal === 'string' && act.host_rewrite_literal !== '' ? act.host_rewrite_literal : undefined;
    this.hostHeader = typeof act.host_rewrite_header === 'string' && act.host_rewrite_header !== '' ? act.host_rewrite_header.toLowerCase() : undefined;
    this.hostPathRegex = act.host_rewrite_path_regex !== undefined ? compileRewrite(act.host_rewrite_path_regex as Canonical, `${ap}.host_rewrite_path_regex`, sink) : undefined;
    this.autoHostRewrite = act.auto_host_rewrite === true;
    this.appendXForwardedHost = act.append_x_forwarded_host === true;
    this.perRequestBufferLimitBytes = typeof r.per_request_buffer_limit_bytes === 'number' ? r.per_request_buffer_limit_bytes : vhost.perRequestBufferLimitBytes;
    this.corsPolicy = act.cors ?? vhost.cors;

    this.requestMutations = compileHeaderMutations(r, 'request', path, cfg.formatters, sink);
    this.responseMutations = compileHeaderMutations(r, 'response', path, cfg.formatters, sink);
    this.perFilter = compilePerFilter(r.typed_per_filter_config);
  }

  /** Entries to hand out: one per weighted cluster, else one. */
  buildEntries(path: string, sink: IssueSink): RouteEntryImpl[] {
    if (this.weighted === undefined) return [new RouteEntryImpl(this, undefined)];
    return this.weightedRaw.map((c, i) => {
      const p = `${path}.route.weighted_clusters.clusters[${i}]`;
      const f = this.vhost.config.formatters;
      const level: WeightedLevel = {
        choice: this.weighted!.clusters[i],
        requestMutations: compileHeaderMutations(c, 'request', p, f, sink),
        responseMutations: compileHeaderMutations(c, 'response', p, f, sink),
        perFilter: compilePerFilter(c.typed_per_filter_config),
        hostLiteral: typeof c.host_rewrite_literal === 'string' && c.host_rewrite_literal !== '' ? c.host_rewrite_literal : undefined,
      };
      return new RouteEntryImpl(this, level);
    });
  }
}

interface WeightedLevel {
  readonly choice: { readonly name: string | undefined; readonly clusterHeader: string | undefined };
  readonly requestMutations: HeaderMutations;
  readonly responseMutations: HeaderMutations;
  readonly perFilter: PerFilterMap | undefined;
  readonly hostLiteral: string | undefined;
}

function chain(wc: HeaderMutations | undefined, route: HeaderMutations, vhost: HeaderMutations, config: HeaderMutations, mostSpecificWins: boolean): readonly HeaderMutations[] {
  const levels = mostSpecificWins ? [config, vhost, route] : [route, vhost, config];
  if (wc !== undefined) levels.unshift(wc);
  return frozenList(levels.filter((m) => !m.isEmpty));
}

export class RouteEntryImpl implements RouteEntry {
  readonly routeName: string;
  readonly virtualHost: VirtualHostLevel;
  readonly kind: 'cluster' | 'redirect' | 'direct_response';
  readonly directResponse: DirectResponse | undefined;
  readonly clusterName: string | undefined;
  readonly clusterHeader: string | undefined;
  readonly weightedClusters: WeightedClusters | undefined;
  readonly clusterNotFoundStatus: number;
  readonly timeoutMs: number;
  readonly idleTimeoutMs: number | undefined;
  readonly maxStreamDurationMs: number | undefined;
  readonly grpcTimeoutHeaderMaxMs: number | undefined;
  readonly grpcTimeoutHeaderOffsetMs: number | undefined;
  readonly retryPolicy: RetryPolicy | undefined;
  readonly hashPolicies: readonly CompiledHashPolicy[];
  readonly mirrorPolicies: readonly MirrorPolicy[];
  readonly upgradeConfigs: ReadonlyMap<string, UpgradeConfig>;
  readonly includeRequestAttemptCount: boolean;
  readonly includeAttemptCountInResponse: boolean;
  readonly perRequestBufferLimitBytes: number | undefined;
  readonly corsPolicy: unknown;
  readonly autoHostRewrite: boolean;
  readonly appendXForwardedHost: boolean;
  private readonly requestChain: readonly HeaderMutations[];
  private readonly responseChain: readonly HeaderMutations[];
  /** Most specific first. */
  private readonly perFilterLevels: readonly PerFilterMap[];
  private readonly weightedHost: string | undefined;

  constructor(
    private readonly core: RouteCore,
    weighted: WeightedLevel | undefined,
  ) {
    const vh = core.vhost;
    const cfg = vh.config;
    this.routeName = core.routeName;
    this.virtualHost = vh;
    this.kind = core.kind;
    this.directResponse = core.directResponse;
    this.clusterName = weighted !== undefined ? weighted.choice.name : core.clusterName;
    this.clusterHeader = weighted !== undefined ? weighted.choice.clusterHeader : core.clusterHeader;
    this.weightedClusters = core.weighted;
    this.clusterNotFoundStatus = core.clusterNotFoundStatus;
    this.timeoutMs = core.timeoutMs;
    this.idleTimeoutMs = core.idleTimeoutMs;
    this.maxStreamDurationMs = core.maxStreamDurationMs;
    this.grpcTimeoutHeaderMaxMs = core.grpcTimeoutHeaderMaxMs;
    this.grpcTimeoutHeaderOffsetMs = core.grpcTimeoutHeaderOffsetMs;
    this.retryPolicy = core.retryPolicy;
    this.hashPolicies = core.hashPolicies;
    this.mirrorPolicies = core.mirrorPolicies;
    this.upgradeConfigs = core.upgradeConfigs;
    this.includeRequestAttemptCount = vh.includeRequestAttemptCount;
    this.includeAttemptCountInResponse = vh.includeAttemptCountInResponse;
    this.perRequestBufferLimitBytes = core.perRequestBufferLimitBytes;
    this.corsPolicy = core.corsPolicy;
    this.autoHostRewrite = core.autoHostRewrite;
    this.appendXForwardedHost = core.appendXForwardedHost;
    this.requestChain = chain(weighted?.requestMutations, core.requestMutations, vh.requestMutations, cfg.requestMutations, cfg.mostSpecificWins);
    this.responseChain = chain(weighted?.responseMutations, core.responseMutations, vh.responseMutations, cfg.responseMutations, cfg.mostSpecificWins);
    this.perFilterLevels = frozenList([weighted?.perFilter, core.perFilter, vh.perFilter, cfg.perFilter].filter((m): m is PerFilterMap => m !== undefined));
    this.weightedHost = weighted?.hostLiteral;
  }

  resolveCluster(headers: RouteHeaders): string | undefined {
    if (this.clusterName !== undefined) return this.clusterName;
    if (this.clusterHeader !== undefined) {
      // Only the first value: the header is untrusted input (Envoy does the same).
      const all = headers.getAll(this.clusterHeader);
      return all.length > 0 && all[0] !== '' ? all[0] : undefined;
    }
    return undefined;
  }

  hashKey(req: RouteRequest, downstreamRemoteIp?: string): bigint | undefined {
    if (this.hashPolicies.length === 0) return undefined;
    if (downstreamRemoteIp !== undefined && req.downstreamRemoteIp !== downstreamRemoteIp) {
      req = { method: req.method, authority: req.authority, path: req.path, scheme: req.scheme, headers: req.headers, downstreamRemoteIp };
    }
    return generateHash(this.hashPolicies, req);
  }

  upgradeEnabled(type: string): boolean | undefined {
    return this.upgradeConfigs.get(type)?.enabled;
  }

  rewritePath(path: string): string | undefined {
    const c = this.core;
    if (c.prefixRewrite !== undefined) {
      const n = c.shape.matchedLength < 0 ? pathEnd(path) : c.shape.matchedLength;
      return c.prefixRewrite + path.slice(n);
    }
    if (c.regexRewrite !== undefined) {
      const e = pathEnd(path);
      return c.regexRewrite.re.replaceAll(path.slice(0, e), c.regexRewrite.sub) + path.slice(e);
    }
    return undefined;
  }

  rewriteHost(req: RouteRequest): string | undefined {
    const c = this.core;
    let host: string | undefined;
    if (c.hostLiteral !== undefined) host = c.hostLiteral;
    else if (c.hostHeader !== undefined) host = req.headers.get(c.hostHeader);
    else if (c.hostPathRegex !== undefined) {
      const p = req.path.slice(0, pathEnd(req.path));
      host = c.hostPathRegex.re.replaceAll(p, c.hostPathRegex.sub);
    }
    // A weighted cluster's host_rewrite_literal applies first; the route's rewrite overrides it.
    if (host === undefined || host === '') return this.weightedHost;
    return host;
  }

  applyRequestHeaders(headers: HeaderMap, info: StreamInfo | undefined): void {
    const ch = this.requestChain;
    for (let i = 0; i < ch.length; i++) ch[i].apply(headers, info);
  }

  applyResponseHeaders(headers: HeaderMap, info: StreamInfo | undefined): void {
    const ch = this.responseChain;
    for (let i = 0; i < ch.length; i++) ch[i].apply(headers, info);
  }

  perFilterConfig(filterName: string): unknown {
    const l = this.perFilterLevels;
    for (let i = 0; i < l.length; i++) {
      const v = l[i].get(filterName);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  perFilterConfigs(filterName: string): readonly unknown[] {
    const out: unknown[] = [];
    const l = this.perFilterLevels;
    for (let i = l.length - 1; i >= 0; i--) {
      const v = l[i].get(filterName);
      if (v !== undefined) out.push(v);
    }
    return out;
  }
}
