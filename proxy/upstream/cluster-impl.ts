// One cluster at run time: its ClusterInfo, its hosts grouped by priority, the load balancer, the
// per-host connection pools (made on first use by the manager's pool factories), and — only when
// configured — health checkers and an outlier detector. Discovery (static, DNS, EDS, original
// destination) feeds `setHosts`, which keeps the Host object (pools, stats, health) of every
// address that stays and drains the pools of hosts that go.
import type { Canonical } from '../config/canonical';
import { IssueSink, Result } from '../config/result';
import type { ClusterConfig } from './cluster-config';
import { ClusterInfoImpl } from './cluster-info';
import { HealthCheckStats } from './cluster-stats';
import { addressString, EdsHealth, parseLoadAssignment } from './endpoint-config';
import { HealthCheckContext, HealthChecker } from './health-checker';
import { HealthFlag, HostImpl, HostOwner } from './host';
import { createLoadBalancer } from './lb-factory';
import type { LoadBalancer } from './lb-types';
import { OutlierDetector } from './outlier-detector';
import { countMembership, MembershipCounts, PrioritySet, prioritySetOptions, PrioritySetOptions } from './priority-set';
import type { Cluster, ConnectionPool, ConnectionPoolFactory, Host, HostAddress, LbContext, Locality } from './types';
import { exactArray, frozenList } from '../common/exact-array';

export interface PoolFactories {
  readonly http1: ConnectionPoolFactory;
  readonly tcp?: ConnectionPoolFactory;
}

/** A host as discovery describes it. */
export interface HostSpec {
  readonly address: HostAddress;
  readonly hostname: string;
  readonly weight: number;
  readonly priority: number;
  readonly locality: Locality;
  readonly localityWeight: number;
  readonly health: EdsHealth;
  readonly metadata: Canonical | undefined;
  readonly hcPort: number;
  readonly hcHostname: string;
}

/** Something that picks hosts itself (ORIGINAL_DST's CLUSTER_PROVIDED balancer). */
export interface ClusterProvidedLb {
  chooseHost(ctx: LbContext | undefined): HostImpl | undefined;
  stop(): void;
}

/** Scratch for rebuild(): read at once, never kept. */
const COUNTS: MembershipCounts = { total: 0, healthy: 0, degraded: 0, excluded: 0, maxWeight: 0 };

const ACTIVE_HC_FLAGS =
  HealthFlag.FailedActiveHc | HealthFlag.PendingActiveHc | HealthFlag.DegradedActiveHc | HealthFlag.ActiveHcTimeout | HealthFlag.ExcludedViaImmediateHcFail;

export class ClusterImpl implements Cluster, HostOwner, HealthCheckContext {
  /** Made by the first pick (see lbStale); its options meanwhile are psOptions. */
  private ps: PrioritySet | null = null;
  private psOptions: PrioritySetOptions;
  hosts: HostImpl[] = [];
  /** null until the first pick builds it; undefined for CLUSTER_PROVIDED (no generic balancer). */
  private lb: LoadBalancer | undefined | null = null;
  /**
   * Membership or health changed since the host sets and the balancer were last built. As Envoy's
   * deferred cluster creation leaves a worker's copy of a cluster unbuilt until a request needs it,
   * the grouping waits for the next pick: of 10,000 pushed clusters most never see a request, and
   * a ring-hash cluster whose hosts' health flaps rebuilds its ring once, not once per change.
   */
  private lbStale = true;
  providedLb: ClusterProvidedLb | undefined;
  readonly outlier: OutlierDetector | undefined;
  private readonly checkers: readonly HealthChecker[];
  private initDone = false;
  private initialized = false;
  private hostsKnown = false;
  private sawTraffic = false;
  /** Made by the first whenInitialized() and dropped once initialized (an array per cluster for good otherwise). */
  private initWaiters: (() => void)[] | undefined = undefined;
  /**
   * Called once, at initialization (the manager's end of warming): one function the manager
   * shares, where a promise chain per cluster cost 10,000 pushed clusters ~300 bytes each in
   * garbage and a microtask. Never called for a cluster shut down first.
   */
  onInitialized: ((c: ClusterImpl) => void) | undefined = undefined;
  /** What else initialization waits for (SDS secrets of its transport sockets), set before start(). */
  private initTarget: Promise<void> | undefined;
  private stopped = false;
  /** Hosts taken over from the cluster this one replaces (their pools stay). */
  private carried: Map<string, HostImpl> | undefined;
  private carriedHadHc = false;
  /** Set by whoever started discovery (cluster-discovery.ts); stopped with the cluster. */
  discovery: { stop(): void } | undefined;
  addedViaApi = false;
  versionInfo = '';
  /** Epoch milliseconds (a Date per cluster is ~100 bytes). */
  lastUpdated = Date.now();

