// A cluster's hosts grouped by priority (Envoy's PrioritySet/HostSet): per priority the hosts,
// the healthy, degraded and excluded partitions, optional per-locality groups with their
// effective weights, and the split of load over priorities with panic flags. Rebuilt after
// membership or health changes (rare), so picking only reads arrays. `countMembership` gives the
// membership gauges' numbers without building any of it (a cluster no request has used).
import { EdfScheduler } from './edf-scheduler';
import { HealthFlag, HostImpl } from './host';
import { computePriorityLoad, PriorityCounts, PriorityLoad } from './priority-load';
import { exactArray } from '../common/exact-array';

export interface LocalityGroup {
  readonly key: string;
  readonly weight: number;
  readonly hosts: HostImpl[];
  readonly healthy: HostImpl[];
  readonly degraded: HostImpl[];
  excluded: number;
}

export class HostSet {
  hosts: HostImpl[] = [];
  healthy: HostImpl[] = [];
  degraded: HostImpl[] = [];
  excluded = 0;
  /** Only with locality-weighted balancing. */
  localities: LocalityGroup[] | null = null;
  healthyLocalities: EdfScheduler | null = null;
  degradedLocalities: EdfScheduler | null = null;

  constructor(readonly priority: number) {}

  counts(factor: number): PriorityCounts {
    let hw = 0;
    let dw = 0;
    let tw = 0;
    for (const h of this.healthy) hw += h.weight;
    for (const h of this.degraded) dw += h.weight;
    for (const h of this.hosts) tw += h.weight;
    return {
      total: this.hosts.length - this.excluded,
      healthy: this.healthy.length,
      degraded: this.degraded.length,
      all: this.hosts.length,
      healthyWeight: hw,
      degradedWeight: dw,
      totalWeight: tw,
      overprovisioningFactor: factor,
    };
  }
}

/** Envoy's effective locality weight: weight x min(1, factor/100 x eligible/(hosts-excluded)). */
function effectiveWeight(g: LocalityGroup, eligible: number, factor: number): number {
  const count = g.hosts.length - g.excluded;
  if (count <= 0 || g.weight <= 0) return 0;
  return g.weight * Math.min(1, (factor / 100) * (eligible / count));
}

export interface PrioritySetOptions {
  readonly panicThreshold: number;
  readonly overprovisioningFactor: number;
  readonly weightedPriorityHealth: boolean;
  readonly localityWeighted: boolean;
  /** common_lb_config.ignore_new_hosts_until_first_hc: pending hosts are excluded. */
  readonly excludePendingHc: boolean;
}

/** Envoy's defaults (panic 50%, overprovisioning 140), which nearly every cluster has: one object for all. */
const DEFAULT_OPTIONS: PrioritySetOptions = Object.freeze({ panicThreshold: 50, overprovisioningFactor: 140, weightedPriorityHealth: false, localityWeighted: false, excludePendingHc: false });

/** A cluster's options: the shared default object when they are the defaults. */
export function prioritySetOptions(panicThreshold: number, overprovisioningFactor: number, weightedPriorityHealth: boolean, localityWeighted: boolean, excludePendingHc: boolean): PrioritySetOptions {
  const d = DEFAULT_OPTIONS;
  if (panicThreshold === d.panicThreshold && overprovisioningFactor === d.overprovisioningFactor && !weightedPriorityHealth && !localityWeighted && !excludePendingHc) return d;
  return Object.freeze({ panicThreshold, overprovisioningFactor, weightedPriorityHealth, localityWeighted, excludePendingHc });
}

/** The load of a cluster with one healthy priority, shared by every such cluster (never written). */
const ALL_TO_P0: PriorityLoad = Object.freeze({ healthy: Object.freeze([100]), degraded: Object.freeze([0]), panic: Object.freeze([false]) }) as unknown as PriorityLoad;

function shared(l: PriorityLoad): PriorityLoad {
  return l.healthy.length === 1 && l.healthy[0] === 100 && l.degraded[0] === 0 && !l.panic[0] ? ALL_TO_P0 : l;
}

/**
 * A cluster with no hosts (every EDS cluster until its assignment arrives): one shared read-only
 * priority 0 set, with an empty locality list when balancing is locality-weighted, and the load
 * of zero hosts, which depends only on the panic threshold and weighted_priority_health.
 */
function emptySet(localities: LocalityGroup[] | null): readonly HostSet[] {
  const s = new HostSet(0);
  s.hosts = s.healthy = s.degraded = Object.freeze([]) as unknown as HostImpl[];
  s.localities = localities === null ? null : (Object.freeze(localities) as LocalityGroup[]);
  return Object.freeze([Object.freeze(s)]);
}
const EMPTY_SETS = emptySet(null);
const EMPTY_LOCALITY_SETS = emptySet([]);
const emptyLoads = new Map<string, PriorityLoad>();

function emptyLoad(panicThreshold: number, weightedPriorityHealth: boolean): PriorityLoad {
  const key = `${panicThreshold}/${weightedPriorityHealth}`;
  let l = emptyLoads.get(key);
  if (l === undefined) {
    const c = computePriorityLoad([EMPTY_SETS[0].counts(100)], panicThreshold, weightedPriorityHealth);
    l = shared(Object.freeze({ healthy: Object.freeze(c.healthy), degraded: Object.freeze(c.degraded), panic: Object.freeze(c.panic) }) as unknown as PriorityLoad);
    emptyLoads.set(key, l);
  }
  return l;
}

/** How a host counts: excluded (by flag), healthy, degraded, or none of them (unhealthy). */
const enum HostClass {
  Excluded,
  Healthy,
  Degraded,
  Unhealthy,
}

