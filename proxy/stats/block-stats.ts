// Counter and gauge views of one stat of a stat block: made when asked for (a component's stats
// object, a lookup by name, a render) and dropped after use; the value lives in the block's pool,
// so every view of one stat reads and writes the same number, as one eager stat object would.

import { Metric, type TagResolver } from './metric';
import type { StatBlockPool } from './stat-block-pool';
import type { Counter, Gauge } from './types';

export class BlockCounter extends Metric implements Counter {
  constructor(
    name: string,
    tags: TagResolver,
    private readonly pool: StatBlockPool,
    private readonly handle: number,
    /** Index among the layout's counters (its stat index too: counters come first). */
    private readonly index: number,
  ) {
    super(name, tags);
  }

  get value(): number {
    return this.pool.value(this.handle, this.index);
  }
  /** Value at the previous flush, for interval deltas (sinks). */
  get latched(): number {
    return this.pool.latched(this.handle, this.index);
  }
  inc(): void {
    this.pool.add(this.handle, this.index, 1);
  }
  add(n: number): void {
    this.pool.add(this.handle, this.index, n);
  }
  /** Increase since the previous flush. */
  intervalValue(): number {
    return this.value - this.latched;
  }
  isUsed(): boolean {
    return this.pool.used(this.handle, this.index);
  }
}

export class BlockGauge extends Metric implements Gauge {
  constructor(
    name: string,
    tags: TagResolver,
    private readonly pool: StatBlockPool,
    private readonly handle: number,
    /** Stat index in the block: the layout's counter count plus the gauge's index. */
    private readonly stat: number,
  ) {
    super(name, tags);
  }

  get value(): number {
    return this.pool.value(this.handle, this.stat);
  }
  set(n: number): void {
    this.pool.set(this.handle, this.stat, n);
  }
  add(n: number): void {
    this.pool.add(this.handle, this.stat, n);
  }
  sub(n: number): void {
    this.pool.add(this.handle, this.stat, -n);
  }
  inc(): void {
    this.pool.add(this.handle, this.stat, 1);
  }
  dec(): void {
    this.pool.add(this.handle, this.stat, -1);
  }
  isUsed(): boolean {
    return this.pool.used(this.handle, this.stat);
  }
}

/**
 * What a component's stats object hands out for a block stat it writes (ClusterStats' getters):
 * the value operations only, the name built if read. A Metric view per access cost ~5 µs, paid
 * for each of 10,000 clusters several times per push. A rejected or freed stat reads 0 and drops
 * writes (the pool checks the handle), as a null stat does.
 */
export class BlockSlot implements Counter, Gauge {
  constructor(
    private readonly pool: StatBlockPool,
    private readonly handle: number,
    private readonly stat: number,
  ) {}

  get name(): string {
    const id = this.pool.idOf(this.handle);
    return id < 0 ? '' : `${this.pool.prefixOf(id)}.${this.pool.layout.names[this.stat]}`;
  }
  get value(): number {
    return this.pool.value(this.handle, this.stat);
  }
  set(n: number): void {
    this.pool.set(this.handle, this.stat, n);
  }
  add(n: number): void {
    this.pool.add(this.handle, this.stat, n);
  }
  sub(n: number): void {
    this.pool.add(this.handle, this.stat, -n);
  }
  inc(): void {
    this.pool.add(this.handle, this.stat, 1);
  }
  dec(): void {
    this.pool.add(this.handle, this.stat, -1);
  }
}
