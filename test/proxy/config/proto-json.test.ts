import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { decodeJson } from '../../../proxy/config/proto-json';
import { envoySchema } from '../../../proxy/config/schema/schema';
import { formatIssue } from '../../../proxy/config/result';
import { Canonical } from '../../../proxy/config/canonical';

const schema = envoySchema();
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';

function ok(type: string, json: unknown): Canonical {
  const r = decodeJson(schema, type, json);
  if (!r.ok) assert.fail(r.errors.map(formatIssue).join('\n'));
  return r.value;
}

function errors(type: string, json: unknown, allowUnknownFields = false): string[] {
  const r = decodeJson(schema, type, json, { allowUnknownFields });
  assert.equal(r.ok, false, 'expected the config to be rejected');
  return r.ok ? [] : r.errors.map(formatIssue);
}

test('Duration: "1.5s" and friends become milliseconds; bad forms name the field', () => {
  const c = ok(CLUSTER, { name: 'c', connect_timeout: '1.5s', dns_refresh_rate: '0.000001s', cleanup_interval: '10s' });
  assert.equal(c.connect_timeout, 1500);
  assert.equal(c.dns_refresh_rate, 0.001);
  assert.equal(c.cleanup_interval, 10000);
  assert.deepEqual(errors(CLUSTER, { name: 'c', connect_timeout: 5 }), [
    'connect_timeout: invalid duration number 5; write it as a string such as "1.5s"',
  ]);
  assert.match(errors(CLUSTER, { name: 'c', connect_timeout: '5ms' })[0], /^connect_timeout: invalid duration/);
});

test('wrapper types are bare values; {value: x} is tolerated', () => {
  const c = ok(CLUSTER, {
    name: 'c',
    per_connection_buffer_limit_bytes: 32768,
    circuit_breakers: { thresholds: [{ max_connections: { value: 7 }, max_requests: '9' }] },
    respect_dns_ttl: true,
  });
  assert.equal(c.per_connection_buffer_limit_bytes, 32768);
  const th = (c.circuit_breakers as { thresholds: Record<string, unknown>[] }).thresholds[0];
  assert.equal(th.max_connections, 7);
  assert.equal(th.max_requests, 9);
  assert.match(errors(CLUSTER, { name: 'c', per_connection_buffer_limit_bytes: -1 })[0], /out of range for uint32/);
  assert.match(errors(CLUSTER, { name: 'c', respect_dns_ttl: 'yes' })[0], /^respect_dns_ttl: expected bool/);
});

test('Struct is plain JSON; Value keeps null', () => {
  const b = ok(BOOTSTRAP, { node: { id: 'n', metadata: { A: 1, B: { c: [true, null, 's'] } } } });
  assert.deepEqual((b.node as Canonical).metadata, { A: 1, B: { c: [true, null, 's'] } });
  assert.match(errors(BOOTSTRAP, { node: { metadata: [1] } })[0], /^node\.metadata: expected an object \(Struct\)/);
});

test('Any with @type decodes the packed message; unknown types are kept for the registry to judge', () => {
  const l = ok('envoy.config.listener.v3.Listener', {
    name: 'l',
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.tcp_proxy',
        typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 's', cluster: 'x', idle_timeout: '2s' },
      }, {
        name: 'istio.stats',
        typed_config: { '@type': 'type.googleapis.com/stats.PluginConfig', anything: { goes: 1 } },
      }],
    }],
  });
  const filters = ((l.filter_chains as Canonical[])[0].filters as Canonical[]);
  assert.deepEqual(filters[0].typed_config, {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
    stat_prefix: 's', cluster: 'x', idle_timeout: 2000,
  });
  assert.deepEqual(filters[1].typed_config, { '@type': 'type.googleapis.com/stats.PluginConfig', anything: { goes: 1 } });
  // Fields inside a known Any are checked with their full path.
  const errs = errors('envoy.config.listener.v3.Listener', {
    filter_chains: [{ filters: [{ name: 'x', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 's', clustr: 'x' } }] }],
  });
  assert.deepEqual(errs, ['filter_chains[0].filters[0].typed_config.clustr: unknown field']);
  assert.match(errors('envoy.config.listener.v3.Listener', { filter_chains: [{ filters: [{ name: 'x', typed_config: { stat_prefix: 's' } }] }] })[0],
    /^filter_chains\[0\]\.filters\[0\]\.typed_config\.@type: missing or invalid type URL/);
});

test('Any packing a well-known type uses {"@type", "value"}', () => {
  const v = ok('google.protobuf.Any', { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: 'chain-a' });
  assert.deepEqual(v, { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: 'chain-a' });
  const d = ok('google.protobuf.Any', { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '3s' });
  assert.equal(d.value, 3000);
});

test('TypedStruct (udpa and xds) keeps its type_url and a plain JSON value', () => {
  for (const t of ['udpa.type.v1.TypedStruct', 'xds.type.v3.TypedStruct']) {
    const v = ok('google.protobuf.Any', {
      '@type': `type.googleapis.com/${t}`,
      type_url: 'type.googleapis.com/io.istio.http.peer_metadata.Config',
      value: { upstream_discovery: [{ istio_headers: {} }] },
    });
    assert.equal(v.type_url, 'type.googleapis.com/io.istio.http.peer_metadata.Config');
    assert.deepEqual(v.value, { upstream_discovery: [{ istio_headers: {} }] });
  }
});

