// The listener-filter contract. A listener filter is built once per listener from its typed
// config (registered under category 'listener_filter') and then called for every accepted
// socket with that socket's AcceptedSocket state; it keeps no per-connection state of its own.
import type * as net from 'node:net';
import type { ParsedIp } from '../network/cidr-table';
import type { SocketAddress } from '../network/types';

/** What listener filters read and set on a socket before a filter chain is chosen. */
export interface AcceptedSocket {
  readonly socket: net.Socket;
  readonly remoteAddress: SocketAddress;
  /** The socket's local address, or the original destination once restored. */
  localAddress: SocketAddress;
  /** Set by original_dst (also implied by use_original_dst). */
  originalDestination: SocketAddress | undefined;
  /** True once original_dst restored the local address (enables the use_original_dst hand-off). */
  localAddressRestored: boolean;
  /** '' until a filter sets it; the listener defaults it to 'raw_buffer'. */
  transportProtocol: string;
  requestedServerName: string;
  applicationProtocols: readonly string[];
}

export const enum ListenerFilterStatus {
  /** This filter is done; run the next one. */
  Continue,
  /** Wait for more bytes (onData is called again with everything peeked so far). */
  NeedMoreData,
  /** The filter closed the socket (or wants it closed). */
  Close,
}

export interface ListenerFilter {
  readonly name: string;
  /**
   * How many bytes this filter may need to peek; 0 = it only acts on accept. The listener stops
   * reading for it once this many bytes are buffered and calls onData a last time with them.
   */
  readonly maxReadBytes: number;
  onAccept(s: AcceptedSocket): ListenerFilterStatus;
  /** `data` is every byte peeked so far (they will be replayed to the filter chain). */
  onData?(s: AcceptedSocket, data: Buffer, full: boolean): ListenerFilterStatus;
}

export interface ListenerFilterContext {
  readonly listenerName: string;
  /** listener.<address>. scope, for filters' own stats (tls_inspector.*, http_inspector.*). */
  readonly listenerStats: import('../stats/types').StatsScope;
}

/** The facts a filter chain is matched on (FilterChainMatch fields and matcher inputs). */
export interface MatchFacts {
  readonly destinationIp: ParsedIp;
  readonly destinationIpText: string;
  readonly destinationPort: number;
  readonly serverName: string;
  readonly transportProtocol: string;
  readonly applicationProtocols: readonly string[];
  readonly directSourceIp: ParsedIp;
  readonly directSourceIpText: string;
  readonly sourceIp: ParsedIp;
  readonly sourceIpText: string;
  readonly sourcePort: number;
  /** Envoy's SAME_IP_OR_LOOPBACK: the peer is loopback or has the local (destination) IP. */
  readonly sourceIsLocal: boolean;
}
