// CDS and EDS as the cluster manager sees them: each CDS cluster is validated, then added (it
// warms until its hosts are known) or replaced; an EDS cluster subscribes to its assignment and
// unsubscribes when it goes. A cluster that fails validation is NACKed with its field paths and
// the others of the same response still apply, as in Envoy.
import type { Canonical } from '../config/canonical';
import type { ClusterManagerImpl } from '../upstream/cluster-manager';
import type { ResourceIssue, ResourceUpdate, TypeWatcher, UpdateOutcome, XdsClient } from '../../xds-client';
import { CLUSTER, ENDPOINT } from '../../xds-client/type-urls';
import { XdsRecords } from './xds-records';

interface EdsSub {
  readonly serviceName: string;
  readonly configSource: Canonical | undefined;
}

/** The EDS name and config source a cluster subscribes with, undefined unless it is an EDS cluster. */
function edsSubOf(c: Canonical): EdsSub | undefined {
  if (c.type !== 'EDS' || c.load_assignment !== undefined) return undefined;
  const eds = c.eds_cluster_config as Canonical | undefined;
  const sn = typeof eds?.service_name === 'string' && eds.service_name !== '' ? eds.service_name : String(c.name);
  return { serviceName: sn, configSource: eds?.eds_config as Canonical | undefined };
}

function issueText(issues: readonly ResourceIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

export class ClusterWatchers {
  readonly clusterRecords = new XdsRecords();
  readonly endpointRecords = new XdsRecords();
  /** EDS subscription of each CDS cluster, by cluster name. */
  private readonly edsByCluster = new Map<string, EdsSub>();
  private firstResponse: (() => void) | undefined;
  /** Resolves on the first CDS response (or when it is declared missing). */
  readonly firstCds: Promise<void>;

  constructor(private readonly cm: ClusterManagerImpl, private readonly client: XdsClient) {
    this.firstCds = new Promise((r) => (this.firstResponse = r));
    client.setWatcher(CLUSTER, this.cds as TypeWatcher);
    client.setWatcher(ENDPOINT, this.eds as TypeWatcher);
  }

  readonly cds: TypeWatcher<Canonical> = {
    onUpdate: (u) => this.onCds(u),
    onResourceDoesNotExist: () => this.firstResponse?.(),
  };

  readonly eds: TypeWatcher<Canonical> = {
    onUpdate: (u) => this.onEds(u),
    onResourceDoesNotExist: (name) => {
      // Envoy: an assignment that never came leaves the cluster initialized with no hosts.
      for (const c of [...this.cm.warmingClusters(), ...this.cm.activeClusters()]) {
        if (c.config.type === 'EDS' && (c.config.edsServiceName ?? c.config.name) === name) c.markHostsKnown();
      }
    },
  };

  private onCds(u: ResourceUpdate<Canonical>): UpdateOutcome | void {
    const rejected: ResourceIssue[] = [];
    for (const r of u.updated) {
      const existing = this.cm.find(r.name);
      if (existing && !existing.addedViaApi) {
        rejected.push({ name: r.name, path: 'name', message: `cluster manager: static cluster '${r.name}' cannot be replaced by CDS` });
        continue;
      }
      const parsed = this.cm.parse(r.value, '');
      if (!parsed.ok) {
        const issues = parsed.errors.map((e) => ({ name: r.name, path: e.path, message: e.message }));
        rejected.push(...issues);
        this.clusterRecords.reject(r.name, issueText(issues), u.versionInfo, r.value);
        continue;
      }
      const outcome = this.cm.addOrUpdateCluster(parsed.value, { addedViaApi: true, versionInfo: u.versionInfo });
      this.clusterRecords.accept(r.name, r.value, u.versionInfo);
      this.followEds(r.name, edsSubOf(r.value), outcome !== 'unchanged');
    }
    for (const name of u.removed) {
      const c = this.cm.find(name);
      if (c && !c.addedViaApi) continue;
      this.cm.removeCluster(name);
      this.clusterRecords.forget(name);
      this.followEds(name, undefined, false);
    }
    this.firstResponse?.();
    this.firstResponse = undefined;
    return rejected.length ? { rejected } : undefined;
  }

  /** Moves a cluster's EDS subscription to `next`; a rebuilt cluster gets the assignment already known. */
  private followEds(cluster: string, next: EdsSub | undefined, rebuilt: boolean): void {
    const prev = this.edsByCluster.get(cluster);
    const same = prev && next && prev.serviceName === next.serviceName;
    if (!same) {
      if (next) {
        this.client.watch(ENDPOINT, next.serviceName, next.configSource, `clusters[${cluster}].eds_cluster_config.eds_config`);
        this.edsByCluster.set(cluster, next);
      } else this.edsByCluster.delete(cluster);
      if (prev) {
        this.client.unwatch(ENDPOINT, prev.serviceName, prev.configSource);
        if (![...this.edsByCluster.values()].some((s) => s.serviceName === prev.serviceName)) this.endpointRecords.forget(prev.serviceName);
      }
    }
    if (next && (rebuilt || !same)) {
      const known = this.client.resource(ENDPOINT, next.serviceName, next.configSource) as Canonical | undefined;
      if (known) this.cm.updateEndpoints(known);
    }
  }

  private onEds(u: ResourceUpdate<Canonical>): UpdateOutcome | void {
    const rejected: ResourceIssue[] = [];
    for (const r of u.updated) {
      const res = this.cm.updateEndpoints(r.value);
      if (!res.ok) {
        const issues = res.errors.map((e) => ({ name: r.name, path: e.path, message: e.message }));
        rejected.push(...issues);
        this.endpointRecords.reject(r.name, issueText(issues), u.versionInfo, r.value);
      } else this.endpointRecords.accept(r.name, r.value, u.versionInfo);
    }
    // A withdrawn assignment empties the clusters that use it.
    for (const name of u.removed) {
      this.cm.updateEndpoints({ cluster_name: name, endpoints: [] });
      this.endpointRecords.forget(name);
    }
    return rejected.length ? { rejected } : undefined;
  }

  /** Subscribes to every cluster: CDS is a wildcard type. */
  start(cdsConfig: Canonical | undefined): void {
    this.client.watch(CLUSTER, '*', cdsConfig, 'dynamic_resources.cds_config');
  }

  /** Bootstrap EDS clusters without an inline assignment subscribe to theirs too. */
  watchStaticEds(clusters: readonly Canonical[]): void {
    for (const c of clusters) {
      const sub = edsSubOf(c);
      if (sub) this.client.watch(ENDPOINT, sub.serviceName, sub.configSource, `static_resources.clusters[${String(c.name)}].eds_cluster_config.eds_config`);
    }
  }
}
