// The proxy's side of the admin API: turns server state into the plain views admin/ renders.
import type {
  AdminClusterView, AdminDrainOptions, AdminListenerView, AdminProtoField, AdminRegexResult,
  AdminServerState, AdminStatsQuery, AdminTarget, AdminTextResult,
} from '../../admin/admin-target';
import { handleLogging, listLoggers, logRegistry } from '../common/logger';
import { SliceClock } from '../common/slice-clock';
import { compileRegex } from '../stats/regex-dialects';
import { streamPrometheus } from '../stats/render-prometheus';
import { streamStatsJson } from '../stats/render-json';
import { streamStatsText } from '../stats/render-text';
import { StatsParams } from '../stats/stats-params';
import { commandLineOptionsJson } from './command-line-options-json';
import { ConfigDumpBuilder } from './config-dump';
import type { Server } from './server';
import { versionString } from './version';

function statsParams(q: AdminStatsQuery): StatsParams {
  const buckets = q.histogramBuckets === 'summary' || q.histogramBuckets === undefined ? 'none' : q.histogramBuckets;
  return {
    usedOnly: q.usedOnly,
    filter: q.filter ?? null,
    type: q.type,
    format: undefined,
    histogramBuckets: buckets,
    prometheusTextReadouts: q.textReadouts,
  };
}

function seconds(ms: number): string {
  return `${Math.floor(ms / 1000)}s`;
}

export class AdminAdapter implements AdminTarget {
  private readonly dump: ConfigDumpBuilder;

  constructor(private readonly server: Server) {
    this.dump = new ConfigDumpBuilder(server);
  }

  state(): AdminServerState {
    return this.server.state();
  }

  serverInfo(): object {
    const uptime = seconds(Date.now() - this.server.startedAt);
    return {
      version: versionString(),
      state: this.server.state(),
      uptime_current_epoch: uptime,
      uptime_all_epochs: uptime,
      hot_restart_version: 'disabled',
      command_line_options: commandLineOptionsJson(this.server.options),
      node: this.dump.node(),
    };
  }

  listeners(): readonly AdminListenerView[] {
    return this.server.dataPlane.listeners();
  }

  clusters(): readonly AdminClusterView[] {
    return this.server.dataPlane.clusters();
  }

  configDump(opts: { readonly includeEds: boolean }): readonly object[] {
    return this.dump.build(opts.includeEds);
  }

  protoField(messageType: string, field: string): AdminProtoField | undefined {
    const f = this.server.schema.message(messageType)?.fields.find((x) => x.name === field);
    if (!f) return undefined;
    return { repeated: f.repeated || f.mapKey !== undefined, messageType: f.kind === 'message' ? f.type : undefined };
  }

  compileRe2(pattern: string): AdminRegexResult {
    return compileRegex(pattern, 're2');
  }

  // Rendered a slice at a time: at 10,000 clusters a scrape is seconds of work, which must not
  // hold the requests in flight (Envoy renders on its main thread, away from the workers).
  statsText(q: AdminStatsQuery): AsyncIterable<string> {
    return streamStatsText(this.server.stats, statsParams(q), new SliceClock());
  }

  statsJson(q: AdminStatsQuery): AsyncIterable<string> {
    return streamStatsJson(this.server.stats, statsParams(q), new SliceClock());
  }

  statsPrometheus(q: AdminStatsQuery): AsyncIterable<string> {
    return streamPrometheus(this.server.stats, statsParams(q), new SliceClock());
  }

  loggingList(): string {
    return listLoggers(logRegistry());
  }

  loggingSet(params: readonly (readonly [string, string])[]): AdminTextResult {
    const r = handleLogging(logRegistry(), params);
    return { ok: r.status === 200, body: r.body };
  }

  memory(): object {
    const m = process.memoryUsage();
    return {
      allocated: String(m.heapUsed + m.external),
      heap_size: String(m.heapTotal),
      pageheap_unmapped: '0',
      pageheap_free: String(Math.max(0, m.heapTotal - m.heapUsed)),
      total_thread_cache: '0',
      total_physical_bytes: String(m.rss),
    };
  }

  runtime(): object {
    return { layers: [], entries: {} };
  }

  certs(): object {
    return { certificates: [] };
  }

  resetCounters(): void {
    this.server.stats.resetCounters();
  }

  healthcheckFail(): void {
    this.server.healthcheckFail();
  }

  healthcheckOk(): void {
    this.server.healthcheckOk();
  }

  drainListeners(opts: AdminDrainOptions): Promise<void> {
    return this.server.drainListeners(opts);
  }

  quit(): void {
    void this.server.shutdown('/quitquitquit').then(() => process.exit(0));
  }

  reopenLogs(): void {
    logRegistry().reopen();
  }
}
