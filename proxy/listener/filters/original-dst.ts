// envoy.filters.listener.original_dst (also implied by use_original_dst): restores the local
// address to the connection's destination before iptables REDIRECT. Without a NAT entry (or
// without the addon) the socket's own local address is used, which is also what TPROXY gives.
// Either way the address counts as restored, so use_original_dst hands the connection to the
// listener of that address (for a direct connection that is the receiving listener itself).
import { getOriginalDst } from '../../network/original-dst';
import { AcceptedSocket, ListenerFilter, ListenerFilterStatus } from '../types';

export const ORIGINAL_DST_TYPE = 'envoy.extensions.filters.listener.original_dst.v3.OriginalDst';

export class OriginalDstFilter implements ListenerFilter {
  readonly name = 'envoy.filters.listener.original_dst';
  readonly maxReadBytes = 0;

  onAccept(s: AcceptedSocket): ListenerFilterStatus {
    const r = getOriginalDst(s.socket);
    s.localAddress = r.address;
    s.originalDestination = r.address;
    s.localAddressRestored = true;
    return ListenerFilterStatus.Continue;
  }
}

export const ORIGINAL_DST_FILTER = new OriginalDstFilter();
