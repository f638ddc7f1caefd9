// A store's stat blocks: one pool per layout opened in it, blocks found by prefix when a scope opens
// one and by full name when a stat is looked up the ordinary way, and views of their stats for the
// store's iterators. Which scopes hold a block is the scopes' business (stats-store.ts).

import { BlockCounter, BlockGauge, BlockSlot } from './block-stats';
import type { TagResolver } from './metric';
import { NULL_COUNTER, NULL_GAUGE } from './null-stats';
import { StatBlockLayout } from './stat-block-layout';
import { StatBlockPool } from './stat-block-pool';
import type { StatSelection } from './stats-store';
import type { Counter, Gauge } from './types';

/** openStatBlock's handle when the stats matcher rejects every stat of the block: they are null stats. */
export const REJECTED_BLOCK = -1;

/** Layouts one store can hold blocks of; a scope records a held block as `id * MAX_POOLS + pool index`. */
const MAX_POOLS = 32;

/** What blocks need from their store. */
export interface BlockHost {
  /** Whether the stats matcher accepts every name (then blocks ask it nothing). */
  readonly acceptsAll: boolean;
  rejects(name: string): boolean;
  /** Whether an eager counter (or gauge) of this full name exists. */
  hasEager(name: string, gauge: boolean): boolean;
  /** False when no eager stat can be named `${prefix}.<anything>` (a cheap check before hasEager). */
  mayHaveEagerUnder(prefix: string): boolean;
  /** Tags of views: they are made and dropped freely, so the store does not intern theirs. */
  readonly viewTags: TagResolver;
}

/** Whoever takes a reference to a block (a scope). */
export interface BlockHolder {
  holdBlock(pool: StatBlockPool, id: number): void;
}

/** How a scope records a held block (a small integer, so holding one costs no object). */
export function blockEntry(pool: StatBlockPool, id: number): number {
  return id * MAX_POOLS + pool.index;
}

export class StatBlocks {
  private readonly pools: StatBlockPool[] = [];

  constructor(private readonly host: BlockHost) {}

  /**
   * The block `layout` under `prefix`, created if none is live, held by `holder`: its handle;
   * REJECTED_BLOCK when the matcher rejects all its stats; undefined when some exist as eager stats
   * (created before any block of that prefix), which the caller then keeps using.
   */
  open(prefix: string, layout: StatBlockLayout, holder: BlockHolder): number | undefined {
    let pool = this.pools.find((p) => p.layout === layout);
    let id = pool?.ids.get(prefix);
    if (id === undefined) {
      const rejected = this.rejectedBits(prefix, layout);
      if (rejected === layout.allBits) return REJECTED_BLOCK;
      if (this.hasEager(prefix, layout, rejected)) return undefined;
      if (pool === undefined) {
        if (this.pools.length === MAX_POOLS) throw new Error(`more than ${MAX_POOLS} stat block layouts`);
        pool = new StatBlockPool(layout, this.pools.length);
        this.pools.push(pool);
      }
      id = pool.alloc(prefix, rejected);
    }
    holder.holdBlock(pool!, id);
    return pool!.handle(id);
  }

  /** A slot (block-stats.ts) of stat `index` (among counters, or among gauges) of block `handle`; null if rejected or freed. */
  slot(layout: StatBlockLayout, handle: number, index: number, gauge: boolean): Counter & Gauge {
    const pool = this.pools.find((p) => p.layout === layout);
    const id = pool === undefined ? -1 : pool.idOf(handle);
    const stat = gauge ? layout.counters.length + index : index;
    if (id < 0 || pool!.rejected(id, stat)) return (gauge ? NULL_GAUGE : NULL_COUNTER) as Counter & Gauge;
    return new BlockSlot(pool!, handle, stat);
  }

