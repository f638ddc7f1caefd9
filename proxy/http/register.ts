// Registers the HTTP data plane's extensions by config type: the http_connection_manager network
// filter, the HTTP filters implemented here, and the file/stdout/stderr access loggers (their
// behaviour is built by the HCM from its access_log list; registering them marks them supported).
import type { CanonicalAny } from '../config/canonical';
import type { ExtensionRegistry } from '../registry/registry';
import { registerRouter } from '../router/router-filter-config';
import { FILE_ACCESS_LOG, STDERR_ACCESS_LOG, STDOUT_ACCESS_LOG } from './access-log/access-logger';
import { registerHttpFilters } from './filters/register-filters';
import { HCM_TYPE } from './hcm-config';
import { HcmDependencies, HttpConnectionManager } from './http-connection-manager';

export function registerHttp(registry: ExtensionRegistry): void {
  registry.register({
    category: 'network_filter',
    name: 'envoy.filters.network.http_connection_manager',
    configTypes: [HCM_TYPE],
    create: (config: CanonicalAny, ctx: unknown) => new HttpConnectionManager(config, ctx as HcmDependencies),
  });
  registerRouter(registry);
  registerHttpFilters(registry);
  registry.register({ category: 'access_logger', name: 'envoy.access_loggers.file', configTypes: [FILE_ACCESS_LOG] });
  registry.register({ category: 'access_logger', name: 'envoy.access_loggers.stdout', configTypes: [STDOUT_ACCESS_LOG] });
  registry.register({ category: 'access_logger', name: 'envoy.access_loggers.stderr', configTypes: [STDERR_ACCESS_LOG] });
}
