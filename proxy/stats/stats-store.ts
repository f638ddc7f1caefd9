// The stats store: owns every stat by full name, applies stats_config when a stat is first asked
// for (matcher, tag extraction, histogram buckets), and hands out the same object for the same name.
// Scopes hold references so a removed cluster or listener can release() its stats; the store root
// pins what it creates. flush() and resetCounters() are the server's and admin's entry points;
// renderers read the store through the iterators at the bottom.

import { CounterImpl } from './counter';
import { GaugeImpl } from './gauge';
import { HistogramImpl } from './histogram';
import { compileHistogramSettings, type HistogramSettings } from './histogram-settings';
import { Metric, NO_TAGS } from './metric';
import { NULL_COUNTER, NULL_GAUGE, NULL_HISTOGRAM, NULL_TEXT_READOUT } from './null-stats';
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

/** Envoy's sanitizeStatsName for scope prefixes: trim one '.' at each end, ':' and NUL become '_'. */
export function sanitizeStatsName(name: string): string {
  let s = name;
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.startsWith('.')) s = s.slice(1);
  return s.replace(/[:\0]/g, '_');
}

class ScopeImpl implements StatsScope {
  readonly held: Metric[] = [];
  readonly children: ScopeImpl[] = [];
  constructor(
    private readonly store: StatsStore,
    readonly prefix: string,
    private readonly root: boolean,
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
    if (!this.root) this.children.push(child);
    return child;
  }
  hold(m: Metric): void {
    if (m.refs === PINNED) return;
    if (this.root) {
      m.refs = PINNED;
      return;
    }
    if (m.refs > 0 && this.held.includes(m)) return;
    m.refs++;
    this.held.push(m);
  }
  release(): void {
    if (this.root) return;
    for (const c of this.children) c.release();
    this.children.length = 0;
    for (const m of this.held) if (m.refs > 0 && --m.refs === 0) this.store.remove(m);
    this.held.length = 0;
  }
}

export class StatsStore implements StatsScope {
  readonly prefix = '';
  private readonly counterMap = new Map<string, CounterImpl>();
  private readonly gaugeMap = new Map<string, GaugeImpl>();
  private readonly histogramMap = new Map<string, HistogramImpl>();
  private readonly textReadoutMap = new Map<string, TextReadoutImpl>();
  private readonly interner = new StringInterner();
  private readonly rootScope: ScopeImpl;
  private readonly namespaces: string[] = [];
  private lastTags: FlatTags = NO_TAGS;

  constructor(readonly config: CompiledStatsConfig) {
    this.rootScope = new ScopeImpl(this, '', true);
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
      if (this.rejects(name)) return NULL_COUNTER;
      const [ten, tags] = this.tagsFor(name);
      c = new CounterImpl(name, ten, tags);
      this.counterMap.set(name, c);
    }
    holder.hold(c);
    return c;
  }
  /** @internal */ obtainGauge(name: string, holder: ScopeImpl): Gauge {
    let g = this.gaugeMap.get(name);
    if (g === undefined) {
      if (this.rejects(name)) return NULL_GAUGE;
      const [ten, tags] = this.tagsFor(name);
      g = new GaugeImpl(name, ten, tags);
      this.gaugeMap.set(name, g);
    }
    holder.hold(g);
    return g;
  }
  /** @internal */ obtainHistogram(name: string, holder: ScopeImpl): Histogram {
    let h = this.histogramMap.get(name);
    if (h === undefined) {
      if (this.rejects(name)) return NULL_HISTOGRAM;
      const [ten, tags] = this.tagsFor(name);
      h = new HistogramImpl(name, ten, tags, this.config.histogramSettings.bucketsFor(name));
      this.histogramMap.set(name, h);
    }
    holder.hold(h);
    return h;
  }
  /** @internal */ obtainTextReadout(name: string, holder: ScopeImpl): TextReadout {
    let t = this.textReadoutMap.get(name);
    if (t === undefined) {
      if (this.rejects(name)) return NULL_TEXT_READOUT;
      const [ten, tags] = this.tagsFor(name);
      t = new TextReadoutImpl(name, ten, tags);
      this.textReadoutMap.set(name, t);
    }
    holder.hold(t);
    return t;
  }
  /** @internal */ remove(m: Metric): void {
    if (m instanceof CounterImpl) this.counterMap.delete(m.name);
    else if (m instanceof GaugeImpl) this.gaugeMap.delete(m.name);
    else if (m instanceof HistogramImpl) this.histogramMap.delete(m.name);
    else if (m instanceof TextReadoutImpl) this.textReadoutMap.delete(m.name);
    if (m.tagExtractedName !== m.name) this.interner.release(m.tagExtractedName);
  }

  private rejects(name: string): boolean {
    const m = this.config.matcher;
    return !m.acceptsAll && m.rejects(name);
  }

  private tagsFor(name: string): [string, FlatTags] {
    const p = this.config.tagProducer.produce(name);
    let tags = p.tags;
    if (tags.length === 0) tags = NO_TAGS;
    else if (sameTags(tags, this.lastTags)) tags = this.lastTags;
    else this.lastTags = tags;
    const ten = p.tagExtractedName === name ? name : this.interner.acquire(p.tagExtractedName);
    return [ten, tags];
  }

  // ---- lifecycle (server, admin) ----

  /** Called every stats_flush_interval: latches counters, merges histogram intervals. */
  flush(): void {
    for (const c of this.counterMap.values()) c.latched = c.value;
    for (const h of this.histogramMap.values()) h.flush();
  }

  /** Admin /reset_counters: zero every counter (gauges, histograms and text readouts keep values). */
  resetCounters(): void {
    for (const c of this.counterMap.values()) {
      c.value = 0;
      c.latched = 0;
    }
  }

  // ---- read side (renderers) ----

  counters(): IterableIterator<CounterImpl> {
    return this.counterMap.values();
  }
  gauges(): IterableIterator<GaugeImpl> {
    return this.gaugeMap.values();
  }
  histograms(): IterableIterator<HistogramImpl> {
    return this.histogramMap.values();
  }
  textReadouts(): IterableIterator<TextReadoutImpl> {
    return this.textReadoutMap.values();
  }
  /** Number of stored stats of every kind (for memory checks and /memory-style reporting). */
  get size(): number {
    return this.counterMap.size + this.gaugeMap.size + this.histogramMap.size + this.textReadoutMap.size;
  }
}

function sameTags(a: FlatTags, b: FlatTags): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
