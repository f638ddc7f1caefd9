// The client's small pieces on their own: back-off bounds, envelope reading (Resource wrappers,
// TTL heartbeats), and control-plane target resolution from the bootstrap's clusters.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { RAW_ANY } from '../../proxy/config/canonical';
import { encodeBinary } from '../../proxy/config/proto-binary-encode';
import { envoySchema } from '../../proxy/config/schema/schema';
import { JitteredBackoff } from '../../xds-client/backoff';
import { peekName, peekTypeUrl, readDeltaResponse, readSotwResponse } from '../../xds-client/envelope';
import { resolveApiConfigSource } from '../../xds-client/grpc-target';
import { CLUSTER, RESOURCE_WRAPPER } from '../../xds-client/type-urls';
import { encodeResource } from './control-plane';
import { edsCluster } from './harness';

test('back-off: jittered below a ceiling that doubles from 500 ms to a 30 s cap, reset by success', () => {
  const b = new JitteredBackoff({ random: () => 0.999999 });
  const seen = Array.from({ length: 10 }, () => b.next());
  assert.deepEqual(seen.slice(0, 5), [499, 999, 1999, 3999, 7999]);
  assert.ok(seen.every((v) => v <= 30_000));
  assert.equal(seen[9], 29_999);
  b.reset();
  assert.equal(b.next(), 499);
  const low = new JitteredBackoff({ random: () => 0 });
  assert.equal(low.next(), 1, 'never a zero wait');
});

test('envelope: SotW resources as views, Resource wrappers unwrapped, TTL heartbeats marked empty', () => {
  const schema = envoySchema();
  const a = encodeResource(CLUSTER, edsCluster('a'));
  const b = encodeResource(CLUSTER, edsCluster('b'));
  const wrapped = encodeBinary(schema, 'envoy.service.discovery.v3.Resource', { name: 'b', version: '9', resource: { '@type': CLUSTER, [RAW_ANY]: b } });
  const heartbeat = encodeBinary(schema, 'envoy.service.discovery.v3.Resource', { name: 'c', ttl: 1000 });
  const buf = encodeBinary(schema, 'envoy.service.discovery.v3.DiscoveryResponse', {
    version_info: '3', type_url: CLUSTER, nonce: 'n1',
    resources: [{ '@type': CLUSTER, [RAW_ANY]: a }, { '@type': RESOURCE_WRAPPER, [RAW_ANY]: wrapped }, { '@type': RESOURCE_WRAPPER, [RAW_ANY]: heartbeat }],
  });
  const r = readSotwResponse(buf);
  assert.equal(r.versionInfo, '3');
  assert.equal(r.nonce, 'n1');
  assert.equal(r.resources.length, 3);
  assert.ok(r.resources.at(0)!.bytes.equals(a));
  assert.equal(r.resources.at(0)!.bytes.buffer, buf.buffer, 'a view, not a copy');
  assert.equal(peekName(r.resources.at(0)!.bytes), 'a');
  assert.equal(r.resources.at(1)!.name, 'b');
  assert.equal(r.resources.at(1)!.version, '9');
  assert.equal(r.resources.at(1)!.typeUrl, CLUSTER);
  assert.ok(r.resources.at(2)!.empty);

  const d = readDeltaResponse(encodeBinary(schema, 'envoy.service.discovery.v3.DeltaDiscoveryResponse', {
    system_version_info: 's', type_url: CLUSTER, nonce: 'n2', removed_resources: ['x', 'y'],
    resources: [{ name: 'a', version: '1', aliases: ['alias'], resource: { '@type': CLUSTER, [RAW_ANY]: a } }],
  }));
  assert.deepEqual(d.removed, ['x', 'y']);
  assert.equal(d.resources.at(0)!.name, 'a');
  assert.ok(d.resources.at(0)!.bytes.equals(a));
  assert.throws(() => readSotwResponse(Buffer.from([0x12, 0x05, 0x0a])), /runs past the end/);
  assert.equal(r.resources.at(3), undefined);
  // SotW's field 6 is control_plane (delta's is removed_resources): skipped, not misread.
  const withCpBytes = Buffer.from(encodeBinary(schema, 'envoy.service.discovery.v3.DiscoveryResponse', {
    version_info: '4', type_url: CLUSTER, nonce: 'n3', control_plane: { identifier: 'istiod-1' }, resources: [{ '@type': CLUSTER, [RAW_ANY]: a }],
  }));
  const withCp = readSotwResponse(withCpBytes);
  assert.deepEqual([withCp.versionInfo, withCp.nonce, withCp.resources.length], ['4', 'n3', 1]);
  // The read checks every resource's framing up front, wrapped ones to the inner Any, so a bad one
  // fails the whole response there and not later, halfway through the batch.
  const badWrapper = Buffer.from([0x12, 0x02, 0x12, 0x09]); // Resource.resource: an Any whose value says 9 bytes and has none
  const wrappedBad = encodeBinary(schema, 'envoy.service.discovery.v3.DiscoveryResponse', {
    type_url: CLUSTER, resources: [{ '@type': CLUSTER, [RAW_ANY]: a }, { '@type': RESOURCE_WRAPPER, [RAW_ANY]: badWrapper }],
  });
  assert.throws(() => readSotwResponse(wrappedBad), /runs past the end/);
  const deltaBad = Buffer.concat([Buffer.from([0x12, badWrapper.length]), badWrapper]);
  assert.throws(() => readDeltaResponse(deltaBad), /runs past the end/);
  // The type URL peeked before a response is read is the one the read finds: the last, after the resources.
  assert.equal(peekTypeUrl(withCpBytes), CLUSTER);
  const twice = Buffer.concat([withCpBytes, Buffer.from([0x22, 0x01, 0x78])]); // a second type_url, "x"
  assert.equal(peekTypeUrl(twice), readSotwResponse(twice).typeUrl);
  assert.equal(peekTypeUrl(twice), 'x');
  assert.equal(peekTypeUrl(Buffer.from([0x12, 0x05, 0x0a])), undefined);
});

