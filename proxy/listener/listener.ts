// One version of a listener: its filter chains, chain selector and listener filters, built from
// a ListenerConfig; the connections it accepted; its drain. Sockets are bound by the manager,
// which points them at the current version; older versions only finish their connections.
import type * as net from 'node:net';
import { getLogger } from '../common/logger';
import { ConfigError, ConfigIssue, IssueSink, Result } from '../config/result';
import type { ExtensionRegistry } from '../registry/registry';
import type { StatsScope } from '../stats/types';
import { newConnectionId } from '../network/address';
import type { ConnectionInfo, NetworkFilterContext, SocketAddress } from '../network/types';
import { AcceptOwner, PendingSocket, RunnableFilter } from './accepted-socket';
import { canonicalEqual } from './canonical-equal';
import { buildChainSelector, ChainSelector } from './chain-selector';
import { buildFilterChain, FilterChain } from './filter-chain';
import { ORIGINAL_DST_FILTER } from './filters/original-dst';
import type { ListenerConfig } from './listener-config';
import { ListenerStats } from './listener-stats';
import type { ListenerFilter } from './types';

const log = getLogger('conn_handler');

/** Process-wide downstream connection accounting (overload manager's global limit). */
export interface GlobalConnections {
  active: number;
  readonly max: number;
}

export interface ListenerDeps {
  readonly registry: ExtensionRegistry;
  /** Root stats scope. */
  readonly stats: StatsScope;
  /** What network filter factories get; the listener adds its own fields. */
  readonly filterContext: NetworkFilterContext;
  /** use_original_dst: the listener for an original destination (exact address, then wildcard). */
  findByAddress(addr: SocketAddress): Listener | undefined;
  readonly global: GlobalConnections;
  /** Per-listener connection limit (Envoy's runtime envoy.resource_limits.listener.<name>.connection_limit). */
  connectionLimit(listenerName: string): number;
}

class ConnectionSlot {
  chain: FilterChain | undefined = undefined;
  readonly startMono = performance.now();
  constructor(
    public listener: Listener,
    readonly socket: net.Socket,
  ) {}
  readonly onClose = (): void => this.listener.onSocketClosed(this);
}

function noop(): void {}

let warnedTransport = '';

export class Listener implements AcceptOwner {
  readonly name: string;
  readonly stats: ListenerStats;
  readonly listenerFilters: readonly RunnableFilter[];
  readonly listenerFiltersTimeoutMs: number;
  readonly continueOnListenerFiltersTimeout: boolean;
  /** Every chain, the default one last (if any). */
  readonly chains: readonly FilterChain[];
  /** Connections counted against the limit: in listener filters or open on a chain. */
  numConnections = 0;
  private readonly maxConnections: number;
  private drainedCallback: (() => void) | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private drainingChains: FilterChain[] = [];
  /** Every socket this listener accepted that is still open (pending ones included). */
  private readonly sockets = new Set<net.Socket>();
  /** Bound addresses (the kernel's port for port 0), filled in by the manager. */
  boundAddresses: SocketAddress[] = [];

  private constructor(
    readonly config: ListenerConfig,
    private readonly deps: ListenerDeps,
    stats: ListenerStats,
    filters: RunnableFilter[],
    chains: FilterChain[],
    private readonly selector: ChainSelector,
  ) {
    this.name = config.name;
    this.stats = stats;
    this.listenerFilters = filters;
    this.listenerFiltersTimeoutMs = config.listenerFiltersTimeoutMs;
    this.continueOnListenerFiltersTimeout = config.continueOnListenerFiltersTimeout;
    this.chains = chains;
    this.maxConnections = deps.connectionLimit(config.name);
  }

