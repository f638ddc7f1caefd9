// The values of every block of one layout in a store, packed into shared number arrays: a block is
// a run of `stride` numbers (reference count, generation, used and rejected bits, counter values,
// counter latches, gauge values), found by prefix. Eager stats cost a ~80 B object, a full-name
// string, a map entry and a scope's reference each, ~190 B; a cluster's ten update and membership
// stats cost ~220 B in all this way (152 B of numbers, the prefix's map entry and slot).
//
// Blocks are addressed by a handle, id + generation: an id is reused after its block is freed, and
// the generation (bumped on free) keeps a stale handle (a removed cluster's stats object) from
// writing into the block that took its place, as a removed eager stat is detached from the store.

import type { StatBlockLayout } from './stat-block-layout';

const REFS = 0;
const GEN = 1;
const USED = 2;
const REJECTED = 3;
const HEADER = 4;

/** Blocks per chunk array: chunks never move, and at most one is partly empty. */
const CHUNK_BITS = 8;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;

/** A handle is `generation << ID_BITS | id`, a small integer. */
const ID_BITS = 22;
const ID_MASK = (1 << ID_BITS) - 1;
const GEN_MASK = (1 << (31 - ID_BITS)) - 1;

/** Reference count of a block the store root holds: never freed. */
const PINNED = -1;

export class StatBlockPool {
  /** Live blocks by prefix. */
  readonly ids = new Map<string, number>();
  /** Stats in live blocks that the matcher accepts (the store's size counts them). */
  statCount = 0;
  private readonly chunks: number[][] = [];
  private readonly prefixes: (string | undefined)[] = [];
  private readonly free: number[] = [];
  private readonly stride: number;
  private readonly counterCount: number;

  constructor(
    readonly layout: StatBlockLayout,
    /** The pool's position in its store (scopes record held blocks as `id * MAX_POOLS + index`). */
    readonly index: number,
  ) {
    this.counterCount = layout.counters.length;
    this.stride = HEADER + layout.names.length + this.counterCount;
  }

  /** A new block for `prefix` with no references, zero values and the matcher's `rejected` bits. */
  alloc(prefix: string, rejected: number): number {
    let id = this.free.pop();
    if (id === undefined) {
      id = this.prefixes.length;
      if (id > ID_MASK) throw new Error(`more than ${ID_MASK + 1} stat blocks of one layout`);
      if ((id & CHUNK_MASK) === 0) this.chunks.push(new Array<number>((CHUNK_MASK + 1) * this.stride).fill(0));
    }
    const c = this.chunks[id >>> CHUNK_BITS];
    const b = (id & CHUNK_MASK) * this.stride;
    c[b + REFS] = 0;
    c[b + USED] = 0;
    c[b + REJECTED] = rejected;
    c.fill(0, b + HEADER, b + this.stride);
    this.prefixes[id] = prefix;
    this.ids.set(prefix, id);
    this.statCount += this.layout.names.length - bitCount(rejected);
    return id;
  }

  prefixOf(id: number): string {
    return this.prefixes[id]!;
  }

  /** The handle of live block `id`. */
  handle(id: number): number {
    return (this.chunks[id >>> CHUNK_BITS][(id & CHUNK_MASK) * this.stride + GEN] << ID_BITS) | id;
  }

  /** The id of the block `handle` names, or -1 once that block is freed. */
  idOf(handle: number): number {
    const id = handle & ID_MASK;
    const c = this.chunks[id >>> CHUNK_BITS];
    return c !== undefined && c[(id & CHUNK_MASK) * this.stride + GEN] === handle >>> ID_BITS && this.prefixes[id] !== undefined ? id : -1;
  }

  // ---- references (scopes) ----

  pinned(id: number): boolean {
    return this.at(id, REFS) === PINNED;
  }
  pin(id: number): void {
    this.put(id, REFS, PINNED);
  }
  retain(id: number): void {
    this.put(id, REFS, this.at(id, REFS) + 1);
  }
  /** Drops one reference; the last one frees the block (its stats leave the store). */
  release(id: number): void {
    const refs = this.at(id, REFS);
    if (refs <= 0) return;
    if (refs > 1) {
      this.put(id, REFS, refs - 1);
      return;
    }
    this.put(id, REFS, 0);
    this.put(id, GEN, (this.at(id, GEN) + 1) & GEN_MASK);
    this.statCount -= this.layout.names.length - bitCount(this.at(id, REJECTED));
    this.ids.delete(this.prefixes[id]!);
    this.prefixes[id] = undefined;
    this.free.push(id);
  }

  // ---- values, by stat index (counters, then gauges); handles may be stale ----

  rejected(id: number, stat: number): boolean {
    return (this.at(id, REJECTED) & (1 << stat)) !== 0;
  }
  value(handle: number, stat: number): number {
    const id = this.idOf(handle);
    return id < 0 ? 0 : this.at(id, HEADER + stat);
  }
  /** A counter's value at the previous flush. */
  latched(handle: number, counter: number): number {
    const id = this.idOf(handle);
    return id < 0 ? 0 : this.at(id, HEADER + this.layout.names.length + counter);
  }
  used(handle: number, stat: number): boolean {
    const id = this.idOf(handle);
    return id >= 0 && (this.at(id, USED) & (1 << stat)) !== 0;
  }
  add(handle: number, stat: number, n: number): void {
    const id = this.idOf(handle);
    if (id < 0) return;
    const c = this.chunks[id >>> CHUNK_BITS];
    const b = (id & CHUNK_MASK) * this.stride;
    c[b + HEADER + stat] += n;
    c[b + USED] |= 1 << stat;
  }
  set(handle: number, stat: number, n: number): void {
    const id = this.idOf(handle);
    if (id < 0) return;
    const c = this.chunks[id >>> CHUNK_BITS];
    const b = (id & CHUNK_MASK) * this.stride;
    c[b + HEADER + stat] = n;
    c[b + USED] |= 1 << stat;
  }

  // ---- lifecycle (store) ----

  /** Latches every counter of every live block (the store's flush). */
  latchCounters(): void {
    const n = this.counterCount;
    const latch = HEADER + this.layout.names.length;
    for (const id of this.ids.values()) {
      const c = this.chunks[id >>> CHUNK_BITS];
      const b = (id & CHUNK_MASK) * this.stride;
      for (let i = 0; i < n; i++) c[b + latch + i] = c[b + HEADER + i];
    }
  }
  /** Zeroes every counter and its latch (/reset_counters); used bits stay, as for eager counters. */
  resetCounters(): void {
    const n = this.counterCount;
    const latch = HEADER + this.layout.names.length;
    for (const id of this.ids.values()) {
      const c = this.chunks[id >>> CHUNK_BITS];
      const b = (id & CHUNK_MASK) * this.stride;
      c.fill(0, b + HEADER, b + HEADER + n);
      c.fill(0, b + latch, b + latch + n);
    }
  }

  private at(id: number, slot: number): number {
    return this.chunks[id >>> CHUNK_BITS][(id & CHUNK_MASK) * this.stride + slot];
  }
  private put(id: number, slot: number, v: number): void {
    this.chunks[id >>> CHUNK_BITS][(id & CHUNK_MASK) * this.stride + slot] = v;
  }
}

function bitCount(bits: number): number {
  let n = 0;
  for (let b = bits; b !== 0; b &= b - 1) n++;
  return n;
}
