// The server: the one place that knows every part. It builds the stats store, the cluster and
// listener managers and the admin API from the validated bootstrap, walks Envoy's init states
// (PRE_INITIALIZING -> INITIALIZING -> LIVE) and shuts down cleanly.
import * as fs from 'node:fs';
import { ConfigIssue } from '../config/result';
import { Schema } from '../config/schema/schema';
import { getLogger } from '../common/logger';
import { ExtensionRegistry } from '../registry/registry';
import { createStatsStore, StatsStore } from '../stats/stats-store';
import { AdminServer } from '../../admin/admin-server';
import { BootstrapSnapshot } from './bootstrap-snapshot';
import { ServerOptions } from './options';
import { ServerStats, ServerStateName } from './server-stats';
import { AdminAdapter } from './admin-adapter';
import { DataPlane } from './data-plane';
import { versionString } from './version';

const log = getLogger('main');

export class Server {
  readonly stats: StatsStore;
  readonly serverStats: ServerStats;
  readonly dataPlane: DataPlane;
  readonly startedAt = Date.now();
  private initState: 'PRE_INITIALIZING' | 'INITIALIZING' | 'LIVE' = 'PRE_INITIALIZING';
  private healthcheckFailed = false;
  private admin: AdminServer | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private shuttingDown: Promise<void> | undefined;

  constructor(
    readonly options: ServerOptions,
    readonly snapshot: BootstrapSnapshot,
    readonly schema: Schema,
    readonly registry: ExtensionRegistry,
  ) {
    const compiled = snapshot.statsConfig as Parameters<typeof createStatsStore>[0];
    this.stats = createStatsStore(compiled);
    this.serverStats = new ServerStats(this.stats, versionString());
    this.serverStats.concurrency.set(options.concurrency);
    this.serverStats.hotRestartEpoch.set(options.restartEpoch);
    this.setState();
    this.dataPlane = new DataPlane(this);
  }

  /** Builds every static resource without binding anything: --mode validate. */
  validate(): ConfigIssue[] {
    return this.dataPlane.validate();
  }

  state(): ServerStateName {
    if (this.initState !== 'LIVE') return this.initState;
    return this.healthcheckFailed ? 'DRAINING' : 'LIVE';
  }

  private setState(): void {
    this.serverStats.setState(this.state());
  }

  async start(): Promise<void> {
    const t0 = Date.now();
    this.initState = 'INITIALIZING';
    this.setState();
    if (this.snapshot.admin) {
      this.admin = new AdminServer(new AdminAdapter(this));
      await this.admin.listen(this.snapshot.admin);
      log.info('admin address: %s', this.admin.address());
      // Envoy's --admin-address-path: where tests and tools find a port-0 admin.
      if (this.options.adminAddressPath) fs.writeFileSync(this.options.adminAddressPath, this.admin.address() ?? '');
    }
    await this.dataPlane.start();
    this.initState = 'LIVE';
    this.serverStats.workersStarted.set(1);
    this.setState();
    this.serverStats.initializationTimeMs.recordValue(Date.now() - t0);
    log.info('all dependencies initialized. starting workers');
    this.flushStats();
    this.flushTimer = setInterval(() => this.flushStats(), this.snapshot.statsFlushIntervalMs);
    this.flushTimer.unref();
  }

  /** Envoy refreshes server gauges and latches histogram intervals on each stats flush. */
  flushStats(): void {
    const s = this.serverStats;
    s.uptime.set(Math.floor((Date.now() - this.startedAt) / 1000));
    const mem = process.memoryUsage();
    s.memoryAllocated.set(mem.heapUsed + mem.external);
    s.memoryHeapSize.set(mem.heapTotal);
    s.memoryPhysicalSize.set(mem.rss);
    s.totalConnections.set(this.dataPlane.activeConnections());
    this.setState();
    this.stats.flush();
  }

  healthcheckFail(): void {
    this.healthcheckFailed = true;
    this.setState();
  }

  healthcheckOk(): void {
    this.healthcheckFailed = false;
    this.setState();
  }

  /** POST /drain_listeners: stop listeners (after the drain sequence when graceful), maybe exit. */
  async drainListeners(opts: { graceful: boolean; inboundOnly: boolean; skipExit: boolean }): Promise<void> {
    if (opts.graceful) await new Promise((r) => setTimeout(r, this.drainDelayMs()).unref());
    await this.dataPlane.drainListeners(opts);
    // Envoy: after a graceful drain the process exits unless skip_exit is given.
    if (opts.graceful && !opts.skipExit) await this.shutdown('/drain_listeners');
  }

  /** The drain period, --drain-time-s (the strategy decides how connections are told, not how long). */
  private drainDelayMs(): number {
    return this.options.drainTimeS * 1000;
  }

  adminAddress(): string | undefined {
    return this.admin?.address();
  }

  shutdown(reason: string): Promise<void> {
    this.shuttingDown ??= (async () => {
      log.warn('shutting down: %s', reason);
      if (this.flushTimer) clearInterval(this.flushTimer);
      await this.dataPlane.stop();
      await this.admin?.close();
      log.info('exiting');
    })();
    return this.shuttingDown;
  }
}
