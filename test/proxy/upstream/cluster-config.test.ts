import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExtensionRegistry } from '../../../proxy/registry/registry';
import { registerRecognised } from '../../../proxy/registry/recognised';
import { clusterChange, clusterInfoKey, clusterKey, parseCluster } from '../../../proxy/upstream/cluster-config';
import type { Canonical } from '../../../proxy/config/canonical';
import { EncodedValue } from '../../../proxy/config/kept-value';
import { decodeBinary } from '../../../proxy/config/proto-binary';
import { encodeBinary } from '../../../proxy/config/proto-binary-encode';
import { envoySchema } from '../../../proxy/config/schema/schema';
import { config, configErrors, decodeCluster, endpoint, staticCluster } from './helpers';

test('defaults follow Envoy', () => {
  const raw = staticCluster('a', [endpoint('127.0.0.1', 80)]) as Record<string, unknown>;
  delete raw.connect_timeout;
  const c = config(raw);
  assert.equal(c.connectTimeoutMs, 5000);
  assert.equal(c.perConnectionBufferLimitBytes, 1024 * 1024);
  assert.equal(c.observabilityName, 'a');
  assert.equal(c.lb.kind, 'ROUND_ROBIN');
  assert.equal(c.commonLb.panicThreshold, 50);
  assert.equal(c.assignment.overprovisioningFactor, 140);
  assert.equal(c.protocol.idleTimeoutMs, 3600000);
  assert.equal(c.protocol.maxRequestsPerConnection, 0);
  assert.deepEqual(
    { ...c.circuitBreakers.default },
    { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3, trackRemaining: false, retryBudget: undefined },
  );
  assert.equal(c.outlier, undefined);
  assert.equal(c.dns.refreshRateMs, 5000);
  assert.equal(c.dns.family, 'AUTO');
  assert.equal(c.originalDst.cleanupIntervalMs, 5000);
});

test('alt_stat_name, protocol options, bind config, circuit breakers, lb configs', () => {
  const c = config(
    staticCluster('a', [endpoint('10.0.0.1', 80)], {
      alt_stat_name: 'alt',
      upstream_bind_config: { source_address: { address: '127.0.0.6', port_value: 0 } },
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
          common_http_protocol_options: { idle_timeout: '30s', max_connection_duration: '60s', max_requests_per_connection: 7 },
          explicit_http_config: { http2_protocol_options: {} },
        },
      },
      circuit_breakers: { thresholds: [{ max_connections: 5, max_retries: 1, track_remaining: true }, { priority: 'HIGH', max_requests: 9 }] },
      lb_policy: 'LEAST_REQUEST',
      least_request_lb_config: { choice_count: 3 },
      common_lb_config: { healthy_panic_threshold: { value: 20 } },
    }),
  );
  assert.equal(c.observabilityName, 'alt');
  assert.deepEqual(c.sourceAddress, { ip: '127.0.0.6', port: 0 });
  assert.equal(c.protocol.idleTimeoutMs, 30000);
  assert.equal(c.protocol.maxConnectionDurationMs, 60000);
  assert.equal(c.protocol.maxRequestsPerConnection, 7);
  assert.equal(c.protocol.protocol, 'http2');
  assert.equal(c.circuitBreakers.default.maxConnections, 5);
  assert.equal(c.circuitBreakers.default.maxRetries, 1);
  assert.equal(c.circuitBreakers.default.trackRemaining, true);
  assert.equal(c.circuitBreakers.high.maxRequests, 9);
  assert.equal(c.circuitBreakers.high.maxConnections, 1024);
  assert.deepEqual(c.lb, { kind: 'LEAST_REQUEST', localityWeighted: false, choiceCount: 3, activeRequestBias: 1 });
  assert.equal(c.commonLb.panicThreshold, 20);
});

test('deprecated cluster-level max_requests_per_connection (Istio xds-grpc)', () => {
  const c = config(staticCluster('a', [endpoint('127.0.0.1', 15010)], { max_requests_per_connection: 1 }));
  assert.equal(c.protocol.maxRequestsPerConnection, 1);
});