  /**
   * The block stat the counter (or gauge) `name` is, held by `holder` from now on; null when the
   * matcher rejected it, undefined when no live block has it.
   */
  find(name: string, gauge: boolean, holder: BlockHolder): BlockCounter | BlockGauge | null | undefined {
    for (const pool of this.pools) {
      if (pool.ids.size === 0) continue;
      const suffixes = gauge ? pool.layout.gauges : pool.layout.counters;
      for (let i = StatBlockLayout.suffixOf(name, suffixes); i >= 0; i = StatBlockLayout.suffixOf(name, suffixes, i + 1)) {
        const id = pool.ids.get(name.slice(0, name.length - suffixes[i].length - 1));
        if (id === undefined) continue;
        const stat = gauge ? pool.layout.counters.length + i : i;
        if (pool.rejected(id, stat)) return null;
        holder.holdBlock(pool, id);
        return this.view(pool, pool.handle(id), stat, name);
      }
    }
    return undefined;
  }

  /** Drops a reference a scope recorded with blockEntry. */
  release(entry: number): void {
    this.pools[entry % MAX_POOLS].release(Math.floor(entry / MAX_POOLS));
  }

  get any(): boolean {
    return this.pools.length > 0;
  }
  /** Stats in live blocks, rejected ones aside. */
  get size(): number {
    let n = 0;
    for (const p of this.pools) n += p.statCount;
    return n;
  }
  latchCounters(): void {
    for (const p of this.pools) p.latchCounters();
  }
  resetCounters(): void {
    for (const p of this.pools) p.resetCounters();
  }

  *counters(sel?: StatSelection): Generator<BlockCounter> {
    for (const p of this.pools) yield* this.views(p, 0, p.layout.counters.length, sel) as Generator<BlockCounter>;
  }
  *gauges(sel?: StatSelection): Generator<BlockGauge> {
    for (const p of this.pools) yield* this.views(p, p.layout.counters.length, p.layout.names.length, sel) as Generator<BlockGauge>;
  }

  /**
   * Views of the stats from index `from` to `to` of every live block in `pool`, rejected ones
   * aside, and only those `sel` can show: a view is made after the used bit and the filter pass.
   */
  private *views(pool: StatBlockPool, from: number, to: number, sel: StatSelection | undefined): Generator<BlockCounter | BlockGauge> {
    const names = pool.layout.names;
    const usedOnly = sel?.usedOnly === true;
    const filter = sel?.filter ?? null;
    for (const [prefix, id] of pool.ids) {
      const handle = pool.handle(id);
      for (let i = from; i < to; i++) {
        if (pool.rejected(id, i) || (usedOnly && !pool.used(handle, i))) continue;
        const name = `${prefix}.${names[i]}`;
        if (filter === null || filter.test(name)) yield this.view(pool, handle, i, name);
      }
    }
  }

  private view(pool: StatBlockPool, handle: number, stat: number, name: string): BlockCounter | BlockGauge {
    const tags = this.host.viewTags;
    return stat < pool.layout.counters.length ? new BlockCounter(name, tags, pool, handle, stat) : new BlockGauge(name, tags, pool, handle, stat);
  }

  /** The matcher's verdicts on a block's stats under `prefix`, as bits by stat index. */
  private rejectedBits(prefix: string, layout: StatBlockLayout): number {
    if (this.host.acceptsAll) return 0;
    let bits = 0;
    for (let i = 0; i < layout.names.length; i++) if (this.host.rejects(`${prefix}.${layout.names[i]}`)) bits |= 1 << i;
    return bits;
  }

  /** Whether an accepted stat of the block under `prefix` exists as an eager stat. */
  private hasEager(prefix: string, layout: StatBlockLayout, rejected: number): boolean {
    if (!this.host.mayHaveEagerUnder(prefix)) return false;
    const nc = layout.counters.length;
    for (let i = 0; i < layout.names.length; i++) {
      if ((rejected & (1 << i)) === 0 && this.host.hasEager(`${prefix}.${layout.names[i]}`, i >= nc)) return true;
    }
    return false;
  }
}