  /**
   * Builds the listener; chains whose config equals one of `reuse` (the previous version when
   * only filter chains changed) are taken over with their connections instead of rebuilt.
   */
  static build(config: ListenerConfig, deps: ListenerDeps, reuse: readonly FilterChain[] = []): Result<Listener> {
    const issues: ConfigIssue[] = [];
    const filters: RunnableFilter[] = [];
    let hasOriginalDst = false;
    const lfCtx = { stats: deps.stats };
    for (const spec of config.listenerFilters) {
      const tc = spec.typedConfig;
      if (!tc) {
        issues.push({ path: `${spec.path}.typed_config`, message: 'missing typed_config' });
        continue;
      }
      const ext = deps.registry.find('listener_filter', tc);
      if (!ext) {
        issues.push({ path: `${spec.path}.typed_config`, message: deps.registry.check('listener_filter', tc) ?? 'unknown listener filter' });
        continue;
      }
      if (!ext.create) {
        log.warn('listener %s: listener filter %s is not implemented; skipped', config.name, ext.name);
        continue;
      }
      try {
        const f = ext.create(tc, lfCtx) as ListenerFilter;
        if (f.name === ORIGINAL_DST_FILTER.name) hasOriginalDst = true;
        filters.push({ filter: f, disabled: spec.disabled });
      } catch (e) {
        if (e instanceof ConfigError) issues.push(...e.issues.map((i) => ({ path: `${spec.path}.typed_config${i.path ? '.' + i.path : ''}`, message: i.message })));
        else issues.push({ path: `${spec.path}.typed_config`, message: (e as Error).message });
      }
    }
    // use_original_dst implies the original_dst listener filter, as in Envoy.
    if (config.useOriginalDst && !hasOriginalDst) filters.push({ filter: ORIGINAL_DST_FILTER, disabled: undefined });

    const ctx: NetworkFilterContext = {
      ...deps.filterContext,
      bufferLimitBytes: config.perConnectionBufferLimitBytes,
      listenerName: config.name,
      trafficDirection: config.trafficDirection,
    };
    const take = (spec: ListenerConfig['filterChains'][number]): FilterChain => {
      // A chain carried over by an in-place update is the same object: its connections stay.
      const old = reuse.find((c) => canonicalEqual(c.spec.raw, spec.raw));
      if (old) return old;
      return buildFilterChain(spec, deps.registry, ctx, issues);
    };
    const chains = config.filterChains.map(take);
    const fallback = config.defaultFilterChain ? take(config.defaultFilterChain) : undefined;
    const sink = new IssueSink();
    const selector = buildChainSelector(config, chains, fallback, sink);
    issues.push(...sink.errors);
    if (issues.length) {
      // Chains built for a listener that is rejected never serve: release them.
      for (const c of [...chains, ...(fallback ? [fallback] : [])]) if (!reuse.includes(c)) c.destroy();
      return { ok: false, errors: issues, warnings: sink.warnings };
    }
    const scope = deps.stats.scope(`listener.${config.statPrefix || config.address.text}.`);
    const all = fallback ? [...chains, fallback] : chains;
    return { ok: true, value: new Listener(config, deps, new ListenerStats(scope), filters, all, selector), warnings: [] };
  }

  /** Resolves when every filter is ready to serve (warming ends); undefined: ready now. */
  initialized(): Promise<void> | undefined {
    const ps: Promise<void>[] = [];
    for (const c of this.chains) ps.push(...c.initialized());
    return ps.length ? Promise.all(ps).then(noop) : undefined;
  }

  /** A socket accepted on one of this listener's bound addresses. */
  accept(socket: net.Socket): void {
    socket.on('error', noop);
    const g = this.deps.global;
    if (g.active >= g.max) {
      this.stats.downstream_global_cx_overflow.inc();
      socket.destroy();
      return;
    }
    if (this.numConnections >= this.maxConnections) {
      this.stats.downstream_cx_overflow.inc();
      socket.destroy();
      return;
    }
    g.active++;
    this.numConnections++;
    const slot = new ConnectionSlot(this, socket);
    socket.once('close', slot.onClose);
    this.sockets.add(socket);
    const p = new PendingSocket(socket, this, undefined);
    p.slot = slot;
    this.stats.downstream_pre_cx_active.inc();
    p.start();
  }

  onFiltersFailed(p: PendingSocket, reason: 'timeout' | 'remote_close' | 'filter_close'): void {
    this.stats.downstream_pre_cx_active.dec();
    if (reason === 'timeout') this.stats.downstream_pre_cx_timeout.inc();
    else if (reason === 'remote_close') this.stats.downstream_listener_filter_remote_close.inc();
    p.socket.destroy();
  }

  onFiltersDone(p: PendingSocket): void {
    this.stats.downstream_pre_cx_active.dec();
    if (this.config.useOriginalDst && p.localAddressRestored) {
      const target = this.deps.findByAddress(p.localAddress);
      if (target !== undefined && target !== this) {
        const slot = p.slot as ConnectionSlot;
        this.numConnections--;
        slot.listener = target;
        this.sockets.delete(p.socket);
        target.sockets.add(p.socket);
        target.numConnections++;
        target.stats.downstream_pre_cx_active.inc();
        p.handOffTo(target);
        return;
      }
    }
    this.newConnection(p);
  }

