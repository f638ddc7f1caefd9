// The stats store: owns every stat by full name, applies stats_config when a stat is first asked
// for (matcher, tag extraction, histogram buckets), and hands out the same object for the same name.
// Scopes hold references so a removed cluster or listener can release() its stats; the store root
// pins what it creates. flush() and resetCounters() are the server's and admin's entry points;
// renderers read the store through the iterators at the bottom.
//
// A scope may defer a fixed group of stats (deferStats): they are created on first use, and until
// then the iterators yield them as fresh zero-valued stats, so /stats and /stats/prometheus read
// exactly as if they existed. A cluster's ~40 traffic stats are such a group: most of 10,000 xDS
// clusters never see a request, and creating their stats up front dominates the push's cost.
// Several live scopes of one name may defer the same group (a cluster's serving and warming
// versions): the first to create it makes every other one hold it too, so its values survive
// whichever scope is released first, as eagerly created stats would.
//
// A scope may also open a stat block (openStatBlock): a fixed layout of counters and gauges whose
// values live packed in a per-layout pool (stat-block-pool.ts), one block per prefix shared by
// every scope of that prefix and freed with the last one. The iterators and lookups by name hand
// out views of its stats (block-stats.ts), so they read and write like eager stats, for a tenth of
// the memory. A cluster's always-present update and membership stats are such a block.

import type { BlockCounter, BlockGauge } from './block-stats';
import { CounterImpl } from './counter';
import { EagerHeads } from './eager-heads';
import { GaugeImpl } from './gauge';
import { HistogramImpl } from './histogram';
import { compileHistogramSettings, type HistogramSettings } from './histogram-settings';
import { Metric, NO_TAGS, type TagResolver } from './metric';
import { NULL_COUNTER, NULL_GAUGE, NULL_HISTOGRAM, NULL_TEXT_READOUT } from './null-stats';
import type { StatBlockLayout } from './stat-block-layout';
import type { StatBlockPool } from './stat-block-pool';
import { blockEntry, REJECTED_BLOCK, StatBlocks } from './stat-blocks';
import type { Result, StatsConfigInput } from './stats-config';
import { compileStatsMatcher, type StatsMatcher } from './stats-matcher';
import { StringInterner } from './string-interner';
import { compileTagProducer, type FlatTags, type TagProducer } from './tag-producer';
import { TextReadoutImpl } from './text-readout';
import type { Counter, Gauge, Histogram, StatsScope, TextReadout } from './types';

/** stats_config validated and compiled once at the edge. */
export interface CompiledStatsConfig {
  readonly tagProducer: TagProducer;
  readonly matcher: StatsMatcher;
  readonly histogramSettings: HistogramSettings;
}

export function compileStatsConfig(input?: StatsConfigInput): Result<CompiledStatsConfig> {
  const tp = compileTagProducer(input);
  const m = compileStatsMatcher(input?.stats_matcher);
  const hs = compileHistogramSettings(input?.histogram_bucket_settings);
  const errors = [...(tp.ok ? [] : tp.errors), ...(m.ok ? [] : m.errors), ...(hs.ok ? [] : hs.errors)];
  if (!tp.ok || !m.ok || !hs.ok) return { ok: false, errors };
  return { ok: true, value: { tagProducer: tp.value, matcher: m.value, histogramSettings: hs.value } };
}

/** Builds a store; throws with all field errors if the config is invalid (use compileStatsConfig to get them). */
export function createStatsStore(config?: StatsConfigInput | CompiledStatsConfig): StatsStore {
  if (config !== undefined && 'tagProducer' in config) return new StatsStore(config);
  const c = compileStatsConfig(config);
  if (!c.ok) throw new Error(`invalid stats_config: ${c.errors.join('; ')}`);
  return new StatsStore(c.value);
}

const PINNED = -1;

/** A counter or gauge as the iterators yield it: an eager stat, or a view of a block's stat. */
export type CounterStat = CounterImpl | BlockCounter;
export type GaugeStat = GaugeImpl | BlockGauge;

/** The accept mask of a deferred name list the stats matcher rejects whole (shared). */
const NONE_ACCEPTED = new Uint8Array(0);

