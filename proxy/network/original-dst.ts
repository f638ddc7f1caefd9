// The connection's destination before iptables REDIRECT rewrote it (getsockopt SO_ORIGINAL_DST /
// IP6T_SO_ORIGINAL_DST through the addon). A connection that was not redirected (ENOENT: no
// conntrack NAT entry) or a process without the addon gets the socket's local address, as Envoy
// does when the lookup fails. Under TPROXY the local address already is the original destination.
import type * as net from 'node:net';
import { getLogger } from '../common/logger';
import { socketAddress } from './address';
import { errnoName, nativeSocketApi } from './native';
import type { SocketAddress } from './types';

const log = getLogger('connection');
let warnedOther = false;

export type OriginalDstSource = 'so_original_dst' | 'local_address';

export interface OriginalDstResult {
  readonly address: SocketAddress;
  readonly source: OriginalDstSource;
}

/** The socket's fd, which Node does not expose publicly (libuv's handle keeps it). */
export function socketFd(socket: net.Socket): number {
  const h = (socket as unknown as { _handle?: { fd?: number } })._handle;
  return typeof h?.fd === 'number' ? h.fd : -1;
}

export function getOriginalDst(socket: net.Socket): OriginalDstResult {
  const local = socketAddress(socket.localAddress, socket.localPort);
  const api = nativeSocketApi();
  const fd = socketFd(socket);
  if (!api || fd < 0) return { address: local, source: 'local_address' };
  const r = api.getOriginalDst(fd);
  if (typeof r === 'number') {
    // ENOENT: not NATed. ENOPROTOOPT: no conntrack module (or IPv6 without ip6tables NAT).
    if (r !== -api.constants.ENOENT && r !== -api.constants.ENOPROTOOPT && !warnedOther) {
      warnedOther = true;
      log.warn('getsockopt(SO_ORIGINAL_DST) failed: %s; using the local address', errnoName(r));
    }
    return { address: local, source: 'local_address' };
  }
  return { address: socketAddress(r.ip, r.port), source: 'so_original_dst' };
}
