// envoy.filters.network.tcp_proxy: the terminal network filter that connects each downstream
// connection to a host of a cluster and pipes bytes (see tcp-session.ts). ORIGINAL_DST clusters
// (Istio's PassthroughCluster, InboundPassthroughCluster with its 127.0.0.6 source) get the
// connection's original destination through the LB context; a cluster without hosts (Istio's
// BlackHoleCluster) closes the connection.
import * as net from 'node:net';
import { ConfigError, ConfigIssue } from '../../config/result';
import type { Canonical } from '../../config/canonical';
import type { AccessLogger } from '../../http/access-log/access-logger';
import { xxHash64 } from '../../router/xxhash64';
import type { ClusterManager } from '../../upstream/types';
import type { ConnectionInfo, NetworkFilter, NetworkFilterContext } from '../types';
import { buildTcpAccessLoggers, logTcpSession, TcpLogFacts } from './tcp-access-log';
import { buildTcpProxyConfig, TcpProxyConfig } from './tcp-proxy-config';
import { TcpProxyStats } from './tcp-proxy-stats';
import { TcpSession } from './tcp-session';
import { getLogger } from '../../common/logger';

const log = getLogger('filter');
let warnedTunneling = false;

export class TcpProxy implements NetworkFilter {
  readonly config: TcpProxyConfig;
  readonly stats: TcpProxyStats;
  readonly clusterManager: ClusterManager;
  readonly accessLoggers: readonly AccessLogger[];
  private readonly sessions = new Set<TcpSession>();

  /** Throws ConfigError with field paths relative to the TcpProxy config. */
  constructor(c: Canonical, ctx: NetworkFilterContext) {
    const r = buildTcpProxyConfig(c);
    if (!r.ok) throw new ConfigError(r.errors, 'tcp_proxy');
    this.config = r.value;
    const issues: ConfigIssue[] = [];
    this.accessLoggers = buildTcpAccessLoggers(r.value.accessLog, 'access_log', ctx.accessLogManager, issues);
    if (issues.length) throw new ConfigError(issues, 'tcp_proxy');
    this.stats = new TcpProxyStats(ctx.stats, r.value.statPrefix);
    this.clusterManager = ctx.clusterManager;
  }

  handleConnection(socket: net.Socket, info: ConnectionInfo): TcpSession | undefined {
    if (this.config.tunnelingUnsupported) {
      if (!warnedTunneling) {
        warnedTunneling = true;
        log.warn('tcp_proxy %s: tunneling_config (HTTP CONNECT upstream) is not implemented; closing its connections', this.config.statPrefix);
      }
      socket.destroy();
      return undefined;
    }
    const s = new TcpSession(this, socket, info);
    this.sessions.add(s);
    s.start();
    return s;
  }

  sessionDone(s: TcpSession): void {
    this.sessions.delete(s);
  }

  log(f: TcpLogFacts): void {
    logTcpSession(this.accessLoggers, f);
  }

  /** hash_policy source_ip: Envoy hashes the address string with xxHash64. */
  hashOf(ip: string): bigint {
    return xxHash64(ip);
  }

  get activeConnections(): number {
    return this.sessions.size;
  }

  /** tcp_proxy ignores the drain sequence; connections end with the drain time. */
  drain(): void {}

  destroy(): void {
    for (const s of [...this.sessions]) s.close();
  }
}
