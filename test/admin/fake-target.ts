// An AdminTarget made of plain data for the admin tests; it records every call it receives.
import type {
  AdminClusterView, AdminDrainOptions, AdminHealthFlags, AdminHostView, AdminListenerView, AdminProtoField,
  AdminRegexResult, AdminServerState, AdminStatsQuery, AdminTarget, AdminTextResult,
} from '../../admin/admin-target';

export const NO_FLAGS: AdminHealthFlags = {
  failedActiveHc: false, failedOutlierCheck: false, failedEdsHealth: false, degradedActiveHc: false,
  degradedEdsHealth: false, pendingDynamicRemoval: false, pendingActiveHc: false, excludedViaImmediateHcFail: false,
  activeHcTimeout: false, edsStatusDraining: false,
};

export const THRESHOLDS = {
  default: { maxConnections: 4294967295, maxPendingRequests: 4294967295, maxRequests: 4294967295, maxRetries: 4294967295 },
  high: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
};

export function host(over: Partial<AdminHostView> = {}): AdminHostView {
  return {
    address: { kind: 'socket', address: '10.0.0.1', port: 8080 },
    hostname: '',
    stats: [
      { name: 'cx_connect_fail', type: 'counter', value: 0 },
      { name: 'cx_total', type: 'counter', value: 3 },
      { name: 'rq_error', type: 'counter', value: 0 },
      { name: 'rq_success', type: 'counter', value: 7 },
      { name: 'rq_timeout', type: 'counter', value: 0 },
      { name: 'rq_total', type: 'counter', value: 7 },
      { name: 'cx_active', type: 'gauge', value: 1 },
      { name: 'rq_active', type: 'gauge', value: 0 },
    ],
    health: NO_FLAGS,
    weight: 1,
    locality: { region: '', zone: '', subZone: '' },
    priority: 0,
    canary: false,
    successRate: -1,
    localOriginSuccessRate: -1,
    ...over,
  };
}

