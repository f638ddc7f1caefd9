// The cluster manager: owns clusters by name. Static (bootstrap) clusters are active at once and
// `initialize()` waits for their first hosts and health checks; clusters added through the API
// (CDS) warm first and replace the serving version only when ready, as Envoy does. An update
// whose config is unchanged does nothing; one that keeps every setting ClusterInfo depends on
// keeps the ClusterInfo and the hosts (pools, stats, health) of addresses that stay.
import type { Canonical } from '../config/canonical';
import type { KeptValue } from '../config/kept-value';
import { NameIndex } from '../common/name-index';
import { ConfigIssue, IssueSink, Result } from '../config/result';
import type { ExtensionRegistry } from '../registry/registry';
import type { Counter, Gauge, StatsScope } from '../stats/types';
import { NULL_COUNTER, NULL_GAUGE } from '../stats/null-stats';
import type { AdminClusterView } from '../../admin/admin-target';
import { clusterAdminView } from './cluster-admin-view';
import { ClusterConfig, clusterCanonical, clusterChange, parseCluster } from './cluster-config';
import { startDiscovery } from './cluster-discovery';
import { ClusterImpl, PoolFactories } from './cluster-impl';
import { ClusterInfoImpl } from './cluster-info';
import type { ClusterManager } from './types';

export interface ClusterManagerOptions {
  /** The stats store (cluster scopes are `cluster.<name>.`, manager stats `cluster_manager.*`). */
  readonly stats?: StatsScope;
  readonly pools: PoolFactories;
  /** Decides whether `cluster_type` extensions are known. */
  readonly registry?: ExtensionRegistry;
  /** Bootstrap enable_deferred_creation_stats: traffic stats appear on a cluster's first use. */
  readonly deferredStats?: boolean;
}

export interface AddClusterOptions {
  /** CDS clusters: true (they warm before serving). Bootstrap clusters: false. */
  readonly addedViaApi?: boolean;
  readonly versionInfo?: string;
  /** Warming also waits for this (the SDS secrets its transport sockets name). */
  readonly initTarget?: Promise<void>;
}

export type AddClusterResult = 'added' | 'updated' | 'unchanged';

export interface ClusterDumpEntry {
  readonly cluster: Canonical;
  readonly versionInfo: string;
  /** Epoch milliseconds. */
  readonly lastUpdated: number;
}

class ManagerStats {
  readonly cluster_added: Counter;
  readonly cluster_modified: Counter;
  readonly cluster_removed: Counter;
  readonly cluster_updated: Counter;
  readonly cluster_updated_via_merge: Counter;
  readonly update_merge_cancelled: Counter;
  readonly update_out_of_merge_window: Counter;
  readonly active_clusters: Gauge;
  readonly warming_clusters: Gauge;
  constructor(root: StatsScope | undefined) {
    const c = (n: string): Counter => (root ? root.counter(`cluster_manager.${n}`) : NULL_COUNTER);
    const g = (n: string): Gauge => (root ? root.gauge(`cluster_manager.${n}`) : NULL_GAUGE);
    this.cluster_added = c('cluster_added');
    this.cluster_modified = c('cluster_modified');
    this.cluster_removed = c('cluster_removed');
    this.cluster_updated = c('cluster_updated');
    this.cluster_updated_via_merge = c('cluster_updated_via_merge');
    this.update_merge_cancelled = c('update_merge_cancelled');
    this.update_out_of_merge_window = c('update_out_of_merge_window');
    this.active_clusters = g('active_clusters');
    this.warming_clusters = g('warming_clusters');
  }
}

export class ClusterManagerImpl implements ClusterManager {
  private readonly active = new Map<string, ClusterImpl>();
  private readonly warming = new Map<string, ClusterImpl>();
  /**
   * EDS service name -> names of clusters that used it, so an assignment finds its clusters
   * without scanning all of them (10,000 assignments x 10,000 clusters). Entries are added with a
   * cluster and pruned when found stale; updateEndpoints still checks each candidate.
   */
  private readonly byEdsName = new NameIndex();
  private readonly stats: ManagerStats;
  private closed = false;

  constructor(private readonly options: ClusterManagerOptions) {
    this.stats = new ManagerStats(options.stats);
  }

  /** The router's and tcp_proxy's lookup: active clusters only. */
  get(name: string): ClusterImpl | undefined {
    return this.active.get(name);
  }

  /** Active, else warming (for EDS updates that a warming cluster waits for). */
  find(name: string): ClusterImpl | undefined {
    return this.active.get(name) ?? this.warming.get(name);
  }

