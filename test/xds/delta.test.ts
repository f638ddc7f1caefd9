// The xDS client over delta ADS (DeltaAggregatedResources, Istio's default): subscribe and
// unsubscribe diffs, removed_resources, per-resource versions, ACK/NACK by nonce.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ControlPlane, RecordedRequest } from './control-plane';
import { cla, edsCluster, newClient, RecordingWatcher, T } from './harness';

const isCds = (r: RecordedRequest): boolean => r.type_url === T.CLUSTER;
const isEds = (r: RecordedRequest): boolean => r.type_url === T.ENDPOINT;

async function setup(opts: { reportMissingAsRemoved?: boolean } = {}) {
  const cp = await ControlPlane.start(opts);
  const { client } = newClient(cp, { delta: true });
  const cds = new RecordingWatcher();
  const eds = new RecordingWatcher();
  client.setWatcher(T.CLUSTER, cds);
  client.setWatcher(T.ENDPOINT, eds);
  return { cp, client, cds, eds, close: () => { client.close(); cp.stop(); } };
}

test('delta: wildcard CDS and named EDS subscribe; ACK is the nonce alone; unsubscribe and removed_resources', async () => {
  const s = await setup();
  try {
    s.cp.setResources(T.CLUSTER, { a: edsCluster('a'), b: edsCluster('b') }, false);
    s.cp.setResources(T.ENDPOINT, { a: cla('a', [1]), b: cla('b', [2]) }, false);
    s.client.watch(T.CLUSTER, '*');
    s.client.watch(T.ENDPOINT, 'a');
    s.client.watch(T.ENDPOINT, 'b');
    s.client.start();
    const first = await s.cp.waitForRequest(isCds);
    assert.equal(first.mode, 'delta');
    assert.deepEqual(first.resource_names_subscribe ?? [], [], 'legacy wildcard: no names');
    assert.ok(first.node);
    const edsFirst = await s.cp.waitForRequest(isEds);
    assert.deepEqual(edsFirst.resource_names_subscribe, ['a', 'b']);
    assert.equal(edsFirst.node, undefined);
    assert.ok(s.cp.requests.indexOf(first) < s.cp.requests.indexOf(edsFirst), 'CDS is subscribed before EDS');

    await s.cds.until(() => s.cds.state.size === 2);
    await s.eds.until(() => s.eds.state.size === 2);
    const cdsResp = s.cp.responses.find((x) => x.type_url === T.CLUSTER)!;
    const ack = await s.cp.waitForRequest((q) => isCds(q) && q.response_nonce === cdsResp.nonce);
    assert.equal(ack.error_detail, undefined);
    assert.deepEqual(ack.resource_names_subscribe ?? [], []);
    assert.equal(s.cds.updates[0].updated[0].version, '1');

    const from = s.cp.requests.length;
    s.client.unwatch(T.ENDPOINT, 'b');
    const unsub = await s.cp.waitForRequest((q) => isEds(q) && (q.resource_names_unsubscribe ?? []).length > 0, 5000, from);
    assert.deepEqual(unsub.resource_names_unsubscribe, ['b']);
    assert.deepEqual(unsub.resource_names_subscribe ?? [], []);

    s.client.watch(T.ENDPOINT, 'c');
    const sub = await s.cp.waitForRequest((q) => isEds(q) && (q.resource_names_subscribe ?? []).includes('c'), 5000, from);
    assert.deepEqual(sub.resource_names_subscribe, ['c']);

    s.cp.remove(T.CLUSTER, 'a');
    await s.cds.until(() => !s.cds.state.has('a'));
    assert.deepEqual(s.cds.updates.at(-1)!.removed, ['a']);
    assert.deepEqual(s.cds.updates.at(-1)!.updated, []);

    // Only the changed resource travels, with its own version.
    const v = s.cp.upsert(T.CLUSTER, 'b', edsCluster('b', 'b2'));
    await s.cds.until(() => s.cds.updates.at(-1)!.updated.some((r) => r.name === 'b' && r.version === v));
  } finally {
    s.close();
  }
});

test('delta: a rejected resource NACKs with error_detail naming it; the others are applied', async () => {
  const s = await setup();
  try {
    s.cp.setResources(T.CLUSTER, { a: edsCluster('a') }, false);
    s.client.watch(T.CLUSTER, '*');
    s.client.start();
    await s.cds.until(() => s.cds.state.has('a'));
    s.cds.reject = (u) => (u.updated.some((r) => r.name === 'bad') ? { rejected: [{ name: 'bad', path: 'lb_policy', message: 'unsupported' }] } : undefined);
    s.cp.setResources(T.CLUSTER, { a: edsCluster('a'), bad: edsCluster('bad'), good: edsCluster('good') });
    const nack = await s.cp.waitForRequest((q) => isCds(q) && q.error_detail !== undefined);
    assert.equal(nack.error_detail!.code, 13);
    assert.match(nack.error_detail!.message!, /bad: lb_policy: unsupported/);
    assert.equal(nack.response_nonce, s.cp.responses.at(-1)!.nonce);
    assert.ok(s.cds.state.has('good') && !s.cds.state.has('bad'));
  } finally {
    s.close();
  }
});

test('delta: removed_resources for a watched name that does not exist reaches the watcher as a removal', async () => {
  const s = await setup({ reportMissingAsRemoved: true });
  try {
    s.client.watch(T.ENDPOINT, 'ghost');
    s.client.start();
    await s.eds.until(() => s.eds.updates.some((u) => u.removed.includes('ghost')));
  } finally {
    s.close();
  }
});
