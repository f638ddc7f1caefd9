// The proxy as an xDS client: built only when the bootstrap has dynamic_resources (main loads
// this module, and the client, only then). It owns the XdsClient, the CDS/EDS and LDS/RDS
// watchers, the xDS stats, and walks Envoy's initialization: clusters and their endpoints first
// (CDS warming, bounded by initial_fetch_timeout; 0 waits forever), then listeners and routes.
import type { Canonical } from '../config/canonical';
import { xdsCodec } from '../config/xds-codec';
import { getLogger } from '../common/logger';
import type { Counter, Gauge, Histogram, StatsScope, TextReadout } from '../stats/types';
import { xxHash64 } from '../router/xxhash64';
import { XdsClient, XdsCodec } from '../../xds-client';
import { CLUSTER, LISTENER } from '../../xds-client/type-urls';
import type { DataPlane } from './data-plane';
import type { Server } from './server';
import { ClusterWatchers } from './xds-cluster-watchers';
import { ListenerWatchers } from './xds-listener-watchers';
import { SdsRef, SecretWatchers, sdsRefsOfCluster, sdsRefsOfListener } from './xds-secret-watchers';
import { holdYoungGeneration, releaseYoungGeneration } from './young-generation';
import { xdsDumps, AnyEncoder } from './xds-config-dump';
import type { DynamicDumps } from './config-dump';

const log = getLogger('config');

/** True when the bootstrap asks for any xDS at all. */
export function hasDynamicResources(bootstrap: Canonical): boolean {
  const d = bootstrap.dynamic_resources as Canonical | undefined;
  return d !== undefined && (d.ads_config !== undefined || d.cds_config !== undefined || d.lds_config !== undefined);
}

/** Envoy's ALL_SUBSCRIPTION_STATS for one subscription (`cluster_manager.cds.`, `listener_manager.lds.`). */
interface TypeStats {
  readonly attempt: Counter;
  readonly success: Counter;
  readonly rejected: Counter;
  readonly failure: Counter;
  readonly initFetchTimeout: Counter;
  /** ms since the epoch of the last accepted update. */
  readonly updateTime: Gauge;
  /** A hash of the accepted version_info (see versionHash). */
  readonly version: Gauge;
  readonly versionText: TextReadout;
  readonly updateDuration: Histogram;
}

function subscriptionStats(root: StatsScope, prefix: string, attempt: Counter, success: Counter, rejected: Counter): TypeStats {
  return {
    attempt,
    success,
    rejected,
    failure: root.counter(`${prefix}update_failure`),
    initFetchTimeout: root.counter(`${prefix}init_fetch_timeout`),
    updateTime: root.gauge(`${prefix}update_time`),
    version: root.gauge(`${prefix}version`),
    versionText: root.textReadout(`${prefix}version_text`),
    updateDuration: root.histogram(`${prefix}update_duration`),
  };
}

/**
 * Envoy's `version` gauge is the uint64 xxHash64 of version_info; gauges here are doubles, so the
 * low 53 bits are kept: an exact integer that changes when the version does (which is what it
 * is read for), though not the same number Envoy prints.
 */
function versionHash(versionInfo: string): number {
  return Number(xxHash64(versionInfo) & ((1n << 53n) - 1n));
}

