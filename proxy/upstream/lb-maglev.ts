// MAGLEV (Envoy's MaglevLoadBalancer): a lookup table of prime size (65537 by default) filled by
// each host's permutation (offset = xxHash64(key) mod M, skip = xxHash64(key, seed 1) mod (M-1)
// + 1), hosts taking turns in proportion to their normalized weight. A pick is one modulo and
// one array read. Hosts are ordered by key first so the table does not depend on EDS order.
import type { HostImpl } from './host';
import { xxHash64 } from './hash64';
import { HashLb, HashTable, perturbHi, perturbLo, WeightedHost } from './lb-hash-base';
import { hashKeyOf, LbCounters } from './lb-types';
import type { PrioritySet } from './priority-set';

export class MaglevTable implements HashTable {
  private readonly two32ModM: number;
  constructor(
    readonly hosts: HostImpl[],
    readonly table: Uint16Array | Uint32Array,
  ) {
    this.two32ModM = 4294967296 % table.length;
  }

  choose(hi: number, lo: number, attempt: number): HostImpl | undefined {
    hi = perturbHi(hi, attempt);
    lo = perturbLo(lo, attempt);
    const m = this.table.length;
    const slot = ((hi % m) * this.two32ModM + (lo % m)) % m;
    return this.hosts[this.table[slot]];
  }
}

export function buildMaglev(weighted: WeightedHost[], size: number, useHostname: boolean): MaglevTable {
  const entries = weighted
    .map((w) => ({ w, key: hashKeyOf(w.host, useHostname) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const M = BigInt(size);
  const hosts = entries.map((e) => e.w.host);
  const n = entries.length;
  const offset = new Float64Array(n);
  const skip = new Float64Array(n);
  const next = new Float64Array(n);
  const target = new Float64Array(n);
  let maxWeight = 0;
  for (let i = 0; i < n; i++) {
    offset[i] = Number(xxHash64(entries[i].key) % M);
    skip[i] = Number(xxHash64(entries[i].key, 1n) % (M - 1n)) + 1;
    if (entries[i].w.weight > maxWeight) maxWeight = entries[i].w.weight;
  }
  const table = hosts.length < 0xffff ? new Uint16Array(size) : new Uint32Array(size);
  const filled = new Uint8Array(size);
  let count = 0;
  for (let iteration = 1; count < size; iteration++) {
    for (let i = 0; i < n && count < size; i++) {
      const weight = entries[i].w.weight;
      if (iteration * weight < target[i]) continue;
      target[i] += maxWeight;
      let c = (offset[i] + skip[i] * next[i]) % size;
      while (filled[c] === 1) {
        next[i]++;
        c = (offset[i] + skip[i] * next[i]) % size;
      }
      table[c] = i;
      filled[c] = 1;
      next[i]++;
      count++;
    }
  }
  return new MaglevTable(hosts, table);
}

export class MaglevLb extends HashLb {
  constructor(
    ps: PrioritySet,
    counters: LbCounters,
    localityWeighted: boolean,
    private readonly size: number,
    private readonly useHostname: boolean,
  ) {
    super(ps, counters, localityWeighted);
  }

  protected build(weighted: WeightedHost[]): HashTable {
    return buildMaglev(weighted, this.size, this.useHostname);
  }
}
