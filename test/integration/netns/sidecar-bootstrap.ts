// The sidecar configuration istiod would send for the test's pod, as a static bootstrap: Istio's
// listener and cluster names and shapes (virtualOutbound/virtualInbound, a bind_to_port: false
// service listener, PassthroughCluster, InboundPassthroughClusterIpv4 binding 127.0.0.6), cut down to
// the ports the test uses. In TPROXY mode the capture listeners are transparent, as Istio makes them.
import type { Topology } from './topology';

/** Ports of the test: which server listens where, and what the sidecar does with them. */
export const PORTS = {
  admin: 15000,
  outboundCapture: 15001,
  inboundCapture: 15006,
  /** A service port with its own outbound listener; its cluster's endpoint is upstream:serviceBackend. */
  service: 8080,
  serviceBackend: 9081,
  /** An upstream port tsenvoy has no listener for: PassthroughCluster. */
  passthrough: 7070,
  /** Excluded from outbound capture (-o). */
  outboundExcluded: 7071,
  /** An application port with inbound filter chains (HTTP via the HCM, else tcp_proxy). */
  appHttp: 9080,
  /** An application port without chains: InboundPassthroughClusterIpv4. */
  appOther: 9090,
  /** Excluded from inbound capture (-d). */
  inboundExcluded: 9091,
} as const;

export const SERVICE_CLUSTER = `outbound|${PORTS.service}||upstream.test.svc.cluster.local`;
export const INBOUND_CLUSTER = `inbound|${PORTS.appHttp}||`;

const T = 'type.googleapis.com/envoy.extensions.filters.';

const sa = (address: string, port: number) => ({ socket_address: { address, port_value: port } });

const tcpProxy = (statPrefix: string, cluster: string) => ({
  name: 'envoy.filters.network.tcp_proxy',
  typed_config: { '@type': `${T}network.tcp_proxy.v3.TcpProxy`, stat_prefix: statPrefix, cluster },
});

const hcm = (statPrefix: string, routeName: string, cluster: string) => ({
  name: 'envoy.filters.network.http_connection_manager',
  typed_config: {
    '@type': `${T}network.http_connection_manager.v3.HttpConnectionManager`,
    stat_prefix: statPrefix,
    route_config: {
      name: routeName,
      virtual_hosts: [{ name: `${routeName}-all`, domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }],
    },
    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': `${T}http.router.v3.Router` } }],
  },
});

const listenerFilter = (kind: 'original_dst' | 'tls_inspector' | 'http_inspector', type: string) => ({
  name: `envoy.filters.listener.${kind}`,
  typed_config: { '@type': `${T}listener.${kind}.v3.${type}` },
});

const HTTP_PROTOCOLS = ['http/1.1', 'h2c'];

const originalDst = (name: string, bindInbound: boolean) => ({
  name,
  type: 'ORIGINAL_DST',
  lb_policy: 'CLUSTER_PROVIDED',
  connect_timeout: '2s',
  ...(bindInbound ? { upstream_bind_config: { source_address: { address: '127.0.0.6', port_value: 0 } } } : {}),
});

export function sidecarBootstrap(t: Topology, mode: 'REDIRECT' | 'TPROXY'): object {
  const transparent = mode === 'TPROXY' ? { transparent: true } : {};
  const virtualOutbound = {
    name: 'virtualOutbound',
    address: sa('0.0.0.0', PORTS.outboundCapture),
    use_original_dst: true,
    traffic_direction: 'OUTBOUND',
    ...transparent,
    filter_chains: [{
      name: 'virtualOutbound-blackhole',
      filter_chain_match: { destination_port: PORTS.outboundCapture },
      filters: [tcpProxy('BlackHoleCluster', 'BlackHoleCluster')],
    }],
    default_filter_chain: { name: 'PassthroughFilterChain', filters: [tcpProxy('PassthroughCluster', 'PassthroughCluster')] },
  };
  const serviceListener = {
    name: `0.0.0.0_${PORTS.service}`,
    address: sa('0.0.0.0', PORTS.service),
    bind_to_port: false,
    traffic_direction: 'OUTBOUND',
    listener_filters: [listenerFilter('tls_inspector', 'TlsInspector'), listenerFilter('http_inspector', 'HttpInspector')],
    continue_on_listener_filters_timeout: true,
    filter_chains: [{
      name: `0.0.0.0_${PORTS.service}`,
      filter_chain_match: { transport_protocol: 'raw_buffer', application_protocols: HTTP_PROTOCOLS },
      filters: [hcm(`outbound_0.0.0.0_${PORTS.service}`, String(PORTS.service), SERVICE_CLUSTER)],
    }],
    default_filter_chain: { name: 'PassthroughFilterChain', filters: [tcpProxy('PassthroughCluster', 'PassthroughCluster')] },
  };
  const virtualInbound = {
    name: 'virtualInbound',
    address: sa('0.0.0.0', PORTS.inboundCapture),
    traffic_direction: 'INBOUND',
    ...transparent,
    listener_filters: [
      listenerFilter('original_dst', 'OriginalDst'),
      listenerFilter('tls_inspector', 'TlsInspector'),
      listenerFilter('http_inspector', 'HttpInspector'),
    ],
    continue_on_listener_filters_timeout: true,
    filter_chains: [
      {
        name: 'virtualInbound-blackhole',
        filter_chain_match: { destination_port: PORTS.inboundCapture },
        filters: [tcpProxy('BlackHoleCluster', 'BlackHoleCluster')],
      },
      {
        name: `0.0.0.0_${PORTS.appHttp}`,
        filter_chain_match: { destination_port: PORTS.appHttp, transport_protocol: 'raw_buffer', application_protocols: HTTP_PROTOCOLS },
        filters: [hcm(`inbound_0.0.0.0_${PORTS.appHttp}`, `inbound|${PORTS.appHttp}||`, INBOUND_CLUSTER)],
      },
      {
        name: `0.0.0.0_${PORTS.appHttp}-tcp`,
        filter_chain_match: { destination_port: PORTS.appHttp, transport_protocol: 'raw_buffer' },
        filters: [tcpProxy(INBOUND_CLUSTER, INBOUND_CLUSTER)],
      },
      {
        name: 'virtualInbound-ipv4-passthrough-tcp',
        filter_chain_match: { prefix_ranges: [{ address_prefix: '0.0.0.0', prefix_len: 0 }], transport_protocol: 'raw_buffer' },
        filters: [tcpProxy('InboundPassthroughClusterIpv4', 'InboundPassthroughClusterIpv4')],
      },
    ],
  };
  return {
    node: { id: `sidecar~${t.appIp}~app.test~test.svc.cluster.local`, cluster: 'app.test' },
    admin: { address: sa('127.0.0.1', PORTS.admin) },
    static_resources: {
      listeners: [virtualOutbound, serviceListener, virtualInbound],
      clusters: [
        originalDst('PassthroughCluster', false),
        originalDst('InboundPassthroughClusterIpv4', true),
        originalDst(INBOUND_CLUSTER, true),
        { name: 'BlackHoleCluster', type: 'STATIC', connect_timeout: '1s' },
        {
          name: SERVICE_CLUSTER,
          type: 'STATIC',
          connect_timeout: '2s',
          load_assignment: {
            cluster_name: SERVICE_CLUSTER,
            endpoints: [{ lb_endpoints: [{ endpoint: { address: sa(t.upstreamIp, PORTS.serviceBackend) } }] }],
          },
        },
      ],
    },
  };
}
