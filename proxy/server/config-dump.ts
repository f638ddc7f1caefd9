// /config_dump: each component's dump as proto3 JSON, in Envoy's order (bootstrap, clusters,
// [endpoints], listeners, scoped routes, routes, secrets), secrets redacted.
import { Canonical, isAny } from '../config/canonical';
import { encodeJson } from '../config/proto-to-json';
import type { Server } from './server';
import { allFilterChains } from '../listener/listener-config';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';
const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** Dynamic (xDS) entries the data plane adds to the static ones, already encoded. */
export interface DynamicDumps {
  readonly clusters?: { version_info?: string; dynamic_active_clusters?: object[]; dynamic_warming_clusters?: object[] };
  readonly listeners?: { version_info?: string; dynamic_listeners?: object[] };
  readonly routes?: { dynamic_route_configs?: object[] };
  readonly secrets?: { dynamic_active_secrets?: object[]; dynamic_warming_secrets?: object[] };
  readonly endpoints?: { dynamic_endpoint_configs?: object[] };
}

export class ConfigDumpBuilder {
  private readonly staticTime: string;

  constructor(private readonly server: Server) {
    this.staticTime = new Date(server.startedAt).toISOString();
  }

  private enc(type: string, v: unknown): unknown {
    return encodeJson(this.server.schema, type, v, { redactSensitive: true });
  }

  private any(type: string, v: unknown): object {
    return { '@type': `type.googleapis.com/${type}`, ...(this.enc(type, v) as object) };
  }

  node(): unknown {
    return this.enc('envoy.config.core.v3.Node', this.server.snapshot.node);
  }

  build(includeEds: boolean): object[] {
    const snap = this.server.snapshot;
    const dyn: DynamicDumps = this.server.dataPlane.dynamicDumps((type, v) => this.any(type, v));
    const t = this.staticTime;
    const out: object[] = [
      { '@type': `${ADMIN}BootstrapConfigDump`, bootstrap: this.enc('envoy.config.bootstrap.v3.Bootstrap', snap.bootstrap), last_updated: t },
      {
        '@type': `${ADMIN}ClustersConfigDump`,
        ...(dyn.clusters?.version_info ? { version_info: dyn.clusters.version_info } : {}),
        static_clusters: snap.staticClusters.map((c) => ({ cluster: this.any('envoy.config.cluster.v3.Cluster', c), last_updated: t })),
        ...(dyn.clusters?.dynamic_active_clusters?.length ? { dynamic_active_clusters: dyn.clusters.dynamic_active_clusters } : {}),
        ...(dyn.clusters?.dynamic_warming_clusters?.length ? { dynamic_warming_clusters: dyn.clusters.dynamic_warming_clusters } : {}),
      },
    ];
    if (includeEds) {
      const statics = snap.staticClusters.filter((c) => c.load_assignment).map((c) => ({
        endpoint_config: this.any('envoy.config.endpoint.v3.ClusterLoadAssignment', c.load_assignment),
        last_updated: t,
      }));
      out.push({
        '@type': `${ADMIN}EndpointsConfigDump`,
        ...(statics.length ? { static_endpoint_configs: statics } : {}),
        ...(dyn.endpoints?.dynamic_endpoint_configs?.length ? { dynamic_endpoint_configs: dyn.endpoints.dynamic_endpoint_configs } : {}),
      });
    }
    out.push({
      '@type': `${ADMIN}ListenersConfigDump`,
      ...(dyn.listeners?.version_info ? { version_info: dyn.listeners.version_info } : {}),
      static_listeners: snap.staticListeners.map((l) => ({ listener: this.any('envoy.config.listener.v3.Listener', l), last_updated: t })),
      ...(dyn.listeners?.dynamic_listeners?.length ? { dynamic_listeners: dyn.listeners.dynamic_listeners } : {}),
    });
    out.push({ '@type': `${ADMIN}ScopedRoutesConfigDump` });
    const inlineRoutes = inlineRouteConfigs(snap.staticListeners).map((r) => ({
      route_config: this.any('envoy.config.route.v3.RouteConfiguration', r),
      last_updated: t,
    }));
    out.push({
      '@type': `${ADMIN}RoutesConfigDump`,
      ...(inlineRoutes.length ? { static_route_configs: inlineRoutes } : {}),
      ...(dyn.routes?.dynamic_route_configs?.length ? { dynamic_route_configs: dyn.routes.dynamic_route_configs } : {}),
    });
    const staticSecrets = ((snap.bootstrap.static_resources as Canonical | undefined)?.secrets as Canonical[] | undefined) ?? [];
    out.push({
      '@type': `${ADMIN}SecretsConfigDump`,
      ...(staticSecrets.length
        ? { static_secrets: staticSecrets.map((s) => ({ name: s.name, last_updated: t, secret: this.any('envoy.extensions.transport_sockets.tls.v3.Secret', s) })) }
        : {}),
      ...(dyn.secrets?.dynamic_active_secrets?.length ? { dynamic_active_secrets: dyn.secrets.dynamic_active_secrets } : {}),
      ...(dyn.secrets?.dynamic_warming_secrets?.length ? { dynamic_warming_secrets: dyn.secrets.dynamic_warming_secrets } : {}),
    });
    return out;
  }
}

/** Route configurations given inline in static listeners' HTTP connection managers. */
function inlineRouteConfigs(listeners: readonly Canonical[]): Canonical[] {
  const out: Canonical[] = [];
  for (const l of listeners) {
    for (const ch of allFilterChains(l)) {
      for (const f of (ch.filters as Canonical[] | undefined) ?? []) {
        const tc = f.typed_config;
        if (isAny(tc) && tc['@type'].endsWith(HCM) && tc.route_config) out.push(tc.route_config as Canonical);
      }
    }
  }
  return out;
}