test('max_requests_per_connection in both places is rejected', () => {
  const errs = configErrors(
    staticCluster('a', [endpoint('127.0.0.1', 1)], {
      max_requests_per_connection: 1,
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
          common_http_protocol_options: { max_requests_per_connection: 2 },
          explicit_http_config: { http_protocol_options: {} },
        },
      },
    }),
  );
  assert.equal(errs[0].path, 'clusters[0].max_requests_per_connection');
});

test('load_balancing_policy: the first supported typed policy wins', () => {
  const c = config(
    staticCluster('a', [endpoint('127.0.0.1', 1)], {
      load_balancing_policy: {
        policies: [
          { typed_extension_config: { name: 'x', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash', minimum_ring_size: 64 } } },
        ],
      },
    }),
  );
  assert.equal(c.lb.kind, 'RING_HASH');
  assert.equal(c.lb.kind === 'RING_HASH' && c.lb.minRingSize, 64);
  const m = config(
    staticCluster('a', [endpoint('127.0.0.1', 1)], {
      load_balancing_policy: {
        policies: [{ typed_extension_config: { name: 'm', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.load_balancing_policies.maglev.v3.Maglev' } } }],
      },
    }),
  );
  assert.deepEqual(m.lb, { kind: 'MAGLEV', localityWeighted: false, tableSize: 65537, useHostname: false });
});

test('errors name their field paths', () => {
  const errs = configErrors({
    name: 'bad',
    type: 'STATIC',
    lb_policy: 'CLUSTER_PROVIDED',
    maglev_lb_config: { table_size: 100 },
    load_assignment: {
      cluster_name: 'bad',
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'not-an-ip', port_value: 80 } } } }] }],
    },
    upstream_bind_config: { source_address: { address: 'nope', port_value: 0 } },
  });
  const paths = errs.map((e) => e.path);
  assert.ok(paths.includes('clusters[0].lb_policy'), paths.join());
  assert.ok(paths.includes('clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address'), paths.join());
  assert.ok(paths.includes('clusters[0].upstream_bind_config.source_address.address'), paths.join());
  const ip = errs.find((e) => e.path.endsWith('socket_address.address'))!;
  assert.equal(ip.message, 'malformed IP address: not-an-ip');
});

test('maglev table size must be prime; ring sizes bounded', () => {
  const errs = configErrors(staticCluster('a', [endpoint('127.0.0.1', 1)], { lb_policy: 'MAGLEV', maglev_lb_config: { table_size: 100 } }));
  assert.equal(errs[0].path, 'clusters[0].maglev_lb_config.table_size');
  const ring = configErrors(staticCluster('a', [endpoint('127.0.0.1', 1)], { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 2048, maximum_ring_size: 1024 } }));
  assert.equal(ring[0].path, 'clusters[0].ring_hash_lb_config.minimum_ring_size');
});