  constructor(
    readonly config: ClusterConfig,
    readonly info: ClusterInfoImpl,
    private readonly pools: PoolFactories,
    previous?: ClusterImpl,
  ) {
    const a = config.assignment;
    this.psOptions = prioritySetOptions(config.commonLb.panicThreshold, a.overprovisioningFactor, a.weightedPriorityHealth, config.lb.localityWeighted, config.commonLb.ignoreNewHostsUntilFirstHc);
    this.outlier = config.outlier === undefined ? undefined : new OutlierDetector(config.outlier, info.stats);
    const hcStats = config.healthChecks.length > 0 ? new HealthCheckStats(info.stats) : undefined;
    this.checkers = frozenList(config.healthChecks.map((hc) => new HealthChecker(hc, hcStats!, this)));
    if (previous !== undefined && previous.info === info) {
      this.carried = previous.byAddress();
      this.carriedHadHc = previous.checkers.length > 0;
    }
    this.rebuild();
  }

  get name(): string {
    return this.config.name;
  }

  get healthChecked(): boolean {
    return this.checkers.length > 0;
  }

  // ---- Cluster (the router's view) ----

  chooseHost(ctx: LbContext | undefined): Host | undefined {
    if (this.lbStale) this.buildLb();
    const lb = this.lb;
    if (lb !== undefined && lb !== null) return lb.chooseHost(ctx);
    return this.providedLb?.chooseHost(ctx);
  }

  /** The hosts grouped by priority, as the balancer sees them (built now if stale). */
  get prioritySet(): PrioritySet {
    if (this.lbStale) this.buildLb();
    return this.ps!;
  }

  private buildLb(): void {
    this.lbStale = false;
    const ps = (this.ps ??= new PrioritySet(this.psOptions));
    ps.options = this.psOptions;
    ps.rebuild(this.hosts);
    if (this.lb === null) this.lb = createLoadBalancer(this.config.lb, ps, this.info.clusterStats);
    this.lb?.refresh();
  }

  connectionPool(host: Host): ConnectionPool {
    const h = host as HostImpl;
    let p = h.httpPool;
    if (p === null) p = h.httpPool = this.pools.http1(h, this.info);
    return p;
  }

  tcpConnectionPool(host: Host): ConnectionPool | undefined {
    const f = this.pools.tcp;
    if (f === undefined) return undefined;
    const h = host as HostImpl;
    let p = h.tcpPool;
    if (p === null) p = h.tcpPool = f(h, this.info);
    return p;
  }

  // ---- membership ----

  /** Replaces the host list; returns whether membership changed. Starts checks on new hosts. */
  setHosts(specs: readonly HostSpec[]): boolean {
    const current = this.byAddress();
    const next = new Map<string, HostImpl>();
    const list: HostImpl[] = [];
    let changed = false;
    for (const s of specs) {
      const key = addressString(s.address);
      if (next.has(key)) continue;
      let h = current.get(key);
      let fresh = false;
      let adopted = false;
      if (h === undefined && this.carried !== undefined) {
        h = this.carried.get(key);
        if (h !== undefined) {
          this.carried.delete(key);
          h.owner = this;
          adopted = true;
        }
      }
      if (h === undefined) {
        h = new HostImpl(this, s.address, s.hostname, s.weight, s.priority, s.locality, s.metadata);
        fresh = true;
        changed = true;
      } else if (h.weight !== s.weight || h.priority !== s.priority || h.hostname !== s.hostname || h.localityWeight !== s.localityWeight) {
        changed = true;
      }
      h.setAddress(s.address);
      h.hostname = s.hostname;
      h.weight = s.weight;
      h.priority = s.priority;
      h.locality = s.locality;
      h.localityWeight = s.localityWeight;
      h.metadata = s.metadata;
      h.hcPort = s.hcPort;
      h.hcHostname = s.hcHostname;
      if (h.setEdsHealth(s.health)) changed = true;
      next.set(key, h);
      list.push(h);
      if (fresh || adopted) this.attach(h, fresh || (adopted && !this.carriedHadHc), adopted);
    }
    for (const [key, h] of current) {
      if (!next.has(key)) {
        changed = true;
        this.detach(h, true);
      }
    }
    this.hosts = exactArray(list);
    this.hostsKnown = true;
    if (changed) {
      this.info.clusterStats.membership_change.inc();
      this.rebuild();
    }
    this.maybeInitialized();
    return changed;
  }

