// The base of the per-request balancers (round robin, least request, random), as Envoy's
// ZoneAwareLoadBalancerBase: pick a priority by the load split, then the host list to use — all
// hosts in panic, a locality's hosts with locality-weighted balancing, else the healthy or
// degraded hosts — and let the subclass pick within it. With one healthy priority (the common
// case) the choice is precomputed and a pick is a few field reads.
import type { HostImpl } from './host';
import type { EdfScheduler } from './edf-scheduler';
import { LbCounters, LoadBalancer, randomInt } from './lb-types';
import { choosePriority } from './priority-load';
import type { PrioritySet } from './priority-set';
import type { LbContext } from './types';

/** A host list plus the balancer's state for it (Envoy keys this by HostsSource). */
export class HostSource {
  rr: number;
  edf: EdfScheduler | null = null;
  readonly weightsEqual: boolean;
  constructor(readonly hosts: HostImpl[]) {
    let eq = true;
    for (let i = 1; i < hosts.length; i++) {
      if (hosts[i].weight !== hosts[0].weight) {
        eq = false;
        break;
      }
    }
    this.weightsEqual = eq;
    // As Envoy seeds its round-robin index randomly, so proxies do not move in lockstep.
    this.rr = hosts.length > 0 ? randomInt(hosts.length) : 0;
  }
}

/** Shared by every empty list: chooseOnce never picks from it, so its state is never written. */
const NO_HOSTS = new HostSource([]);

function sourceOf(hosts: HostImpl[]): HostSource {
  return hosts.length === 0 ? NO_HOSTS : new HostSource(hosts);
}

interface PrioritySources {
  readonly all: HostSource;
  readonly healthy: HostSource;
  readonly degraded: HostSource;
  readonly localHealthy: HostSource[] | null;
  readonly localDegraded: HostSource[] | null;
}

export abstract class SourceLb implements LoadBalancer {
  private sources: PrioritySources[] = [];
  private fast: HostSource | null = null;

  constructor(
    protected readonly ps: PrioritySet,
    protected readonly counters: LbCounters,
    private readonly localityWeighted: boolean,
  ) {}

  refresh(): void {
    const ps = this.ps;
    this.sources = ps.sets.map((s) => {
      const all = new HostSource(s.hosts);
      return {
        all,
        // One source when every host is healthy (the same list, see PrioritySet.rebuild); none
        // of its own for an empty list, which is never picked from. Ten thousand clusters each
        // save two objects.
        healthy: s.healthy === s.hosts ? all : sourceOf(s.healthy),
        degraded: sourceOf(s.degraded),
      localHealthy: s.localities === null ? null : s.localities.map((g) => new HostSource(g.healthy)),
        localDegraded: s.localities === null ? null : s.localities.map((g) => new HostSource(g.degraded)),
      };
    });
    const load = ps.load;
    this.fast = null;
    if (!this.localityWeighted && load.healthy[0] === 100 && !load.panic[0]) this.fast = this.sources[0].healthy;
  }

  chooseHost(ctx: LbContext | undefined): HostImpl | undefined {
    let host = this.chooseOnce();
    if (ctx === undefined || host === undefined || ctx.shouldSelectAnotherHost === undefined) return host;
    const retries = ctx.hostSelectionRetryMaxAttempts ?? 0;
    for (let i = 0; i < retries && ctx.shouldSelectAnotherHost(host!); i++) {
      host = this.chooseOnce();
      if (host === undefined) return undefined;
    }
    return host;
  }

  private chooseOnce(): HostImpl | undefined {
    const src = this.fast ?? this.pickSource();
    if (src === null || src.hosts.length === 0) return undefined;
    return this.pickFrom(src);
  }

  private pickSource(): HostSource | null {
    const ps = this.ps;
    const r = choosePriority(randomInt(100), ps.load);
    const p = r >> 1;
    const degraded = (r & 1) === 1;
    const srcs = this.sources[p];
    if (srcs === undefined) return null;
    if (ps.load.panic[p]) {
      this.counters.lb_healthy_panic.inc();
      return srcs.all;
    }
    if (this.localityWeighted) {
      const set = ps.sets[p];
      const sched = degraded ? set.degradedLocalities : set.healthyLocalities;
      if (sched !== null) {
        const i = sched.pick();
        const list = degraded ? srcs.localDegraded : srcs.localHealthy;
        if (i >= 0 && list !== null) return list[i];
      }
    }
    return degraded ? srcs.degraded : srcs.healthy;
  }

  /** `src.hosts` is non-empty. */
  protected abstract pickFrom(src: HostSource): HostImpl;
}
