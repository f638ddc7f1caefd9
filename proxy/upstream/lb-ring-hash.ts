// RING_HASH (Envoy's RingHashLoadBalancer, ketama style): each host gets ring entries in
// proportion to its normalized weight, hashed as xxHash64("<key>_<i>") where key is the
// address (or hostname / envoy.lb hash_key); the ring size is the smallest that gives the
// lightest host ceil(min_ring_size * its share) entries, capped at maximum_ring_size. A request
// hash maps to the first entry at or after it, wrapping to the start.
import type { HostImpl } from './host';
import { split64, xxHash64 } from './hash64';
import { HashLb, HashTable, perturbHi, perturbLo, WeightedHost } from './lb-hash-base';
import { hashKeyOf, LbCounters } from './lb-types';
import type { PrioritySet } from './priority-set';

export class Ring implements HashTable {
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  readonly owners: Uint32Array;

  constructor(
    readonly hosts: HostImpl[],
    hashes: bigint[],
    owners: number[],
  ) {
    const n = hashes.length;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => (hashes[a] < hashes[b] ? -1 : hashes[a] > hashes[b] ? 1 : 0));
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.owners = new Uint32Array(n);
    for (let k = 0; k < n; k++) {
      const [h, l] = split64(hashes[order[k]]);
      this.hi[k] = h;
      this.lo[k] = l;
      this.owners[k] = owners[order[k]];
    }
  }

  get size(): number {
    return this.hi.length;
  }

  choose(hi: number, lo: number, attempt: number): HostImpl | undefined {
    const n = this.hi.length;
    if (n === 0) return undefined;
    hi = perturbHi(hi, attempt);
    lo = perturbLo(lo, attempt);
    // Lower bound: the first entry whose hash >= (hi, lo).
    let a = 0;
    let b = n;
    const H = this.hi;
    const L = this.lo;
    while (a < b) {
      const m = (a + b) >>> 1;
      const mh = H[m];
      if (mh < hi || (mh === hi && L[m] < lo)) a = m + 1;
      else b = m;
    }
    return this.hosts[this.owners[a === n ? 0 : a]];
  }
}

export function buildRing(weighted: WeightedHost[], minSize: number, maxSize: number, useHostname: boolean): Ring {
  let min = 1;
  for (const w of weighted) if (w.weight < min) min = w.weight;
  const scale = Math.min(Math.ceil(min * minSize) / min, maxSize);
  const hosts: HostImpl[] = [];
  const hashes: bigint[] = [];
  const owners: number[] = [];
  let current = 0;
  let target = 0;
  for (const w of weighted) {
    const idx = hosts.push(w.host) - 1;
    const key = hashKeyOf(w.host, useHostname);
    target += scale * w.weight;
    for (let i = 0; current < target; i++, current++) {
      hashes.push(xxHash64(`${key}_${i}`));
      owners.push(idx);
    }
  }
  return new Ring(hosts, hashes, owners);
}

export class RingHashLb extends HashLb {
  constructor(
    ps: PrioritySet,
    counters: LbCounters,
    localityWeighted: boolean,
    private readonly minSize: number,
    private readonly maxSize: number,
    private readonly useHostname: boolean,
  ) {
    super(ps, counters, localityWeighted);
  }

  protected build(weighted: WeightedHost[]): HashTable {
    return buildRing(weighted, this.minSize, this.maxSize, this.useHostname);
  }
}