  /**
   * The hosts by address, built when asked: membership changes are rare, and a Map kept per
   * cluster (~250 bytes with one host) would cost 10,000 clusters 2.5 MB for nothing.
   */
  private byAddress(): Map<string, HostImpl> {
    const m = new Map<string, HostImpl>();
    for (const h of this.hosts) m.set(h.addressString, h);
    return m;
  }

  /** Adds one host (ORIGINAL_DST creates hosts on demand; its balancer indexes them, so a new one is rare). */
  addHost(h: HostImpl): void {
    const key = h.addressString;
    if (this.hosts.some((x) => x.addressString === key)) return;
    this.hosts = [...this.hosts, h];
    if (this.outlier !== undefined) this.outlier.addHost(h);
    this.info.clusterStats.membership_change.inc();
    this.rebuild();
  }

  /** Removes hosts by identity (ORIGINAL_DST cleanup). */
  removeHosts(gone: readonly HostImpl[]): void {
    if (gone.length === 0) return;
    const set = new Set(gone);
    for (const h of gone) this.detach(h, true);
    this.hosts = this.hosts.filter((h) => !set.has(h));
    this.info.clusterStats.membership_change.inc();
    this.rebuild();
  }

  private attach(h: HostImpl, fresh: boolean, adopted: boolean): void {
    if (adopted && this.checkers.length === 0) h.healthFlags &= ~ACTIVE_HC_FLAGS;
    if (this.outlier !== undefined) this.outlier.addHost(h);
    for (const c of this.checkers) c.addHost(h, fresh);
  }

  private detach(h: HostImpl, drain: boolean): void {
    this.outlier?.removeHost(h);
    for (const c of this.checkers) c.removeHost(h);
    if (drain) {
      h.httpPool?.drain();
      h.tcpPool?.drain();
      h.httpPool = null;
      h.tcpPool = null;
    }
  }

  /** EDS (xDS): the cluster's new ClusterLoadAssignment, canonical form. Same as updateEndpoints. */
  updateHosts(cla: Canonical, path = ''): Result<boolean> {
    return this.updateEndpoints(cla, path);
  }

  /** EDS: a ClusterLoadAssignment for this cluster (canonical form). */
  updateEndpoints(cla: Canonical, path = ''): Result<boolean> {
    const sink = new IssueSink();
    const spec = parseLoadAssignment(cla, path, 'ip', sink);
    const stats = this.info.clusterStats;
    stats.update_attempt.inc();
    if (sink.errors.length > 0) {
      stats.update_failure.inc();
      return sink.result(false);
    }
    const specs: HostSpec[] = [];
    for (const e of spec.endpoints) {
      const a = e.address;
      if (a.kind === 'dns') continue;
      specs.push({ address: a, hostname: e.hostname, weight: e.weight, priority: e.priority, locality: e.locality, localityWeight: e.localityWeight, health: e.health, metadata: e.metadata, hcPort: e.hcPort, hcHostname: e.hcHostname });
    }
    const o = this.psOptions;
    if (o.overprovisioningFactor !== spec.overprovisioningFactor || o.weightedPriorityHealth !== spec.weightedPriorityHealth) {
      this.psOptions = prioritySetOptions(o.panicThreshold, spec.overprovisioningFactor, spec.weightedPriorityHealth, o.localityWeighted, o.excludePendingHc);
      this.rebuild();
    }
    const changed = this.setHosts(specs);
    stats.update_success.inc();
    if (specs.length === 0) stats.update_empty.inc();
    if (!changed) stats.update_no_rebuild.inc();
    return sink.result(changed);
  }

