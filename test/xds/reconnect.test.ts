// Losing the control plane: the client keeps its config, reports disconnected, reconnects with
// back-off, and resubscribes with what it knows (SotW: versions with an empty nonce, CDS/EDS
// before LDS/RDS; delta: initial_resource_versions), sending the node again on the new stream.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlPlane } from './control-plane';
import { cla, edsCluster, listener, newClient, RecordingWatcher, routeConfig, T } from './harness';

async function waitFor(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('SotW: the control plane is killed and restarted; versions are resent with an empty nonce, CDS/EDS first', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xds-'));
  const cp = await ControlPlane.start({ socketPath: path.join(dir, 'XDS') });
  const { client, logger } = newClient(cp);
  try {
    const w = { cds: new RecordingWatcher(), eds: new RecordingWatcher(), lds: new RecordingWatcher(), rds: new RecordingWatcher() };
    client.setWatcher(T.CLUSTER, w.cds);
    client.setWatcher(T.ENDPOINT, w.eds);
    client.setWatcher(T.LISTENER, w.lds);
    client.setWatcher(T.ROUTE, w.rds);
    cp.setResources(T.CLUSTER, { a: edsCluster('a') }, false);
    cp.setResources(T.ENDPOINT, { a: cla('a', [1]) }, false);
    cp.setResources(T.LISTENER, { l: listener('l', 8000, 'r') }, false);
    cp.setResources(T.ROUTE, { r: routeConfig('r', 'a') }, false);
    const events: string[] = [];
    client.on('connected', () => events.push('up'));
    client.on('disconnected', () => events.push('down'));
    // Watched in the "wrong" order on purpose: the client orders them.
    client.watch(T.ROUTE, 'r');
    client.watch(T.LISTENER, '*');
    client.watch(T.ENDPOINT, 'a');
    client.watch(T.CLUSTER, '*');
    client.start();
    await w.rds.until(() => w.rds.state.has('r'));
    await w.eds.until(() => w.eds.state.has('a'));
    await waitFor(() => cp.requests.filter((q) => q.response_nonce).length >= 4, 5000, 'four ACKs');
    assert.deepEqual(cp.requests.slice(0, 4).map((q) => q.type_url), [T.CLUSTER, T.ENDPOINT, T.LISTENER, T.ROUTE]);

    cp.stop();
    await waitFor(() => !client.connected, 5000, 'disconnected');
    assert.deepEqual(events, ['up', 'down']);
    // Config is kept while disconnected: nothing was removed.
    assert.ok(w.cds.state.has('a') && w.lds.state.has('l'));
    await new Promise((r) => setTimeout(r, 100)); // a few failed reconnects
    const from = cp.requests.length;
    await cp.restart();
    await waitFor(() => cp.requests.length >= from + 4, 5000, 'resubscription');
    const again = cp.requests.slice(from, from + 4);
    assert.deepEqual(again.map((q) => q.type_url), [T.CLUSTER, T.ENDPOINT, T.LISTENER, T.ROUTE]);
    for (const q of again) {
      assert.equal(q.response_nonce ?? '', '', 'nonces do not survive the stream');
      assert.equal(q.version_info, cp.version(q.type_url), 'the last accepted version is resent');
    }
    assert.ok(again[0].node, 'node on the first message of the new stream');
    assert.ok(again.slice(1).every((q) => !q.node));
    assert.deepEqual(again[1].resource_names, ['a']);
    await waitFor(() => client.connected, 5000, 'connected');
    assert.deepEqual(events, ['up', 'down', 'up']);
    assert.ok(logger.lines.some((l) => /closed: 14/.test(l)), logger.lines.join('\n'));
  } finally {
    client.close();
    cp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('delta: after the stream drops, initial_resource_versions carries what is known and nothing unchanged is resent', async () => {
  const cp = await ControlPlane.start();
  const { client } = newClient(cp, { delta: true });
  try {
    const cds = new RecordingWatcher();
    client.setWatcher(T.CLUSTER, cds);
    cp.setResources(T.CLUSTER, { a: edsCluster('a'), b: edsCluster('b') }, false);
    client.watch(T.CLUSTER, '*');
    client.start();
    await cds.until(() => cds.state.size === 2);
    const vA = cds.updates[0].updated.find((r) => r.name === 'a')!.version;
    const from = cp.requests.length;
    cp.dropStreams();
    const re = await cp.waitForRequest((q) => q.type_url === T.CLUSTER && q.initial_resource_versions !== undefined, 5000, from);
    assert.deepEqual({ ...re.initial_resource_versions }, { a: vA, b: vA });
    assert.ok(re.node);
    const updatesBefore = cds.updates.length;
    cp.upsert(T.CLUSTER, 'c', edsCluster('c'));
    await cds.until(() => cds.state.has('c'));
    const last = cp.responses.at(-1)!;
    assert.deepEqual(last.names, ['c'], 'the server sends only what the client lacks');
    assert.ok(cds.updates.length > updatesBefore);
  } finally {
    client.close();
    cp.stop();
  }
});