/** Field tables for the messages the config_dump tests touch (proto names only). */
const FIELDS: Record<string, Record<string, AdminProtoField>> = {
  'envoy.admin.v3.BootstrapConfigDump': {
    bootstrap: { repeated: false, messageType: 'envoy.config.bootstrap.v3.Bootstrap' },
    last_updated: { repeated: false, messageType: 'google.protobuf.Timestamp' },
  },
  'envoy.config.bootstrap.v3.Bootstrap': {
    node: { repeated: false, messageType: 'envoy.config.core.v3.Node' },
    admin: { repeated: false, messageType: 'envoy.config.bootstrap.v3.Admin' },
  },
  'envoy.config.core.v3.Node': {
    id: { repeated: false },
    cluster: { repeated: false },
    metadata: { repeated: false, messageType: 'google.protobuf.Struct' },
    extensions: { repeated: true, messageType: 'envoy.config.core.v3.Extension' },
  },
  'envoy.config.core.v3.Extension': { name: { repeated: false } },
  'envoy.admin.v3.ClustersConfigDump': {
    version_info: { repeated: false },
    static_clusters: { repeated: true, messageType: 'envoy.admin.v3.ClustersConfigDump.StaticCluster' },
    dynamic_active_clusters: { repeated: true, messageType: 'envoy.admin.v3.ClustersConfigDump.DynamicCluster' },
    dynamic_warming_clusters: { repeated: true, messageType: 'envoy.admin.v3.ClustersConfigDump.DynamicCluster' },
  },
  'envoy.admin.v3.ClustersConfigDump.StaticCluster': {
    cluster: { repeated: false, messageType: 'google.protobuf.Any' },
    last_updated: { repeated: false, messageType: 'google.protobuf.Timestamp' },
  },
  'envoy.admin.v3.ClustersConfigDump.DynamicCluster': {
    version_info: { repeated: false },
    cluster: { repeated: false, messageType: 'google.protobuf.Any' },
    last_updated: { repeated: false, messageType: 'google.protobuf.Timestamp' },
    error_state: { repeated: false, messageType: 'envoy.admin.v3.UpdateFailureState' },
  },
  'envoy.config.cluster.v3.Cluster': {
    name: { repeated: false },
    type: { repeated: false },
    connect_timeout: { repeated: false, messageType: 'google.protobuf.Duration' },
    transport_socket_matches: { repeated: true, messageType: 'envoy.config.cluster.v3.Cluster.TransportSocketMatch' },
    http2_protocol_options: { repeated: false, messageType: 'envoy.config.core.v3.Http2ProtocolOptions' },
    eds_cluster_config: { repeated: false, messageType: 'envoy.config.cluster.v3.Cluster.EdsClusterConfig' },
  },
  'envoy.config.cluster.v3.Cluster.EdsClusterConfig': {
    eds_config: { repeated: false, messageType: 'envoy.config.core.v3.ConfigSource' },
    service_name: { repeated: false },
  },
  'envoy.config.cluster.v3.Cluster.TransportSocketMatch': { name: { repeated: false } },
  'envoy.config.core.v3.Http2ProtocolOptions': { allow_connect: { repeated: false } },
  'envoy.admin.v3.EndpointsConfigDump': {
    static_endpoint_configs: { repeated: true, messageType: 'envoy.admin.v3.EndpointsConfigDump.StaticEndpointConfig' },
    dynamic_endpoint_configs: { repeated: true, messageType: 'envoy.admin.v3.EndpointsConfigDump.DynamicEndpointConfig' },
  },
  'envoy.admin.v3.EndpointsConfigDump.StaticEndpointConfig': {
    endpoint_config: { repeated: false, messageType: 'google.protobuf.Any' },
    last_updated: { repeated: false, messageType: 'google.protobuf.Timestamp' },
  },
  'envoy.admin.v3.EndpointsConfigDump.DynamicEndpointConfig': {
    version_info: { repeated: false },
    endpoint_config: { repeated: false, messageType: 'google.protobuf.Any' },
    last_updated: { repeated: false, messageType: 'google.protobuf.Timestamp' },
  },
  'envoy.config.endpoint.v3.ClusterLoadAssignment': {
    cluster_name: { repeated: false },
    endpoints: { repeated: true, messageType: 'envoy.config.endpoint.v3.LocalityLbEndpoints' },
    policy: { repeated: false, messageType: 'envoy.config.endpoint.v3.ClusterLoadAssignment.Policy' },
  },
  'envoy.admin.v3.ListenersConfigDump': {
    version_info: { repeated: false },
    static_listeners: { repeated: true, messageType: 'envoy.admin.v3.ListenersConfigDump.StaticListener' },
    dynamic_listeners: { repeated: true, messageType: 'envoy.admin.v3.ListenersConfigDump.DynamicListener' },
  },
  'envoy.admin.v3.ListenersConfigDump.StaticListener': {
    listener: { repeated: false, messageType: 'google.protobuf.Any' },
    last_updated: { repeated: false, messageType: 'google.protobuf.Timestamp' },
  },
  'envoy.admin.v3.ListenersConfigDump.DynamicListener': {
    name: { repeated: false },
    active_state: { repeated: false, messageType: 'envoy.admin.v3.ListenersConfigDump.DynamicListenerState' },
    warming_state: { repeated: false, messageType: 'envoy.admin.v3.ListenersConfigDump.DynamicListenerState' },
    draining_state: { repeated: false, messageType: 'envoy.admin.v3.ListenersConfigDump.DynamicListenerState' },
    error_state: { repeated: false, messageType: 'envoy.admin.v3.UpdateFailureState' },
  },
  'envoy.admin.v3.ListenersConfigDump.DynamicListenerState': {
    version_info: { repeated: false },
    listener: { repeated: false, messageType: 'google.protobuf.Any' },
    last_updated: { repeated: false, messageType: 'google.protobuf.Timestamp' },
  },
  'envoy.config.listener.v3.Listener': {
    name: { repeated: false },
    address: { repeated: false, messageType: 'envoy.config.core.v3.Address' },
  },
  'envoy.admin.v3.ScopedRoutesConfigDump': {
    inline_scoped_route_configs: { repeated: true, messageType: 'envoy.admin.v3.ScopedRoutesConfigDump.InlineScopedRouteConfigs' },
    dynamic_scoped_route_configs: { repeated: true, messageType: 'envoy.admin.v3.ScopedRoutesConfigDump.DynamicScopedRouteConfigs' },
  },
  'envoy.admin.v3.RoutesConfigDump': {
    static_route_configs: { repeated: true, messageType: 'envoy.admin.v3.RoutesConfigDump.StaticRouteConfig' },
    dynamic_route_configs: { repeated: true, messageType: 'envoy.admin.v3.RoutesConfigDump.DynamicRouteConfig' },
  },
  'envoy.admin.v3.RoutesConfigDump.DynamicRouteConfig': {
    version_info: { repeated: false },
    route_config: { repeated: false, messageType: 'google.protobuf.Any' },
    last_updated: { repeated: false, messageType: 'google.protobuf.Timestamp' },
  },
  'envoy.config.route.v3.RouteConfiguration': {
    name: { repeated: false },
    virtual_hosts: { repeated: true, messageType: 'envoy.config.route.v3.VirtualHost' },
  },
  'envoy.admin.v3.SecretsConfigDump': {
    static_secrets: { repeated: true, messageType: 'envoy.admin.v3.SecretsConfigDump.StaticSecret' },
    dynamic_active_secrets: { repeated: true, messageType: 'envoy.admin.v3.SecretsConfigDump.DynamicSecret' },
    dynamic_warming_secrets: { repeated: true, messageType: 'envoy.admin.v3.SecretsConfigDump.DynamicSecret' },
  },
  'envoy.admin.v3.SecretsConfigDump.DynamicSecret': {
    name: { repeated: false },
    version_info: { repeated: false },
    last_updated: { repeated: false, messageType: 'google.protobuf.Timestamp' },
    secret: { repeated: false, messageType: 'google.protobuf.Any' },
  },
};

