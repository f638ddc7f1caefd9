// The envoy.filters.network.http_connection_manager network filter: built once per filter-chain
// config from the canonical HttpConnectionManager, it serves every accepted socket handed to
// `handleConnection`. The listener owns accepting; this owns HTTP on the socket from then on.
import type * as net from 'node:net';
import type { Canonical } from '../config/canonical';
import { ConfigError } from '../config/result';
import { buildHcmConfig, HcmBuildContext, HcmConfig } from './hcm-config';
import { HcmConnection, HcmConnectionOwner } from './hcm-connection';
import type { RouteSource } from './route-view';
import { DownstreamConnectionInfo, formatAddress } from './stream-info';

export interface HcmDependencies extends HcmBuildContext {
  /**
   * Turns the HCM's route_config / rds section into the route source requests are matched
   * against (an inline table, or an RDS subscription the server keeps current).
   */
  readonly routeSourceFor: (spec: HcmConfig['routeSpecifier'], config: HcmConfig) => RouteSource;
}

/** Optional facts the listener knows about an accepted socket. */
export interface ConnectionFacts {
  readonly id?: number;
  readonly requestedServerName?: string;
  readonly secure?: boolean;
  readonly originalDestination?: { readonly ip: string; readonly port: number };
  /** Local address as the listener sees it (the original destination after REDIRECT). */
  readonly localAddress?: { readonly ip: string; readonly port: number };
  readonly remoteAddress?: { readonly ip: string; readonly port: number };
}

let nextConnectionId = 1;

function stripV4Mapped(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

export function connectionInfoOf(socket: net.Socket, facts: ConnectionFacts = {}): DownstreamConnectionInfo {
  const remoteIp = facts.remoteAddress?.ip ?? stripV4Mapped(socket.remoteAddress ?? '');
  const remotePort = facts.remoteAddress?.port ?? socket.remotePort ?? 0;
  const localIp = facts.localAddress?.ip ?? stripV4Mapped(socket.localAddress ?? '');
  const localPort = facts.localAddress?.port ?? socket.localPort ?? 0;
  const remoteAddress = formatAddress(remoteIp, remotePort);
  return {
    id: facts.id ?? nextConnectionId++,
    remoteAddress,
    remoteIp,
    remotePort,
    localAddress: formatAddress(localIp, localPort),
    localIp,
    localPort,
    directRemoteAddress: formatAddress(stripV4Mapped(socket.remoteAddress ?? remoteIp), socket.remotePort ?? remotePort),
    requestedServerName: facts.requestedServerName ?? '',
    secure: facts.secure ?? false,
    originalDestination: facts.originalDestination,
  };
}

export class HttpConnectionManager implements HcmConnectionOwner {
  readonly config: HcmConfig;
  readonly routes: RouteSource;
  private readonly connections = new Set<HcmConnection>();

  /** Throws ConfigError (every issue with its field path) when the config is invalid. */
  constructor(canonical: Canonical, deps: HcmDependencies, path = '') {
    const r = buildHcmConfig(canonical, deps, path);
    if (!r.ok) throw new ConfigError(r.errors, 'http_connection_manager');
    this.config = r.value;
    this.routes = deps.routeSourceFor(r.value.routeSpecifier, r.value);
  }

  /** Serves HTTP on an accepted socket until it closes. */
  handleConnection(socket: net.Socket, facts?: ConnectionFacts): HcmConnection {
    const c = new HcmConnection(this, socket, connectionInfoOf(socket, facts));
    this.connections.add(c);
    return c;
  }

  onConnectionClosed(c: HcmConnection): void {
    this.connections.delete(c);
  }

  get activeConnections(): number {
    return this.connections.size;
  }

  /** Listener drain: the next response on each connection carries `connection: close`. */
  drain(): void {
    for (const c of this.connections) c.startDrain();
  }

  /** Closes every connection now. */
  destroy(): void {
    for (const c of [...this.connections]) c.close(true);
  }
}
