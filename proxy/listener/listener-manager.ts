// The listener manager (Envoy's ListenerManagerImpl): listeners by name, added, updated and
// removed one at a time so LDS can drive it. An update builds and warms the new version while the
// old one serves, then swaps it in on the same sockets and drains the old version's connections
// (only those of filter chains that changed, for an in-place update). A removal stops accepting
// and drains. It also answers use_original_dst hand-offs (listener by address) and the admin.
import type { Canonical } from '../config/canonical';
import type { ConfigIssue, Result } from '../config/result';
import { getLogger } from '../common/logger';
import type { ExtensionRegistry } from '../registry/registry';
import type { StatsScope } from '../stats/types';
import { formatSocketAddress } from '../network/address';
import type { NetworkFilterContext, SocketAddress } from '../network/types';
import { BoundSocket } from './bound-socket';
import { canonicalEqual, sameExceptFilterChains } from './canonical-equal';
import type { FilterChain } from './filter-chain';
import { Listener, ListenerDeps } from './listener';
import { buildListenerConfig, ListenAddress, ListenerConfig } from './listener-config';
import { ListenerManagerStats } from './listener-stats';

const log = getLogger('config');

export interface ListenerManagerOptions {
  readonly registry: ExtensionRegistry;
  /** Root stats scope. */
  readonly stats: StatsScope;
  /** Given to every network filter factory (cluster manager, stats, registry, server extras). */
  readonly filterContext: NetworkFilterContext;
  /** --drain-time-s in ms (Envoy default 600 s). */
  readonly drainTimeMs?: number;
  /** overload.global_downstream_max_connections; default unlimited. */
  readonly globalMaxConnections?: number;
  /** Per-listener limits (runtime envoy.resource_limits.listener.<name>.connection_limit). */
  readonly connectionLimit?: (listenerName: string) => number | undefined;
  /** The bootstrap has the envoy.bootstrap.internal_listener extension (see enablesInternalListeners). */
  readonly internalListeners?: boolean;
}

export interface ListenerUpdateOptions {
  readonly versionInfo?: string;
  /** false for bootstrap static_resources (config dump `static_listeners`). */
  readonly addedViaApi?: boolean;
}

export type ListenerUpdateOutcome = 'added' | 'updated' | 'unchanged';

interface Entry {
  readonly name: string;
  active: Listener | undefined;
  warming: Listener | undefined;
  /** Sockets by configured address text; shared by the versions of this listener. */
  bound: Map<string, BoundSocket>;
  versionInfo: string;
  lastUpdated: Date;
  addedViaApi: boolean;
  /** The latest accepted config (warming, else active). */
  config: ListenerConfig;
}

interface Draining {
  readonly listener: Listener;
  readonly versionInfo: string;
  readonly lastUpdated: Date;
}

export interface ListenerDumpState {
  readonly version_info?: string;
  readonly listener: Canonical;
  readonly last_updated: string;
}

export interface ListenersDump {
  readonly static_listeners: { readonly listener: Canonical; readonly last_updated: string }[];
  readonly dynamic_listeners: {
    readonly name: string;
    readonly active_state?: ListenerDumpState;
    readonly warming_state?: ListenerDumpState;
    readonly draining_state?: ListenerDumpState;
  }[];
}

function allAddresses(c: ListenerConfig): ListenAddress[] {
  return [c.address, ...c.additionalAddresses];
}

export class ListenerManager {
  readonly stats: ListenerManagerStats;
  private readonly entries = new Map<string, Entry>();
  private readonly draining = new Set<Draining>();
  /** Active listeners by address text (configured and bound), for use_original_dst. */
  private byAddress = new Map<string, Listener>();
  private readonly deps: ListenerDeps;
  private readonly drainTimeMs: number;
  private workersStarted = false;
  /** Listeners accepted but not handed over yet (xDS: waiting for their RDS), see setWarmingElsewhere. */
  private warmingElsewhere = 0;

  constructor(private readonly opts: ListenerManagerOptions) {
    this.stats = new ListenerManagerStats(opts.stats);
    this.drainTimeMs = opts.drainTimeMs ?? 600_000;
    const limit = opts.connectionLimit;
    this.deps = {
      registry: opts.registry,
      stats: opts.stats,
      filterContext: opts.filterContext,
      findByAddress: (a) => this.findByAddress(a),
      global: { active: 0, max: opts.globalMaxConnections ?? Number.POSITIVE_INFINITY },
      connectionLimit: (name) => limit?.(name) ?? Number.POSITIVE_INFINITY,
    };
  }

