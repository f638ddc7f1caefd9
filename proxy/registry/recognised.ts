// Config types tsenvoy recognises before their behaviour is implemented: Envoy's extensions that
// Istio emits, and Istio's own (not in Envoy's protos; their config is kept as given). Modules
// that implement an extension register a factory for its type first; this list fills the rest,
// so a real Istio config validates while the data plane grows.
import { Extension, ExtensionCategory, ExtensionRegistry } from './registry';

type Entry = readonly [ExtensionCategory, string, string]; // category, Envoy name, config type

const ENTRIES: readonly Entry[] = [
  // listener filters
  ['listener_filter', 'envoy.filters.listener.original_dst', 'envoy.extensions.filters.listener.original_dst.v3.OriginalDst'],
  ['listener_filter', 'envoy.filters.listener.tls_inspector', 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector'],
  ['listener_filter', 'envoy.filters.listener.http_inspector', 'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector'],
  ['listener_filter', 'envoy.filters.listener.original_src', 'envoy.extensions.filters.listener.original_src.v3.OriginalSrc'],
  ['listener_filter', 'envoy.filters.listener.proxy_protocol', 'envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol'],
  // network filters
  ['network_filter', 'envoy.filters.network.http_connection_manager', 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'],
  ['network_filter', 'envoy.filters.network.tcp_proxy', 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy'],
  ['network_filter', 'envoy.filters.network.direct_response', 'envoy.extensions.filters.network.direct_response.v3.Config'],
  ['network_filter', 'envoy.filters.network.rbac', 'envoy.extensions.filters.network.rbac.v3.RBAC'],
  ['network_filter', 'envoy.filters.network.set_filter_state', 'envoy.extensions.filters.network.set_filter_state.v3.Config'],
  ['network_filter', 'envoy.filters.network.connection_limit', 'envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit'],
  ['network_filter', 'envoy.filters.network.local_ratelimit', 'envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit'],
  ['network_filter', 'envoy.filters.network.wasm', 'envoy.extensions.filters.network.wasm.v3.Wasm'],
  ['network_filter', 'istio.metadata_exchange', 'envoy.tcp.metadataexchange.config.MetadataExchange'],
  ['network_filter', 'istio.stats', 'stats.PluginConfig'],
  ['listener_filter', 'istio.set_internal_dst_address', 'istio.set_internal_dst_address.v1.Config'],
  ['network_filter', 'istio.authn', 'io.istio.network.authn.Config'],
  // http filters
  ['http_filter', 'envoy.filters.http.router', 'envoy.extensions.filters.http.router.v3.Router'],
  ['http_filter', 'envoy.filters.http.fault', 'envoy.extensions.filters.http.fault.v3.HTTPFault'],
  ['http_filter', 'envoy.filters.http.cors', 'envoy.extensions.filters.http.cors.v3.Cors'],
  ['http_filter', 'envoy.filters.http.local_ratelimit', 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit'],
  ['http_filter', 'envoy.filters.http.rbac', 'envoy.extensions.filters.http.rbac.v3.RBAC'],
  ['http_filter', 'envoy.filters.http.ext_authz', 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz'],
  ['http_filter', 'envoy.filters.http.grpc_stats', 'envoy.extensions.filters.http.grpc_stats.v3.FilterConfig'],
  ['http_filter', 'envoy.filters.http.compressor', 'envoy.extensions.filters.http.compressor.v3.Compressor'],
  ['http_filter', 'envoy.filters.http.wasm', 'envoy.extensions.filters.http.wasm.v3.Wasm'],
  ['http_filter', 'envoy.filters.http.health_check', 'envoy.extensions.filters.http.health_check.v3.HealthCheck'],
  ['http_filter', 'envoy.filters.http.jwt_authn', 'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication'],
  ['http_filter', 'envoy.filters.http.grpc_web', 'envoy.extensions.filters.http.grpc_web.v3.GrpcWeb'],
  ['http_filter', 'envoy.filters.http.lua', 'envoy.extensions.filters.http.lua.v3.Lua'],
  ['http_filter', 'envoy.filters.http.header_to_metadata', 'envoy.extensions.filters.http.header_to_metadata.v3.Config'],
  ['http_filter', 'istio.alpn', 'istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig'],
  ['http_filter', 'istio.stats', 'stats.PluginConfig'],
  ['http_filter', 'istio.peer_metadata', 'io.istio.http.peer_metadata.Config'],
  ['http_filter', 'istio.connect_authority', 'io.istio.http.connect_authority.Config'],
  ['http_filter', 'istio.connect_baggage', 'io.istio.http.connect_baggage.Config'],
  // access loggers
  ['access_logger', 'envoy.access_loggers.file', 'envoy.extensions.access_loggers.file.v3.FileAccessLog'],
  ['access_logger', 'envoy.access_loggers.stdout', 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog'],
  ['access_logger', 'envoy.access_loggers.stderr', 'envoy.extensions.access_loggers.stream.v3.StderrAccessLog'],
  ['access_logger', 'envoy.access_loggers.http_grpc', 'envoy.extensions.access_loggers.grpc.v3.HttpGrpcAccessLogConfig'],
  ['access_logger', 'envoy.access_loggers.tcp_grpc', 'envoy.extensions.access_loggers.grpc.v3.TcpGrpcAccessLogConfig'],
  ['access_logger', 'envoy.access_loggers.open_telemetry', 'envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig'],
  // transport sockets
  ['transport_socket', 'envoy.transport_sockets.tls', 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext'],
  ['transport_socket', 'envoy.transport_sockets.tls', 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext'],
  ['transport_socket', 'envoy.transport_sockets.raw_buffer', 'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer'],
  ['transport_socket', 'envoy.transport_sockets.internal_upstream', 'envoy.extensions.transport_sockets.internal_upstream.v3.InternalUpstreamTransport'],
  ['transport_socket', 'envoy.transport_sockets.upstream_proxy_protocol', 'envoy.extensions.transport_sockets.proxy_protocol.v3.ProxyProtocolUpstreamTransport'],
  // cluster-level
  ['protocol_options', 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions', 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions'],
  ['protocol_options', 'envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions', 'envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions'],
  ['cluster', 'envoy.clusters.aggregate', 'envoy.extensions.clusters.aggregate.v3.ClusterConfig'],
  ['cluster', 'envoy.clusters.dynamic_forward_proxy', 'envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig'],
  ['load_balancing_policy', 'envoy.load_balancing_policies.round_robin', 'envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin'],
  ['load_balancing_policy', 'envoy.load_balancing_policies.least_request', 'envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest'],
  ['load_balancing_policy', 'envoy.load_balancing_policies.random', 'envoy.extensions.load_balancing_policies.random.v3.Random'],
  ['load_balancing_policy', 'envoy.load_balancing_policies.ring_hash', 'envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash'],
  ['load_balancing_policy', 'envoy.load_balancing_policies.maglev', 'envoy.extensions.load_balancing_policies.maglev.v3.Maglev'],
  ['load_balancing_policy', 'envoy.load_balancing_policies.cluster_provided', 'envoy.extensions.load_balancing_policies.cluster_provided.v3.ClusterProvided'],
  // bootstrap-level
  ['tracer', 'envoy.tracers.zipkin', 'envoy.config.trace.v3.ZipkinConfig'],
  ['tracer', 'envoy.tracers.opentelemetry', 'envoy.config.trace.v3.OpenTelemetryConfig'],
  ['tracer', 'envoy.tracers.datadog', 'envoy.config.trace.v3.DatadogConfig'],
  ['stats_sink', 'envoy.stat_sinks.statsd', 'envoy.config.metrics.v3.StatsdSink'],
  ['stats_sink', 'envoy.stat_sinks.dog_statsd', 'envoy.config.metrics.v3.DogStatsdSink'],
  ['stats_sink', 'envoy.stat_sinks.metrics_service', 'envoy.config.metrics.v3.MetricsServiceConfig'],
  ['resource_monitor', 'envoy.resource_monitors.downstream_connections', 'envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig'],
  ['resource_monitor', 'envoy.resource_monitors.fixed_heap', 'envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig'],
  ['bootstrap', 'envoy.bootstrap.internal_listener', 'envoy.extensions.bootstrap.internal_listener.v3.InternalListener'],
  // typed extension configs referenced from inside other extensions
  ['compression', 'envoy.compression.gzip.compressor', 'envoy.extensions.compression.gzip.compressor.v3.Gzip'],
  ['compression', 'envoy.compression.brotli.compressor', 'envoy.extensions.compression.brotli.compressor.v3.Brotli'],
  ['compression', 'envoy.compression.zstd.compressor', 'envoy.extensions.compression.zstd.compressor.v3.Zstd'],
  ['request_id', 'envoy.request_id.uuid', 'envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig'],
  ['matching_input', 'envoy.matching.inputs.destination_ip', 'envoy.extensions.matching.common_inputs.network.v3.DestinationIPInput'],
  ['matching_input', 'envoy.matching.inputs.destination_port', 'envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput'],
  ['matching_input', 'envoy.matching.inputs.source_ip', 'envoy.extensions.matching.common_inputs.network.v3.SourceIPInput'],
  ['matching_input', 'envoy.matching.inputs.source_port', 'envoy.extensions.matching.common_inputs.network.v3.SourcePortInput'],
  ['matching_input', 'envoy.matching.inputs.direct_source_ip', 'envoy.extensions.matching.common_inputs.network.v3.DirectSourceIPInput'],
  ['matching_input', 'envoy.matching.inputs.server_name', 'envoy.extensions.matching.common_inputs.network.v3.ServerNameInput'],
  ['matching_input', 'envoy.matching.inputs.transport_protocol', 'envoy.extensions.matching.common_inputs.network.v3.TransportProtocolInput'],
  ['matching_input', 'envoy.matching.inputs.application_protocol', 'envoy.extensions.matching.common_inputs.network.v3.ApplicationProtocolInput'],
  ['matching_input', 'envoy.matching.inputs.source_type', 'envoy.extensions.matching.common_inputs.network.v3.SourceTypeInput'],
  ['matching_input', 'envoy.matching.custom_matchers.ip', 'xds.type.matcher.v3.IPMatcher'],
  ['matching_input', 'envoy.matching.action.filter_chain_name', 'google.protobuf.StringValue'],
];

/** Registers every recognised type that no implementation registered already. */
export function registerRecognised(registry: ExtensionRegistry): void {
  for (const [category, name, type] of ENTRIES) {
    const probe = { '@type': `type.googleapis.com/${type}` };
    if (registry.find(category, probe)) continue;
    const ext: Extension = { category, name, configTypes: [type] };
    registry.register(ext);
  }
}
