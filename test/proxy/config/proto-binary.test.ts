// Binary resources (as xDS delivers them) must decode to exactly what the same config gives as
// JSON. protobufjs, loading the real protos, is the independent encoder here.
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as protobuf from 'protobufjs';
import { decodeJson } from '../../../proxy/config/proto-json';
import { decodeBinary } from '../../../proxy/config/proto-binary';
import { encodeJson } from '../../../proxy/config/proto-to-json';
import { envoySchema } from '../../../proxy/config/schema/schema';
import { RAW_ANY } from '../../../proxy/config/canonical';

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
  root.loadSync([
    'envoy/config/cluster/v3/cluster.proto',
    'envoy/config/route/v3/route_components.proto',
    'envoy/config/listener/v3/listener.proto',
    'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
    'envoy/service/discovery/v3/discovery.proto',
  ], { keepCase: true });
});

function packAny(typeName: string, obj: Record<string, unknown>): { type_url: string; value: Uint8Array } {
  const T = root.lookupType(typeName);
  return { type_url: `type.googleapis.com/${typeName}`, value: T.encode(T.fromObject(obj)).finish() };
}

test('a binary Cluster decodes to the same canonical tree as its JSON', () => {
  const json = {
    name: 'outbound|80||svc.ns.svc.cluster.local',
    type: 'EDS',
    connect_timeout: '10.5s',
    lb_policy: 'LEAST_REQUEST',
    per_connection_buffer_limit_bytes: 32768,
    circuit_breakers: { thresholds: [{ max_connections: 4294967295, max_retries: 7 }] },
    metadata: { filter_metadata: { istio: { services: [{ host: 'svc', port: 80 }], flag: true, n: null } } },
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: 'svc' },
  };
  const C = root.lookupType('envoy.config.cluster.v3.Cluster');
  const msg = C.fromObject({
    name: json.name,
    type: 3,
    connect_timeout: { seconds: 10, nanos: 500000000 },
    lb_policy: 1,
    per_connection_buffer_limit_bytes: { value: 32768 },
    circuit_breakers: { thresholds: [{ max_connections: { value: 4294967295 }, max_retries: { value: 7 } }] },
    // protobufjs spells the well-known types' fields in camelCase.
    metadata: { filter_metadata: { istio: { fields: {
      services: { listValue: { values: [{ structValue: { fields: { host: { stringValue: 'svc' }, port: { numberValue: 80 } } } }] } },
      flag: { boolValue: true },
      n: { nullValue: 0 },
    } } } },
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 2 }, service_name: 'svc' },
  });
  const bytes = C.encode(msg).finish();
  const fromBinary = decodeBinary(schema, 'envoy.config.cluster.v3.Cluster', bytes);
  const fromJson = decodeJson(schema, 'envoy.config.cluster.v3.Cluster', json);
  assert.ok(fromBinary.ok && fromJson.ok);
  assert.deepEqual(
    JSON.parse(JSON.stringify(encodeJson(schema, 'envoy.config.cluster.v3.Cluster', fromBinary.value))),
    JSON.parse(JSON.stringify(encodeJson(schema, 'envoy.config.cluster.v3.Cluster', fromJson.value))),
  );
  assert.equal(fromBinary.value.connect_timeout, 10500);
  assert.equal(fromBinary.value.lb_policy, 'LEAST_REQUEST');
});