test('enums by name or number; unknown names list the choices', () => {
  assert.equal(ok(CLUSTER, { name: 'c', lb_policy: 'LEAST_REQUEST' }).lb_policy, 'LEAST_REQUEST');
  assert.equal(ok(CLUSTER, { name: 'c', lb_policy: 2 }).lb_policy, 'RING_HASH');
  assert.equal(ok(CLUSTER, { name: 'c', type: 'STRICT_DNS' }).type, 'STRICT_DNS');
  const e = errors(CLUSTER, { name: 'c', lb_policy: 'ROUND_ROBBIN' });
  assert.match(e[0], /^lb_policy: unknown value "ROUND_ROBBIN" for enum envoy\.config\.cluster\.v3\.Cluster\.LbPolicy; expected one of ROUND_ROBIN, LEAST_REQUEST/);
});

test('64-bit integers as strings or numbers; 32-bit ranges enforced', () => {
  const b = ok(BOOTSTRAP, { stats_flush_interval: '5s', node: { id: 'x' } });
  assert.equal(b.stats_flush_interval, 5000);
  const h = ok('envoy.config.route.v3.HeaderMatcher', { name: 'x', range_match: { start: '-9007199254740991', end: 12 } });
  assert.deepEqual(h.range_match, { start: -9007199254740991, end: 12 });
  assert.match(errors('envoy.config.core.v3.SocketAddress', { address: 'a', port_value: 4294967296 })[0], /port_value: 4294967296 is out of range for uint32/);
  assert.match(errors('envoy.config.core.v3.SocketAddress', { address: 'a', port_value: 1.5 })[0], /expected an integer/);
});

test('lowerCamelCase keys are accepted and stored under the proto name', () => {
  const c = ok(CLUSTER, { name: 'c', connectTimeout: '2s', lbPolicy: 'RANDOM', loadAssignment: { clusterName: 'c', endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '127.0.0.1', portValue: 80 } } } }] }] } });
  assert.equal(c.connect_timeout, 2000);
  assert.equal(c.lb_policy, 'RANDOM');
  const la = c.load_assignment as Canonical;
  assert.equal(la.cluster_name, 'c');
  assert.ok(Array.isArray(la.endpoints));
  assert.match(errors(CLUSTER, { name: 'c', connect_timeout: '1s', connectTimeout: '2s' })[0], /field given twice/);
});

test('unknown fields are rejected with their full path, or ignored with a warning when allowed', () => {
  const bad = { static_resources: { clusters: [{ name: 'c', conect_timeout: '1s' }] } };
  assert.deepEqual(errors(BOOTSTRAP, bad), ['static_resources.clusters[0].conect_timeout: unknown field']);
  const r = decodeJson(schema, BOOTSTRAP, bad, { allowUnknownFields: true });
  assert.ok(r.ok);
  assert.deepEqual(r.warnings.map(formatIssue), ['static_resources.clusters[0].conect_timeout: unknown field (ignored)']);
});

test('oneof members are exclusive; required and non-empty rules apply', () => {
  assert.match(errors('envoy.config.core.v3.Address', { socket_address: { address: 'a', port_value: 1 }, pipe: { path: '/x' } })[0], /^pipe: oneof 'address' already set by socket_address/);
  assert.deepEqual(errors(CLUSTER, { connect_timeout: '1s' }), ['name: value must not be empty']);
});

test('null means absent; maps keep their keys; bytes are base64', () => {
  const c = ok(CLUSTER, { name: 'c', connect_timeout: null, metadata: { filter_metadata: { istio: { a: 1 } } } });
  assert.equal(c.connect_timeout, undefined);
  assert.deepEqual({ ...((c.metadata as Canonical).filter_metadata as object) }, { istio: { a: 1 } });
  const ds = ok('envoy.config.core.v3.DataSource', { inline_bytes: Buffer.from('hi').toString('base64') });
  assert.ok(Buffer.isBuffer(ds.inline_bytes));
  assert.equal((ds.inline_bytes as Buffer).toString(), 'hi');
});

test('decoded trees are frozen', () => {
  const c = ok(CLUSTER, { name: 'c', connect_timeout: '1s' });
  assert.ok(Object.isFrozen(c));
  assert.throws(() => { (c as Record<string, unknown>).name = 'd'; });
});

test('a value given wrongly in a sensitive field (a private key) is never quoted in the issue', () => {
  const r = decodeJson(envoySchema(), 'envoy.extensions.transport_sockets.tls.v3.Secret', {
    name: 's',
    tls_certificate: { private_key: '-----BEGIN PRIVATE KEY-----MIIEvQ', certificate_chain: 'plain' },
  });
  assert.equal(r.ok, false);
  const text = JSON.stringify(r.ok ? [] : r.errors);
  assert.doesNotMatch(text, /BEGIN PRIVATE KEY|MIIEvQ/);
  assert.match(text, /tls_certificate\.private_key.*not shown: the field is sensitive/);
  assert.match(text, /got string \\"plain\\"/, 'other fields still say what was given');
});
