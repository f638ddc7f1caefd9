// The xDS client when a watcher throws instead of answering: the response is NACKed and nothing
// of it counts as accepted, so the same resources pushed again reach the watcher again (rather
// than being taken as unchanged and ACKed), and a removal in it is still seen as one. The same
// for a path config source.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlPlane } from './control-plane';
import { codec, edsCluster, newClient, RecordingWatcher, T, TestLogger } from './harness';
import { XdsClient } from '../../xds-client/xds-client';
import { UpdateEvent } from '../../xds-client/types';

test('SotW: a watcher that throws leaves the accepted set untouched; the same resources pushed again are handed over again', async () => {
  const cp = await ControlPlane.start();
  const { client } = newClient(cp);
  const cds = new RecordingWatcher();
  client.setWatcher(T.CLUSTER, cds);
  try {
    const v1 = cp.setResources(T.CLUSTER, { a: edsCluster('a'), gone: edsCluster('gone') }, false);
    client.watch(T.CLUSTER, '*');
    client.start();
    await cp.waitForRequest((q) => q.type_url === T.CLUSTER && q.version_info === v1 && !q.error_detail);

    let throwing = true;
    const inner = cds.onUpdate.bind(cds);
    cds.onUpdate = (u) => {
      if (throwing) {
        cds.updates.push(u);
        throw new Error('boom');
      }
      return inner(u);
    };
    const resources = { a: edsCluster('a'), b: edsCluster('b', 'b-svc') };
    cp.setResources(T.CLUSTER, resources);
    const nack = await cp.waitForRequest((q) => q.type_url === T.CLUSTER && !!q.error_detail);
    assert.match(nack.error_detail!.message!, /boom/);
    assert.equal(nack.version_info, v1);
    const failed = cds.updates.at(-1)!;
    assert.deepEqual(failed.updated.map((r) => r.name), ['b']);
    assert.deepEqual(failed.removed, ['gone']);

    // The same resources again, now applied: 'b' is new to the watcher and 'gone' still goes.
    throwing = false;
    const v3 = cp.setResources(T.CLUSTER, resources);
    await cp.waitForRequest((q) => q.type_url === T.CLUSTER && q.version_info === v3 && !q.error_detail);
    const applied = cds.updates.at(-1)!;
    assert.equal(applied.versionInfo, v3);
    assert.deepEqual(applied.updated.map((r) => r.name), ['b'], 'b was never accepted: it is handed over again');
    assert.deepEqual(applied.removed, ['gone'], 'the removal was not applied either');
    assert.ok(cds.state.has('b'));
    assert.ok(!cds.state.has('gone'));
  } finally {
    client.close();
    cp.stop();
  }
});

test('path_config_source: a watcher that throws leaves the accepted set untouched; the same file again is handed over again', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xds-file-throw-'));
  const file = path.join(dir, 'cds.json');
  const client = new XdsClient({ node: { id: 'gw' }, clusters: [], codec, logger: new TestLogger() });
  const doc = (v: string, names: string[]): string => JSON.stringify({ version_info: v, resources: names.map((name) => ({ '@type': T.CLUSTER, name, type: 'STATIC' })) });
  const replace = (text: string): void => {
    fs.writeFileSync(`${file}.tmp`, text);
    fs.renameSync(`${file}.tmp`, file);
  };
  try {
    fs.writeFileSync(file, doc('1', ['a', 'gone']));
    const w = new RecordingWatcher();
    const events: UpdateEvent[] = [];
    client.on('update', (e) => events.push(e));
    client.setWatcher(T.CLUSTER, w);
    client.watch(T.CLUSTER, '*', { path_config_source: { path: file }, resource_api_version: 'V3' });
    client.start();
    await w.until(() => w.state.size === 2);

    let throwing = true;
    const inner = w.onUpdate.bind(w);
    w.onUpdate = (u) => {
      if (throwing) {
        w.updates.push(u);
        throw new Error('boom');
      }
      return inner(u);
    };
    replace(doc('2', ['a', 'b']));
    const deadline = Date.now() + 5000;
    while (!events.some((e) => e.outcome === 'rejected') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(events.find((e) => e.outcome === 'rejected')?.detail ?? '', /boom/);

    throwing = false;
    replace(doc('3', ['a', 'b']));
    await w.until(() => w.updates.at(-1)?.versionInfo === '3', 5000, 'version 3');
    assert.deepEqual(w.updates.at(-1)!.updated.map((r) => r.name), ['b'], 'b was never accepted: it is handed over again');
    assert.deepEqual(w.updates.at(-1)!.removed, ['gone'], 'the removal was not applied either');
  } finally {
    client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a name unwatched while its update is being applied is not cached: watched again, it is delivered again', async () => {
  const cp = await ControlPlane.start();
  const { client } = newClient(cp);
  const rds = new RecordingWatcher();
  client.setWatcher(T.ROUTE, rds);
  try {
    const route = { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] };
    cp.setResources(T.ROUTE, { r: route }, false);
    // The watcher takes its time (a big route table built in slices); meanwhile the last user goes.
    const inner = rds.onUpdate.bind(rds);
    let unwatched = false;
    (rds as { onUpdate: (u: Parameters<typeof inner>[0]) => unknown }).onUpdate = async (u) => {
      client.unwatch(T.ROUTE, 'r');
      unwatched = true;
      await new Promise((r) => setTimeout(r, 50));
      return inner(u);
    };
    client.watch(T.ROUTE, 'r');
    client.start();
    await cp.waitForRequest((q) => q.type_url === T.ROUTE && (q.resource_names ?? []).length === 0 && unwatched);
    const delivered = rds.updates.length;
    rds.onUpdate = inner;
    const from = cp.requests.length;
    client.watch(T.ROUTE, 'r');
    await cp.waitForRequest((q) => q.type_url === T.ROUTE && (q.resource_names ?? []).includes('r'), 5000, from);
    const redelivered = (): boolean => rds.updates.slice(delivered).some((u) => u.updated.some((r) => r.name === 'r'));
    const deadline = Date.now() + 5000;
    while (!redelivered() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(redelivered(), 'the same bytes, pushed again after the re-watch, reach the watcher');
  } finally {
    client.close();
    cp.stop();
  }
});
