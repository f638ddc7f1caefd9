// The route table: a RouteConfiguration (from RDS or an HCM's inline route_config) validated and
// compiled into an immutable RouteTable (contract in types.ts). Every issue is reported with its
// field path; the table is only built when there are none. route() picks the virtual host, walks
// its routes in order (first match wins), and returns a pre-built RouteEntry. It also serves the
// connection manager as its RouteSource (http/route-view.ts).
import { exactArray } from '../common/exact-array';
import type { Canonical } from '../config/canonical';
import type { SliceClock } from '../common/slice-clock';
import { IssueSink, Result } from '../config/result';
import type { RequestHead } from '../http/filter-types';
import type { RouteSource } from '../http/route-view';
import type { DownstreamConnectionInfo } from '../http/stream-info';
import { defaultHeaderFormatterFactory } from './route-header-formatter';
import { RouteCore, RouteEntryImpl } from './route-entry';
import { ConfigLevel, VirtualHostLevel } from './route-levels';
import { compileRouteMatch, MatchContext, RouteMatcher } from './route-matcher';
import type { RouteEntry, RouteRequest, RouteTable, RouteTableOptions, VirtualHostInfo } from './types';
import { VirtualHostMap } from './virtual-host-map';
import { CompiledWeightedClusters, toUint32 } from './weighted-clusters';

class CompiledRoute {
  constructor(
    readonly matcher: RouteMatcher,
    private readonly entries: readonly RouteEntryImpl[],
    private readonly weighted: CompiledWeightedClusters | undefined,
  ) {}
  select(req: RouteRequest, r: number): RouteEntryImpl {
    return this.weighted === undefined ? this.entries[0] : this.entries[this.weighted.pickIndex(r, req.headers)];
  }
}

class CompiledVirtualHost {
  constructor(
    readonly info: VirtualHostLevel,
    readonly routes: readonly CompiledRoute[],
  ) {}
}

export class RouteTableImpl implements RouteTable, RouteSource {
  private readonly ctx: MatchContext;
  constructor(
    readonly name: string,
    private readonly hosts: VirtualHostMap<CompiledVirtualHost>,
    /** RouteConfiguration.internal_only_headers (lower-case): the HCM strips them from external requests. */
    readonly internalOnlyHeaders: readonly string[],
    ignorePathParams: boolean,
  ) {
    this.ctx = new MatchContext(ignorePathParams);
  }

  route(req: RouteRequest, random: number): RouteEntry | undefined {
    const vh = this.hosts.find(req.authority);
    if (vh === undefined) return undefined;
    const ctx = this.ctx;
    ctx.reset(req);
    const r = toUint32(random);
    const routes = vh.routes;
    for (let i = 0; i < routes.length; i++) {
      const rt = routes[i];
      if (rt.matcher.matches(req, ctx, r)) return rt.select(req, r);
    }
    return undefined;
  }

  virtualHost(authority: string): VirtualHostInfo | undefined {
    return this.hosts.find(authority)?.info;
  }

  /** RouteSource for the connection manager. */
  match(request: RequestHead, _connection: DownstreamConnectionInfo, randomValue: number): RouteEntry | undefined {
    return this.route(request, randomValue);
  }
}

/** Compiles a RouteConfiguration one virtual host at a time, so a big one can be built in slices. */
class RouteTableBuilder {
  private readonly sink = new IssueSink();
  private readonly name: string;
  private readonly cfg: ConfigLevel;
  private readonly hosts: VirtualHostMap<CompiledVirtualHost>;
  readonly vhosts: readonly Canonical[];

  constructor(private readonly config: Canonical, options: RouteTableOptions) {
    const sink = this.sink;
    this.name = typeof config.name === 'string' ? config.name : '';
    this.cfg = new ConfigLevel(config, options.formatterFactory ?? defaultHeaderFormatterFactory, sink);
    this.hosts = new VirtualHostMap<CompiledVirtualHost>(this.name, config.ignore_port_in_host_matching === true || options.stripAnyHostPort === true);
    if (config.vhds !== undefined) sink.error('vhds', 'VHDS is not supported');
    if (((config.cluster_specifier_plugins as unknown[] | undefined) ?? []).length > 0) sink.error('cluster_specifier_plugins', 'cluster specifier plugins are not supported');
    this.vhosts = (config.virtual_hosts as Canonical[] | undefined) ?? [];
  }

