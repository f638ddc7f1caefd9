// The base of the consistent-hash balancers (Envoy's ThreadAwareLoadBalancerBase): per priority a
// table built from normalized host weights (healthy hosts, or all hosts when that priority is in
// panic); a pick takes the request's 64-bit hash (from the route's hash_policy, else random),
// chooses the priority from hash mod 100, and looks the hash up in that priority's table.
// Retries under a host predicate flip the hash bits, as Envoy does, to land elsewhere.
import type { HostImpl } from './host';
import { LbCounters, LoadBalancer } from './lb-types';
import { choosePriority } from './priority-load';
import type { HostSet, PrioritySet } from './priority-set';
import type { LbContext } from './types';

export interface HashTable {
  /** `attempt` > 0 perturbs the hash for host-predicate retries. */
  choose(hi: number, lo: number, attempt: number): HostImpl | undefined;
}

export interface WeightedHost {
  readonly host: HostImpl;
  /** Normalized: all weights of a table sum to 1. */
  readonly weight: number;
}

const TWO32 = 4294967296;

/** Envoy's normalizeHostWeights / normalizeLocalityWeights. */
export function normalizeWeights(set: HostSet, panic: boolean, localityWeighted: boolean): WeightedHost[] {
  const out: WeightedHost[] = [];
  const push = (hosts: readonly HostImpl[], share: number): void => {
    let sum = 0;
    for (const h of hosts) sum += h.weight;
    if (sum <= 0) return;
    for (const h of hosts) out.push({ host: h, weight: (h.weight / sum) * share });
  };
  if (localityWeighted && set.localities !== null) {
    let lsum = 0;
    for (const g of set.localities) if ((panic ? g.hosts : g.healthy).length > 0) lsum += g.weight;
    if (lsum > 0) {
      for (const g of set.localities) {
        const hosts = panic ? g.hosts : g.healthy;
        if (hosts.length > 0 && g.weight > 0) push(hosts, g.weight / lsum);
      }
      return out;
    }
  }
  push(panic ? set.hosts : set.healthy, 1);
  return out;
}

export abstract class HashLb implements LoadBalancer {
  private tables: (HashTable | null)[] = [];

  constructor(
    protected readonly ps: PrioritySet,
    protected readonly counters: LbCounters,
    private readonly localityWeighted: boolean,
  ) {}

  protected abstract build(hosts: WeightedHost[]): HashTable | null;

  refresh(): void {
    const ps = this.ps;
    this.tables = ps.sets.map((s, p) => {
      const weighted = normalizeWeights(s, ps.load.panic[p] === true, this.localityWeighted);
      return weighted.length === 0 ? null : this.build(weighted);
    });
  }

  chooseHost(ctx: LbContext | undefined): HostImpl | undefined {
    let hi: number;
    let lo: number;
    const key = ctx === undefined ? undefined : ctx.hashKey;
    if (key === undefined) {
      hi = (Math.random() * TWO32) >>> 0;
      lo = (Math.random() * TWO32) >>> 0;
    } else if (typeof key === 'number') {
      hi = Math.floor(key / TWO32) >>> 0;
      lo = key >>> 0;
    } else {
      hi = Number((key >> 32n) & 0xffffffffn);
      lo = Number(key & 0xffffffffn);
    }
    const ps = this.ps;
    // (hi * 2^32 + lo) mod 100, with 2^32 mod 100 = 96.
    const mod100 = ((hi % 100) * 96 + (lo % 100)) % 100;
    const p = this.tables.length > 1 ? choosePriority(mod100, ps.load) >> 1 : 0;
    if (ps.load.panic[p]) this.counters.lb_healthy_panic.inc();
    const table = this.tables[p];
    if (table === null || table === undefined) return undefined;
    const tries = ctx === undefined || ctx.shouldSelectAnotherHost === undefined ? 1 : (ctx.hostSelectionRetryMaxAttempts ?? 0) + 1;
    let host: HostImpl | undefined;
    for (let i = 0; i < tries; i++) {
      host = table.choose(hi, lo, i);
      if (host === undefined || tries === 1 || !ctx!.shouldSelectAnotherHost!(host)) return host;
    }
    return host;
  }
}

/** hash ^= ~0 - attempt + 1 (i.e. 2^64 - attempt) on [hi, lo] halves; attempt < 2^32. */
export function perturbHi(hi: number, attempt: number): number {
  return attempt === 0 ? hi : (hi ^ 0xffffffff) >>> 0;
}
export function perturbLo(lo: number, attempt: number): number {
  return attempt === 0 ? lo : (lo ^ ((TWO32 - attempt) >>> 0)) >>> 0;
}
