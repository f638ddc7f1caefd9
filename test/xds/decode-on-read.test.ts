// What the client keeps of accepted resources: their bytes, never the decoded values. A watcher
// that sets decodeOnRead gets values decoded anew on each read (nothing held while it applies a
// big push); client.resource() decodes the accepted bytes again; a watcher without it gets the
// values decoded once, as before. Such a watcher's resources are only checked to be well-formed
// on arrival: one that breaks a field rule reaches it and throws on read, naming the field.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ControlPlane } from './control-plane';
import { cla, edsCluster, newClient, RecordingWatcher, T } from './harness';
import { ResourceDecodeError, type ResourceUpdate, type UpdateOutcome } from '../../xds-client';

class DecodeOnReadWatcher extends RecordingWatcher {
  readonly decodeOnRead = true;
  readonly reads: unknown[][] = [];
  override onUpdate(u: ResourceUpdate): UpdateOutcome {
    // Two reads of each resource: two distinct, equal decodings.
    this.reads.push(u.updated.map((r) => [r.value, r.value, r.bytes]));
    return super.onUpdate(u);
  }
}

test('xDS client: decodeOnRead watchers get fresh decodings of validated bytes; the cache keeps bytes; resource() decodes them', async () => {
  const cp = await ControlPlane.start();
  const { client } = newClient(cp);
  try {
    const cds = new DecodeOnReadWatcher();
    const eds = new RecordingWatcher();
    client.setWatcher(T.CLUSTER, cds);
    client.setWatcher(T.ENDPOINT, eds);
    cp.setResources(T.CLUSTER, { a: edsCluster('a'), b: edsCluster('b') }, false);
    cp.setResources(T.ENDPOINT, { a: cla('a', [8080]) }, false);
    client.watch(T.CLUSTER, '*');
    client.watch(T.ENDPOINT, 'a');
    client.start();
    await cds.until(() => cds.updates.length === 1, 5000, 'the CDS update');
    await eds.until(() => eds.updates.length === 1, 5000, 'the EDS update');

    const [[v1, v2, bytes]] = cds.reads[0] as [unknown, unknown, Buffer][];
    assert.notEqual(v1, v2, 'each read decodes anew');
    assert.deepEqual(v1, v2);
    assert.equal((v1 as { name: string }).name, 'a');
    assert.ok(Buffer.isBuffer(bytes) && bytes.length > 0, 'the protobuf bytes come with the resource');

    // A plain watcher: one decoded value, the same object on each read.
    const r = eds.updates[0].updated[0];
    assert.equal(r.value, r.value);
    assert.equal((r.value as { cluster_name: string }).cluster_name, 'a');

    // The cache holds no decoded value; resource() decodes the accepted bytes each time.
    const known1 = client.resource(T.ENDPOINT, 'a') as { cluster_name: string };
    const known2 = client.resource(T.ENDPOINT, 'a');
    assert.equal(known1.cluster_name, 'a');
    assert.notEqual(known1, known2);
    assert.deepEqual(known1, known2);
    assert.equal(client.resource(T.ENDPOINT, 'missing'), undefined);

    // The same bytes again (a SotW re-push) are not handed over a second time.
    cp.setResources(T.CLUSTER, { a: edsCluster('a'), b: edsCluster('b'), c: edsCluster('c') });
    await cds.until(() => cds.updates.length === 2, 5000, 'the second CDS update');
    assert.deepEqual(cds.updates[1].updated.map((x) => x.name), ['c']);
  } finally {
    client.close();
    cp.stop();
  }
});

test('xDS client: a decodeOnRead resource that breaks a field rule reaches the watcher and throws on read; a malformed one still fails the response', async () => {
  const cp = await ControlPlane.start();
  const { client } = newClient(cp);
  try {
    const cds = new RecordingWatcher();
    Object.assign(cds, { decodeOnRead: true });
    // As the proxy's CDS watcher would: the resource that does not decode is rejected alone.
    cds.reject = () => ({ rejected: [{ name: 'rb', path: '', message: 'does not decode' }] });
    client.setWatcher(T.CLUSTER, cds);
    // Well-formed protobuf, but SocketAddress.address is required: a rule, which only a decode sees.
    const ruleBreaking = {
      name: 'rb',
      type: 'STATIC',
      connect_timeout: 1000,
      load_assignment: { cluster_name: 'rb', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '', port_value: 80 } } } }] }] },
    };
    cp.setResources(T.CLUSTER, { a: edsCluster('a'), rb: ruleBreaking }, false);
    client.watch(T.CLUSTER, '*');
    client.start();
    await cds.until(() => cds.updates.length === 1, 5000, 'the CDS update');
    const byName = new Map(cds.updates[0].updated.map((r) => [r.name, r]));
    assert.deepEqual([...byName.keys()].sort(), ['a', 'rb'], 'the response is not rejected as a whole');
    assert.equal((byName.get('a')!.value as { name: string }).name, 'a');
    assert.throws(
      () => byName.get('rb')!.value,
      (e: unknown) =>
        e instanceof ResourceDecodeError &&
        e.resourceName === 'rb' &&
        e.issues.length === 1 &&
        e.issues[0].path === 'load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address' &&
        /must not be empty/.test(e.issues[0].message),
    );
    const nack = await cp.waitForRequest((q) => q.type_url === T.CLUSTER && q.error_detail !== undefined, 5000);
    assert.match(nack.error_detail!.message!, /rb: does not decode/);
    // Bytes that are not protobuf still fail the whole response before any watcher sees it.
    const updates = cds.updates.length;
    const from = cp.requests.length;
    cp.setResources(T.CLUSTER, { a: edsCluster('a', 'changed'), broken: Buffer.from([0x0a, 6, ...Buffer.from('broken'), 0x12, 0x7f, 0x01]) });
    const nack2 = await cp.waitForRequest((q) => q.type_url === T.CLUSTER && q.error_detail !== undefined && /broken/.test(q.error_detail.message ?? ''), 5000, from);
    assert.match(nack2.error_detail!.message!, /broken: .*malformed/);
    assert.equal(cds.updates.length, updates);
  } finally {
    client.close();
    cp.stop();
  }
});
