// wireOk must agree with decodeBinary on every wire-level problem: real resources (a cluster with
// a TLS transport socket, metadata, maps of Any and durations; an endpoint assignment; a listener
// whose HCM carries a whole route table) are mutated thousands of ways (bytes flipped, dropped,
// inserted, lengths stretched, cut short) and each result is put to both.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBinary } from '../../../proxy/config/proto-binary';
import { wireOk } from '../../../proxy/config/proto-binary-check';
import { encodeBinary } from '../../../proxy/config/proto-binary-encode';
import { decodeJson } from '../../../proxy/config/proto-json';
import { envoySchema } from '../../../proxy/config/schema/schema';

const schema = envoySchema();

function encoded(typeName: string, json: object): Buffer {
  const d = decodeJson(schema, typeName, json);
  assert.ok(d.ok, JSON.stringify(!d.ok && d.errors));
  return Buffer.from(encodeBinary(schema, typeName, d.value));
}

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const CLA = 'envoy.config.endpoint.v3.ClusterLoadAssignment';
const LISTENER = 'envoy.config.listener.v3.Listener';

const samples: [string, Buffer][] = [
  [
    CLUSTER,
    encoded(CLUSTER, {
      name: 'outbound|9080||reviews.default.svc.cluster.local',
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' }, service_name: 'outbound|9080||reviews.default.svc.cluster.local' },
      connect_timeout: '10s',
      lb_policy: 'LEAST_REQUEST',
      circuit_breakers: { thresholds: [{ max_connections: 4294967295, max_pending_requests: 4294967295, max_requests: 4294967295, max_retries: 4294967295, track_remaining: true }] },
      outlier_detection: { consecutive_5xx: 7, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 100 },
      common_lb_config: { locality_weighted_lb_config: {} },
      metadata: { filter_metadata: { istio: { services: [{ host: 'reviews.default.svc.cluster.local', name: 'reviews', namespace: 'default' }], default_original_port: 9080 } } },
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
          common_http_protocol_options: { idle_timeout: '3600s', max_requests_per_connection: 100 },
          use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: { max_concurrent_streams: 1073741824 } },
        },
      },
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
          common_tls_context: {
            alpn_protocols: ['istio-peer-exchange', 'istio'],
            tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: { api_config_source: { api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] } } }],
          },
          sni: 'outbound_.9080_._.reviews.default.svc.cluster.local',
        },
      },
    }),
  ],
  [
    CLA,
    encoded(CLA, {
      cluster_name: 'outbound|9080||reviews.default.svc.cluster.local',
      endpoints: [
        {
          locality: { region: 'us-east1', zone: 'us-east1-b' },
          load_balancing_weight: 3,
          priority: 1,
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '10.1.2.3', port_value: 9080 } } }, health_status: 'HEALTHY', load_balancing_weight: 1, metadata: { filter_metadata: { istio: { workload: 'reviews-v1' } } } },
            { endpoint: { address: { socket_address: { address: '10.1.2.4', port_value: 9080 } }, hostname: 'pod-4' }, health_status: 'DEGRADED' },
          ],
        },
      ],
      policy: { overprovisioning_factor: 140 },
    }),
  ],
  [
    LISTENER,
    encoded(LISTENER, {
      name: '0.0.0.0_8080',
      address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
      filter_chains: [
        {
          filter_chain_match: { destination_port: 8080, prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }] },
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                stat_prefix: 'in',
                route_config: {
                  name: 'r',
                  virtual_hosts: [
                    { name: 'a', domains: ['a', 'a:8080'], routes: [{ match: { prefix: '/', headers: [{ name: 'x', string_match: { exact: 'y' } }] }, route: { weighted_clusters: { clusters: [{ name: 'c1', weight: 30 }, { name: 'c2', weight: 70 }] }, timeout: '2.5s', retry_policy: { retry_on: '5xx', num_retries: 2 } } }] },
                  ],
                },
                http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
              },
            },
          ],
        },
      ],
    }),
  ],
];

