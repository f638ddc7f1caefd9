// CDS and EDS as the cluster manager sees them: each CDS cluster is validated, then added (it
// warms until its hosts are known) or replaced; an EDS cluster subscribes to its assignment and
// unsubscribes when it goes. A cluster that fails validation, or whose eds_config cannot be
// subscribed through, is NACKed with its field paths and is not added; the other clusters and
// the removals of the same response still apply, as in Envoy. A CDS cluster named like a
// bootstrap cluster is skipped without a NACK (Envoy's "add/update cluster skipped").
//
// A push of thousands of clusters is applied in slices (common/slice-clock.ts), yielding to the
// event loop in between, so requests in flight are not held up for the whole push. The
// xDS client handles one response at a time and ACKs only when the watcher's promise settles.
import type { Canonical } from '../config/canonical';
import type { ClusterManagerImpl } from '../upstream/cluster-manager';
import { ResourceDecodeError, type ResourceIssue, type ResourceUpdate, type TypeWatcher, type UpdateOutcome, type XdsClient } from '../../xds-client';
import { CLUSTER, ENDPOINT } from '../../xds-client/type-urls';
import { XdsRecords } from './xds-records';
import { keepOf, type KeptValue } from '../config/kept-value';
import { NameIndex } from '../common/name-index';
import { canonicalEqual } from '../listener/canonical-equal';
import { getLogger } from '../common/logger';
import { SliceClock } from '../common/slice-clock';
import { SecretWatchers, sdsRefsOfCluster } from './xds-secret-watchers';

const log = getLogger('upstream');

interface EdsSub {
  readonly serviceName: string;
  readonly configSource: Canonical | undefined;
}

/**
 * One object per distinct eds_config (there are a handful: Istio's are all `ads: {}`), so 10,000
 * subscriptions do not each keep their own decoded copy alive. Bounded: past the bound, not shared.
 */
class ConfigSources {
  private readonly known: Canonical[] = [];

  shared(cs: Canonical | undefined): Canonical | undefined {
    if (cs === undefined) return undefined;
    for (const k of this.known) if (canonicalEqual(k, cs)) return k;
    if (this.known.length < 16) this.known.push(cs);
    return cs;
  }
}

/** Same EDS subscription: the same service name through the same config source. */
function sameSub(a: EdsSub | undefined, b: EdsSub | undefined): boolean {
  return !!a && !!b && a.serviceName === b.serviceName && canonicalEqual(a.configSource, b.configSource);
}

/**
 * A resource that could not be applied as resource issues: the fields its decode named, or, for
 * an unusable eds_config (`eds_cluster_config.eds_config.ads: why`), its field path and message.
 */
function applyIssues(name: string, e: unknown): ResourceIssue[] {
  if (e instanceof ResourceDecodeError) return e.issues.map((i) => ({ name, path: i.path, message: i.message }));
  const msg = e instanceof Error ? e.message : String(e);
  const at = msg.indexOf(': ');
  return [at > 0 && msg.startsWith('eds_cluster_config.') ? { name, path: msg.slice(0, at), message: msg.slice(at + 2) } : { name, path: '', message: msg }];
}

