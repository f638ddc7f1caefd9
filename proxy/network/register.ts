// Registers the network filters implemented in this folder by config type.
import type { CanonicalAny } from '../config/canonical';
import type { ExtensionRegistry } from '../registry/registry';
import { DirectResponse, DIRECT_RESPONSE_TYPE } from './direct-response';
import { TcpProxy } from './tcp-proxy/tcp-proxy';
import { TCP_PROXY_TYPE } from './tcp-proxy/tcp-proxy-config';
import type { NetworkFilterContext } from './types';

export function registerNetworkFilters(registry: ExtensionRegistry): void {
  registry.register({
    category: 'network_filter',
    name: 'envoy.filters.network.tcp_proxy',
    configTypes: [TCP_PROXY_TYPE],
    create: (c: CanonicalAny, ctx: unknown) => new TcpProxy(c, ctx as NetworkFilterContext),
  });
  registry.register({
    category: 'network_filter',
    name: 'envoy.filters.network.direct_response',
    configTypes: [DIRECT_RESPONSE_TYPE],
    create: (c: CanonicalAny) => new DirectResponse(c),
  });
}