/** Envoy's sanitizeStatsName for scope prefixes: trim one '.' at each end, ':' and NUL become '_'. */
export function sanitizeStatsName(name: string): string {
  let s = name;
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.startsWith('.')) s = s.slice(1);
  // Nearly every prefix (a cluster's, a listener's) has neither: no regex pass for them.
  return s.indexOf(':') < 0 && s.indexOf('\0') < 0 ? s : s.replace(/[:\0]/g, '_');
}

/**
 * What a read of the store can show (a request's usedonly and filter; StatsParams is one): block
 * stats and deferred ones are skipped before a view or stand-in is made for them. Stats stored as
 * objects are listed regardless; the renderers select among them.
 */
export interface StatSelection {
  readonly usedOnly: boolean;
  /** Partial-match filter on the full stat name, or null. */
  readonly filter: RegExp | null;
}

/** Names of stats a scope creates together on first use (shared by every scope that defers them). */
export interface DeferredStatNames {
  readonly counters: readonly string[];
  readonly gauges: readonly string[];
  readonly histograms: readonly string[];
}

/**
 * Lets `scope` create `names` on first use; until then they read as zeros. False when it cannot:
 * not a store scope, or the stats exist already (held by a previous scope of the same name, whose
 * values they keep), in which case the caller creates them now.
 */
export function deferStats(scope: StatsScope, names: DeferredStatNames): boolean {
  return scope instanceof ScopeImpl && scope.defer(names);
}

/**
 * The deferred group `names` of `scope` is being created: the iterators stop standing in for it,
 * and every other live scope of the same name that defers it takes a reference to it now.
 */
export function undeferStats(scope: StatsScope, names: DeferredStatNames): void {
  if (scope instanceof ScopeImpl) scope.materialize(names);
}

export { REJECTED_BLOCK };

/**
 * Opens the stat block `layout` under `scope`'s prefix, shared with every scope of that prefix and
 * held by each until released. Returns its handle (for blockCounter and blockGauge), REJECTED_BLOCK,
 * or undefined when it cannot: not a store scope, the root, or stats of the block's names exist
 * already (created eagerly before), in which case the caller creates them eagerly, keeping them.
 */
export function openStatBlock(scope: StatsScope, layout: StatBlockLayout): number | undefined {
  return scope instanceof ScopeImpl && !scope.root && scope.prefix !== '' ? scope.store.blocks.open(scope.prefix, layout, scope) : undefined;
}

/** Counter `index` of the block `handle` that `scope` opened (a null counter if rejected or freed). */
export function blockCounter(scope: StatsScope, layout: StatBlockLayout, handle: number, index: number): Counter {
  return scope instanceof ScopeImpl && handle !== REJECTED_BLOCK ? scope.store.blocks.slot(layout, handle, index, false) : NULL_COUNTER;
}

/** Gauge `index` (among the layout's gauges) of the block `handle` that `scope` opened. */
export function blockGauge(scope: StatsScope, layout: StatBlockLayout, handle: number, index: number): Gauge {
  return scope instanceof ScopeImpl && handle !== REJECTED_BLOCK ? scope.store.blocks.slot(layout, handle, index, true) : NULL_GAUGE;
}

class ScopeImpl implements StatsScope {
  /**
   * What this scope holds a reference to: stats, and blocks as their blockEntry numbers. One
   * entry is kept as is, an array made for more: a cluster's scope often holds just its block, and
   * an array grown by push takes ~150 B for its first entry.
   */
  private held: Metric | number | (Metric | number)[] | undefined = undefined;
  private children: ScopeImpl[] | undefined = undefined;
  /** Deferred groups not created yet: one (the common case, no array) or several. */
  deferred: DeferredStatNames | DeferredStatNames[] | undefined = undefined;
  /**
   * The stats matcher's verdicts on this scope's deferred names, by name list (1 = accepted),
   * taken on the first render: the matcher and the prefix never change, and Istio's inclusion
   * list (with a regex) rejects nearly all of a cluster's ~100 names on every scrape otherwise.
   */
  acceptMasks: (readonly string[] | Uint8Array)[] | undefined = undefined; // name list, mask, ...
  constructor(
    readonly store: StatsStore,
    readonly prefix: string,
    readonly root: boolean,
  ) {}