/** A wire-level issue as decodeBinary words it (the check covers these and only these). */
const WIRE = /malformed |nested deeper than|is not in the schema/;

/** Deterministic, so a failure repeats: xorshift32. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

function mutate(b: Buffer, rand: () => number): Buffer {
  const at = Math.floor(rand() * b.length);
  const byte = Math.floor(rand() * 256);
  switch (Math.floor(rand() * 6)) {
    case 0: {
      const c = Buffer.from(b);
      c[at] = byte;
      return c;
    }
    case 1:
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    case 2:
      return Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
    case 3:
      return b.subarray(0, at);
    case 4: {
      const c = Buffer.from(b);
      c[at] = c[at] ^ (1 << Math.floor(rand() * 8)); // one bit
      return c;
    }
    default: {
      const c = Buffer.from(b);
      c[at] = 0x7f; // a length or tag pushed high
      return c;
    }
  }
}

test('wireOk accepts what decodes and agrees with decodeBinary on every mutated resource', () => {
  for (const [type, bytes] of samples) {
    assert.equal(wireOk(schema, type, bytes), true, type);
    assert.ok(decodeBinary(schema, type, bytes).ok, type);
  }
  const rand = rng(20261126);
  let rejected = 0;
  let total = 0;
  for (const [type, bytes] of samples) {
    for (let i = 0; i < 4000; i++) {
      // One to three mutations on top of each other.
      let b = bytes;
      const n = 1 + Math.floor(rand() * 3);
      for (let k = 0; k < n; k++) b = mutate(b, rand);
      const ok = wireOk(schema, type, b);
      const d = decodeBinary(schema, type, b);
      const wireIssues = d.ok ? [] : d.errors.filter((e) => WIRE.test(e.message));
      total++;
      if (!ok) rejected++;
      const what = `${type} mutation ${i}: ${b.toString('hex')}`;
      if (ok) assert.deepEqual(wireIssues, [], `${what}: the check passed what the decoder calls malformed`);
      else assert.ok(wireIssues.length > 0, `${what}: the check failed what the decoder reads cleanly (${d.ok ? 'ok' : d.errors.map((e) => e.message).join('; ')})`);
    }
  }
  // Both outcomes must be well represented, or the comparison says little.
  assert.ok(rejected > total * 0.2 && rejected < total * 0.9, `${rejected} of ${total} rejected`);
});

test('wireOk: nesting past protobuf\'s recursion limit fails as it does for the decoder', () => {
  // google.protobuf.Struct -> fields entry -> Value -> struct_value -> Struct ..., `levels` deep.
  const deep = (levels: number): Buffer => {
    let b: Buffer = Buffer.alloc(0);
    for (let i = 0; i < levels; i++) {
      const entry = Buffer.concat([Buffer.from([0x0a, 1, 0x6b]), lenField(2, lenField(5, b))]); // key "k", value {struct_value: b}
      b = lenField(1, entry); // Struct.fields
    }
    return b;
  };
  const outcomes: boolean[] = [];
  for (let levels = 10; levels <= 60; levels++) {
    const b = deep(levels);
    const d = decodeBinary(schema, 'google.protobuf.Struct', b);
    const wire = !d.ok && d.errors.some((e) => WIRE.test(e.message));
    assert.equal(wireOk(schema, 'google.protobuf.Struct', b), !wire, `${levels} levels`);
    outcomes.push(wire);
  }
  assert.equal(outcomes[0], false, 'ten levels decode');
  assert.equal(outcomes[outcomes.length - 1], true, 'sixty levels are past the limit');
});

function lenField(num: number, body: Buffer): Buffer {
  const len: number[] = [];
  let n = body.length;
  do {
    len.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Buffer.concat([Buffer.from([(num << 3) | 2, ...len]), body]);
}