  // ---- health ----

  onHostHealthChanged(_host: HostImpl): void {
    if (!this.stopped) this.rebuild();
  }

  get clusterName(): string {
    return this.config.name;
  }

  get sourceAddress(): { readonly ip: string; readonly port: number } | undefined {
    return this.info.sourceAddress;
  }

  trafficSeen(): boolean {
    if (this.sawTraffic) return true;
    let seen = this.info.trafficSeen;
    // With deferred traffic stats the counters may not exist: the hosts' own counts tell.
    for (let i = 0; !seen && i < this.hosts.length; i++) seen = this.hosts[i].stats.cx_total > 0;
    return (this.sawTraffic = seen);
  }

  onHealthCheckResult(host: HostImpl, healthy: boolean, changed: boolean): void {
    if (this.stopped) return;
    if (healthy && this.outlier !== undefined && this.outlier.config.successfulActiveHcUnejectHost && host.hasFlag(HealthFlag.FailedOutlierCheck)) {
      this.outlier.uneject(host);
    }
    if (changed) this.rebuild();
  }

  /** Membership or health changed: the gauges now, the host sets and balancer at the next pick. */
  private rebuild(): void {
    this.lbStale = true;
    const n = countMembership(this.hosts, this.psOptions, COUNTS);
    const s = this.info.clusterStats;
    s.membership_total.set(n.total);
    s.membership_healthy.set(n.healthy);
    s.membership_degraded.set(n.degraded);
    s.membership_excluded.set(n.excluded);
    s.max_host_weight.set(n.maxWeight);
  }

  // ---- lifecycle ----

  /** Starts health checks and outlier detection on the current hosts. */
  start(): void {
    this.outlier?.start();
  }

  /** Discovery calls this once the first host list is known (even if empty). */
  markHostsKnown(): void {
    this.hostsKnown = true;
    this.maybeInitialized();
  }

  private maybeInitialized(): void {
    if (this.initDone || !this.hostsKnown) return;
    this.initDone = true;
    const waits: Promise<unknown>[] = this.checkers.map((c) => c.firstRound());
    if (this.initTarget) waits.push(this.initTarget);
    if (waits.length === 0) {
      this.releaseInit();
      return;
    }
    void Promise.all(waits).then(() => this.releaseInit());
  }

  /** Initialization (and so warming) also waits for `p`; called before start(). */
  holdInitFor(p: Promise<void>): void {
    this.initTarget = p;
  }

  private releaseInit(): void {
    this.initialized = true;
    const w = this.initWaiters;
    this.initWaiters = undefined;
    if (w !== undefined) for (const r of w) r();
    const f = this.onInitialized;
    this.onInitialized = undefined;
    if (f !== undefined && !this.stopped) f(this);
  }

  get isInitialized(): boolean {
    return this.initialized;
  }

  /** Resolves when the first host list is known and (with health checks) checked once. */
  whenInitialized(): Promise<void> {
    if (this.initialized) return Promise.resolve();
    return new Promise((r) => (this.initWaiters ??= []).push(r));
  }

  /**
   * Stops timers and checks, and drains the pools of every host still ours (hosts a replacing
   * cluster took over belong to it now, pools included).
   */
  shutdown(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.discovery?.stop();
    this.outlier?.detachAll();
    for (const c of this.checkers) c.stop();
    this.providedLb?.stop();
    for (const h of this.hosts) {
      if (h.owner !== this) continue;
      h.httpPool?.drain();
      h.tcpPool?.drain();
      h.httpPool = null;
      h.tcpPool = null;
    }
    this.releaseInit();
  }

  /** Before a replacement takes hosts over: stop our detectors so flags are theirs to set. */
  handOver(): void {
    this.discovery?.stop();
    this.outlier?.detachAll();
    for (const c of this.checkers) c.stop();
  }

  get outlierDetector(): OutlierDetector | undefined {
    return this.outlier;
  }

  /** Every host, for stats and the admin view. */
  allHosts(): readonly HostImpl[] {
    return this.hosts;
  }
}
