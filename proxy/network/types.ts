// THE CONTRACT between listeners and network filters (read this before writing a network filter).
//
// A network filter module registers, in the ExtensionRegistry under category 'network_filter',
// a factory keyed by its config type; `create(typedConfig, ctx: NetworkFilterContext)` is called
// once per filter chain when a listener is built (never per connection) and throws ConfigError
// (issues with field paths) for a bad config. The object it returns serves every connection the
// chain matches: the listener calls `handleConnection(socket, info)` for the last (terminal)
// filter of the chain, after giving each earlier filter's `onNewConnection` a chance to veto.
//
// What the listener guarantees when it hands a socket over:
// - bytes the listener filters peeked (tls_inspector, http_inspector) are already put back
//   (`socket.unshift`), so the filter reads the socket from byte 0 as if nothing had read it;
// - the socket is not flowing yet (`readableFlowing` is null): attaching a 'data' listener or
//   calling `resume()` starts the data, `pause()` keeps it in the kernel (backpressure);
// - `allowHalfOpen` is true: the filter decides what a peer's FIN means (`socket.end()` itself);
// - `info` is immutable and complete (addresses, original destination, SNI, ALPN, transport).
// From then on the filter owns the socket: it must destroy it when done and must not throw.
import type * as net from 'node:net';
import type { ExtensionRegistry } from '../registry/registry';
import type { StatsScope } from '../stats/types';
import type { ClusterManager } from '../upstream/types';

export interface SocketAddress {
  readonly ip: string;
  readonly port: number;
  readonly family: 4 | 6;
}

export type TrafficDirection = 'UNSPECIFIED' | 'INBOUND' | 'OUTBOUND';

/** Everything the listener learnt about an accepted connection (Envoy's ConnectionInfoProvider). */
export interface ConnectionInfo {
  /** Process-wide connection id (%CONNECTION_ID%). */
  readonly id: number;
  /** The peer as seen on the socket. */
  readonly remoteAddress: SocketAddress;
  /** The peer before any rewriting (PROXY protocol); equal to remoteAddress here. */
  readonly directRemoteAddress: SocketAddress;
  /**
   * The local address as Envoy reports it: the original destination once restored (REDIRECT via
   * SO_ORIGINAL_DST, or the socket's own address under TPROXY), else the socket's local address.
   */
  readonly localAddress: SocketAddress;
  /** Set when the original_dst listener filter / use_original_dst / transparent restored it. */
  readonly originalDestination?: SocketAddress;
  /** `raw_buffer` unless a listener filter detected `tls`. */
  readonly transportProtocol: string;
  /** SNI from the ClientHello ('' if none). */
  readonly requestedServerName: string;
  /** ALPN offered in the ClientHello, or [detected protocol] from http_inspector ('http/1.1', 'h2c'...). */
  readonly applicationProtocols: readonly string[];
  /** The transport socket terminated TLS (x-forwarded-proto https); false for raw sockets. */
  readonly secure: boolean;
  readonly listenerName: string;
  readonly filterChainName: string;
  readonly trafficDirection: TrafficDirection;
  /** Date.now() at accept. */
  readonly startTime: number;
}

/**
 * What a factory gets. The server fills it (cluster manager, stats, registry and whatever else
 * its filters need, e.g. the HCM's access-log manager and RDS route sources); the listener
 * manager adds the listener-specific fields.
 */
export interface NetworkFilterContext {
  readonly registry: ExtensionRegistry;
  /** The root stats scope: filters create `tcp.<stat_prefix>.`, `http.<stat_prefix>.` under it. */
  readonly stats: StatsScope;
  readonly clusterManager: ClusterManager;
  /** The listener's per_connection_buffer_limit_bytes (default 1 MiB). */
  readonly bufferLimitBytes?: number;
  readonly listenerName?: string;
  readonly trafficDirection?: TrafficDirection;
  /** Server-provided extras for specific filters (opaque to the listener). */
  readonly [extra: string]: unknown;
}

/** A configured network filter: one per filter chain, serving all its connections. */
export interface NetworkFilter {
  /**
   * Terminal filters: take ownership of the socket (tcp_proxy, http_connection_manager,
   * direct_response). Returns anything (ignored).
   */
  handleConnection?(socket: net.Socket, info: ConnectionInfo): unknown;
  /**
   * Non-terminal filters: look at the new connection; return false after closing it to stop the
   * chain (e.g. RBAC deny). Must not read from the socket.
   */
  onNewConnection?(socket: net.Socket, info: ConnectionInfo): boolean;
  /** Listener drain: finish in-flight work, close idle connections, refuse new requests. */
  drain?(): void;
  /** Close every connection now (listener removed after its drain time). */
  destroy?(): void;
  /** Connections still open (the listener waits for 0 before it is gone). */
  readonly activeConnections?: number;
  /**
   * Resolves when the filter has what it needs to serve (e.g. the HCM's first RDS response):
   * the listener stays warming until every filter of every chain is initialized.
   */
  readonly initialized?: Promise<void>;
}

/**
 * A downstream transport socket (registered under 'transport_socket', e.g. TLS termination):
 * `wrap` returns the socket the network filters use (a tls.TLSSocket over the raw one) and
 * marks the connection secure. Chains whose transport socket has no implementation close
 * their connections.
 */
export interface DownstreamTransportSocketFactory {
  wrap(socket: net.Socket, info: ConnectionInfo): net.Socket;
}

export type NetworkFilterFactory = (typedConfig: unknown, ctx: NetworkFilterContext) => NetworkFilter;
