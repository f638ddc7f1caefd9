// CDS and EDS as the cluster manager sees them: each CDS cluster is validated, then added (it
// warms until its hosts are known) or replaced; an EDS cluster subscribes to its assignment and
// unsubscribes when it goes. A cluster that fails validation is NACKed with its field paths and
// the others of the same response still apply, as in Envoy.
//
// A push of thousands of clusters is applied in slices of about SLICE_MS, yielding to the event
// loop in between (setImmediate), so requests in flight are not held up for the whole push. The
// xDS client handles one response at a time and ACKs only when the watcher's promise settles.
import { performance } from 'node:perf_hooks';
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

/** Longest stretch of cluster or endpoint updates between two yields to the event loop. */
const SLICE_MS = 2;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Call `due()` after each unit of work: true when the slice is used up (then await yieldToLoop). */
function sliceClock(): { due(): boolean } {
  let start = performance.now();
  return {
    due(): boolean {
      const now = performance.now();
      if (now - start < SLICE_MS) return false;
      start = now;
      return true;
    },
  };
}

function issueText(issues: readonly ResourceIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

export class ClusterWatchers {
  readonly clusterRecords = new XdsRecords();
  readonly endpointRecords = new XdsRecords();
  /** EDS subscription of each CDS cluster, by cluster name. */
  private readonly edsByCluster = new Map<string, EdsSub>();
  /** How many clusters subscribe to each EDS service name (so a removal need not scan them all). */
  private readonly edsUsers = new Map<string, number>();
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

  private async onCds(u: ResourceUpdate<Canonical>): Promise<UpdateOutcome | void> {
    const rejected: ResourceIssue[] = [];
    const clock = sliceClock();
    for (const r of u.updated) {
      if (clock.due()) await yieldToLoop();
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
      if (clock.due()) await yieldToLoop();
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
        this.edsUsers.set(next.serviceName, (this.edsUsers.get(next.serviceName) ?? 0) + 1);
      } else this.edsByCluster.delete(cluster);
      if (prev) {
        this.client.unwatch(ENDPOINT, prev.serviceName, prev.configSource);
        const users = (this.edsUsers.get(prev.serviceName) ?? 1) - 1;
        if (users > 0) this.edsUsers.set(prev.serviceName, users);
        else {
          this.edsUsers.delete(prev.serviceName);
          this.endpointRecords.forget(prev.serviceName);
        }
      }
    }
    if (next && (rebuilt || !same)) {
      const known = this.client.resource(ENDPOINT, next.serviceName, next.configSource) as Canonical | undefined;
      if (known) this.cm.updateEndpoints(known);
    }
  }

  private async onEds(u: ResourceUpdate<Canonical>): Promise<UpdateOutcome | void> {
    const rejected: ResourceIssue[] = [];
    const clock = sliceClock();
    for (const r of u.updated) {
      if (clock.due()) await yieldToLoop();
      const res = this.cm.updateEndpoints(r.value);
      if (!res.ok) {
        const issues = res.errors.map((e) => ({ name: r.name, path: e.path, message: e.message }));
        rejected.push(...issues);
        this.endpointRecords.reject(r.name, issueText(issues), u.versionInfo, r.value);
      } else this.endpointRecords.accept(r.name, r.value, u.versionInfo);
    }
    // A withdrawn assignment empties the clusters that use it.
    for (const name of u.removed) {
      if (clock.due()) await yieldToLoop();
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