  private full(name: string): string {
    return this.prefix === '' ? name : `${this.prefix}.${name}`;
  }
  counter(name: string): Counter {
    return this.store.obtainCounter(this.full(name), this);
  }
  gauge(name: string): Gauge {
    return this.store.obtainGauge(this.full(name), this);
  }
  histogram(name: string): Histogram {
    return this.store.obtainHistogram(this.full(name), this);
  }
  textReadout(name: string): TextReadout {
    return this.store.obtainTextReadout(this.full(name), this);
  }
  scope(prefix: string): StatsScope {
    const p = sanitizeStatsName(prefix);
    const child = new ScopeImpl(this.store, this.prefix === '' ? p : p === '' ? this.prefix : `${this.prefix}.${p}`, false);
    if (!this.root) (this.children ??= []).push(child);
    return child;
  }
  hold(m: Metric): void {
    if (m.refs === PINNED) return;
    if (this.root) {
      m.refs = PINNED;
      return;
    }
    if (m.refs > 0 && this.holds(m)) return;
    m.refs++;
    this.keep(m);
  }
  holdBlock(pool: StatBlockPool, id: number): void {
    if (pool.pinned(id)) return;
    if (this.root) {
      pool.pin(id);
      return;
    }
    const entry = blockEntry(pool, id);
    if (this.holds(entry)) return;
    pool.retain(id);
    this.keep(entry);
  }
  private holds(e: Metric | number): boolean {
    const h = this.held;
    return h === e || (Array.isArray(h) && h.includes(e));
  }
  private keep(e: Metric | number): void {
    const h = this.held;
    if (h === undefined) this.held = e;
    else if (Array.isArray(h)) h.push(e);
    else this.held = [h, e];
  }
  defer(names: DeferredStatNames): boolean {
    return !this.root && this.store.defer(this, names);
  }
  undefer(names?: DeferredStatNames): void {
    if (this.deferred !== undefined) this.store.undefer(this, names);
  }
  materialize(names: DeferredStatNames): void {
    if (!this.root) this.store.materialize(this, names);
  }
  defers(names: DeferredStatNames): boolean {
    const d = this.deferred;
    return d === names || (Array.isArray(d) && d.includes(names));
  }
  release(): void {
    if (this.root) return;
    this.undefer();
    const children = this.children;
    this.children = undefined;
    if (children !== undefined) for (const c of children) c.release();
    const h = this.held;
    this.held = undefined;
    if (Array.isArray(h)) for (const e of h) this.drop(e);
    else if (h !== undefined) this.drop(h);
  }
  private drop(e: Metric | number): void {
    if (typeof e === 'number') this.store.blocks.release(e);
    else if (e.refs > 0 && --e.refs === 0) this.store.remove(e);
  }
}

export class StatsStore implements StatsScope, TagResolver {
  readonly prefix = '';
  private readonly counterMap = new Map<string, CounterImpl>();
  private readonly gaugeMap = new Map<string, GaugeImpl>();
  private readonly histogramMap = new Map<string, HistogramImpl>();
  private readonly textReadoutMap = new Map<string, TextReadoutImpl>();
  /** Heads of the names in the three maps above (see eager-heads.ts). */
  private readonly heads = new EagerHeads();
  private readonly interner = new StringInterner();
  private readonly rootScope: ScopeImpl;
  private readonly namespaces: string[] = [];
  private lastTags: FlatTags = NO_TAGS;
  /** Live scopes with a deferred group not created yet, by prefix: one (the common case, no array) or several. */
  private readonly deferredScopes = new Map<string, ScopeImpl | ScopeImpl[]>();
  /** @internal Stat blocks (see openStatBlock). */
  readonly blocks: StatBlocks;

  constructor(readonly config: CompiledStatsConfig) {
    this.rootScope = new ScopeImpl(this, '', true);
    this.blocks = new StatBlocks({
      acceptsAll: config.matcher.acceptsAll,
      rejects: (name) => this.rejects(name),
      hasEager: (name, gauge) => (gauge ? this.gaugeMap : this.counterMap).has(name),
      mayHaveEagerUnder: (prefix) => this.heads.mayHaveUnder(prefix),
      viewTags: this.standInTags,
    });
  }

