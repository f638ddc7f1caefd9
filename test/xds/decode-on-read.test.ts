// What the client keeps of accepted resources: their bytes, never the decoded values. A watcher
// that sets decodeOnRead gets values decoded anew on each read (nothing held while it applies a
// big push); client.resource() decodes the accepted bytes again; a watcher without it gets the
// values decoded once, as before.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ControlPlane } from './control-plane';
import { cla, edsCluster, newClient, RecordingWatcher, T } from './harness';
import type { ResourceUpdate, UpdateOutcome } from '../../xds-client';

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
