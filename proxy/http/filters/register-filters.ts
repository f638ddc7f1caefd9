// The HTTP filters implemented in this folder, registered by config type.
import type { CanonicalAny } from '../../config/canonical';
import type { ExtensionRegistry } from '../../registry/registry';
import type { HttpFilterContext } from '../filter-types';
import { createCorsFactory, CORS_POLICY_TYPE, CORS_TYPE } from './cors';
import { createFaultFactory, FAULT_TYPE } from './fault';
import { createLocalRateLimitFactory, LOCAL_RATE_LIMIT_TYPE } from './local-rate-limit';

type Ctx = HttpFilterContext & { readonly name: string };

export function registerHttpFilters(registry: ExtensionRegistry): void {
  registry.register({ category: 'http_filter', name: 'envoy.filters.http.fault', configTypes: [FAULT_TYPE], create: (c: CanonicalAny, ctx: unknown) => createFaultFactory(c, ctx as Ctx) });
  registry.register({ category: 'http_filter', name: 'envoy.filters.http.cors', configTypes: [CORS_TYPE], create: (c: CanonicalAny, ctx: unknown) => createCorsFactory(c, ctx as Ctx) });
  // The cors filter's per-route config (typed_per_filter_config) is its own message: known here
  // so the config edge accepts it; the filter reads it through perFilterConfig.
  registry.register({ category: 'other', name: 'envoy.filters.http.cors.per_route', configTypes: [CORS_POLICY_TYPE] });
  registry.register({
    category: 'http_filter',
    name: 'envoy.filters.http.local_ratelimit',
    configTypes: [LOCAL_RATE_LIMIT_TYPE],
    create: (c: CanonicalAny, ctx: unknown) => createLocalRateLimitFactory(c, ctx as Ctx),
  });
}
