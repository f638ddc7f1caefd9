// tcp_proxy's access_log entries, built with the HTTP connection manager's access-log code (same
// formatter, filters and writers, so %DOWNSTREAM_REMOTE_ADDRESS%, %UPSTREAM_HOST%,
// %RESPONSE_FLAGS%, %BYTES_SENT% ... print as in Envoy's TCP logs; HTTP-only operators print '-').
import type { Canonical } from '../../config/canonical';
import type { ConfigIssue } from '../../config/result';
import { AccessLogger, buildAccessLoggers } from '../../http/access-log/access-logger';
import { AccessLogManager } from '../../http/access-log/log-writer';
import { StreamInfo } from '../../http/stream-info';
import type { Host } from '../../upstream/types';
import { formatSocketAddress } from '../address';
import type { ConnectionInfo } from '../types';

let fallbackManager: AccessLogManager | undefined;

export function buildTcpAccessLoggers(list: readonly Canonical[], path: string, manager: unknown, issues: ConfigIssue[]): AccessLogger[] {
  if (list.length === 0) return [];
  const m = manager instanceof AccessLogManager ? manager : (fallbackManager ??= new AccessLogManager());
  return buildAccessLoggers(list, path, m, issues);
}

export interface TcpLogFacts {
  readonly info: ConnectionInfo;
  readonly responseFlags: number;
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly clusterName: string | undefined;
  readonly host: Host | undefined;
  readonly upstreamLocalAddress: string | undefined;
  readonly durationMs: number;
  readonly terminationDetails: string | undefined;
}

export function logTcpSession(loggers: readonly AccessLogger[], f: TcpLogFacts): void {
  const i = f.info;
  const si = new StreamInfo({
    id: i.id,
    remoteAddress: formatSocketAddress(i.remoteAddress.ip, i.remoteAddress.port),
    remoteIp: i.remoteAddress.ip,
    remotePort: i.remoteAddress.port,
    localAddress: formatSocketAddress(i.localAddress.ip, i.localAddress.port),
    localIp: i.localAddress.ip,
    localPort: i.localAddress.port,
    directRemoteAddress: formatSocketAddress(i.directRemoteAddress.ip, i.directRemoteAddress.port),
    requestedServerName: i.requestedServerName,
    secure: i.secure,
    originalDestination: i.originalDestination,
    terminationDetails: f.terminationDetails,
  });
  // No HTTP protocol on a TCP session: %PROTOCOL% prints '-' as in Envoy.
  si.protocol = undefined as unknown as string;
  si.responseFlags = f.responseFlags;
  si.bytesReceived = f.bytesReceived;
  si.bytesSent = f.bytesSent;
  si.upstreamClusterName = f.clusterName;
  si.upstreamHost = f.host as StreamInfo['upstreamHost'];
  si.upstreamLocalAddress = f.upstreamLocalAddress;
  si.finalMs = f.durationMs;
  for (const l of loggers) l.log(si);
}
