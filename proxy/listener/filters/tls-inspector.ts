// envoy.filters.listener.tls_inspector: peeks at the first bytes; a TLS ClientHello sets the
// transport protocol to `tls`, the SNI and the offered ALPN list. Bytes stay in the socket for
// the filter chain. Stats are rooted at `tls_inspector.` as in Envoy.
import type { StatsScope } from '../../stats/types';
import { AcceptedSocket, ListenerFilter, ListenerFilterStatus } from '../types';
import { HelloStatus, parseClientHello } from './client-hello';

export const TLS_INSPECTOR_TYPE = 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector';
/** Envoy's default (and maximum) max_client_hello_size. */
export const DEFAULT_MAX_CLIENT_HELLO = 64 * 1024;

interface TlsInspectorStats {
  tls_found: { inc(): void };
  tls_not_found: { inc(): void };
  alpn_found: { inc(): void };
  alpn_not_found: { inc(): void };
  sni_found: { inc(): void };
  sni_not_found: { inc(): void };
  client_hello_too_large: { inc(): void };
}

export class TlsInspector implements ListenerFilter {
  readonly name = 'envoy.filters.listener.tls_inspector';
  readonly maxReadBytes: number;
  private readonly stats: TlsInspectorStats;

  constructor(root: StatsScope, maxClientHelloSize = DEFAULT_MAX_CLIENT_HELLO) {
    this.maxReadBytes = maxClientHelloSize;
    const s = root.scope('tls_inspector.');
    this.stats = {
      tls_found: s.counter('tls_found'),
      tls_not_found: s.counter('tls_not_found'),
      alpn_found: s.counter('alpn_found'),
      alpn_not_found: s.counter('alpn_not_found'),
      sni_found: s.counter('sni_found'),
      sni_not_found: s.counter('sni_not_found'),
      client_hello_too_large: s.counter('client_hello_too_large'),
    };
  }

  onAccept(): ListenerFilterStatus {
    return ListenerFilterStatus.NeedMoreData;
  }

  onData(s: AcceptedSocket, data: Buffer, full: boolean): ListenerFilterStatus {
    const r = parseClientHello(data);
    if (r.status === HelloStatus.Incomplete) {
      if (!full) return ListenerFilterStatus.NeedMoreData;
      this.stats.client_hello_too_large.inc();
      return ListenerFilterStatus.Close;
    }
    if (r.status === HelloStatus.NotTls) {
      this.stats.tls_not_found.inc();
      return ListenerFilterStatus.Continue;
    }
    this.stats.tls_found.inc();
    s.transportProtocol = 'tls';
    if (r.serverName) {
      s.requestedServerName = r.serverName;
      this.stats.sni_found.inc();
    } else this.stats.sni_not_found.inc();
    if (r.alpn.length) {
      s.applicationProtocols = r.alpn;
      this.stats.alpn_found.inc();
    } else this.stats.alpn_not_found.inc();
    return ListenerFilterStatus.Continue;
  }
}
