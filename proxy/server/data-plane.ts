// The data plane as the server sees it: the cluster manager, the listener manager and what the
// network filters need from the server (access-log manager, route sources), built from the
// bootstrap; started after the admin API and stopped before it.
import { Canonical } from '../config/canonical';
import { ConfigIssue } from '../config/result';
import type { AdminClusterView, AdminListenerView } from '../../admin/admin-target';
import { AccessLogManager } from '../http/access-log/log-writer';
import type { HcmConfig } from '../http/hcm-config';
import type { RouteSource } from '../http/route-view';
import { ListenerManager } from '../listener/listener-manager';
import { enablesInternalListeners } from '../listener/listener-config';
import type { NetworkFilterContext } from '../network/types';
import { buildRouteTable } from '../router/route-table';
import { http1PoolFactory } from '../upstream/http1-pool';
import { ClusterManagerImpl } from '../upstream/cluster-manager';
import { getLogger } from '../common/logger';
import type { DynamicDumps } from './config-dump';
import { RdsRouteSources } from './rds-route-sources';
import type { Server } from './server';
import type { XdsWiring } from './xds-wiring';

const log = getLogger('main');

export class DataPlane {
  readonly clusterManager: ClusterManagerImpl;
  readonly listenerManager: ListenerManager;
  readonly accessLogs: AccessLogManager;
  readonly routes = new RdsRouteSources();
  /** The xDS client and its watchers; only when the bootstrap has dynamic_resources. */
  readonly xds: XdsWiring | undefined;

  constructor(private readonly server: Server) {
    this.accessLogs = new AccessLogManager({ flushIntervalMs: server.options.fileFlushIntervalMsec });
    this.clusterManager = new ClusterManagerImpl({
      stats: server.stats,
      pools: { http1: http1PoolFactory },
      registry: server.registry,
    });
    const filterContext: NetworkFilterContext = {
      registry: server.registry,
      stats: server.stats,
      clusterManager: this.clusterManager,
      accessLogManager: this.accessLogs,
      routeSourceFor: (spec: HcmConfig['routeSpecifier']): RouteSource => this.routeSourceFor(spec),
    };
    this.listenerManager = new ListenerManager({
      registry: server.registry,
      stats: server.stats,
      filterContext,
      drainTimeMs: server.options.drainTimeS * 1000,
      internalListeners: enablesInternalListeners(server.snapshot.bootstrap),
    });
    const dyn = server.snapshot.bootstrap.dynamic_resources as Canonical | undefined;
    if (dyn && (dyn.ads_config !== undefined || dyn.cds_config !== undefined || dyn.lds_config !== undefined)) {
      // Required here, not imported: a bootstrap without xDS never loads the client or gRPC.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { XdsWiring } = require('./xds-wiring') as typeof import('./xds-wiring');
      this.xds = new XdsWiring(server, this);
    }
  }

  /** An inline route_config becomes its own table; an RDS name a source the xDS client keeps current. */
  private routeSourceFor(spec: HcmConfig['routeSpecifier']): RouteSource {
    if (spec.kind === 'inline') {
      const r = buildRouteTable(spec.config);
      if (!r.ok) throw new Error(r.errors.map((e) => `route_config.${e.path}: ${e.message}`).join('\n'));
      return r.value;
    }
    if (spec.kind === 'rds') {
      this.xds?.pinRoute(spec.name, spec.configSource);
      return this.routes.source(spec.name);
    }
    throw new Error('scoped_routes are not supported yet: use route_config or rds');
  }

  /** --mode validate: every static cluster and listener is built as serve mode would, nothing bound. */
  validate(): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    this.server.snapshot.staticClusters.forEach((c, i) => {
      const r = this.clusterManager.parse(c, `static_resources.clusters[${i}]`);
      if (!r.ok) issues.push(...r.errors);
    });
    this.server.snapshot.staticListeners.forEach((l, i) => {
      for (const e of ListenerManager.validate(l)) issues.push({ path: `static_resources.listeners[${i}].${e.path}`, message: e.message });
    });
    return issues;
  }

  async start(): Promise<void> {
    const snap = this.server.snapshot;
    const cIssues = this.clusterManager.addStaticClusters(snap.staticClusters);
    if (cIssues.length) throw new StartupError(cIssues);
    // Envoy's order: static clusters, then CDS and its EDS (clusters warm), then listeners.
    // Without xDS, static EDS clusters nobody feeds wait at most 15 s.
    if (this.xds) await this.xds.initializeClusters();
    else await this.clusterManager.initialize(15_000);
    const lIssues: ConfigIssue[] = [];
    for (let i = 0; i < snap.staticListeners.length; i++) {
      const r = await this.listenerManager.addOrUpdateListener(snap.staticListeners[i], { addedViaApi: false });
      if (!r.ok) lIssues.push(...r.errors.map((e) => ({ path: `static_resources.listeners[${i}].${e.path}`, message: e.message })));
    }
    if (lIssues.length) throw new StartupError(lIssues);
    if (this.xds) await this.xds.initializeListeners();
    this.listenerManager.startWorkers();
    for (const l of this.listenerManager.adminListeners()) {
      for (const a of l.addresses) if (a.kind === 'socket') log.info('listener %s on %s:%d', l.name, a.address, a.port);
    }
  }

  async stop(): Promise<void> {
    this.xds?.close();
    await this.listenerManager.stop();
    this.clusterManager.shutdown(true);
    this.accessLogs.flushAllSync();
  }

  activeConnections(): number {
    // The global downstream connection count the listener manager keeps for its limits.
    return (this.listenerManager as unknown as { deps: { global: { active: number } } }).deps.global.active;
  }

  listeners(): AdminListenerView[] {
    return this.listenerManager.adminListeners();
  }

  clusters(): AdminClusterView[] {
    return this.clusterManager.adminClusters();
  }

  /** xDS-delivered resources for /config_dump, encoded with the builder's `any`. */
  dynamicDumps(any: (type: string, value: unknown) => object): DynamicDumps {
    if (this.xds) return this.xds.dumps(any);
    return {};
  }

  async drainListeners(opts: { inboundOnly: boolean; graceful: boolean }): Promise<void> {
    await this.listenerManager.drainListeners(opts);
  }

  staticListeners(): readonly Canonical[] {
    return this.server.snapshot.staticListeners;
  }
}

/** A static resource that validated but could not be built or bound (e.g. a port in use). */
export class StartupError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n'));
    this.name = 'StartupError';
  }
}