const api = (cluster: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: cluster } }], ...extra,
});
const staticCluster = (name: string, addrs: Record<string, unknown>[], type = 'STATIC'): Record<string, unknown> => ({
  name, type, load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: addrs.map((address) => ({ endpoint: { address } })) }] },
});

test('targets: Istio\'s pipe cluster becomes unix:, IPs and DNS names become grpc-js targets; errors name the field', () => {
  const istio = resolveApiConfigSource(api('xds-grpc', { api_type: 'DELTA_GRPC', set_node_on_first_message_only: true }), [staticCluster('xds-grpc', [{ pipe: { path: './etc/istio/proxy/XDS' } }])], 'dynamic_resources.ads_config');
  assert.ok(istio.ok);
  assert.equal(istio.value.target, `unix:${path.resolve('./etc/istio/proxy/XDS')}`);
  assert.ok(istio.value.delta);
  assert.ok(istio.value.setNodeOnFirstMessageOnly);

  const ips = resolveApiConfigSource(api('cp'), [staticCluster('cp', [{ socket_address: { address: '10.0.0.1', port_value: 15010 } }, { socket_address: { address: '10.0.0.2', port_value: 15010 } }])], 'x');
  assert.ok(ips.ok);
  assert.equal(ips.value.target, 'ipv4:10.0.0.1:15010,10.0.0.2:15010');
  const dns = resolveApiConfigSource(api('cp'), [staticCluster('cp', [{ socket_address: { address: 'istiod.istio-system.svc', port_value: 15010 } }], 'STRICT_DNS')], 'x');
  assert.ok(dns.ok);
  assert.equal(dns.value.target, 'dns:istiod.istio-system.svc:15010');
  const google = resolveApiConfigSource({ api_type: 'GRPC', grpc_services: [{ google_grpc: { target_uri: 'localhost:15010', stat_prefix: 'x' } }] }, [], 'x');
  assert.ok(google.ok);
  assert.equal(google.value.target, 'localhost:15010');

  const missing = resolveApiConfigSource(api('nope'), [], 'dynamic_resources.ads_config');
  assert.ok(!missing.ok);
  assert.match(missing.error, /dynamic_resources\.ads_config\.grpc_services\[0\]\.envoy_grpc\.cluster_name: no static cluster named "nope"/);
  const rest = resolveApiConfigSource({ api_type: 'REST' }, [], 'cds_config.api_config_source');
  assert.ok(!rest.ok);
  assert.match(rest.error, /api_type: REST is not supported/);
  const eds = resolveApiConfigSource(api('cp'), [{ name: 'cp', type: 'EDS' }], 'x');
  assert.ok(!eds.ok);
  assert.match(eds.error, /static_resources\.clusters\[0\]: a control-plane cluster must be STATIC/);
});