test('ORIGINAL_DST needs CLUSTER_PROVIDED and no load assignment; LOGICAL_DNS one endpoint', () => {
  const od = configErrors({ name: 'o', type: 'ORIGINAL_DST', lb_policy: 'ROUND_ROBIN' });
  assert.equal(od[0].path, 'clusters[0].lb_policy');
  assert.match(od[0].message, /Only 'CLUSTER_PROVIDED' is allowed with cluster type 'ORIGINAL_DST'/);
  const ok = config({ name: 'o', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', original_dst_lb_config: { use_http_header: true } });
  assert.equal(ok.originalDst.useHttpHeader, true);
  assert.equal(ok.originalDst.httpHeaderName, 'x-envoy-original-dst-host');
  const ld = configErrors({
    name: 'l',
    type: 'LOGICAL_DNS',
    load_assignment: { cluster_name: 'l', endpoints: [{ lb_endpoints: [endpoint('localhost', 1), endpoint('localhost', 2)] }] },
  });
  assert.equal(ld[0].path, 'clusters[0].load_assignment');
});

test('DNS clusters accept names; STATIC does not', () => {
  const c = config({ name: 'd', type: 'STRICT_DNS', dns_lookup_family: 'V4_ONLY', load_assignment: { cluster_name: 'd', endpoints: [{ lb_endpoints: [endpoint('localhost', 80)] }] } });
  assert.deepEqual(c.assignment.endpoints[0].address, { kind: 'dns', hostname: 'localhost', port: 80 });
  assert.equal(c.dns.family, 'V4_ONLY');
});

test('unknown cluster_type is rejected clearly', () => {
  const errs = configErrors({ name: 'x', cluster_type: { name: 'acme.cluster', typed_config: { '@type': 'type.googleapis.com/google.protobuf.Struct', value: {} } } });
  assert.equal(errs[0].path, 'clusters[0].cluster_type');
  assert.match(errs[0].message, /unsupported cluster type 'acme.cluster'/);
  // A recognised extension cluster (aggregate) is accepted with a warning and has no hosts.
  const registry = new ExtensionRegistry();
  registerRecognised(registry);
  const agg = parseCluster(
    decodeCluster({
      name: 'agg',
      connect_timeout: '1s',
      lb_policy: 'CLUSTER_PROVIDED',
      cluster_type: { name: 'envoy.clusters.aggregate', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.clusters.aggregate.v3.ClusterConfig', clusters: ['a', 'b'] } },
    }),
    'clusters[1]',
    registry,
  );
  assert.equal(agg.ok, true, JSON.stringify(agg));
  assert.equal(agg.warnings[0].path, 'clusters[1].cluster_type');
  assert.equal(agg.ok && agg.value.type, 'EXTENSION');
});

test('health checks and outlier detection are validated with defaults', () => {
  const c = config(
    staticCluster('h', [endpoint('127.0.0.1', 1)], {
      health_checks: [
        { timeout: '1s', interval: '2s', unhealthy_threshold: 2, healthy_threshold: 1, http_health_check: { path: '/healthz' } },
        { timeout: '1s', interval: '2s', unhealthy_threshold: 2, healthy_threshold: 1, tcp_health_check: { send: { text: '50494e47' }, receive: [{ text: '504f4e47' }] } },
      ],
      outlier_detection: {},
    }),
  );
  const http = c.healthChecks[0].checker;
  assert.equal(http.kind, 'http');
  assert.deepEqual(http.kind === 'http' && http.expected, [{ start: 200, end: 201 }]);
  assert.equal(c.healthChecks[0].noTrafficIntervalMs, 60000);
  assert.equal(c.healthChecks[0].reuseConnection, true);
  const tcp = c.healthChecks[1].checker;
  assert.equal(tcp.kind === 'tcp' && tcp.send?.toString(), 'PING');
  assert.equal(tcp.kind === 'tcp' && tcp.receive[0].toString(), 'PONG');
  const o = c.outlier!;
  assert.equal(o.consecutive5xx, 5);
  assert.equal(o.intervalMs, 10000);
  assert.equal(o.baseEjectionTimeMs, 30000);
  assert.equal(o.maxEjectionTimeMs, 300000);
  assert.equal(o.maxEjectionPercent, 10);
  assert.equal(o.enforcingConsecutiveGatewayFailure, 0);
  assert.equal(o.successRateStdevFactor, 1.9);
  const bad = configErrors(
    staticCluster('h', [endpoint('127.0.0.1', 1)], {
      health_checks: [{ timeout: '1s', interval: '2s', unhealthy_threshold: 2, healthy_threshold: 1, tcp_health_check: { send: { text: 'zz' } } }],
    }),
  );
  assert.equal(bad[0].path, 'clusters[0].health_checks[0].tcp_health_check.send.text');
});

test('unchanged configs share a key; endpoint-only changes share the info key', () => {
  const a = config(staticCluster('k', [endpoint('127.0.0.1', 1)]));
  const b = config(staticCluster('k', [endpoint('127.0.0.1', 1)]));
  const c = config(staticCluster('k', [endpoint('127.0.0.1', 2)]));
  const d = config(staticCluster('k', [endpoint('127.0.0.1', 2)], { connect_timeout: '2s' }));
  assert.equal(clusterKey(a), clusterKey(b));
  assert.notEqual(clusterKey(a), clusterKey(c));
  assert.equal(clusterInfoKey(a), clusterInfoKey(c));
  assert.notEqual(clusterInfoKey(c), clusterInfoKey(d));
});

test('clusterChange: none, keep the info, or a new info; configs kept as bytes are decoded at most once each', () => {
  const a = config(staticCluster('k', [endpoint('127.0.0.1', 1)]));
  const c = config(staticCluster('k', [endpoint('127.0.0.1', 2)]));
  const d = config(staticCluster('k', [endpoint('127.0.0.1', 2)], { connect_timeout: '2s' }));
  assert.equal(clusterChange(a, a, config(staticCluster('k', [endpoint('127.0.0.1', 1)]))), 'none');
  assert.equal(clusterChange(a, a, c), 'keep-info');
  assert.equal(clusterChange(c, c, d), 'new-info');
  assert.equal(clusterChange(c, a, d), 'new-info', 'the info is compared with the config it was built from');

  // As xDS clusters are kept: bytes and a decoder (counted).
  const T = 'envoy.config.cluster.v3.Cluster';
  let decodes = 0;
  const decode = (b: Buffer): Canonical => {
    decodes++;
    const r = decodeBinary(envoySchema(), T, b);
    if (!r.ok) throw new Error('undecodable');
    return r.value;
  };
  const kept = (json: object) => {
    const canonical = decodeCluster(json);
    const r = parseCluster(canonical, '', undefined, new EncodedValue(encodeBinary(envoySchema(), T, canonical), decode));
    if (!r.ok) throw new Error('invalid');
    return r.value;
  };
  const x = kept(staticCluster('k', [endpoint('127.0.0.1', 1)]));
  const y = kept(staticCluster('k', [endpoint('127.0.0.1', 1)]));
  const z = kept(staticCluster('k', [endpoint('127.0.0.1', 2)]));
  assert.equal(clusterChange(x, x, y), 'none');
  assert.equal(decodes, 0, 'equal bytes need no decoding');
  assert.equal(clusterChange(x, x, z), 'keep-info');
  assert.equal(decodes, 2, 'current and next decoded once each');
  assert.equal(clusterChange(x, y, z), 'keep-info');
  assert.equal(decodes, 5);
});

test('clusters with the same settings share their frozen setting objects; different settings get their own', () => {
  const a = config(staticCluster('a', [endpoint('10.0.0.1', 80)], { lb_policy: 'LEAST_REQUEST' }));
  const b = config(staticCluster('b', [endpoint('10.0.0.2', 80)], { lb_policy: 'LEAST_REQUEST' }));
  for (const k of ['lb', 'commonLb', 'protocol', 'circuitBreakers', 'healthChecks', 'transportSocketMatches', 'dns', 'originalDst'] as const) {
    assert.equal(a[k], b[k], `${k} shared`);
    assert.ok(Object.isFrozen(a[k]), `${k} frozen`);
  }
  const http2 = { typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', common_http_protocol_options: { idle_timeout: '60s' }, explicit_http_config: { http2_protocol_options: {} } } } };
  const c = config(staticCluster('c', [endpoint('10.0.0.3', 80)], { lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: 3 }, common_lb_config: { healthy_panic_threshold: { value: 20 } }, ...http2 }));
  const d = config(staticCluster('d', [endpoint('10.0.0.4', 80)], { common_lb_config: { healthy_panic_threshold: { value: 20 } }, ...http2 }));
  assert.notEqual(c.lb, a.lb);
  assert.deepEqual(c.lb, { kind: 'LEAST_REQUEST', localityWeighted: false, choiceCount: 3, activeRequestBias: 1 });
  assert.deepEqual(d.lb, { kind: 'ROUND_ROBIN', localityWeighted: false });
  assert.notEqual(c.commonLb, a.commonLb);
  assert.equal(c.commonLb, d.commonLb, 'the same panic threshold: shared');
  assert.equal(c.commonLb.panicThreshold, 20);
  assert.notEqual(c.protocol, a.protocol);
  assert.equal(c.protocol, d.protocol, 'the same protocol options: shared');
  assert.deepEqual([c.protocol.protocol, c.protocol.idleTimeoutMs, a.protocol.protocol, a.protocol.idleTimeoutMs], ['http2', 60000, 'http1', 3600000]);
});