test('Anys inside a DiscoveryResponse decode recursively; unknown types keep their bytes', () => {
  const tcp = packAny('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', { stat_prefix: 'p', cluster: 'c' });
  const L = root.lookupType('envoy.config.listener.v3.Listener');
  const listener = L.encode(L.fromObject({
    name: 'l1',
    address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
    use_original_dst: { value: true },
    filter_chains: [{ filters: [{ name: 'tcp', typed_config: tcp }, { name: 'x', typed_config: { type_url: 'type.googleapis.com/stats.PluginConfig', value: Buffer.from([8, 1]) } }] }],
  })).finish();
  const R = root.lookupType('envoy.service.discovery.v3.DiscoveryResponse');
  const resp = R.encode(R.fromObject({
    version_info: 'v1',
    type_url: 'type.googleapis.com/envoy.config.listener.v3.Listener',
    nonce: 'n1',
    resources: [{ type_url: 'type.googleapis.com/envoy.config.listener.v3.Listener', value: listener }],
  })).finish();
  const r = decodeBinary(schema, 'envoy.service.discovery.v3.DiscoveryResponse', resp);
  assert.ok(r.ok);
  const l = (r.value.resources as Record<string, unknown>[])[0];
  assert.equal(l['@type'], 'type.googleapis.com/envoy.config.listener.v3.Listener');
  assert.equal(l.name, 'l1');
  assert.equal(l.use_original_dst, true);
  const filters = ((l.filter_chains as Record<string, unknown>[])[0].filters as Record<string, Record<string | symbol, unknown>>[]);
  assert.deepEqual({ ...filters[0].typed_config }, { '@type': tcp.type_url, stat_prefix: 'p', cluster: 'c' });
  assert.deepEqual(filters[1].typed_config[RAW_ANY], Buffer.from([8, 1]));
});

test('malformed bytes are an error, not a crash', () => {
  const r = decodeBinary(schema, 'envoy.config.cluster.v3.Cluster', Buffer.from([0x0a, 0x50, 0x61]));
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.errors[0].message, /malformed envoy\.config\.cluster\.v3\.Cluster: length-delimited field runs past the end/);
});

test('negative int32 and int64 varints (10 bytes on the wire) keep their sign', () => {
  const H = root.lookupType('envoy.config.route.v3.HeaderMatcher');
  const bytes = H.encode(H.fromObject({ name: 'x', range_match: { start: -5, end: -1 } })).finish();
  const r = decodeBinary(schema, 'envoy.config.route.v3.HeaderMatcher', bytes);
  assert.ok(r.ok);
  assert.deepEqual(r.value.range_match, { start: -5, end: -1 });
});

test('binary resources get the same required/non-empty checks as JSON', () => {
  const C = root.lookupType('envoy.config.cluster.v3.Cluster');
  const r = decodeBinary(schema, 'envoy.config.cluster.v3.Cluster', C.encode(C.fromObject({ connect_timeout: { seconds: 1 } })).finish());
  assert.equal(r.ok, false);
  assert.deepEqual(r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`), ['name: value must not be empty']);
});

test('a Struct key named __proto__ is an ordinary key, not the object prototype', () => {
  const C = root.lookupType('envoy.config.cluster.v3.Cluster');
  const bytes = C.encode(C.fromObject({
    name: 'c',
    // JSON.parse makes an own key of __proto__, where an object literal would set the prototype.
    metadata: { filter_metadata: { istio: { fields: JSON.parse('{"__proto__": {"stringValue": "x"}, "polluted": {"boolValue": true}}') } } },
  })).finish();
  const r = decodeBinary(schema, 'envoy.config.cluster.v3.Cluster', bytes);
  assert.ok(r.ok);
  const istio = (r.value.metadata as { filter_metadata: Record<string, Record<string, unknown>> }).filter_metadata.istio;
  assert.deepEqual(Object.keys(istio).sort(), ['__proto__', 'polluted']);
  assert.equal(Object.getOwnPropertyDescriptor(istio, '__proto__')?.value, 'x');
  assert.equal(Object.getPrototypeOf(istio), Object.prototype);
});

test('issue paths inside nested and repeated messages name every level, scalars included at the message', () => {
  // A truncated varint inside circuit_breakers.thresholds[1] (a nested message of a repeated field).
  const C = root.lookupType('envoy.config.cluster.v3.Cluster');
  const good = C.encode(C.fromObject({ name: 'c', circuit_breakers: { thresholds: [{ max_connections: { value: 5 } }, { max_retries: { value: 7 } }] } })).finish();
  const bad = Buffer.from(good);
  // Make the last byte (max_retries' value, a varint) claim a continuation that never comes.
  bad[bad.length - 1] |= 0x80;
  const r = decodeBinary(schema, 'envoy.config.cluster.v3.Cluster', bad);
  assert.ok(!r.ok);
  assert.match(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n'), /circuit_breakers\.thresholds\[1\]\.max_retries: malformed google\.protobuf\.UInt32Value: truncated varint/);
});
