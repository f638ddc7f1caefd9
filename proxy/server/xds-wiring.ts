// The proxy as an xDS client: built only when the bootstrap has dynamic_resources (main loads
// this module, and the client, only then). It owns the XdsClient, the CDS/EDS and LDS/RDS
// watchers, the xDS stats, and walks Envoy's initialization: clusters and their endpoints first
// (CDS warming, bounded by initial_fetch_timeout; 0 waits forever), then listeners and routes.
import type { Canonical } from '../config/canonical';
import { xdsCodec } from '../config/xds-codec';
import { getLogger } from '../common/logger';
import type { Counter } from '../stats/types';
import { XdsClient, XdsCodec } from '../../xds-client';
import { CLUSTER, LISTENER, SECRET } from '../../xds-client/type-urls';
import type { DataPlane } from './data-plane';
import type { Server } from './server';
import { ClusterWatchers } from './xds-cluster-watchers';
import { ListenerWatchers } from './xds-listener-watchers';
import { xdsDumps, AnyEncoder } from './xds-config-dump';
import type { DynamicDumps } from './config-dump';

const log = getLogger('config');

/** True when the bootstrap asks for any xDS at all. */
export function hasDynamicResources(bootstrap: Canonical): boolean {
  const d = bootstrap.dynamic_resources as Canonical | undefined;
  return d !== undefined && (d.ads_config !== undefined || d.cds_config !== undefined || d.lds_config !== undefined);
}

interface TypeStats {
  readonly attempt: Counter;
  readonly success: Counter;
  readonly rejected: Counter;
}

export class XdsWiring {
  readonly client: XdsClient;
  readonly clusters: ClusterWatchers;
  readonly listeners: ListenerWatchers;
  private readonly dyn: Canonical;
  private readonly typeStats = new Map<string, TypeStats>();

  constructor(private readonly server: Server, private readonly dataPlane: DataPlane) {
    const snap = server.snapshot;
    this.dyn = (snap.bootstrap.dynamic_resources as Canonical | undefined) ?? {};
    this.client = new XdsClient({
      node: snap.node,
      adsConfig: this.dyn.ads_config as Canonical | undefined,
      clusters: snap.staticClusters,
      codec: xdsCodec(server.schema, { rejectUnknownFields: server.options.rejectUnknownDynamicFields }) as XdsCodec,
      logger: log,
    });
    this.clusters = new ClusterWatchers(dataPlane.clusterManager, this.client);
    this.listeners = new ListenerWatchers(dataPlane.listenerManager, dataPlane.routes, this.client);
    // SDS is not implemented yet: say so in the NACK rather than pretend to serve secrets.
    this.client.setWatcher(SECRET, {
      onUpdate: (u) => ({ rejected: u.updated.map((r) => ({ name: r.name, path: '', message: 'SDS is not supported by tsenvoy yet' })) }),
      onResourceDoesNotExist: () => undefined,
    });
    this.wireStats();
  }

  private wireStats(): void {
    const s = this.server.serverStats;
    const root = this.server.stats;
    this.typeStats.set(CLUSTER, { attempt: root.counter('cluster_manager.cds.update_attempt'), success: s.cdsUpdateSuccess, rejected: s.cdsUpdateRejected });
    this.typeStats.set(LISTENER, { attempt: root.counter('listener_manager.lds.update_attempt'), success: s.ldsUpdateSuccess, rejected: s.ldsUpdateRejected });
    this.client.on('connected', () => s.controlPlaneConnected.set(1));
    this.client.on('disconnected', () => s.controlPlaneConnected.set(0));
    this.client.on('update', (e) => {
      const t = this.typeStats.get(e.typeUrl);
      if (!t) return;
      t.attempt.inc();
      (e.outcome === 'accepted' ? t.success : t.rejected).inc();
      if (e.outcome === 'rejected') log.warn('xds: %s update %s rejected: %s', e.typeUrl, e.versionInfo, e.detail ?? '');
    });
  }

  /** A static listener's HCM names an RDS route configuration. */
  pinRoute(name: string, configSource: Canonical | undefined): void {
    this.listeners.pinRoute(name, configSource);
  }

  /**
   * Phase 1: CDS and the EDS of its clusters. Resolves once the first CDS response is applied and
   * every cluster it added has warmed (its assignment came or was declared missing).
   */
  async initializeClusters(): Promise<void> {
    this.clusters.watchStaticEds(this.server.snapshot.staticClusters);
    const cds = this.dyn.cds_config as Canonical | undefined;
    if (cds) this.clusters.start(cds);
    this.client.start();
    if (cds) {
      await this.clusters.firstCds;
      await this.dataPlane.clusterManager.initialize();
    }
  }

  /** Phase 2: LDS and the RDS its listeners name. */
  async initializeListeners(): Promise<void> {
    const lds = this.dyn.lds_config as Canonical | undefined;
    if (!lds) return;
    this.listeners.start(lds);
    await this.listeners.initialized();
  }

  dumps(any: AnyEncoder): DynamicDumps {
    return xdsDumps(this, this.dataPlane, any);
  }

  /** Versions of a type as the client holds them (config_dump's top-level version_info). */
  versionOf(typeUrl: string): string {
    return this.client.typeStatus(typeUrl).find((s) => s.versionInfo)?.versionInfo ?? '';
  }

  close(): void {
    this.client.close();
  }
}

