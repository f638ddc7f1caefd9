// The binary encoder must be the exact inverse of decodeBinary, and its bytes must read back the
// same through protobufjs (an independent implementation loading the real protos).
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as protobuf from 'protobufjs';
import { decodeJson } from '../../../proxy/config/proto-json';
import { decodeBinary } from '../../../proxy/config/proto-binary';
import { encodeBinary, EncodeError } from '../../../proxy/config/proto-binary-encode';
import { envoySchema } from '../../../proxy/config/schema/schema';

const schema = envoySchema();
let root: protobuf.Root;

before(() => {
  const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  const dirs = ['envoy-api', 'googleapis', 'protoc-gen-validate', 'xds'].map((d) => path.join(deps, d));
  dirs.push(path.dirname(require.resolve('protobufjs/package.json')));
  root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    for (const d of dirs) if (fs.existsSync(path.join(d, target))) return path.join(d, target);
    return protobuf.util.path.resolve(origin, target);
  };
  root.loadSync(['envoy/config/cluster/v3/cluster.proto', 'envoy/service/discovery/v3/discovery.proto'], { keepCase: true });
});

const CLUSTER = 'envoy.config.cluster.v3.Cluster';

const clusterJson = {
  name: 'outbound|8080||reviews.default.svc.cluster.local',
  type: 'EDS',
  eds_cluster_config: { eds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' }, service_name: 'svc' },
  connect_timeout: '10.250s',
  lb_policy: 'LEAST_REQUEST',
  per_connection_buffer_limit_bytes: 32768,
  circuit_breakers: { thresholds: [{ max_connections: 4294967295, max_requests: 4294967295, max_retries: 4294967295, track_remaining: true }] },
  outlier_detection: { consecutive_5xx: 5, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 100 },
  common_lb_config: { healthy_panic_threshold: { value: 12.5 } },
  metadata: { filter_metadata: { istio: { services: [{ host: 'reviews', name: 'reviews', namespace: 'default' }], 'default_original_port': 8080, ok: true, none: null } } },
  transport_socket: {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      common_tls_context: { alpn_protocols: ['istio-peer-exchange', 'istio'], tls_certificate_sds_secret_configs: [{ name: 'default' }] },
      sni: 'outbound_.8080_._.reviews.default.svc.cluster.local',
    },
  },
  filters: [{ name: 'istio.metadata_exchange', typed_config: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: 'x' } }],
  dns_lookup_family: 'V4_ONLY',
  load_assignment: {
    cluster_name: 'c',
    endpoints: [{ locality: { region: 'r' }, lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 9080 } } }, load_balancing_weight: 3 }], priority: 1 }],
  },
};

test('encodeBinary is the inverse of decodeBinary for a rich Istio-like Cluster', () => {
  const canon = decodeJson(schema, CLUSTER, clusterJson);
  assert.ok(canon.ok, JSON.stringify(!canon.ok && canon.errors));
  const bytes = encodeBinary(schema, CLUSTER, canon.value);
  const back = decodeBinary(schema, CLUSTER, bytes);
  assert.ok(back.ok);
  assert.deepEqual(back.value, canon.value);
  assert.equal(back.warnings.length, 0);
});

test('protobufjs reads the encoded bytes as the same message it would encode itself', () => {
  const canon = decodeJson(schema, CLUSTER, clusterJson);
  assert.ok(canon.ok);
  const ours = encodeBinary(schema, CLUSTER, canon.value);
  const T = root.lookupType(CLUSTER);
  const decoded = T.decode(ours) as unknown as Record<string, unknown>;
  assert.equal(decoded.name, clusterJson.name);
  assert.equal((decoded.connect_timeout as { nanos: number }).nanos, 250_000_000);
  // Re-encoded by protobufjs, the message reads back through our decoder unchanged.
  const theirs = T.encode(decoded).finish();
  const back = decodeBinary(schema, CLUSTER, theirs);
  assert.ok(back.ok);
  assert.deepEqual(back.value, canon.value);
});

test('DiscoveryRequest with node metadata, error_detail and a map encodes for protobufjs', () => {
  const req = {
    version_info: '7',
    node: { id: 'sidecar~10.0.0.1~a.b~b.svc.cluster.local', cluster: 'a.b', metadata: { ISTIO_VERSION: '1.28', LABELS: { app: 'a' }, n: 2.5 }, user_agent_name: 'envoy', user_agent_build_version: { version: { major_number: 1, minor_number: 36, patch: 0 } } },
    resource_names: ['a', 'b'],
    type_url: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
    response_nonce: '3',
    error_detail: { code: 13, message: 'bad' },
  };
  const bytes = encodeBinary(schema, 'envoy.service.discovery.v3.DiscoveryRequest', req);
  const T = root.lookupType('envoy.service.discovery.v3.DiscoveryRequest');
  const d = T.toObject(T.decode(bytes), { longs: String, enums: String }) as Record<string, any>;
  assert.equal(d.version_info, '7');
  assert.deepEqual(d.resource_names, ['a', 'b']);
  assert.equal(d.error_detail.code, 13);
  assert.equal(d.node.user_agent_build_version.version.minor_number, 36);
  assert.equal(d.node.metadata.fields.LABELS.structValue.fields.app.stringValue, 'a');
  const delta = encodeBinary(schema, 'envoy.service.discovery.v3.DeltaDiscoveryRequest', { type_url: 't', initial_resource_versions: { x: '1', y: '2' } });
  const D = root.lookupType('envoy.service.discovery.v3.DeltaDiscoveryRequest');
  assert.deepEqual({ ...(D.toObject(D.decode(delta)) as Record<string, any>).initial_resource_versions }, { x: '1', y: '2' });
});