  has(name: string): boolean {
    return this.active.has(name) || this.warming.has(name);
  }

  activeClusters(): IterableIterator<ClusterImpl> {
    return this.active.values();
  }

  warmingClusters(): IterableIterator<ClusterImpl> {
    return this.warming.values();
  }

  get size(): number {
    return this.active.size;
  }

  /** Validates a canonical Cluster with this manager's registry. */
  parse(c: Canonical, path: string, kept?: KeptValue): Result<ClusterConfig> {
    return parseCluster(c, path, this.options.registry, kept);
  }

  /** Validates and adds every bootstrap cluster; returns all issues (nothing is added on error). */
  addStaticClusters(list: readonly Canonical[], basePath = 'static_resources.clusters'): ConfigIssue[] {
    const sink = new IssueSink();
    const configs: ClusterConfig[] = [];
    const seen = new Set<string>();
    list.forEach((c, i) => {
      const r = this.parse(c, `${basePath}[${i}]`);
      for (const w of r.warnings) sink.warn(w.path, w.message);
      if (!r.ok) {
        for (const e of r.errors) sink.error(e.path, e.message);
        return;
      }
      if (seen.has(r.value.name)) sink.error(`${basePath}[${i}].name`, `cluster manager: duplicate cluster '${r.value.name}'`);
      seen.add(r.value.name);
      configs.push(r.value);
    });
    if (sink.errors.length > 0) return sink.errors;
    for (const cfg of configs) this.addOrUpdateCluster(cfg, { addedViaApi: false });
    return [];
  }

  /** Adds or replaces a cluster by name (CDS). */
  addOrUpdateCluster(cfg: ClusterConfig, opts: AddClusterOptions = {}): AddClusterResult {
    if (this.closed) throw new Error('cluster manager is shut down');
    const viaApi = opts.addedViaApi === true;
    const current = this.warming.get(cfg.name) ?? this.active.get(cfg.name);
    const change = current === undefined ? 'new-info' : clusterChange(current.config, current.info.builtFrom, cfg);
    if (change === 'none') return 'unchanged';
    const shared = current !== undefined && change === 'keep-info';
    const info = shared ? current.info : new ClusterInfoImpl(cfg, this.options.stats, this.options.deferredStats === true);
    // Hosts (and their pools) move to the new version only when the ClusterInfo is shared.
    if (shared) current.handOver();
    const cluster = new ClusterImpl(cfg, info, this.options.pools, shared ? current : undefined);
    cluster.addedViaApi = viaApi;
    cluster.versionInfo = opts.versionInfo ?? '';
    if (cfg.type === 'EDS') {
      const eds = cfg.edsServiceName ?? cfg.name;
      this.byEdsName.add(eds, cfg.name);
    }
    if (opts.initTarget) cluster.holdInitFor(opts.initTarget);
    cluster.start();
    cluster.discovery = startDiscovery(cluster);
    if (current === undefined) this.stats.cluster_added.inc();
    else this.stats.cluster_modified.inc();

    if (!viaApi) {
      this.retire(this.active.get(cfg.name), cluster);
      this.active.set(cfg.name, cluster);
    } else {
      const prevWarming = this.warming.get(cfg.name);
      if (prevWarming !== undefined) this.retire(prevWarming, cluster);
      this.warming.set(cfg.name, cluster);
      // Initialized already (a STATIC cluster with no health checks): active now, as in Envoy.
      if (cluster.isInitialized) this.finishWarming(cluster);
      else cluster.onInitialized = this.warmed;
    }
    this.updateGauges();
    return current === undefined ? 'added' : 'updated';
  }

  private readonly warmed = (cluster: ClusterImpl): void => this.finishWarming(cluster);

  private finishWarming(cluster: ClusterImpl): void {
    if (this.warming.get(cluster.name) !== cluster) return;
    this.warming.delete(cluster.name);
    this.retire(this.active.get(cluster.name), cluster);
    this.active.set(cluster.name, cluster);
    this.stats.cluster_updated.inc();
    this.updateGauges();
  }

  /** Stops a cluster that `replacement` (if any) supersedes; releases its stats if not shared. */
  private retire(old: ClusterImpl | undefined, replacement: ClusterImpl | undefined): void {
    if (old === undefined || old === replacement) return;
    old.shutdown();
    if (replacement === undefined || replacement.info !== old.info) old.info.release();
  }