  // ---- creation (config time) ----

  counter(name: string): Counter {
    return this.obtainCounter(name, this.rootScope);
  }
  gauge(name: string): Gauge {
    return this.obtainGauge(name, this.rootScope);
  }
  histogram(name: string): Histogram {
    return this.obtainHistogram(name, this.rootScope);
  }
  textReadout(name: string): TextReadout {
    return this.obtainTextReadout(name, this.rootScope);
  }
  scope(prefix: string): StatsScope {
    return this.rootScope.scope(prefix);
  }
  /** The root scope is never released. */
  release(): void {}

  /**
   * Registers a custom stat namespace (e.g. Istio's `istiocustom`): in Prometheus output its stats
   * lose the namespace and get no `envoy_` prefix.
   */
  registerCustomNamespace(ns: string): void {
    if (!this.namespaces.includes(ns)) this.namespaces.push(ns);
  }
  customNamespaces(): readonly string[] {
    return this.namespaces;
  }

  /** @internal */ obtainCounter(name: string, holder: ScopeImpl): Counter {
    let c = this.counterMap.get(name);
    if (c === undefined) {
      if (this.blocks.any) {
        const b = this.blocks.find(name, false, holder) as BlockCounter | null | undefined;
        if (b !== undefined) return b ?? NULL_COUNTER;
      }
      if (this.rejects(name)) return NULL_COUNTER;
      c = new CounterImpl(name, this);
      this.counterMap.set(name, c);
      this.heads.added(name);
    }
    holder.hold(c);
    return c;
  }
  /** @internal */ obtainGauge(name: string, holder: ScopeImpl): Gauge {
    let g = this.gaugeMap.get(name);
    if (g === undefined) {
      if (this.blocks.any) {
        const b = this.blocks.find(name, true, holder) as BlockGauge | null | undefined;
        if (b !== undefined) return b ?? NULL_GAUGE;
      }
      if (this.rejects(name)) return NULL_GAUGE;
      g = new GaugeImpl(name, this);
      this.gaugeMap.set(name, g);
      this.heads.added(name);
    }
    holder.hold(g);
    return g;
  }
  /** @internal */ obtainHistogram(name: string, holder: ScopeImpl): Histogram {
    let h = this.histogramMap.get(name);
    if (h === undefined) {
      if (this.rejects(name)) return NULL_HISTOGRAM;
      h = new HistogramImpl(name, this, undefined, this.config.histogramSettings.bucketsFor(name));
      this.histogramMap.set(name, h);
      this.heads.added(name);
    }
    holder.hold(h);
    return h;
  }
  /** @internal */ obtainTextReadout(name: string, holder: ScopeImpl): TextReadout {
    let t = this.textReadoutMap.get(name);
    if (t === undefined) {
      if (this.rejects(name)) return NULL_TEXT_READOUT;
      t = new TextReadoutImpl(name, this);
      this.textReadoutMap.set(name, t);
    }
    holder.hold(t);
    return t;
  }
  /** @internal */ remove(m: Metric): void {
    if (m instanceof CounterImpl) {
      if (this.counterMap.delete(m.name)) this.heads.removed(m.name);
    } else if (m instanceof GaugeImpl) {
      if (this.gaugeMap.delete(m.name)) this.heads.removed(m.name);
    } else if (m instanceof HistogramImpl) {
      if (this.histogramMap.delete(m.name)) this.heads.removed(m.name);
    } else if (m instanceof TextReadoutImpl) this.textReadoutMap.delete(m.name);
    if (m.tagsResolved && m.tagExtractedName !== m.name) this.interner.release(m.tagExtractedName);
  }