  addVirtualHost(vi: number): void {
    const sink = this.sink;
    const v = this.vhosts[vi];
    const vp = `virtual_hosts[${vi}]`;
    const info = new VirtualHostLevel(v, this.cfg, vp, sink);
    if (v.matcher !== undefined) sink.error(`${vp}.matcher`, 'the virtual host matcher tree is not supported; use routes');
    if (v.require_tls !== undefined && v.require_tls !== 'NONE') sink.error(`${vp}.require_tls`, 'require_tls is not supported');
    const routes: CompiledRoute[] = [];
    ((v.routes as Canonical[] | undefined) ?? []).forEach((r, ri) => {
      const rp = `${vp}.routes[${ri}]`;
      const matcher = compileRouteMatch((r.match ?? {}) as Canonical, `${rp}.match`, sink);
      if (matcher === undefined) return;
      const core = new RouteCore(r, info, { matchedLength: matcher.matchedLength }, rp, sink);
      routes.push(new CompiledRoute(matcher, Object.freeze(core.buildEntries(rp, sink)), core.weighted));
    });
    const compiled = new CompiledVirtualHost(info, Object.freeze(exactArray(routes)));
    const domains = (v.domains as string[] | undefined) ?? [];
    if (domains.length === 0) sink.error(`${vp}.domains`, 'at least one domain is required');
    domains.forEach((d, di) => this.hosts.add(String(d), compiled, `${vp}.domains[${di}]`, sink));
  }

  finish(): Result<RouteTableImpl> {
    const config = this.config;
    const internal = ((config.internal_only_headers as string[] | undefined) ?? []).map((h) => h.toLowerCase());
    return this.sink.result(new RouteTableImpl(this.name, this.hosts, Object.freeze(internal), config.ignore_path_parameters_in_path_matching === true));
  }
}

/** Compiles a decoded envoy.config.route.v3.RouteConfiguration. */
export function buildRouteTable(config: Canonical, options: RouteTableOptions = {}): Result<RouteTableImpl> {
  const b = new RouteTableBuilder(config, options);
  for (let i = 0; i < b.vhosts.length; i++) b.addVirtualHost(i);
  return b.finish();
}

/**
 * buildRouteTable in slices (an RDS update with thousands of virtual hosts): yields to the event
 * loop between virtual hosts when the clock's slice is used up. Nothing serves the table until
 * it is whole.
 */
export async function buildRouteTableSliced(config: Canonical, clock: SliceClock, options: RouteTableOptions = {}): Promise<Result<RouteTableImpl>> {
  const b = new RouteTableBuilder(config, options);
  for (let i = 0; i < b.vhosts.length; i++) {
    b.addVirtualHost(i);
    if (clock.due()) await clock.yield();
  }
  return b.finish();
}

/**
 * The route table of an HCM (envoy.extensions.filters.network.http_connection_manager.v3.
 * HttpConnectionManager, canonical) with an inline route_config; issue paths start at
 * `route_config.`. An HCM using RDS has no inline table: that is reported as an error here.
 */
export function buildRouteTableFromHcm(hcm: Canonical, options: RouteTableOptions = {}): Result<RouteTableImpl> {
  const rc = hcm.route_config as Canonical | undefined;
  if (rc === undefined) {
    const what = hcm.rds !== undefined ? 'uses RDS' : hcm.scoped_routes !== undefined ? 'uses scoped routes' : 'has no route_config';
    return { ok: false, errors: [{ path: 'route_config', message: `the connection manager ${what}; no inline route table` }], warnings: [] };
  }
  const opts: RouteTableOptions = { ...options, stripAnyHostPort: options.stripAnyHostPort ?? false };
  const r = buildRouteTable(rc, opts);
  const prefix = (i: { path: string; message: string }) => ({ path: i.path ? `route_config.${i.path}` : 'route_config', message: i.message });
  if (!r.ok) return { ok: false, errors: r.errors.map(prefix), warnings: r.warnings.map(prefix) };
  return { ok: true, value: r.value, warnings: r.warnings.map(prefix) };
}
