// Every typed_config in a config tree must name an extension tsenvoy knows, as Envoy requires
// when it builds the factories. The category comes from where the Any sits (a listener filter,
// an http filter, a transport socket...), so one walk serves the bootstrap and xDS resources.
import { Canonical, isAny } from './canonical';
import { ConfigIssue, joinPath } from './result';
import { Schema, typeNameOfUrl } from './schema/schema';
import { ExtensionCategory, ExtensionRegistry } from '../registry/registry';

const CATEGORY_OF_FIELD: ReadonlyMap<string, ExtensionCategory | '*'> = new Map<string, ExtensionCategory | '*'>([
  ['envoy.config.listener.v3.ListenerFilter.typed_config', 'listener_filter'],
  ['envoy.config.listener.v3.Filter.typed_config', 'network_filter'],
  ['envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter.typed_config', 'http_filter'],
  ['envoy.config.accesslog.v3.AccessLog.typed_config', 'access_logger'],
  ['envoy.config.core.v3.TransportSocket.typed_config', 'transport_socket'],
  ['envoy.config.cluster.v3.Cluster.typed_extension_protocol_options', 'protocol_options'],
  ['envoy.config.cluster.v3.Cluster.CustomClusterType.typed_config', 'cluster'],
  ['envoy.config.trace.v3.Tracing.Http.typed_config', 'tracer'],
  ['envoy.config.metrics.v3.StatsSink.typed_config', 'stats_sink'],
  ['envoy.config.overload.v3.ResourceMonitor.typed_config', 'resource_monitor'],
  ['envoy.config.core.v3.TypedExtensionConfig.typed_config', '*'],
  ['envoy.config.route.v3.Route.typed_per_filter_config', '*'],
  ['envoy.config.route.v3.VirtualHost.typed_per_filter_config', '*'],
  ['envoy.config.route.v3.WeightedCluster.ClusterWeight.typed_per_filter_config', '*'],
]);

/** Fields whose sibling `is_optional` lets an unknown type pass (Envoy: HttpFilter only). */
const OPTIONAL_FLAG: ReadonlySet<string> = new Set(['envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter']);

export function checkExtensions(
  schema: Schema,
  registry: ExtensionRegistry,
  typeName: string,
  value: Canonical,
  basePath = '',
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const walk = (type: string, v: unknown, path: string): void => {
    if (typeof v !== 'object' || v === null) return;
    if (type === 'google.protobuf.Any') {
      if (isAny(v)) {
        const inner = typeNameOfUrl(v['@type']);
        if (schema.hasMessage(inner)) walk(inner, v, path);
      }
      return;
    }
    const info = schema.message(type);
    if (!info) return;
    const obj = v as Record<string, unknown>;
    for (const f of info.fields) {
      const fv = obj[f.name];
      if (fv === undefined || f.kind !== 'message') continue;
      const fpath = joinPath(path, f.name);
      const category = CATEGORY_OF_FIELD.get(`${type}.${f.name}`);
      const entries: [unknown, string][] = f.mapKey
        ? Object.entries(fv as object).map(([k, e]) => [e, `${fpath}[${k}]`])
        : f.repeated
          ? (fv as unknown[]).map((e, i) => [e, `${fpath}[${i}]`])
          : [[fv, fpath]];
      for (const [e, p] of entries) {
        if (category) {
          const optional = OPTIONAL_FLAG.has(type) && obj.is_optional === true;
          const err = registry.check(category, e, optional);
          if (err) issues.push({ path: p, message: err });
        }
        walk(f.type, e, p);
      }
    }
  };
  walk(typeName, value, basePath);
  return issues;
}
