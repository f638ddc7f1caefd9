// tsenvoy as a live xDS client over delta ADS on a unix socket: initial sync, weighted clusters
// shifted by a CDS + RDS push, EDS scale-out/in under load, a bad route configuration NACKed with
// its field path while the old table serves, a dropped stream resumed under load, and a listener
// withdrawn by a delta removal.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ControlPlane } from '../xds/control-plane';
import { T } from '../xds/harness';
import { httpRequest, ProxyProcess, startProxy, tempDir } from '../support/proxy-process';
import {
  cla, edsCluster, freePort, hcmListener, loadLoop, ready, routeTo, sleep, startUpstream, stat, staticCluster, Upstream, waitFor, weightedRoute, xdsBootstrap,
} from './xds-support';

describe('xDS delta over a unix socket, real tsenvoy', () => {
  let cp: ControlPlane;
  let proxy: ProxyProcess;
  let port: number;
  const up: Record<string, Upstream> = {};
  const addr = (): string => `127.0.0.1:${port}`;
  const get = async (): Promise<string> => (await httpRequest(addr(), 'GET', '/')).body;

  before(async () => {
    for (const n of ['a', 'b', 'e1', 'e2']) up[n] = await startUpstream(n);
    cp = await ControlPlane.start({ socketPath: path.join(tempDir('xds-uds-'), 'ads.sock') });
    port = await freePort();
    cp.setResources(T.CLUSTER, { a: staticCluster('a', [up.a.port]), svc: edsCluster('svc') }, false);
    cp.setResources(T.ENDPOINT, { 'svc-svc': cla('svc-svc', [up.e1.port]) }, false);
    cp.setResources(T.LISTENER, { l1: hcmListener('l1', port, { rds: 'r1' }) }, false);
    cp.setResources(T.ROUTE, { r1: routeTo('r1', 'a') }, false);
    proxy = await startProxy(xdsBootstrap(cp, { delta: true }));
  });

  after(async () => {
    await proxy?.stop();
    cp?.stop();
    for (const u of Object.values(up)) await u.close();
  });

  test('initial sync reaches LIVE and serves', async () => {
    await waitFor('LIVE', async () => (await ready(proxy)) === 'LIVE');
    assert.equal(await get(), 'a');
    assert.ok(cp.requests.every((r) => r.mode === 'delta'));
    assert.equal(await stat(proxy, 'control_plane.connected_state'), 1);
  });

  test('weighted clusters shift with a CDS and RDS push', async () => {
    cp.upsert(T.CLUSTER, 'b', staticCluster('b', [up.b.port]));
    cp.setResources(T.ROUTE, { r1: weightedRoute('r1', { a: 50, b: 50 }) });
    await waitFor('both weighted clusters serve', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) seen.add(await get());
      return seen.has('a') && seen.has('b');
    });
    cp.setResources(T.ROUTE, { r1: weightedRoute('r1', { a: 0, b: 100 }) });
    await waitFor('all to b', async () => (await get()) === 'b');
    for (let i = 0; i < 20; i++) assert.equal(await get(), 'b');
  });

  test('EDS scale-out and scale-in under load drop nothing', async () => {
    cp.setResources(T.ROUTE, { r1: routeTo('r1', 'svc') });
    await waitFor('svc', async () => (await get()) === 'e1');
    const load = loadLoop(addr(), 300, 4, 4000);
    await sleep(300);
    cp.setResources(T.ENDPOINT, { 'svc-svc': cla('svc-svc', [up.e1.port, up.e2.port]) });
    await waitFor('e2 serving', async () => up.e2.hits > 0);
    cp.setResources(T.ENDPOINT, { 'svc-svc': cla('svc-svc', [up.e2.port]) });
    await sleep(300);
    const e1 = up.e1.hits;
    await sleep(300);
    const r = await load.done;
    assert.deepEqual(r.failures, [], r.failures.join('\n'));
    assert.equal(up.e1.hits, e1, 'e1 served after scale-in');
  });

  test('a bad route configuration is NACKed with its field path; the old table keeps serving', async () => {
    const from = cp.requests.length;
    const load = loadLoop(addr(), 100, 2, 2000);
    const bad = { name: 'r1', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { safe_regex: { regex: '(' } }, route: { cluster: 'a' } }] }] };
    cp.setResources(T.ROUTE, { r1: bad });
    const nack = await cp.waitForRequest((r) => r.type_url === T.ROUTE && !!r.error_detail, 5000, from);
    assert.match(nack.error_detail?.message ?? '', /virtual_hosts\[0\]\.routes\[0\]\.match/);
    const r = await load.done;
    assert.deepEqual(r.failures, [], r.failures.join('\n'));
    assert.equal(await get(), 'e2');
  });

  test('a dropped stream resumes under load without a failed request', async () => {
    const load = loadLoop(addr(), 200, 4, 3000);
    await sleep(200);
    const streams = new Set(cp.requests.map((r) => r.stream)).size;
    cp.dropStreams();
    await cp.waitForRequest((r) => r.stream > streams && !!r.initial_resource_versions && Object.keys(r.initial_resource_versions).length > 0, 5000);
    cp.setResources(T.ROUTE, { r1: routeTo('r1', 'a') });
    await waitFor('route change after resume', async () => (await get()) === 'a');
    const r = await load.done;
    assert.deepEqual(r.failures, [], r.failures.join('\n'));
  });

  test('a listener withdrawn by a delta removal stops serving', async () => {
    cp.remove(T.LISTENER, 'l1');
    await waitFor('listener gone', async () => {
      try {
        await get();
        return false;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ECONNREFUSED';
      }
    });
    assert.equal(await stat(proxy, 'listener_manager.listener_removed'), 1);
  });
});