  /** @internal */ defer(scope: ScopeImpl, names: DeferredStatNames): boolean {
    // A group is created whole, so one of its stats tells whether an earlier scope of this name
    // created it (then this scope takes the same objects now, keeping their values).
    let probe: string | undefined;
    let map: ReadonlyMap<string, unknown>;
    if (names.counters.length) {
      probe = names.counters[0];
      map = this.counterMap;
    } else if (names.gauges.length) {
      probe = names.gauges[0];
      map = this.gaugeMap;
    } else {
      probe = names.histograms[0];
      map = this.histogramMap;
    }
    if (probe === undefined || (this.heads.mayHaveUnder(scope.prefix) && map.has(`${scope.prefix}.${probe}`))) return false;
    const d = scope.deferred;
    // Lists are replaced, not pushed to: a pushed array keeps room for 17 (a cluster has three groups).
    if (d === undefined) scope.deferred = names;
    else if (Array.isArray(d)) {
      if (!d.includes(names)) scope.deferred = [...d, names];
    } else if (d !== names) scope.deferred = [d, names];
    const e = this.deferredScopes.get(scope.prefix);
    if (e === undefined) this.deferredScopes.set(scope.prefix, scope);
    else if (Array.isArray(e)) {
      if (!e.includes(scope)) e.push(scope);
    } else if (e !== scope) this.deferredScopes.set(scope.prefix, [e, scope]);
    return true;
  }
  /** @internal Drops one deferred group of `scope` (every group without `names`). */
  undefer(scope: ScopeImpl, names?: DeferredStatNames): void {
    const d = scope.deferred;
    if (names === undefined || d === names) scope.deferred = undefined;
    else if (Array.isArray(d)) {
      const rest = d.filter((g) => g !== names);
      scope.deferred = rest.length === 0 ? undefined : rest.length === 1 ? rest[0] : rest;
    }
    if (scope.deferred !== undefined) return;
    const e = this.deferredScopes.get(scope.prefix);
    if (e === scope) this.deferredScopes.delete(scope.prefix);
    else if (Array.isArray(e)) {
      const rest = e.filter((s) => s !== scope);
      if (rest.length !== e.length) this.deferredScopes.set(scope.prefix, rest.length === 1 ? rest[0] : rest);
    }
  }
  /**
   * @internal `scope` creates its group `names` (it need not have deferred it): every other live
   * scope of its name still deferring the group creates it now and holds it, so the stats live as
   * long as any of them, as if each had created them up front.
   */
  materialize(scope: ScopeImpl, names: DeferredStatNames): void {
    if (scope.deferred !== undefined) this.undefer(scope, names);
    const e = this.deferredScopes.get(scope.prefix);
    if (e === undefined) return;
    for (const other of Array.isArray(e) ? [...e] : [e]) {
      if (other === scope || !other.defers(names)) continue;
      this.undefer(other, names);
      for (const n of names.counters) other.counter(n);
      for (const n of names.gauges) other.gauge(n);
      for (const n of names.histograms) other.histogram(n);
    }
  }

  /**
   * Zero-valued stand-ins for deferred stats not created yet (and not rejected by the matcher),
   * made only for what `sel` can show: none under usedonly (a stand-in is never used), the
   * filter's matches under a filter. A filtered render of 10,000 clusters need not build ~half a
   * million stand-ins to drop them.
   */
  private *standIns<T>(pick: (d: DeferredStatNames) => readonly string[], map: ReadonlyMap<string, unknown>, make: (name: string) => T, sel: StatSelection | undefined): Generator<T> {
    if (sel?.usedOnly) return;
    const filter = sel?.filter ?? null;
    for (const [prefix, e] of this.deferredScopes) {
      let groups: readonly DeferredStatNames[];
      if (!Array.isArray(e)) groups = Array.isArray(e.deferred) ? e.deferred : [e.deferred!];
      else {
        // Scopes of one name deferring the same group stand in for it once.
        const all: DeferredStatNames[] = [];
        for (const s of e) for (const g of Array.isArray(s.deferred) ? s.deferred : [s.deferred!]) if (!all.includes(g)) all.push(g);
        groups = all;
      }
      const holder = Array.isArray(e) ? e[0] : e;
      for (const group of groups) {
        const names = pick(group);
        if (names.length === 0) continue;
        const mask = this.acceptMask(holder, names);
        if (mask === NONE_ACCEPTED) continue;
        for (let i = 0; i < names.length; i++) {
          if (mask !== undefined && mask[i] === 0) continue;
          const full = `${prefix}.${names[i]}`;
          if ((filter === null || filter.test(full)) && !map.has(full)) yield make(full);
        }
      }
    }
  }

