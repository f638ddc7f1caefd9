// The xDS client against a real gRPC control plane over SotW ADS (StreamAggregatedResources), on
// TCP and on a unix socket: subscribe order, ACK/NACK fields, removal semantics, named updates,
// duplicate names, and initial_fetch_timeout.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlPlane, RecordedRequest } from './control-plane';
import { cla, edsCluster, listener, newClient, RecordingWatcher, routeConfig, T } from './harness';
import { XdsClient } from '../../xds-client/xds-client';

interface Rig {
  cp: ControlPlane;
  client: XdsClient;
  cds: RecordingWatcher;
  eds: RecordingWatcher;
  close(): void;
}

/** CDS by wildcard; every cluster's EDS name is watched when the cluster is applied, as the cluster manager does. */
async function rig(opts: { socket?: boolean } = {}): Promise<Rig> {
  let dir: string | undefined;
  let cp: ControlPlane;
  if (opts.socket) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xds-'));
    cp = await ControlPlane.start({ socketPath: path.join(dir, 'XDS') });
  } else cp = await ControlPlane.start();
  const { client } = newClient(cp);
  const cds = new RecordingWatcher();
  const eds = new RecordingWatcher();
  const watched = new Set<string>();
  const inner = cds.onUpdate.bind(cds);
  cds.onUpdate = (u) => {
    const out = inner(u);
    for (const r of u.updated) {
      if (!watched.has(r.name) && !('rejected' in out && out.rejected.some((x) => x.name === r.name))) {
        watched.add(r.name);
        client.watch(T.ENDPOINT, r.name);
      }
    }
    for (const n of u.removed) {
      if (watched.delete(n)) client.unwatch(T.ENDPOINT, n);
    }
    return out;
  };
  client.setWatcher(T.CLUSTER, cds);
  client.setWatcher(T.ENDPOINT, eds);
  return {
    cp,
    client,
    cds,
    eds,
    close() {
      client.close();
      cp.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const isCds = (r: RecordedRequest): boolean => r.type_url === T.CLUSTER;
const isEds = (r: RecordedRequest): boolean => r.type_url === T.ENDPOINT;

for (const transport of ['tcp', 'unix socket'] as const) {
  test(`SotW over ${transport}: CDS wildcard, then EDS by name before the CDS ACK, as Envoy; node on the first message only`, async () => {
    const r = await rig({ socket: transport === 'unix socket' });
    try {
      r.cp.setResources(T.ENDPOINT, { a: cla('a', [1001]), b: cla('b', [1002]) }, false);
      const cdsVersion = r.cp.setResources(T.CLUSTER, { a: edsCluster('a'), b: edsCluster('b') }, false);
      let connected = 0;
      r.client.on('connected', () => connected++);
      r.client.watch(T.CLUSTER, '*');
      r.client.start();

      const first = await r.cp.waitForRequest(isCds);
      assert.deepEqual(first.resource_names ?? [], [], 'CDS is a wildcard subscription');
      assert.equal(first.version_info ?? '', '');
      assert.equal(first.response_nonce ?? '', '');
      assert.equal((first.node as { id: string }).id, 'sidecar~127.0.0.1~test.default~default.svc.cluster.local');
      assert.equal(first.node?.user_agent_name, 'envoy');
      assert.ok((first.node?.client_features as string[]).includes('envoy.lb.does_not_support_overprovisioning'));
      assert.equal(((first.node?.user_agent_build_version as { version: { major_number: number } }).version.major_number), 1);

      const cdsResponse = r.cp.responses.find((x) => x.type_url === T.CLUSTER)!;
      const ack = await r.cp.waitForRequest((q) => isCds(q) && q.response_nonce === cdsResponse.nonce);
      assert.equal(ack.version_info, cdsVersion);
      assert.equal(ack.error_detail, undefined);

      const edsReq = await r.cp.waitForRequest((q) => isEds(q) && (q.resource_names ?? []).length === 2);
      assert.deepEqual(edsReq.resource_names, ['a', 'b']);
      // Envoy resumes EDS at the end of its CDS update and ACKs after it: Envoy's own ADS
      // integration tests expect the EDS request first, then the CDS ACK.
      assert.ok(r.cp.requests.indexOf(edsReq) < r.cp.requests.indexOf(ack), 'the EDS request a CDS update caused goes out before its ACK');

      await r.eds.until(() => r.eds.state.size === 2, 5000, 'both assignments');
      assert.deepEqual([...r.cds.state.keys()].sort(), ['a', 'b']);
      const edsResp = r.cp.responses.find((x) => x.type_url === T.ENDPOINT)!;
      const edsAck = await r.cp.waitForRequest((q) => isEds(q) && q.response_nonce === edsResp.nonce);
      assert.equal(edsAck.version_info, r.cp.version(T.ENDPOINT));
      assert.ok(r.client.connected);
      assert.equal(connected, 1);

      const onStream = r.cp.requests.filter((q) => q.stream === first.stream);
      assert.ok(onStream.length >= 4);
      assert.ok(onStream[0].node);
      assert.ok(onStream.slice(1).every((q) => q.node === undefined), 'set_node_on_first_message_only');
    } finally {
      r.close();
    }
  });
}

test('SotW: node is sent on every request when set_node_on_first_message_only is false', async () => {
  const cp = await ControlPlane.start();
  const { client } = newClient(cp, { setNodeOnFirstMessageOnly: false });
  try {
    const w = new RecordingWatcher();
    client.setWatcher(T.CLUSTER, w);
    cp.setResources(T.CLUSTER, { a: edsCluster('a') }, false);
    client.watch(T.CLUSTER, '*');
    client.start();
    const resp = await (async () => {
      await cp.waitForRequest(isCds);
      await w.until(() => w.updates.length === 1);
      return cp.responses[0];
    })();
    const ack = await cp.waitForRequest((q) => q.response_nonce === resp.nonce);
    assert.ok(ack.node);
  } finally {
    client.close();
    cp.stop();
  }
});

test('SotW: a resource the watcher rejects is NACKed with its name and field path; the last good version stays', async () => {
  const r = await rig();
  try {
    r.cp.setResources(T.ENDPOINT, { a: cla('a', [1]) }, false);
    const v1 = r.cp.setResources(T.CLUSTER, { a: edsCluster('a') }, false);
    r.client.watch(T.CLUSTER, '*');
    r.client.start();
    await r.cp.waitForRequest((q) => isCds(q) && q.version_info === v1);

    r.cds.reject = (u) => {
      const bad = u.updated.filter((x) => x.name === 'bad');
      return bad.length ? { rejected: [{ name: 'bad', path: 'load_assignment.endpoints[0].lb_endpoints', message: 'must not be empty' }] } : undefined;
    };
    const v2 = r.cp.upsert(T.CLUSTER, 'bad', edsCluster('bad'));
    const nack = await r.cp.waitForRequest((q) => isCds(q) && q.error_detail !== undefined);
    assert.equal(nack.version_info, v1, 'a NACK carries the last accepted version');
    assert.equal(nack.error_detail!.code, 13);
    assert.match(nack.error_detail!.message!, /bad: load_assignment\.endpoints\[0\]\.lb_endpoints: must not be empty/);
    assert.equal(nack.response_nonce, r.cp.responses.filter((x) => x.type_url === T.CLUSTER).at(-1)!.nonce);
    const status = r.client.typeStatus(T.CLUSTER)[0];
    assert.equal(status.versionInfo, v1);
    assert.equal(status.errorState?.versionInfo, v2);
    assert.ok(!r.cds.state.has('bad'));

    // The server fixes its config: the next version is ACKed and the error state clears.
    r.cds.reject = undefined;
    const v3 = r.cp.upsert(T.CLUSTER, 'bad', edsCluster('bad', 'bad-svc'));
    const ack = await r.cp.waitForRequest((q) => isCds(q) && q.version_info === v3 && !q.error_detail);
    assert.ok(ack);
    assert.equal(r.client.typeStatus(T.CLUSTER)[0].errorState, undefined);
    assert.ok(r.cds.state.has('bad'));
  } finally {
    r.close();
  }
});

test('SotW: a malformed binary resource NACKs the whole response and reaches no watcher', async () => {
  const r = await rig();
  try {
    const v1 = r.cp.setResources(T.CLUSTER, { a: edsCluster('a') }, false);
    r.client.watch(T.CLUSTER, '*');
    r.client.start();
    await r.cp.waitForRequest((q) => isCds(q) && q.version_info === v1);
    const updates = r.cds.updates.length;
    // name "broken", then field 2 (Cluster.type) with a length that runs past the end.
    const broken = Buffer.concat([Buffer.from([0x0a, 6]), Buffer.from('broken'), Buffer.from([0x12, 0x7f, 0x01])]);
    r.cp.setResources(T.CLUSTER, { a: edsCluster('a', 'changed'), broken });
    const nack = await r.cp.waitForRequest((q) => isCds(q) && q.error_detail !== undefined);
    assert.match(nack.error_detail!.message!, /broken: /);
    assert.equal(nack.version_info, v1);
    assert.equal(r.cds.updates.length, updates, 'nothing of a response that fails to decode is applied');
    // A resource whose name cannot even be read is named by its index.
    r.cp.setResources(T.CLUSTER, { a: edsCluster('a'), x: Buffer.from([0x0a, 0x40, 0x41]) });
    const nack2 = await r.cp.waitForRequest((q) => isCds(q) && q.error_detail !== undefined && /resources\[1\]/.test(q.error_detail.message ?? ''));
    assert.match(nack2.error_detail!.message!, /malformed/);
  } finally {
    r.close();
  }
});

test('SotW: duplicate resource names in one response are NACKed', async () => {
  const r = await rig();
  try {
    r.cp.setResources(T.CLUSTER, { a: edsCluster('a'), twin: edsCluster('a') }, false);
    r.client.watch(T.CLUSTER, '*');
    r.client.start();
    const nack = await r.cp.waitForRequest((q) => isCds(q) && q.error_detail !== undefined);
    assert.match(nack.error_detail!.message!, /duplicate resource name "a"/);
    assert.equal(nack.version_info ?? '', '');
  } finally {
    r.close();
  }
});

test('SotW: LDS and CDS are full state (a missing resource is removed; empty removes all); EDS and RDS are by name', async () => {
  const r = await rig();
  try {
    const lds = new RecordingWatcher();
    const rds = new RecordingWatcher();
    r.client.setWatcher(T.LISTENER, lds);
    r.client.setWatcher(T.ROUTE, rds);
    r.cp.setResources(T.ENDPOINT, { a: cla('a', [1]), b: cla('b', [2]) }, false);
    r.cp.setResources(T.CLUSTER, { a: edsCluster('a'), b: edsCluster('b') }, false);
    r.cp.setResources(T.LISTENER, { l1: listener('l1', 8001, 'r1'), l2: listener('l2', 8002, 'r2') }, false);
    r.cp.setResources(T.ROUTE, { r1: routeConfig('r1', 'a'), r2: routeConfig('r2', 'b'), r3: routeConfig('r3', 'b') }, false);
    r.client.watch(T.CLUSTER, '*');
    r.client.watch(T.LISTENER, '*');
    r.client.watch(T.ROUTE, 'r1');
    r.client.watch(T.ROUTE, 'r2');
    r.client.start();
    await r.eds.until(() => r.eds.state.size === 2);
    await rds.until(() => rds.state.size === 2);
    await lds.until(() => lds.state.size === 2);
    assert.ok(!rds.state.has('r3'), 'an unrequested route is ignored');

    // CDS drops b: the watcher is told; EDS b is unwatched and the server hears the shorter list.
    const from = r.cp.requests.length;
    r.cp.setResources(T.CLUSTER, { a: edsCluster('a') });
    await r.cds.until(() => !r.cds.state.has('b'));
    assert.deepEqual(r.cds.updates.at(-1)!.removed, ['b']);
    assert.deepEqual(r.cds.updates.at(-1)!.updated, [], 'an unchanged cluster is not handed over again');
    const shorter = await r.cp.waitForRequest((q) => isEds(q) && (q.resource_names ?? []).join() === 'a', 5000, from);
    assert.ok(shorter);

    // EDS: a response carrying only a leaves nothing else changed; a new assignment replaces a wholly.
    r.cp.upsert(T.ENDPOINT, 'a', cla('a', [7, 8]));
    await r.eds.until(() => JSON.stringify(r.eds.state.get('a')).includes('"port_value":8'));
    assert.deepEqual(r.eds.updates.at(-1)!.removed, []);

    // RDS by name: r2 withdrawn from the server is *not* removed (SotW named resources have no deletion).
    r.cp.remove(T.ROUTE, 'r2');
    await new Promise((res) => setTimeout(res, 100));
    assert.ok(rds.state.has('r2'));

    // LDS empty response removes every listener.
    r.cp.setResources(T.LISTENER, {});
    await lds.until(() => lds.state.size === 0);
    assert.deepEqual([...lds.updates.at(-1)!.removed].sort(), ['l1', 'l2']);
  } finally {
    r.close();
  }
});

test('SotW: a watched name that never arrives is reported does-not-exist after initial_fetch_timeout', async () => {
  const r = await rig();
  try {
    r.cp.setResources(T.ENDPOINT, { here: cla('here', [1]) }, false);
    const dne: string[] = [];
    r.client.on('does-not-exist', (e) => dne.push(e.name));
    r.client.watch(T.ENDPOINT, 'here', { ads: {}, initial_fetch_timeout: 150 });
    r.client.watch(T.ENDPOINT, 'ghost', { ads: {}, initial_fetch_timeout: 150 });
    r.client.watch(T.ENDPOINT, 'patient', { ads: {}, initial_fetch_timeout: 0 });
    r.client.start();
    await r.eds.until(() => r.eds.dne.length > 0, 3000);
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(r.eds.dne, ['ghost']);
    assert.deepEqual(dne, ['ghost']);
    assert.ok(r.eds.state.has('here'));
    // It arrives late: applied as usual.
    r.cp.upsert(T.ENDPOINT, 'ghost', cla('ghost', [3]));
    await r.eds.until(() => r.eds.state.has('ghost'));
  } finally {
    r.close();
  }
});