  private newConnection(p: PendingSocket): void {
    const socket = p.socket;
    p.prepareFacts();
    const chain = this.selector.select(p);
    if (chain === undefined) {
      this.stats.no_filter_chain_match.inc();
      log.debug('closing connection from %s:%d: no matching filter chain found', p.remoteAddress.ip, p.remoteAddress.port);
      socket.destroy();
      return;
    }
    const slot = p.slot as ConnectionSlot;
    slot.chain = chain;
    chain.connections.add(socket);
    this.stats.downstream_cx_total.inc();
    this.stats.downstream_cx_active.inc();
    this.stats.worker_cx_total.inc();
    this.stats.worker_cx_active.inc();
    if (chain.transportUnsupported !== '') {
      if (warnedTransport !== chain.transportUnsupported) {
        warnedTransport = chain.transportUnsupported;
        log.warn('listener %s: filter chain %s needs transport socket %s, which is not implemented; closing its connections', this.name, chain.name, chain.transportUnsupported);
      }
      socket.destroy();
      return;
    }
    const terminal = chain.terminal;
    if (terminal === undefined) {
      log.debug('closing connection from %s:%d: no filters', p.remoteAddress.ip, p.remoteAddress.port);
      socket.destroy();
      return;
    }
    const info: ConnectionInfo = {
      id: newConnectionId(),
      remoteAddress: p.remoteAddress,
      directRemoteAddress: p.remoteAddress,
      localAddress: p.localAddress,
      originalDestination: p.originalDestination,
      transportProtocol: p.transportProtocol,
      requestedServerName: p.requestedServerName,
      applicationProtocols: p.applicationProtocols,
      secure: chain.transport !== undefined,
      listenerName: this.name,
      filterChainName: chain.name,
      trafficDirection: this.config.trafficDirection,
      startTime: p.startTime,
    };
    setWriteBufferLimit(socket, this.config.perConnectionBufferLimitBytes);
    try {
      const s = chain.transport !== undefined ? chain.transport.wrap(socket, info) : socket;
      for (const o of chain.observers) if (!o.onNewConnection!(s, info) || s.destroyed) return;
      terminal.handleConnection!(s, info);
    } catch (e) {
      log.error('listener %s: filter chain %s failed on a new connection: %s', this.name, chain.name, (e as Error).stack ?? e);
      socket.destroy();
    }
  }

  onSocketClosed(slot: ConnectionSlot): void {
    this.sockets.delete(slot.socket);
    this.deps.global.active--;
    this.numConnections--;
    const chain = slot.chain;
    if (chain === undefined) return;
    chain.connections.delete(slot.socket);
    this.stats.downstream_cx_active.dec();
    this.stats.worker_cx_active.dec();
    this.stats.downstream_cx_destroy.inc();
    this.stats.downstream_cx_length_ms.recordValue(performance.now() - slot.startMono);
    if (this.drainedCallback !== undefined && chain.connections.size === 0) this.checkDrained();
  }

  /** Connections open on this listener's chains. */
  get activeConnections(): number {
    let n = 0;
    for (const c of this.chains) n += c.connections.size;
    return n;
  }

  /**
   * Drains `chains` (default: all of this listener's chains): filters stop taking new requests
   * now, anything still open after `drainTimeMs` is closed. `done` runs once they are all closed.
   */
  startDrain(drainTimeMs: number, done: () => void, chains: readonly FilterChain[] = this.chains): void {
    this.drainingChains = [...chains];
    this.drainedCallback = done;
    for (const c of this.drainingChains) c.drain();
    this.drainTimer = setTimeout(() => {
      for (const c of this.drainingChains) c.destroy();
      this.checkDrained();
    }, drainTimeMs);
    this.drainTimer.unref();
    this.checkDrained();
  }

  /** Closes every connection now (server shutdown). */
  destroyAll(): void {
    for (const c of this.chains) c.destroy();
    for (const s of [...this.sockets]) s.destroy();
    this.checkDrained();
  }

  private checkDrained(): void {
    const cb = this.drainedCallback;
    if (cb === undefined) return;
    for (const c of this.drainingChains) if (c.connections.size > 0) return;
    this.drainedCallback = undefined;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    cb();
  }
}


/** Node's writable high-water mark plays Envoy's per-connection buffer limit for writes. */
function setWriteBufferLimit(socket: net.Socket, bytes: number): void {
  const ws = (socket as unknown as { _writableState?: { highWaterMark: number } })._writableState;
  if (ws && bytes > 0) ws.highWaterMark = bytes;
}