  /** Validates a listener resource without building it (config checks, --mode validate). */
  static validate(raw: Canonical): readonly ConfigIssue[] {
    const r = buildListenerConfig(raw);
    return r.ok ? [] : r.errors;
  }

  /**
   * Adds or updates the listener named in `raw` (canonical envoy.config.listener.v3.Listener).
   * Rejected configs change nothing. Resolves once the sockets are bound (warming may continue).
   */
  async addOrUpdateListener(raw: Canonical, opts: ListenerUpdateOptions = {}): Promise<Result<ListenerUpdateOutcome>> {
    const cr = buildListenerConfig(raw);
    if (!cr.ok) return this.fail(cr.errors);
    const config = cr.value;
    if (config.name === '') return this.fail([{ path: 'name', message: 'value length must be at least 1 characters' }]);
    if (config.address.internal !== undefined && !this.opts.internalListeners) {
      return this.fail([{ path: 'internal_listener', message: `error adding listener named '${config.name}': InternalListener bootstrap extension is mandatory` }]);
    }
    const existing = this.entries.get(config.name);
    if (existing && canonicalEqual(existing.config.raw, raw)) return { ok: true, value: 'unchanged', warnings: [] };

    const dup = this.duplicateAddress(config);
    if (dup) return this.fail([{ path: 'address', message: `error adding listener '${config.address.text}': listener '${dup}' has the same address` }]);

    const reuse: readonly FilterChain[] =
      existing?.active && sameExceptFilterChains(existing.active.config.raw, raw) ? existing.active.chains : [];
    const built = Listener.build(config, this.deps, reuse);
    if (!built.ok) return this.fail(built.errors);
    const listener = built.value;

    // Bind addresses this listener does not hold yet; a failure rejects the update.
    const entry: Entry = existing ?? {
      name: config.name,
      active: undefined,
      warming: undefined,
      bound: new Map(),
      versionInfo: '',
      lastUpdated: new Date(),
      addedViaApi: opts.addedViaApi ?? true,
      config,
    };
    const fresh: BoundSocket[] = [];
    if (config.bindToPort) {
      for (const a of allAddresses(config)) {
        if (entry.bound.has(a.text)) continue;
        const b = new BoundSocket(a, listener);
        try {
          await b.listen({ transparent: config.transparent, freebind: config.freebind, backlog: config.backlog });
        } catch (e) {
          for (const f of fresh) await f.close();
          await b.close();
          for (const c of listener.chains) if (!reuse.includes(c)) c.destroy();
          return this.fail([{ path: 'address', message: `cannot bind '${a.text}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }]);
        }
        fresh.push(b);
      }
    }
    // While warming, new sockets feed the current version, or the new one if there is none.
    for (const f of fresh) {
      f.target = entry.active ?? listener;
      entry.bound.set(f.address.text, f);
    }

    this.stats.listener_create_success.inc();
    if (existing) this.stats.listener_modified.inc();
    else {
      this.stats.listener_added.inc();
      this.entries.set(config.name, entry);
    }
    if (reuse.length && existing) this.stats.listener_in_place_updated.inc();
    entry.config = config;
    entry.versionInfo = opts.versionInfo ?? entry.versionInfo;
    entry.lastUpdated = new Date();
    if (entry.warming && entry.warming !== listener) this.discard(entry.warming, entry.active);
    entry.warming = listener;
    this.updateGauges();
    const init = listener.initialized();
    if (init === undefined) this.activate(entry, listener);
    else {
      init.then(
        () => this.activate(entry, listener),
        (e: unknown) => log.warn('listener %s failed to initialize: %s', config.name, (e as Error)?.message ?? e),
      );
    }
    return { ok: true, value: existing ? 'updated' : 'added', warnings: [] };
  }

  /** Removes a listener: stops accepting and drains its connections. False if unknown. */
  removeListener(name: string): boolean {
    const entry = this.entries.get(name);
    if (!entry) return false;
    this.entries.delete(name);
    if (entry.warming) this.discard(entry.warming, entry.active);
    entry.warming = undefined;
    for (const b of entry.bound.values()) void b.close();
    entry.bound.clear();
    if (entry.active) this.drain(entry.active, entry, entry.active.chains);
    entry.active = undefined;
    this.rebuildAddressMap();
    this.stats.listener_removed.inc();
    this.updateGauges();
    return true;
  }

  /** SotW LDS: the full set. Invalid listeners are reported and skipped; missing ones removed. */
  async replaceAll(resources: readonly Canonical[], opts: ListenerUpdateOptions = {}): Promise<ConfigIssue[]> {
    const issues: ConfigIssue[] = [];
    const names = new Set<string>();
    for (let i = 0; i < resources.length; i++) {
      const name = typeof resources[i].name === 'string' ? (resources[i].name as string) : '';
      names.add(name);
      const r = await this.addOrUpdateListener(resources[i], opts);
      if (!r.ok) issues.push(...r.errors.map((e) => ({ path: `${name}${e.path ? '.' + e.path : ''}`, message: e.message })));
    }
    for (const name of [...this.entries.keys()]) if (!names.has(name) && this.entries.get(name)!.addedViaApi) this.removeListener(name);
    return issues;
  }

  /**
   * Listeners whose warming happens before they reach the manager (the LDS handler holds a
   * listener until its route configurations arrive): counted in total_listeners_warming, as
   * Envoy counts a listener waiting for RDS.
   */
  setWarmingElsewhere(n: number): void {
    this.warmingElsewhere = n;
    this.updateGauges();
  }

  /** Envoy's startWorkers: listeners serve; `listener_manager.workers_started` = 1. */
  startWorkers(): void {
    this.workersStarted = true;
    this.stats.workers_started.set(1);
  }

  /** The listener a use_original_dst hand-off goes to: exact address, then the wildcard of its family. */
  findByAddress(a: SocketAddress): Listener | undefined {
    const exact = this.byAddress.get(formatSocketAddress(a.ip, a.port));
    if (exact) return exact;
    const wild = this.byAddress.get(a.family === 6 ? `[::]:${a.port}` : `0.0.0.0:${a.port}`);
    if (wild) return wild;
    if (a.family === 4) {
      const v6 = this.byAddress.get(`[::]:${a.port}`);
      if (v6 && v6.config.address.ipv4Compat) return v6;
    }
    return undefined;
  }

  /** Downstream connections open on every listener (the overload manager's global count). */
  get downstreamConnections(): number {
    return this.deps.global.active;
  }

  /** Active listener by name. */
  get(name: string): Listener | undefined {
    return this.entries.get(name)?.active;
  }

  /** Active listeners in the order they were added (admin /listeners). */
  listeners(): Listener[] {
    const out: Listener[] = [];
    for (const e of this.entries.values()) if (e.active) out.push(e.active);
    return out;
  }

  /** Admin /listeners: each active listener's addresses, bound ports for port 0; an internal listener's name. */
  adminListeners(): { name: string; addresses: ({ kind: 'socket'; address: string; port: number } | { kind: 'internal'; name: string })[] }[] {
    const out: { name: string; addresses: ({ kind: 'socket'; address: string; port: number } | { kind: 'internal'; name: string })[] }[] = [];
    for (const e of this.entries.values()) {
      if (!e.active) continue;
      const addresses = allAddresses(e.active.config).map((a) => {
        if (a.internal !== undefined) return { kind: 'internal' as const, name: a.internal };
        const b = e.bound.get(a.text)?.bound;
        return { kind: 'socket' as const, address: a.ip, port: b ? b.port : a.port };
      });
      out.push({ name: e.name, addresses });
    }
    return out;
  }

  /** The bound address of a listener's first socket (tests, port 0). */
  boundAddress(name: string, index = 0): SocketAddress | undefined {
    const e = this.entries.get(name);
    if (!e) return undefined;
    const a = allAddresses(e.config)[index];
    return a ? e.bound.get(a.text)?.bound : undefined;
  }

  /** ListenersConfigDump content (canonical listeners; the admin adapter renders proto JSON). */
  configDump(): ListenersDump {
    const dump: ListenersDump = { static_listeners: [], dynamic_listeners: [] };
    const state = (l: Listener, v: string, t: Date): ListenerDumpState => ({ ...(v ? { version_info: v } : {}), listener: l.config.raw, last_updated: t.toISOString() });
    for (const e of this.entries.values()) {
      if (!e.addedViaApi) {
        if (e.active) dump.static_listeners.push({ listener: e.active.config.raw, last_updated: e.lastUpdated.toISOString() });
        continue;
      }
      const warming = e.warming && e.warming !== e.active ? e.warming : undefined;
      dump.dynamic_listeners.push({
        name: e.name,
        ...(e.active ? { active_state: state(e.active, e.versionInfo, e.lastUpdated) } : {}),
        ...(warming ? { warming_state: state(warming, e.versionInfo, e.lastUpdated) } : {}),
      });
    }
    for (const d of this.draining) {
      if (!d.listener.config.name) continue;
      dump.dynamic_listeners.push({ name: d.listener.name, draining_state: state(d.listener, d.versionInfo, d.lastUpdated) });
    }
    return dump;
  }

  /**
   * /drain_listeners: stop accepting on the selected listeners (inbound only if asked); with
   * `graceful`, first let their filters drain for the drain time.
   */
  async drainListeners(opts: { graceful: boolean; inboundOnly: boolean }): Promise<void> {
    const selected = [...this.entries.values()].filter((e) => e.active && (!opts.inboundOnly || e.active.config.trafficDirection === 'INBOUND'));
    if (opts.graceful) {
      for (const e of selected) if (e.active!.config.drainType === 'DEFAULT') for (const c of e.active!.chains) c.drain();
      await new Promise<void>((r) => setTimeout(r, this.drainTimeMs).unref());
    }
    for (const e of selected) {
      for (const b of e.bound.values()) await b.close();
      this.stats.listener_stopped.inc();
    }
  }

  /** Shutdown: close every socket and connection. */
  async stop(): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const e of this.entries.values()) {
      for (const b of e.bound.values()) closing.push(b.close());
      e.active?.destroyAll();
      if (e.warming && e.warming !== e.active) e.warming.destroyAll();
    }
    for (const d of this.draining) d.listener.destroyAll();
    await Promise.all(closing);
  }

  private activate(entry: Entry, listener: Listener): void {
    if (entry.warming !== listener || this.entries.get(entry.name) !== entry) return;
    const old = entry.active;
    entry.active = listener;
    entry.warming = undefined;
    // Sockets of addresses the new version no longer has close; the rest feed the new version.
    const keep = new Set(listener.config.bindToPort ? allAddresses(listener.config).map((a) => a.text) : []);
    for (const [text, b] of entry.bound) {
      if (keep.has(text)) b.target = listener;
      else {
        void b.close();
        entry.bound.delete(text);
      }
    }
    listener.boundAddresses = [...entry.bound.values()].map((b) => b.bound!).filter(Boolean);
    this.rebuildAddressMap();
    if (old) this.drain(old, entry, old.chains.filter((c) => !listener.chains.includes(c)));
    this.updateGauges();
  }

  private drain(l: Listener, entry: Entry, chains: readonly FilterChain[]): void {
    const d: Draining = { listener: l, versionInfo: entry.versionInfo, lastUpdated: entry.lastUpdated };
    this.draining.add(d);
    this.stats.total_filter_chains_draining.add(chains.length);
    this.updateGauges();
    l.startDrain(
      this.drainTimeMs,
      () => {
        this.draining.delete(d);
        this.stats.total_filter_chains_draining.sub(chains.length);
        this.updateGauges();
      },
      chains,
    );
  }

  /** A warming version replaced before it served: its own chains are released. */
  private discard(l: Listener, keepFrom: Listener | undefined): void {
    for (const c of l.chains) if (!keepFrom?.chains.includes(c)) c.destroy();
  }

  private duplicateAddress(config: ListenerConfig): string | undefined {
    const mine = new Set(allAddresses(config).filter((a) => a.port !== 0).map((a) => a.text));
    for (const e of this.entries.values()) {
      if (e.name === config.name) continue;
      for (const a of allAddresses(e.config)) if (mine.has(a.text)) return e.name;
    }
    return undefined;
  }

  private rebuildAddressMap(): void {
    // Kernel-chosen ports (port-0 listeners) first, so a listener configured with exactly that
    // address wins the entry.
    const m = new Map<string, Listener>();
    for (const e of this.entries.values()) {
      const l = e.active;
      if (!l) continue;
      for (const a of allAddresses(l.config)) {
        const b = e.bound.get(a.text)?.bound;
        if (b && b.port !== a.port) m.set(formatSocketAddress(a.ip, b.port), l);
      }
    }
    for (const e of this.entries.values()) {
      if (e.active) for (const a of allAddresses(e.active.config)) m.set(a.text, e.active);
    }
    this.byAddress = m;
  }

  private updateGauges(): void {
    let active = 0;
    let warming = 0;
    for (const e of this.entries.values()) {
      if (e.active) active++;
      if (e.warming && e.warming !== e.active) warming++;
    }
    this.stats.total_listeners_active.set(active);
    this.stats.total_listeners_warming.set(warming + this.warmingElsewhere);
    this.stats.total_listeners_draining.set(this.draining.size);
  }

  private fail(errors: readonly ConfigIssue[]): Result<ListenerUpdateOutcome> {
    this.stats.listener_create_failure.inc();
    return { ok: false, errors, warnings: [] };
  }
}