  removeCluster(name: string): boolean {
    const a = this.active.get(name);
    const w = this.warming.get(name);
    if (a === undefined && w === undefined) return false;
    this.active.delete(name);
    this.warming.delete(name);
    for (const c of [a, w]) {
      if (c?.config.type !== 'EDS') continue;
      const eds = c.config.edsServiceName ?? c.config.name;
      this.byEdsName.delete(eds, name);
    }
    w?.shutdown();
    a?.shutdown();
    w?.info.release();
    if (a !== undefined && a.info !== w?.info) a.info.release();
    this.stats.cluster_removed.inc();
    this.updateGauges();
    return true;
  }

  /**
   * EDS: applies a ClusterLoadAssignment to the cluster whose EDS service name (or, without one,
   * cluster name) is `cla.cluster_name`. Returns the errors of an invalid assignment.
   */
  updateEndpoints(cla: Canonical, path = ''): Result<number> {
    const name = String(cla.cluster_name ?? '');
    let applied = 0;
    const issues: ConfigIssue[] = [];
    if (!this.byEdsName.has(name)) return { ok: true, value: 0, warnings: [] };
    const uses = (c: ClusterImpl | undefined): c is ClusterImpl => c !== undefined && c.config.type === 'EDS' && (c.config.edsServiceName ?? c.config.name) === name;
    const targets: ClusterImpl[] = [];
    for (const clusterName of this.byEdsName.values(name)) {
      const a = this.active.get(clusterName);
      const w = this.warming.get(clusterName);
      if (!uses(a) && !uses(w)) this.byEdsName.delete(name, clusterName);
    }
    const candidates = this.byEdsName.values(name);
    // Active clusters first, then warming ones, as before the index.
    for (const clusterName of candidates) {
      const a = this.active.get(clusterName);
      if (uses(a)) targets.push(a);
    }
    for (const clusterName of candidates) {
      const w = this.warming.get(clusterName);
      if (uses(w)) targets.push(w);
    }
    for (const c of targets) {
      const r = c.updateEndpoints(cla, path);
      if (!r.ok) issues.push(...r.errors);
      else applied++;
      c.markHostsKnown();
    }
    if (issues.length > 0) return { ok: false, errors: issues, warnings: [] };
    return { ok: true, value: applied, warnings: [] };
  }

  /**
   * Resolves once every cluster added so far is initialized (hosts known, first health checks),
   * or after `timeoutMs` (Envoy's initial_fetch_timeout for EDS clusters nobody feeds).
   */
  async initialize(timeoutMs?: number): Promise<void> {
    const all = [...this.active.values(), ...this.warming.values()];
    const done = Promise.all(all.map((c) => c.whenInitialized())).then(() => undefined);
    if (timeoutMs === undefined) return done;
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => {
      t = setTimeout(r, timeoutMs);
      t.unref();
    });
    await Promise.race([done, timeout]);
    if (t !== undefined) clearTimeout(t);
  }

  /**
   * What /config_dump's ClustersConfigDump lists: bootstrap clusters, then API clusters active and
   * warming, each with its canonical config, version and last update time.
   */
  dumpClusters(): {
    readonly static: ClusterDumpEntry[];
    readonly dynamicActive: ClusterDumpEntry[];
    readonly dynamicWarming: ClusterDumpEntry[];
  } {
    const entry = (c: ClusterImpl): ClusterDumpEntry => ({ cluster: clusterCanonical(c.config), versionInfo: c.versionInfo, lastUpdated: c.lastUpdated });
    const st: ClusterDumpEntry[] = [];
    const da: ClusterDumpEntry[] = [];
    for (const c of this.active.values()) (c.addedViaApi ? da : st).push(entry(c));
    return { static: st, dynamicActive: da, dynamicWarming: [...this.warming.values()].map(entry) };
  }

  /** /clusters: active clusters only. */
  adminClusters(): AdminClusterView[] {
    const out: AdminClusterView[] = [];
    for (const c of this.active.values()) out.push(clusterAdminView(c));
    return out;
  }

  /** Stops every cluster; pools are drained (`destroyPools` closes them now). */
  shutdown(destroyPools = false): void {
    this.closed = true;
    for (const c of [...this.warming.values(), ...this.active.values()]) {
      if (destroyPools) {
        for (const h of c.allHosts()) {
          h.httpPool?.destroy();
          h.tcpPool?.destroy();
          h.httpPool = null;
          h.tcpPool = null;
        }
      }
      c.shutdown();
    }
    this.warming.clear();
    this.active.clear();
    this.updateGauges();
  }

  private updateGauges(): void {
    this.stats.active_clusters.set(this.active.size);
    this.stats.warming_clusters.set(this.warming.size);
  }
}