test('negative, 64-bit, packed and enum-number values round-trip', () => {
  // (A negative int32 is ten bytes on the wire; decodeBinary reads those as a double and loses
  // them, so this checks the bytes with protobufjs instead.)
  const S = root.lookupType('google.rpc.Status');
  assert.equal((S.decode(encodeBinary(schema, 'google.rpc.Status', { code: -5 })) as unknown as { code: number }).code, -5);
  const msg = { code: 5, message: 'm' };
  const b = encodeBinary(schema, 'google.rpc.Status', msg);
  const back = decodeBinary(schema, 'google.rpc.Status', b);
  assert.ok(back.ok);
  assert.deepEqual(back.value, msg);
  const hc = { timeout: 1000, interval: 0.5, healthy_threshold: 2, unhealthy_threshold: 3, http_health_check: { path: '/h', expected_statuses: [{ start: 200, end: 300 }] } };
  const hb = encodeBinary(schema, 'envoy.config.core.v3.HealthCheck', hc);
  const hback = decodeBinary(schema, 'envoy.config.core.v3.HealthCheck', hb);
  assert.ok(hback.ok);
  assert.deepEqual(hback.value, hc);
});

test('a value that does not fit its field is an EncodeError naming the path', () => {
  assert.throws(() => encodeBinary(schema, CLUSTER, { name: 'x', lb_policy: 'NOPE' }), (e: unknown) => e instanceof EncodeError && /lb_policy/.test((e as Error).message));
});

test('long repeated string fields (a subscription of thousands of names) encode as protobufjs does, ASCII or not', () => {
  const type = root.lookupType('envoy.service.discovery.v3.DiscoveryRequest');
  const ascii = Array.from({ length: 300 }, (_, i) => `outbound|8080||svc-${i}.ns.svc.cluster.local`);
  const cases: [string, string[]][] = [
    ['ASCII names (written joined)', ascii],
    ['one name with non-ASCII text', [...ascii.slice(0, 150), 'outbound|80||café.ns.svc.cluster.local', ...ascii.slice(150)]],
    ['one name of 128 characters or more', [...ascii, `outbound|80||${'x'.repeat(200)}.ns.svc.cluster.local`]],
    ['a short list', ascii.slice(0, 3)],
  ];
  for (const [what, names] of cases) {
    const msg = { version_info: '3', resource_names: names, type_url: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment', response_nonce: '7' };
    const ours = encodeBinary(schema, 'envoy.service.discovery.v3.DiscoveryRequest', msg);
    assert.deepEqual(Buffer.from(ours), Buffer.from(type.encode(type.fromObject(msg)).finish()), what);
    const back = decodeBinary(schema, 'envoy.service.discovery.v3.DiscoveryRequest', ours);
    assert.ok(back.ok, what);
    assert.deepEqual((back.value as { resource_names: string[] }).resource_names, names, what);
  }
  // A frozen list keeps its joined form: encoded again, and as two fields of another message,
  // the bytes stay protobufjs's (the joined form is per field number).
  const frozen = Object.freeze(ascii.slice());
  const sotw = { version_info: '3', resource_names: frozen, type_url: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment', response_nonce: '8' };
  for (let round = 0; round < 2; round++) {
    assert.deepEqual(Buffer.from(encodeBinary(schema, 'envoy.service.discovery.v3.DiscoveryRequest', sotw)), Buffer.from(type.encode(type.fromObject(sotw)).finish()), `frozen list, round ${round}`);
  }
  // A frozen list that does not qualify (a non-ASCII name) is remembered as such, and still encodes right.
  const mixed = Object.freeze([...ascii.slice(0, 100), 'outbound|80||café.ns.svc.cluster.local']);
  const mixedReq = { ...sotw, resource_names: mixed };
  for (let round = 0; round < 2; round++) {
    assert.deepEqual(Buffer.from(encodeBinary(schema, 'envoy.service.discovery.v3.DiscoveryRequest', mixedReq)), Buffer.from(type.encode(type.fromObject(mixedReq)).finish()), `frozen non-ASCII list, round ${round}`);
  }
  const deltaType = root.lookupType('envoy.service.discovery.v3.DeltaDiscoveryRequest');
  const delta = { type_url: sotw.type_url, resource_names_subscribe: frozen, resource_names_unsubscribe: frozen, response_nonce: '9' };
  assert.deepEqual(Buffer.from(encodeBinary(schema, 'envoy.service.discovery.v3.DeltaDiscoveryRequest', delta)), Buffer.from(deltaType.encode(deltaType.fromObject(delta)).finish()), 'one frozen list as two fields');
});