function issueText(issues: readonly ResourceIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

export class ClusterWatchers {
  /** Rejections only: the cluster manager keeps the accepted clusters. */
  readonly clusterRecords = new XdsRecords(false);
  readonly endpointRecords = new XdsRecords();
  /** EDS subscription of each CDS cluster, by cluster name. */
  private readonly edsByCluster = new Map<string, EdsSub>();
  /** The clusters (CDS and bootstrap) that subscribe to each EDS service name, so none is scanned for. */
  private readonly byEdsName = new NameIndex();
  private readonly configSources = new ConfigSources();
  /** Accepted bytes back to canonical values (config_dump, change detection): see kept-value.ts. */
  private readonly decodeCluster = (b: Buffer): Canonical => this.client.decodeAccepted(CLUSTER, b) as Canonical;
  private readonly decodeAssignment = (b: Buffer): Canonical => this.client.decodeAccepted(ENDPOINT, b) as Canonical;
  private firstResponse: (() => void) | undefined;
  /** Resolves on the first CDS response (or when it is declared missing). */
  readonly firstCds: Promise<void>;

  /** SDS secret names each dynamic cluster's transport sockets hold (its newest version). */
  private readonly secretsByCluster = new Map<string, string[]>();

  constructor(
    private readonly cm: ClusterManagerImpl,
    private readonly client: XdsClient,
    private readonly secrets: SecretWatchers = new SecretWatchers(client),
  ) {
    this.firstCds = new Promise((r) => (this.firstResponse = r));
    client.setWatcher(CLUSTER, this.cds as TypeWatcher);
    client.setWatcher(ENDPOINT, this.eds as TypeWatcher);
  }

  readonly cds: TypeWatcher<Canonical> = {
    decodeOnRead: true,
    onUpdate: (u) => this.onCds(u),
    onResourceDoesNotExist: () => this.settleFirst(),
  };

  readonly eds: TypeWatcher<Canonical> = {
    decodeOnRead: true,
    onUpdate: (u) => this.onEds(u),
    onResourceDoesNotExist: (name) => {
      // Envoy: an assignment that never came leaves the cluster initialized with no hosts.
      if (!this.byEdsName.has(name)) return;
      for (const cluster of this.byEdsName.values(name)) this.cm.find(cluster)?.markHostsKnown();
      // find() prefers the active version; a warming replacement waits too.
      for (const c of this.cm.warmingClusters()) if (this.byEdsName.includes(name, c.config.name)) c.markHostsKnown();
    },
  };

  /**
   * A CDS update was rejected as a whole (e.g. it did not decode): as Envoy's
   * CdsApiImpl::onConfigUpdateFailed, start-up no longer waits for the first CDS response.
   */
  onRejected(): void {
    this.settleFirst();
  }

  private settleFirst(): void {
    this.firstResponse?.();
    this.firstResponse = undefined;
  }

  private async onCds(u: ResourceUpdate<Canonical>): Promise<UpdateOutcome | void> {
    const rejected: ResourceIssue[] = [];
    const clock = new SliceClock();
    try {
      for (const r of u.updated) {
        if (clock.due()) await clock.yield();
        let value: Canonical | undefined;
        try {
          value = r.value; // decoded on each read (decodeOnRead); throws when it breaks a rule
          this.applyCluster(r.name, value, keepOf(value, r.bytes, this.decodeCluster), u.versionInfo, rejected);
        } catch (e) {
          const issues = applyIssues(r.name, e);
          rejected.push(...issues);
          this.clusterRecords.reject(r.name, issueText(issues), u.versionInfo, value);
        }
      }
      for (const name of u.removed) {
        if (clock.due()) await clock.yield();
        const c = this.cm.find(name);
        if (c && !c.addedViaApi) continue;
        this.cm.removeCluster(name);
        this.clusterRecords.forget(name);
        this.releaseEds(name);
        this.holdSecrets(name, []);
      }
    } finally {
      this.settleFirst();
    }
    return rejected.length ? { rejected } : undefined;
  }

  /** Validates, subscribes to the EDS of, and adds or updates one CDS cluster; a failure adds nothing. */
  private applyCluster(name: string, value: Canonical, kept: KeptValue, versionInfo: string, rejected: ResourceIssue[]): void {
    const existing = this.cm.find(name);
    if (existing && !existing.addedViaApi) {
      // Envoy: ClusterManagerImpl::addOrUpdateCluster refuses a bootstrap cluster; CDS ACKs.
      log.debug('cds: add/update cluster %s skipped: a static cluster has that name', name);
      return;
    }
    const parsed = this.cm.parse(value, '', kept);
    if (!parsed.ok) {
      const issues = parsed.errors.map((e) => ({ name, path: e.path, message: e.message }));
      rejected.push(...issues);
      this.clusterRecords.reject(name, issueText(issues), versionInfo, value);
      return;
    }
    // Subscribe first: an unusable eds_config throws here, before the cluster is added.
    const next = this.edsSubOf(value);
    const prev = this.edsByCluster.get(name);
    const same = sameSub(prev, next);
    if (next && !same) this.client.watch(ENDPOINT, next.serviceName, next.configSource, 'eds_cluster_config.eds_config');
    // The secrets its TLS contexts name: subscribed before the old version lets go, waited for while warming.
    const sds = sdsRefsOfCluster(value);
    for (const x of sds) this.secrets.ref(x);
    const secretNames = sds.map((x) => x.name);
    let outcome: ReturnType<ClusterManagerImpl['addOrUpdateCluster']>;
    try {
      const initTarget = this.secrets.ready(secretNames) ? undefined : this.secrets.whenReady(secretNames);
      outcome = this.cm.addOrUpdateCluster(parsed.value, { addedViaApi: true, versionInfo, initTarget });
    } catch (e) {
      if (next && !same) this.client.unwatch(ENDPOINT, next.serviceName, next.configSource);
      for (const n of secretNames) this.secrets.unref(n);
      throw e;
    }
    this.holdSecrets(name, secretNames);
    this.clusterRecords.accept(name, kept, versionInfo);
    if (!same) {
      if (prev) this.byEdsName.delete(prev.serviceName, name);
      if (next) {
        this.edsByCluster.set(name, next);
        this.addUser(next.serviceName, name);
      } else this.edsByCluster.delete(name);
      if (prev) this.unwatchEds(prev);
    }
    // A rebuilt (or newly subscribed) cluster gets the assignment already known.
    if (next && (outcome !== 'unchanged' || !same)) {
      const known = this.client.resource(ENDPOINT, next.serviceName, next.configSource) as Canonical | undefined;
      if (known) this.cm.updateEndpoints(known);
    }
  }

  /** `names` replace the secret references `cluster` held (the new ones were taken already). */
  private holdSecrets(cluster: string, names: readonly string[]): void {
    const old = this.secretsByCluster.get(cluster) ?? [];
    if (names.length) this.secretsByCluster.set(cluster, [...names]);
    else this.secretsByCluster.delete(cluster);
    for (const n of old) this.secrets.unref(n);
  }

  /** A removed cluster drops its EDS subscription. */
  private releaseEds(cluster: string): void {
    const prev = this.edsByCluster.get(cluster);
    if (!prev) return;
    this.edsByCluster.delete(cluster);
    this.byEdsName.delete(prev.serviceName, cluster);
    this.unwatchEds(prev);
  }

  private addUser(serviceName: string, cluster: string): void {
    this.byEdsName.add(serviceName, cluster);
  }

  /** The EDS name and config source a cluster subscribes with, undefined unless it is an EDS cluster. */
  private edsSubOf(c: Canonical): EdsSub | undefined {
    if (c.type !== 'EDS' || c.load_assignment !== undefined) return undefined;
    const eds = c.eds_cluster_config as Canonical | undefined;
    const sn = typeof eds?.service_name === 'string' && eds.service_name !== '' ? eds.service_name : String(c.name);
    return { serviceName: sn, configSource: this.configSources.shared(eds?.eds_config as Canonical | undefined) };
  }

  /** Drops a subscription whose cluster was already taken out of byEdsName. */
  private unwatchEds(prev: EdsSub): void {
    this.client.unwatch(ENDPOINT, prev.serviceName, prev.configSource);
    if (this.byEdsName.has(prev.serviceName)) return;
    this.endpointRecords.forget(prev.serviceName);
  }

  private async onEds(u: ResourceUpdate<Canonical>): Promise<UpdateOutcome | void> {
    const rejected: ResourceIssue[] = [];
    const clock = new SliceClock();
    for (const r of u.updated) {
      if (clock.due()) await clock.yield();
      let value: Canonical;
      try {
        value = r.value; // decoded on each read (decodeOnRead); throws when it breaks a rule
      } catch (e) {
        const issues = applyIssues(r.name, e);
        rejected.push(...issues);
        this.endpointRecords.reject(r.name, issueText(issues), u.versionInfo, undefined);
        continue;
      }
      const res = this.cm.updateEndpoints(value);
      if (!res.ok) {
        const issues = res.errors.map((e) => ({ name: r.name, path: e.path, message: e.message }));
        rejected.push(...issues);
        this.endpointRecords.reject(r.name, issueText(issues), u.versionInfo, value);
      } else this.endpointRecords.accept(r.name, keepOf(value, r.bytes, this.decodeAssignment), u.versionInfo);
    }
    // A withdrawn assignment empties the clusters that use it.
    for (const name of u.removed) {
      if (clock.due()) await clock.yield();
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
      const sub = this.edsSubOf(c);
      if (!sub) continue;
      this.client.watch(ENDPOINT, sub.serviceName, sub.configSource, `static_resources.clusters[${String(c.name)}].eds_cluster_config.eds_config`);
      this.addUser(sub.serviceName, String(c.name));
    }
  }
}
