// Registers the listener filters implemented here by config type. Istio's
// istio.set_internal_dst_address only matters for its internal listeners: a no-op here.
import type { CanonicalAny } from '../../config/canonical';
import type { ExtensionRegistry } from '../../registry/registry';
import type { StatsScope } from '../../stats/types';
import { AcceptedSocket, ListenerFilter, ListenerFilterStatus } from '../types';
import { HttpInspector, HTTP_INSPECTOR_TYPE } from './http-inspector';
import { ORIGINAL_DST_FILTER, ORIGINAL_DST_TYPE } from './original-dst';
import { DEFAULT_MAX_CLIENT_HELLO, TlsInspector, TLS_INSPECTOR_TYPE } from './tls-inspector';

/** What a listener filter factory gets. */
export interface ListenerFilterFactoryContext {
  /** The root stats scope (tls_inspector.*, http_inspector.* are global in Envoy). */
  readonly stats: StatsScope;
}

class NoopListenerFilter implements ListenerFilter {
  readonly maxReadBytes = 0;
  constructor(readonly name: string) {}
  onAccept(_s: AcceptedSocket): ListenerFilterStatus {
    return ListenerFilterStatus.Continue;
  }
}

export function registerListenerFilters(registry: ExtensionRegistry): void {
  registry.register({
    category: 'listener_filter',
    name: 'envoy.filters.listener.original_dst',
    configTypes: [ORIGINAL_DST_TYPE],
    create: () => ORIGINAL_DST_FILTER,
  });
  registry.register({
    category: 'listener_filter',
    name: 'envoy.filters.listener.tls_inspector',
    configTypes: [TLS_INSPECTOR_TYPE],
    create: (c: CanonicalAny, ctx: unknown) => {
      const max = typeof c.max_client_hello_size === 'number' ? c.max_client_hello_size : DEFAULT_MAX_CLIENT_HELLO;
      if (max > DEFAULT_MAX_CLIENT_HELLO) throw new Error(`max_client_hello_size of ${max} is greater than maximum of ${DEFAULT_MAX_CLIENT_HELLO}.`);
      return new TlsInspector((ctx as ListenerFilterFactoryContext).stats, max);
    },
  });
  registry.register({
    category: 'listener_filter',
    name: 'envoy.filters.listener.http_inspector',
    configTypes: [HTTP_INSPECTOR_TYPE],
    create: (_c: CanonicalAny, ctx: unknown) => new HttpInspector((ctx as ListenerFilterFactoryContext).stats),
  });
  registry.register({
    category: 'listener_filter',
    name: 'istio.set_internal_dst_address',
    configTypes: ['istio.set_internal_dst_address.v1.Config'],
    create: () => new NoopListenerFilter('istio.set_internal_dst_address'),
  });
}