  /** Which of `names` under `scope` the matcher accepts; undefined when it accepts everything. */
  private acceptMask(scope: ScopeImpl, names: readonly string[]): Uint8Array | undefined {
    if (this.config.matcher.acceptsAll) return undefined;
    const masks = (scope.acceptMasks ??= []);
    for (let i = 0; i < masks.length; i += 2) if (masks[i] === names) return masks[i + 1] as Uint8Array;
    let mask = new Uint8Array(names.length);
    let any = false;
    for (let i = 0; i < names.length; i++) {
      if (this.rejects(`${scope.prefix}.${names[i]}`)) continue;
      mask[i] = 1;
      any = true;
    }
    if (!any) mask = NONE_ACCEPTED;
    masks.push(names, mask);
    return mask;
  }

  private rejects(name: string): boolean {
    const m = this.config.matcher;
    return !m.acceptsAll && m.rejects(name);
  }

  /** @internal Tag extraction, run by a stat the first time its tags are read. */
  resolveTags(name: string): [string, FlatTags] {
    return this.tagsOf(name, true);
  }

  /** Stand-ins and block views are never removed from the store, so they must not take interner references. */
  private readonly standInTags: TagResolver = { resolveTags: (name) => this.tagsOf(name, false) };

  private tagsOf(name: string, intern: boolean): [string, FlatTags] {
    const p = this.config.tagProducer.produce(name);
    let tags = p.tags;
    if (tags.length === 0) tags = NO_TAGS;
    else if (sameTags(tags, this.lastTags)) tags = this.lastTags;
    else this.lastTags = tags;
    const ten = p.tagExtractedName === name || !intern ? p.tagExtractedName : this.interner.acquire(p.tagExtractedName);
    return [ten, tags];
  }

  // ---- lifecycle (server, admin) ----

  /** Called every stats_flush_interval: latches counters, merges histogram intervals. */
  flush(): void {
    for (const c of this.counterMap.values()) c.latched = c.value;
    this.blocks.latchCounters();
    for (const h of this.histogramMap.values()) h.flush();
  }

  /** Admin /reset_counters: zero every counter (gauges, histograms and text readouts keep values). */
  resetCounters(): void {
    for (const c of this.counterMap.values()) {
      c.value = 0;
      c.latched = 0;
    }
    this.blocks.resetCounters();
  }

  // ---- read side (renderers) ----

  // Every stored stat, then block stats and stand-ins for deferred ones, those `sel` can show.
  *counters(sel?: StatSelection): IterableIterator<CounterStat> {
    yield* this.counterMap.values();
    yield* this.blocks.counters(sel);
    if (this.deferredScopes.size) yield* this.standIns((d) => d.counters, this.counterMap, (n) => new CounterImpl(n, this.standInTags), sel);
  }
  *gauges(sel?: StatSelection): IterableIterator<GaugeStat> {
    yield* this.gaugeMap.values();
    yield* this.blocks.gauges(sel);
    if (this.deferredScopes.size) yield* this.standIns((d) => d.gauges, this.gaugeMap, (n) => new GaugeImpl(n, this.standInTags), sel);
  }
  *histograms(sel?: StatSelection): IterableIterator<HistogramImpl> {
    yield* this.histogramMap.values();
    if (this.deferredScopes.size) {
      yield* this.standIns((d) => d.histograms, this.histogramMap, (n) => new HistogramImpl(n, this.standInTags, undefined, this.config.histogramSettings.bucketsFor(n)), sel);
    }
  }
  textReadouts(): IterableIterator<TextReadoutImpl> {
    return this.textReadoutMap.values();
  }
  /**
   * Number of stored stats of every kind (for memory checks and /memory-style reporting); deferred
   * ones not yet created do not count, stats of blocks (but not rejected ones) do.
   */
  get size(): number {
    return this.counterMap.size + this.gaugeMap.size + this.histogramMap.size + this.textReadoutMap.size + this.blocks.size;
  }
}

function sameTags(a: FlatTags, b: FlatTags): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
