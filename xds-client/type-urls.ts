// xDS resource type URLs, their per-type gRPC services, and the order Envoy resubscribes in.
export const TYPE_PREFIX = 'type.googleapis.com/';

export const LISTENER = `${TYPE_PREFIX}envoy.config.listener.v3.Listener`;
export const ROUTE = `${TYPE_PREFIX}envoy.config.route.v3.RouteConfiguration`;
export const CLUSTER = `${TYPE_PREFIX}envoy.config.cluster.v3.Cluster`;
export const ENDPOINT = `${TYPE_PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment`;
export const SECRET = `${TYPE_PREFIX}envoy.extensions.transport_sockets.tls.v3.Secret`;
export const SCOPED_ROUTE = `${TYPE_PREFIX}envoy.config.route.v3.ScopedRouteConfiguration`;
export const VIRTUAL_HOST = `${TYPE_PREFIX}envoy.config.route.v3.VirtualHost`;
export const RUNTIME = `${TYPE_PREFIX}envoy.service.runtime.v3.Runtime`;
export const EXTENSION_CONFIG = `${TYPE_PREFIX}envoy.config.core.v3.TypedExtensionConfig`;

/** Wraps a resource for TTL and per-resource names in SotW; unwrapped by the envelope reader. */
export const RESOURCE_WRAPPER = `${TYPE_PREFIX}envoy.service.discovery.v3.Resource`;

export const ADS_SOTW_METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
export const ADS_DELTA_METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';

/** Per-type (non-aggregated) services for an api_config_source that is not ADS. */
const TYPE_SERVICES: ReadonlyMap<string, readonly [service: string, stream: string, delta: string]> = new Map([
  [LISTENER, ['envoy.service.listener.v3.ListenerDiscoveryService', 'StreamListeners', 'DeltaListeners']],
  [ROUTE, ['envoy.service.route.v3.RouteDiscoveryService', 'StreamRoutes', 'DeltaRoutes']],
  [CLUSTER, ['envoy.service.cluster.v3.ClusterDiscoveryService', 'StreamClusters', 'DeltaClusters']],
  [ENDPOINT, ['envoy.service.endpoint.v3.EndpointDiscoveryService', 'StreamEndpoints', 'DeltaEndpoints']],
  [SECRET, ['envoy.service.secret.v3.SecretDiscoveryService', 'StreamSecrets', 'DeltaSecrets']],
  [SCOPED_ROUTE, ['envoy.service.route.v3.ScopedRoutesDiscoveryService', 'StreamScopedRoutes', 'DeltaScopedRoutes']],
  [VIRTUAL_HOST, ['envoy.service.route.v3.VirtualHostDiscoveryService', '', 'DeltaVirtualHosts']],
  [RUNTIME, ['envoy.service.runtime.v3.RuntimeDiscoveryService', 'StreamRuntime', 'DeltaRuntime']],
  [EXTENSION_CONFIG, ['envoy.service.extension.v3.ExtensionConfigDiscoveryService', 'StreamExtensionConfigs', 'DeltaExtensionConfigs']],
]);

/** The gRPC method of a type's own discovery service, or undefined when there is none. */
export function typeMethod(typeUrl: string, delta: boolean): string | undefined {
  const s = TYPE_SERVICES.get(typeUrl);
  const m = s && (delta ? s[2] : s[1]);
  return s && m ? `/${s[0]}/${m}` : undefined;
}

/** Envoy subscribes clusters and endpoints before listeners, routes and secrets. */
const ORDER = [CLUSTER, ENDPOINT, LISTENER, ROUTE, SECRET, SCOPED_ROUTE, VIRTUAL_HOST, EXTENSION_CONFIG, RUNTIME];

export function typeOrder(typeUrl: string): number {
  const i = ORDER.indexOf(typeUrl);
  return i < 0 ? ORDER.length : i;
}

/** LDS and CDS are state-of-the-world: a resource missing from a SotW response is deleted. */
export function isFullStateType(typeUrl: string): boolean {
  return typeUrl === LISTENER || typeUrl === CLUSTER;
}

/** A short label for logs: 'Cluster' for the CDS type URL. */
export function typeLabel(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}