export class XdsWiring {
  readonly client: XdsClient;
  readonly clusters: ClusterWatchers;
  readonly listeners: ListenerWatchers;
  private readonly secrets: SecretWatchers;
  /** SDS secret names the bootstrap's clusters and listeners hold for good. */
  private staticClusterSecrets: string[] = [];
  private staticListenerSecrets: string[] = [];
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
    this.secrets = new SecretWatchers(this.client);
    this.clusters = new ClusterWatchers(dataPlane.clusterManager, this.client, this.secrets);
    this.listeners = new ListenerWatchers(dataPlane.listenerManager, dataPlane.routes, this.client, this.secrets);
    this.wireStats();
  }

  private wireStats(): void {
    const s = this.server.serverStats;
    const root = this.server.stats;
    this.typeStats.set(CLUSTER, subscriptionStats(root, 'cluster_manager.cds.', root.counter('cluster_manager.cds.update_attempt'), s.cdsUpdateSuccess, s.cdsUpdateRejected));
    this.typeStats.set(LISTENER, subscriptionStats(root, 'listener_manager.lds.', root.counter('listener_manager.lds.update_attempt'), s.ldsUpdateSuccess, s.ldsUpdateRejected));
    // Envoy's ALL_CONTROL_PLANE_STATS: tsenvoy does no request rate limiting (pending_requests
    // stays 0, rate_limit_enforced never moves); identifier is the server's control_plane.identifier.
    root.counter('control_plane.rate_limit_enforced');
    root.gauge('control_plane.pending_requests');
    root.textReadout('control_plane.identifier');
    this.client.on('connected', () => s.controlPlaneConnected.set(1));
    // While responses are decoded and applied, V8's young generation is held at its size (young-generation.ts).
    this.client.on('busy', (busy) => (busy ? holdYoungGeneration() : releaseYoungGeneration()));
    this.client.on('disconnected', () => {
      s.controlPlaneConnected.set(0);
      // Envoy: a lost stream is a failed update attempt of every subscription on it.
      for (const t of this.typeStats.values()) {
        t.attempt.inc();
        t.failure.inc();
      }
    });
    this.client.on('does-not-exist', (e) => {
      const t = this.typeStats.get(e.typeUrl);
      t?.attempt.inc();
      t?.initFetchTimeout.inc();
    });
    this.client.on('update', (e) => {
      const t = this.typeStats.get(e.typeUrl);
      if (!t) return;
      t.attempt.inc();
      if (e.outcome === 'accepted') {
        t.success.inc();
        t.updateTime.set(Date.now());
        t.version.set(versionHash(e.versionInfo));
        t.versionText.set(e.versionInfo);
        t.updateDuration.recordValue(e.durationMs);
      } else {
        t.rejected.inc();
        log.warn('xds: %s update %s rejected: %s', e.typeUrl, e.versionInfo, e.detail ?? '');
        // Envoy's CdsApiImpl/LdsApiImpl::onConfigUpdateFailed: a rejected update (even one that
        // did not decode, which no watcher sees) ends the wait for the first response.
        if (e.typeUrl === CLUSTER) this.clusters.onRejected();
        else if (e.typeUrl === LISTENER) this.listeners.onRejected();
      }
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
    const snap = this.server.snapshot;
    this.clusters.watchStaticEds(snap.staticClusters);
    // Bootstrap listeners and clusters that name SDS secrets hold them for good; start-up waits
    // for them as Envoy's init manager does (clusters here, listeners before LDS).
    this.staticClusterSecrets = this.pinSecrets(snap.staticClusters.flatMap((c) => sdsRefsOfCluster(c)));
    this.staticListenerSecrets = this.pinSecrets(snap.staticListeners.flatMap((l) => sdsRefsOfListener(l)));
    const cds = this.dyn.cds_config as Canonical | undefined;
    if (cds) this.clusters.start(cds);
    this.client.start();
    const cm = this.dataPlane.clusterManager;
    if (cds) {
      await this.clusters.firstCds;
      await cm.initialize();
    } else {
      // Static clusters (and their EDS) warm as without xDS, with the same bound.
      await cm.initialize(15_000);
    }
    await this.secrets.whenReady(this.staticClusterSecrets);
  }

  private pinSecrets(refs: readonly SdsRef[]): string[] {
    const names: string[] = [];
    for (const r of refs) {
      if (names.includes(r.name)) continue;
      names.push(r.name);
      this.secrets.ref(r);
    }
    return names;
  }

  /** Phase 2: LDS and the RDS its listeners name. */
  async initializeListeners(): Promise<void> {
    await this.secrets.whenReady(this.staticListenerSecrets);
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

