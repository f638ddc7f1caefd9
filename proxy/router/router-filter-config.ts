// The router filter's config (envoy.extensions.filters.http.router.v3.Router) and its factory,
// registered in the extension registry by config type.
import type { Canonical, CanonicalAny } from '../config/canonical';
import type { FilterCallbacks, HttpFilterContext, HttpFilterFactory, HttpStreamFilter } from '../http/filter-types';
import { HcmStats } from '../http/hcm-stats';
import type { Extension, ExtensionRegistry } from '../registry/registry';
import type { ClusterManager } from '../upstream/types';
import { RouterFilter } from './router-filter';

export const ROUTER_TYPE = 'envoy.extensions.filters.http.router.v3.Router';

export interface RouterConfig {
  readonly suppressEnvoyHeaders: boolean;
  readonly dynamicStats: boolean;
  readonly respectExpectedRqTimeout: boolean;
  readonly bufferLimitBytes: number;
  readonly hcmStats: HcmStats;
}

class RouterFactory implements HttpFilterFactory {
  readonly terminal = true;
  constructor(
    readonly name: string,
    private readonly config: RouterConfig,
    private readonly clusterManager: ClusterManager,
  ) {}
  createFilter(cb: FilterCallbacks): HttpStreamFilter {
    return new RouterFilter(cb, this.config, this.clusterManager);
  }
}

export function createRouterFactory(c: Canonical, ctx: HttpFilterContext & { readonly name: string }): HttpFilterFactory {
  const config: RouterConfig = Object.freeze({
    suppressEnvoyHeaders: c.suppress_envoy_headers === true,
    dynamicStats: c.dynamic_stats !== false,
    respectExpectedRqTimeout: c.respect_expected_rq_timeout === true,
    bufferLimitBytes: 1024 * 1024,
    hcmStats: new HcmStats(ctx.scope),
  });
  return new RouterFactory(ctx.name || 'envoy.filters.http.router', config, ctx.clusterManager);
}

export const routerExtension: Extension<HttpFilterFactory> = {
  category: 'http_filter',
  name: 'envoy.filters.http.router',
  configTypes: [ROUTER_TYPE],
  create: (config: CanonicalAny, ctx: unknown) => createRouterFactory(config, ctx as HttpFilterContext & { name: string }),
};

export function registerRouter(registry: ExtensionRegistry): void {
  registry.register(routerExtension);
}
