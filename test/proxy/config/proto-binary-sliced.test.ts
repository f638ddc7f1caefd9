// A big resource (a RouteConfiguration with thousands of virtual hosts) is decoded and compiled in
// slices: the result must be exactly what the one-piece path gives, the work must really yield
// between parts, and issues must name their indexed field paths.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { decodeBinary, decodeBinarySliced } from '../../../proxy/config/proto-binary';
import { encodeBinary } from '../../../proxy/config/proto-binary-encode';
import { decodeJson } from '../../../proxy/config/proto-json';
import { envoySchema } from '../../../proxy/config/schema/schema';
import { SliceClock } from '../../../proxy/common/slice-clock';
import { buildRouteTable, buildRouteTableSliced } from '../../../proxy/router/route-table';

const schema = envoySchema();
const RC = 'envoy.config.route.v3.RouteConfiguration';

function routeConfigBytes(n: number, broken?: number): Buffer {
  const vhosts = [];
  for (let i = 0; i < n; i++) {
    const route = { match: { prefix: '/' }, route: { cluster: `c${i}`, timeout: '2s' }, request_headers_to_add: [{ header: { key: 'x-i', value: String(i) } }] };
    vhosts.push({ name: `vh${i}`, domains: [`h${i}.test`, `h${i}.test:80`], routes: [i === broken ? { ...route, request_headers_to_add: [{ header: { key: '', value: 'v' } }] } : route] });
  }
  const json = decodeJson(schema, RC, { name: 'big', virtual_hosts: vhosts }, { skipRules: true });
  assert.ok(json.ok, JSON.stringify(json.ok ? '' : json.errors));
  return Buffer.from(encodeBinary(schema, RC, json.value));
}

test('a sliced decode equals the one-piece decode and yields between virtual hosts', async () => {
  const bytes = routeConfigBytes(2000);
  let pauses = 0;
  let loopTurns = 0;
  const ticker = setInterval(() => loopTurns++, 0);
  const sliced = await decodeBinarySliced(schema, RC, bytes, () => {
    pauses++;
    return pauses % 100 === 0 ? new Promise<void>((r) => setImmediate(r)) : undefined;
  });
  clearInterval(ticker);
  const whole = decodeBinary(schema, RC, bytes);
  assert.ok(sliced.ok && whole.ok);
  assert.deepEqual(sliced.value, whole.value);
  assert.ok(Object.isFrozen(sliced.value) && Object.isFrozen((sliced.value.virtual_hosts as object[])[1999]));
  assert.equal(pauses, 2001, 'asked after every top-level field (name + 2,000 virtual hosts)');
  assert.ok(loopTurns > 0, 'the event loop ran while the resource was decoded');
});

test('an issue deep in a sliced decode names its indexed path', async () => {
  const r = await decodeBinarySliced(schema, RC, routeConfigBytes(50, 37), () => undefined);
  assert.equal(r.ok, false);
  assert.deepEqual(r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`), ['virtual_hosts[37].routes[0].request_headers_to_add[0].header.key: value must not be empty']);
  const whole = decodeBinary(schema, RC, routeConfigBytes(50, 37));
  assert.deepEqual(whole.ok ? [] : whole.errors, r.ok ? [] : r.errors);
});

test('a route table built in slices routes as the one built at once', async () => {
  const decoded = decodeBinary(schema, RC, routeConfigBytes(3000));
  assert.ok(decoded.ok);
  let yields = 0;
  const clock = new SliceClock(0); // every virtual host ends a slice
  const origYield = clock.yield.bind(clock);
  clock.yield = () => (yields++, origYield());
  const sliced = await buildRouteTableSliced(decoded.value, clock);
  const whole = buildRouteTable(decoded.value);
  assert.ok(sliced.ok && whole.ok);
  assert.ok(yields >= 3000, `yielded ${yields} times`);
  for (const host of ['h0.test', 'h1234.test:80', 'h2999.test']) {
    const req = { authority: host, path: '/x', method: 'GET', headers: new Map() } as never;
    assert.equal(sliced.value.route(req, 0)?.clusterName, whole.value.route(req, 0)?.clusterName);
    assert.equal(sliced.value.route(req, 0)?.clusterName, `c${Number(host.slice(1).split('.')[0])}`);
  }
  assert.equal(sliced.value.route({ authority: 'nope.test', path: '/', method: 'GET', headers: new Map() } as never, 0), undefined);
});

// Edge cases of decoding in place with inline rule checks (found in review).
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const enc = (type: string, v: Record<string, unknown>): Buffer => Buffer.from(encodeBinary(schema, type, v));

test('a message field given twice is merged before its rules are checked; a later oneof member wins cleanly', () => {
  const first = enc(CLUSTER, { name: 'c', load_assignment: { endpoints: [{ lb_endpoints: [] }] } });
  const second = enc(CLUSTER, { load_assignment: { cluster_name: 'c' } });
  const merged = decodeBinary(schema, CLUSTER, Buffer.concat([first, second]));
  assert.ok(merged.ok, JSON.stringify(merged.ok ? '' : merged.errors));
  assert.equal((merged.value.load_assignment as Record<string, unknown>).cluster_name, 'c');
  // cluster_type (its name empty on its own) replaced by a later `type` of the same oneof.
  const oneof = decodeBinary(schema, CLUSTER, Buffer.concat([enc(CLUSTER, { name: 'c' }), enc(CLUSTER, { cluster_type: {} }), enc(CLUSTER, { type: 'STATIC' })]));
  assert.ok(oneof.ok, JSON.stringify(oneof.ok ? '' : oneof.errors));
  assert.equal(oneof.value.type, 'STATIC');
  assert.equal(oneof.value.cluster_type, undefined);
});

test('a rule issue inside a map value names its key', () => {
  const rbac = enc('envoy.config.rbac.v3.RBAC', { policies: { 'my-policy': { principals: [{ any: true }] } } });
  const r = decodeBinary(schema, 'envoy.config.rbac.v3.RBAC', rbac);
  assert.equal(r.ok, false);
  assert.deepEqual(r.ok ? [] : r.errors.map((e) => e.path), ['policies[my-policy].permissions']);
});

test('hostile bytes are issues, never exceptions: nesting past 100 levels, a Timestamp out of range', () => {
  // google.protobuf.Value { list_value { values { list_value { ... } } } }, 200 levels deep.
  let v = Buffer.alloc(0);
  for (let i = 0; i < 200; i++) {
    const list = Buffer.concat([Buffer.from([0x0a]), varint(v.length), v]); // ListValue.values = 1
    v = Buffer.concat([Buffer.from([0x32]), varint(list.length), list]); // Value.list_value = 6
  }
  const deep = decodeBinary(schema, 'google.protobuf.Value', v);
  assert.equal(deep.ok, false);
  assert.match(deep.ok ? '' : deep.errors[0].message, /nested deeper than 100/);
  const ts = Buffer.concat([Buffer.from([0x08]), varint(1e15)]); // seconds far past year 9999
  const t = decodeBinary(schema, 'google.protobuf.Timestamp', ts);
  assert.equal(t.ok, false);
  assert.match(t.ok ? '' : t.errors[0].message, /cannot decode google\.protobuf\.Timestamp/);
});

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}
