// `npx tsenvoy` as users run it: bin/tsenvoy.js takes the start-up bundle (one esbuild file with
// its code cache, npm packages outside it) rather than dist/ module by module. Every other process
// test runs dist/ directly, so this one proves the bundle: an ADS bootstrap over a unix socket
// (grpc-js loaded lazily from the bundle), LIVE, traffic through an LDS/RDS/CDS/EDS-built route.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ControlPlane } from '../xds/control-plane';
import { T } from '../xds/harness';
import { BIN_TSENVOY, httpRequest, ProxyProcess, startProxy, tempDir } from '../support/proxy-process';
import { cla, edsCluster, freePort, hcmListener, ready, routeTo, startUpstream, stat, Upstream, waitFor, xdsBootstrap } from './xds-support';

const DIST = path.join(__dirname, '..', '..');

let cp: ControlPlane;
let proxy: ProxyProcess;
let up: Upstream;
let port = 0;

before(async () => {
  up = await startUpstream('bundled');
  cp = await ControlPlane.start({ socketPath: path.join(tempDir('xds-bin-'), 'ads.sock') });
  port = await freePort();
  cp.setResources(T.CLUSTER, { svc: edsCluster('svc') }, false);
  cp.setResources(T.ENDPOINT, { 'svc-svc': cla('svc-svc', [up.port]) }, false);
  cp.setResources(T.LISTENER, { l1: hcmListener('l1', port, { rds: 'r1' }) }, false);
  cp.setResources(T.ROUTE, { r1: routeTo('r1', 'svc') }, false);
});

after(async () => {
  await proxy?.stop();
  cp?.stop();
  await up?.close();
});

test('the build left an up-to-date bundle, so bin/tsenvoy.js runs it', () => {
  const bundle = path.join(DIST, 'tsenvoy-bundle.js');
  const main = path.join(DIST, 'proxy', 'server', 'main.js');
  assert.ok(fs.existsSync(bundle), `no ${bundle}: 'npm run build' should make it (see its warning)`);
  assert.ok(fs.statSync(bundle).mtimeMs >= fs.statSync(main).mtimeMs, 'the bundle is older than dist/: run npm run build');
});

test('bin/tsenvoy.js with delta ADS on a unix socket reaches LIVE and routes', async () => {
  proxy = await startProxy(xdsBootstrap(cp, { delta: true }), [], BIN_TSENVOY);
  await waitFor('LIVE', async () => (await ready(proxy)) === 'LIVE');
  assert.equal(await stat(proxy, 'control_plane.connected_state'), 1);
  const r = await httpRequest(`127.0.0.1:${port}`, 'GET', '/');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'bundled');
  assert.ok(cp.requests.some((q) => q.mode === 'delta'));
});