export class FakeTarget implements AdminTarget {
  currentState: AdminServerState = 'LIVE';
  listenerViews: AdminListenerView[] = [];
  clusterViews: AdminClusterView[] = [];
  dumps: object[] = [];
  endpointsDump: object | undefined;
  readonly calls: string[] = [];
  readonly drains: AdminDrainOptions[] = [];
  readonly statsQueries: AdminStatsQuery[] = [];
  readonly loggingParams: (readonly (readonly [string, string])[])[] = [];
  readonly dumpOpts: { includeEds: boolean }[] = [];
  onQuit: () => void = () => undefined;

  state(): AdminServerState {
    return this.currentState;
  }
  serverInfo(): object {
    return { version: 'abc/1.0.0/Clean/RELEASE/BoringSSL', state: this.currentState, hot_restart_version: 'disabled' };
  }
  listeners(): readonly AdminListenerView[] {
    return this.listenerViews;
  }
  clusters(): readonly AdminClusterView[] {
    return this.clusterViews;
  }
  configDump(opts: { includeEds: boolean }): readonly object[] {
    this.dumpOpts.push(opts);
    if (!opts.includeEds || !this.endpointsDump) return this.dumps;
    // Endpoints go right after clusters (Envoy's tracker-key order).
    const out = [...this.dumps];
    const at = out.findIndex((d) => String((d as Record<string, unknown>)['@type']).endsWith('ClustersConfigDump'));
    out.splice(at + 1, 0, this.endpointsDump);
    return out;
  }
  protoField(messageType: string, field: string): AdminProtoField | undefined {
    return FIELDS[messageType]?.[field];
  }
  compileRe2(pattern: string): AdminRegexResult {
    try {
      return { ok: true, regex: new RegExp(pattern) };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }
  statsText(q: AdminStatsQuery): string {
    this.statsQueries.push(q);
    return 'server.state: 0\n';
  }
  statsJson(q: AdminStatsQuery): string {
    this.statsQueries.push(q);
    return '{"stats":[{"name":"server.state","value":0}]}';
  }
  statsPrometheus(q: AdminStatsQuery): string {
    this.statsQueries.push(q);
    return '# TYPE envoy_server_state gauge\nenvoy_server_state{} 0\n';
  }
  loggingList(): string {
    this.calls.push('loggingList');
    return 'active loggers:\n  admin: info\n\n';
  }
  loggingSet(params: readonly (readonly [string, string])[]): AdminTextResult {
    this.loggingParams.push(params);
    if (params.some(([, v]) => v === 'bogus')) return { ok: false, body: 'error: unknown logger level\n' };
    return { ok: true, body: 'active loggers:\n  admin: debug\n\n' };
  }
  memory(): object {
    return { allocated: '100', heap_size: '200', pageheap_unmapped: '0', pageheap_free: '0', total_thread_cache: '0', total_physical_bytes: '300' };
  }
  runtime(): object {
    return { layers: ['static_layer_0', 'admin'], entries: {} };
  }
  certs(): object {
    return { certificates: [] };
  }
  resetCounters(): void {
    this.calls.push('resetCounters');
  }
  healthcheckFail(): void {
    this.calls.push('healthcheckFail');
    this.currentState = 'DRAINING';
  }
  healthcheckOk(): void {
    this.calls.push('healthcheckOk');
    this.currentState = 'LIVE';
  }
  drainListeners(opts: AdminDrainOptions): Promise<void> {
    this.drains.push(opts);
    return new Promise(() => undefined); // never settles: the admin must not wait for it
  }
  quit(): void {
    this.calls.push('quit');
    this.onQuit();
  }
  initDump(mask: string | undefined): object {
    this.calls.push(`initDump:${mask ?? ''}`);
    return {};
  }
}
