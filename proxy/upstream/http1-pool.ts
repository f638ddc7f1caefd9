// The HTTP/1.1 connection pool for one upstream host (Envoy's Http1::ConnPoolImpl): idle
// connections are reused most-recent first, a request waits in a FIFO queue while connections are
// being made or all are busy, and the cluster's circuit breakers bound connections, pending
// requests and active requests (overflow -> 503 UO). The cluster manager builds one per host with
// `http1PoolFactory`; the router asks it for a stream with `newStream`.
import { ResetReason } from '../http/codec-types';
import { clusterTrafficStats, ClusterTrafficStats } from './http1-pool-stats';
import { Http1PoolConnection, PoolConnectionOwner, UpstreamStreamHandler } from './http1-pool-connection';
import { unsupportedUpstreamTransport } from './transport-socket-select';
import type { ClusterInfo, ConnectionPool, ConnectionPoolFactory, Host } from './types';

export type { UpstreamStreamHandler } from './http1-pool-connection';
export { Http1PoolConnection } from './http1-pool-connection';

/** A request waiting for a connection; `cancel()` takes it out of the queue. */
export class PendingStream {
  cancelled = false;
  constructor(
    readonly pool: Http1ConnectionPool,
    readonly handler: UpstreamStreamHandler,
    readonly isHead: boolean,
    readonly isConnect: boolean,
  ) {}
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.pool.cancelPending(this);
  }
}

export class Http1ConnectionPool implements ConnectionPool, PoolConnectionOwner {
  readonly stats: ClusterTrafficStats;
  private readonly idle: Http1PoolConnection[] = [];
  private readonly pending: PendingStream[] = [];
  private connecting = 0;
  private readonly all = new Set<Http1PoolConnection>();
  private draining = false;
  /** The cluster names a transport socket: check each new stream (EDS may change host metadata). */
  private readonly checksTransport: boolean;

  constructor(
    readonly host: Host,
    readonly cluster: ClusterInfo,
  ) {
    this.stats = clusterTrafficStats(cluster);
    this.checksTransport = cluster.transportSocket !== undefined || (cluster.transportSocketMatches?.length ?? 0) > 0;
  }

  /** A host that needs TLS, which tsenvoy lacks: the request fails UF, nothing goes out in plaintext. */
  private refuseTransport(handler: UpstreamStreamHandler): boolean {
    const why = unsupportedUpstreamTransport(this.cluster, this.host);
    if (why === '') return false;
    this.stats.upstream_cx_total.inc();
    this.stats.upstream_cx_connect_fail.inc();
    this.host.stats.cx_total++;
    this.host.stats.cx_connect_fail++;
    handler.onPoolFailure(ResetReason.ConnectionFailure, why);
    return true;
  }

  get activeConnections(): number {
    return this.all.size;
  }

  get idleConnections(): number {
    return this.idle.length;
  }

  get pendingRequests(): number {
    return this.pending.length;
  }

  /**
   * Gets a connection for a request: `handler.onPoolReady` is called (possibly before this
   * returns) or `handler.onPoolFailure`. Returns the queue entry while waiting, else undefined.
   */
  newStream(handler: UpstreamStreamHandler, isHead = false, isConnect = false): PendingStream | undefined {
    if (this.checksTransport && this.refuseTransport(handler)) return undefined;
    while (this.idle.length > 0) {
      const c = this.idle.pop()!;
      if (c.closed) continue;
      this.attach(c, handler, isHead, isConnect);
      return undefined;
    }
    const res = this.cluster.resources.default;
    if (!res.pendingRequests.canCreate()) {
      this.stats.upstream_rq_pending_overflow.inc();
      handler.onPoolFailure(ResetReason.Overflow, undefined);
      return undefined;
    }
    const p = new PendingStream(this, handler, isHead, isConnect);
    this.pending.push(p);
    res.pendingRequests.inc();
    this.stats.upstream_rq_pending_total.inc();
    this.stats.upstream_rq_pending_active.inc();
    this.tryCreateConnection();
    return p;
  }

  cancelPending(p: PendingStream): void {
    const i = this.pending.indexOf(p);
    if (i < 0) return;
    this.pending.splice(i, 1);
    this.pendingDone();
    this.stats.upstream_rq_cancelled.inc();
  }

  private pendingDone(): void {
    this.cluster.resources.default.pendingRequests.dec();
    this.stats.upstream_rq_pending_active.dec();
  }

  private tryCreateConnection(): void {
    if (this.draining || this.connecting >= this.pending.length) return;
    const res = this.cluster.resources.default.connections;
    // As Envoy does, a pool with no connection at all may always open one, so its queue drains.
    if (!res.canCreate()) {
      this.stats.upstream_cx_overflow.inc();
      if (this.all.size > 0) return;
    }
    this.connecting++;
    const c = new Http1PoolConnection(this, this.host, this.cluster, this.stats);
    this.all.add(c);
  }

  private attach(c: Http1PoolConnection, handler: UpstreamStreamHandler, isHead: boolean, isConnect: boolean): void {
    const requests = this.cluster.resources.default.requests;
    if (!requests.canCreate()) {
      this.stats.upstream_rq_pending_overflow.inc();
      this.onReleased(c);
      handler.onPoolFailure(ResetReason.Overflow, undefined);
      return;
    }
    c.attach(handler, isHead, isConnect);
    handler.onPoolReady(c);
  }

  // ---- PoolConnectionOwner ----

  onConnected(c: Http1PoolConnection): void {
    this.connecting--;
    this.serveOrPark(c);
  }

  onReleased(c: Http1PoolConnection): void {
    this.serveOrPark(c);
  }

  private serveOrPark(c: Http1PoolConnection): void {
    while (this.pending.length > 0) {
      const p = this.pending.shift()!;
      this.pendingDone();
      if (p.cancelled) continue;
      p.cancelled = true;
      this.attach(c, p.handler, p.isHead, p.isConnect);
      return;
    }
    if (this.draining) {
      c.close(true);
      return;
    }
    this.idle.push(c);
    c.markIdle();
  }

  onConnectFailed(c: Http1PoolConnection, reason: ResetReason, transportFailure: string | undefined): void {
    this.connecting--;
    this.all.delete(c);
    // As Envoy does, a failed connection attempt fails every request waiting in the queue.
    const waiting = this.pending.splice(0, this.pending.length);
    for (const p of waiting) {
      this.pendingDone();
      if (p.cancelled) continue;
      p.cancelled = true;
      p.handler.onPoolFailure(reason, transportFailure);
    }
  }

  onClosed(c: Http1PoolConnection): void {
    if (!this.all.delete(c)) return;
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    // A closed busy connection may leave queued requests with nobody connecting for them.
    if (this.pending.length > 0) this.tryCreateConnection();
  }

  drain(): void {
    this.draining = true;
    for (const c of this.idle.splice(0)) c.close(true);
  }

  destroy(): void {
    this.draining = true;
    for (const c of [...this.all]) c.close(true);
    const waiting = this.pending.splice(0);
    for (const p of waiting) {
      this.pendingDone();
      if (!p.cancelled) {
        p.cancelled = true;
        p.handler.onPoolFailure(ResetReason.LocalReset, undefined);
      }
    }
  }
}

/** The factory the cluster manager calls for each host. */
export const http1PoolFactory: ConnectionPoolFactory = (host: Host, cluster: ClusterInfo) => new Http1ConnectionPool(host, cluster);