function excludeMaskOf(o: PrioritySetOptions): number {
  return HealthFlag.ExcludedViaImmediateHcFail | (o.excludePendingHc ? HealthFlag.PendingActiveHc : 0);
}

function classify(h: HostImpl, excludeMask: number): HostClass {
  if ((h.healthFlags & excludeMask) !== 0) return HostClass.Excluded;
  if (!h.healthy()) return HostClass.Unhealthy;
  return h.degraded() ? HostClass.Degraded : HostClass.Healthy;
}

/** The numbers the membership gauges show; the same as a PrioritySet rebuilt from the same hosts. */
export interface MembershipCounts {
  total: number;
  healthy: number;
  degraded: number;
  excluded: number;
  maxWeight: number;
}

/** Fills `out` (the caller's, reused: nothing is allocated) with the membership of `hosts`. */
export function countMembership(hosts: readonly HostImpl[], o: PrioritySetOptions, out: MembershipCounts): MembershipCounts {
  const mask = excludeMaskOf(o);
  let healthy = 0;
  let degraded = 0;
  let excluded = 0;
  let maxWeight = 0;
  for (const h of hosts) {
    if (h.weight > maxWeight) maxWeight = h.weight;
    const c = classify(h, mask);
    if (c === HostClass.Excluded) excluded++;
    else if (c === HostClass.Healthy) healthy++;
    else if (c === HostClass.Degraded) degraded++;
  }
  out.total = hosts.length;
  out.healthy = healthy;
  out.degraded = degraded;
  out.excluded = excluded;
  out.maxWeight = maxWeight;
  return out;
}

export class PrioritySet {
  sets: HostSet[] = [new HostSet(0)];
  load: PriorityLoad = ALL_TO_P0;
  /** Sums over priorities, for the membership gauges. */
  total = 0;
  healthyCount = 0;
  degradedCount = 0;
  excludedCount = 0;
  maxWeight = 0;

  constructor(public options: PrioritySetOptions) {}

  /** Regroups `hosts` (each with its current priority and flags) and recomputes loads. */
  rebuild(hosts: readonly HostImpl[]): void {
    const o = this.options;
    if (hosts.length === 0) {
      this.sets = (o.localityWeighted ? EMPTY_LOCALITY_SETS : EMPTY_SETS) as HostSet[];
      this.total = this.healthyCount = this.degradedCount = this.excludedCount = this.maxWeight = 0;
      this.load = emptyLoad(o.panicThreshold, o.weightedPriorityHealth);
      return;
    }
    let maxPriority = 0;
    for (const h of hosts) if (h.priority > maxPriority) maxPriority = h.priority;
    const sets: HostSet[] = [];
    for (let p = 0; p <= maxPriority; p++) sets.push(new HostSet(p));
    let healthy = 0;
    let degraded = 0;
    let excluded = 0;
    let maxWeight = 0;
    const excludeMask = excludeMaskOf(o);
    for (const h of hosts) {
      const s = sets[h.priority];
      s.hosts.push(h);
      if (h.weight > maxWeight) maxWeight = h.weight;
      const c = classify(h, excludeMask);
      if (c === HostClass.Excluded) {
        s.excluded++;
        excluded++;
      } else if (c === HostClass.Healthy) {
        s.healthy.push(h);
        healthy++;
      } else if (c === HostClass.Degraded) {
        s.degraded.push(h);
        degraded++;
      }
    }
    for (const s of sets) {
      s.hosts = exactArray(s.hosts);
      // All hosts healthy (the common case): one list serves both.
      s.healthy = s.healthy.length === s.hosts.length ? s.hosts : exactArray(s.healthy);
      s.degraded = exactArray(s.degraded);
    }
    if (o.localityWeighted) for (const s of sets) this.groupLocalities(s, excludeMask);
    this.sets = exactArray(sets);
    this.total = hosts.length;
    this.healthyCount = healthy;
    this.degradedCount = degraded;
    this.excludedCount = excluded;
    this.maxWeight = maxWeight;
    this.load = shared(
      computePriorityLoad(
        sets.map((s) => s.counts(o.overprovisioningFactor)),
        o.panicThreshold,
        o.weightedPriorityHealth,
      ),
    );
  }

  private groupLocalities(s: HostSet, excludeMask: number): void {
    const byKey = new Map<string, LocalityGroup>();
    const groups: LocalityGroup[] = [];
    for (const h of s.hosts) {
      const l = h.locality;
      const key = `${l.region}\u0000${l.zone}\u0000${l.sub_zone}`;
      let g = byKey.get(key);
      if (g === undefined) {
        g = { key, weight: h.localityWeight, hosts: [], healthy: [], degraded: [], excluded: 0 };
        byKey.set(key, g);
        groups.push(g);
      }
      g.hosts.push(h);
      const c = classify(h, excludeMask);
      if (c === HostClass.Excluded) g.excluded++;
      else if (c === HostClass.Healthy) g.healthy.push(h);
      else if (c === HostClass.Degraded) g.degraded.push(h);
    }
    const f = this.options.overprovisioningFactor;
    const hw = groups.map((g) => effectiveWeight(g, g.healthy.length, f));
    const dw = groups.map((g) => effectiveWeight(g, g.degraded.length, f));
    s.localities = groups;
    s.healthyLocalities = hw.some((w) => w > 0) ? new EdfScheduler(hw) : null;
    s.degradedLocalities = dw.some((w) => w > 0) ? new EdfScheduler(dw) : null;
  }
}
