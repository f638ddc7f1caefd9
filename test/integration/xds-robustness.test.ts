// Failure paths of CDS/LDS start-up and updates, against a real tsenvoy process and the test
// control plane: a cluster whose eds_config cannot be subscribed is NACKed by name and field path
// while the rest of the response applies (and is not mistaken for accepted when pushed again); a
// CDS cluster named like a bootstrap cluster is skipped and ACKed (Envoy's "add/update cluster
// skipped"); a first CDS or LDS response that does not decode does not hold start-up forever
// (Envoy's onConfigUpdateFailed marks the init target ready); and with LDS over ADS but no CDS,
// start-up still waits for the bootstrap clusters' EDS.
import { after, afterEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ControlPlane } from '../xds/control-plane';
import { T } from '../xds/harness';
import { httpRequest, ProxyProcess, startProxy, tempDir } from '../support/proxy-process';
import { cla, edsCluster, freePort, hcmListener, ready, routeTo, sleep, startUpstream, stat, staticCluster, Upstream, waitFor, xdsBootstrap } from './xds-support';

type Obj = Record<string, unknown>;

/** An EDS cluster whose eds_config names an API source on a cluster the bootstrap does not have. */
function unusableEdsCluster(name: string): Obj {
  return {
    name,
    type: 'EDS',
    connect_timeout: 1000,
    eds_cluster_config: {
      service_name: `${name}-svc`,
      eds_config: {
        resource_api_version: 'V3',
        api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'no-such-cluster' } }] },
      },
    },
  };
}

/** A Cluster whose bytes do not decode: name "broken", then field 2 with a length past the end. */
const BROKEN = Buffer.concat([Buffer.from([0x0a, 6]), Buffer.from('broken'), Buffer.from([0x12, 0x7f, 0x01])]);

describe('xDS failure paths, real tsenvoy', () => {
  let cp: ControlPlane | undefined;
  let proxy: ProxyProcess | undefined;
  const up: Record<string, Upstream> = {};

  const upstream = async (n: string): Promise<Upstream> => (up[n] ??= await startUpstream(n));

  afterEach(async () => {
    await proxy?.stop();
    cp?.stop();
    proxy = undefined;
    cp = undefined;
  });

  after(async () => {
    for (const u of Object.values(up)) await u.close();
  });

  const clustersText = async (p: ProxyProcess): Promise<string> => (await httpRequest(p.admin, 'GET', '/clusters')).body;

  test('an unusable eds_config NACKs that cluster by field path; the others and the removals apply; a re-push is NACKed again', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    cp = await ControlPlane.start();
    const port = await freePort();
    cp.setResources(T.LISTENER, { l1: hcmListener('l1', port, { rds: 'r1' }) }, false);
    cp.setResources(T.ROUTE, { r1: routeTo('r1', 'a') }, false);
    cp.setResources(T.CLUSTER, { a: staticCluster('a', [a.port]), old: staticCluster('old', [b.port]) }, false);
    proxy = await startProxy(xdsBootstrap(cp));
    const p = proxy;
    await waitFor('LIVE', async () => (await ready(p)) === 'LIVE');
    assert.match(await clustersText(p), /^old::added_via_api::true$/m);

    // One response: 'a' kept, 'old' removed, 'b' added, 'bad' unusable, 'later' after it.
    const from = cp.requests.length;
    const v2 = cp.setResources(T.CLUSTER, {
      a: staticCluster('a', [a.port]),
      bad: unusableEdsCluster('bad'),
      b: staticCluster('b', [b.port]),
      later: staticCluster('later', [b.port]),
    });
    const nack = await cp.waitForRequest((r) => r.type_url === T.CLUSTER && !!r.error_detail, 8000, from);
    const msg = nack.error_detail?.message ?? '';
    assert.match(msg, /bad: eds_cluster_config\.eds_config\.api_config_source/, msg);
    assert.match(msg, /no-such-cluster/, msg);
    assert.doesNotMatch(msg, /update failed/, msg);
    assert.notEqual(nack.version_info, v2);
    const clusters = await clustersText(p);
    assert.doesNotMatch(clusters, /^bad::/m, 'the bad cluster is not added (it would warm forever)');
    assert.match(clusters, /^b::added_via_api::true$/m);
    assert.match(clusters, /^later::added_via_api::true$/m, 'clusters after the bad one apply');
    assert.doesNotMatch(clusters, /^old::/m, 'removals in the same response apply');
    assert.equal(await ready(p), 'LIVE');

    // The same resources again (a new version): still NACKed, not taken as already accepted.
    const from2 = cp.requests.length;
    const v2b = cp.setResources(T.CLUSTER, {
      a: staticCluster('a', [a.port]),
      bad: unusableEdsCluster('bad'),
      b: staticCluster('b', [b.port]),
      later: staticCluster('later', [b.port]),
    });
    const nonce = cp.responses.filter((x) => x.type_url === T.CLUSTER && x.version === v2b).at(-1)!.nonce;
    const again = await cp.waitForRequest((r) => r.type_url === T.CLUSTER && r.response_nonce === nonce, 8000, from2);
    assert.match(again.error_detail?.message ?? '', /bad: eds_cluster_config\.eds_config/, JSON.stringify(again));

    cp.setResources(T.ENDPOINT, { 'bad-svc': cla('bad-svc', [a.port]) }, false);

    // Fixed: ACKed, and the cluster exists.
    const v3 = cp.setResources(T.CLUSTER, { a: staticCluster('a', [a.port]), bad: edsCluster('bad'), b: staticCluster('b', [b.port]), later: staticCluster('later', [b.port]) });
    await cp.waitForRequest((r) => r.type_url === T.CLUSTER && r.version_info === v3 && !r.error_detail, 8000, from2);
    // An EDS cluster is active (in /clusters) once its assignment is applied, which can follow the
    // CDS ACK: on a loaded machine it did, and an immediate look missed it.
    await waitFor('bad in /clusters', async () => /^bad::added_via_api::true$/m.test(await clustersText(p)));
  });

  test('a CDS cluster named like a bootstrap cluster is skipped and ACKed; the bootstrap cluster stays', async () => {
    const a = await upstream('a');
    cp = await ControlPlane.start();
    const port = await freePort();
    cp.setResources(T.LISTENER, { l1: hcmListener('l1', port, { rds: 'r1' }) }, false);
    cp.setResources(T.ROUTE, { r1: routeTo('r1', 'a') }, false);
    // 'xds-grpc' is the bootstrap cluster that reaches the control plane; CDS tries to replace it.
    const v1 = cp.setResources(T.CLUSTER, { a: staticCluster('a', [a.port]), 'xds-grpc': staticCluster('xds-grpc', [a.port]) }, false);
    proxy = await startProxy(xdsBootstrap(cp));
    const p = proxy;
    const ack = await cp.waitForRequest((r) => r.type_url === T.CLUSTER && r.version_info === v1, 8000);
    assert.equal(ack.error_detail, undefined, JSON.stringify(ack.error_detail));
    await waitFor('LIVE', async () => (await ready(p)) === 'LIVE');
    assert.equal(await stat(p, 'cluster_manager.cds.update_rejected'), 0);
    const clusters = await clustersText(p);
    assert.match(clusters, /^xds-grpc::added_via_api::false$/m);
    assert.match(clusters, new RegExp(`^xds-grpc::127\\.0\\.0\\.1:${cp.port}::`, 'm'), 'the bootstrap version keeps its host');
    assert.match(clusters, /^a::added_via_api::true$/m);
  });

  test('a first CDS response that does not decode is NACKed and start-up goes on to LDS and LIVE', async () => {
    const a = await upstream('a');
    cp = await ControlPlane.start();
    const port = await freePort();
    cp.setResources(T.LISTENER, { l1: hcmListener('l1', port, { rds: 'r1' }) }, false);
    cp.setResources(T.ROUTE, { r1: routeTo('r1', 'a') }, false);
    cp.setResources(T.CLUSTER, { a: staticCluster('a', [a.port]), broken: BROKEN }, false);
    proxy = await startProxy(xdsBootstrap(cp));
    const p = proxy;
    const nack = await cp.waitForRequest((r) => r.type_url === T.CLUSTER && !!r.error_detail, 8000);
    assert.match(nack.error_detail?.message ?? '', /broken/);
    await waitFor('LIVE after a rejected first CDS', async () => (await ready(p)) === 'LIVE', 8000);
    assert.equal(await stat(p, 'cluster_manager.cds.update_rejected'), 1);
    // The control plane fixes CDS: the cluster arrives and traffic flows.
    cp.setResources(T.CLUSTER, { a: staticCluster('a', [a.port]) });
    await waitFor('routed to a', async () => (await httpRequest(`127.0.0.1:${port}`, 'GET', '/')).body === 'a');
  });

  test('a first LDS response that does not decode is NACKed and the server goes LIVE', async () => {
    const a = await upstream('a');
    cp = await ControlPlane.start();
    const port = await freePort();
    const brokenListener = Buffer.concat([Buffer.from([0x0a, 6]), Buffer.from('broken'), Buffer.from([0x12, 0x7f, 0x01])]);
    cp.setResources(T.LISTENER, { broken: brokenListener }, false);
    cp.setResources(T.ROUTE, { r1: routeTo('r1', 'a') }, false);
    cp.setResources(T.CLUSTER, { a: staticCluster('a', [a.port]) }, false);
    proxy = await startProxy(xdsBootstrap(cp));
    const p = proxy;
    const nack = await cp.waitForRequest((r) => r.type_url === T.LISTENER && !!r.error_detail, 8000);
    assert.match(nack.error_detail?.message ?? '', /broken/);
    await waitFor('LIVE after a rejected first LDS', async () => (await ready(p)) === 'LIVE', 8000);
    assert.equal(await stat(p, 'listener_manager.lds.update_rejected'), 1);
    cp.setResources(T.LISTENER, { l1: hcmListener('l1', port, { rds: 'r1' }) });
    await waitFor('routed to a', async () => (await httpRequest(`127.0.0.1:${port}`, 'GET', '/')).body === 'a');
  });

  test('ADS with LDS but no CDS: start-up waits for the bootstrap EDS cluster before LDS', async () => {
    const c1 = await upstream('c1');
    cp = await ControlPlane.start();
    const port = await freePort();
    const boot = xdsBootstrap(cp);
    const dyn = boot.dynamic_resources as Obj;
    delete dyn.cds_config;
    (boot.static_resources as { clusters: Obj[] }).clusters.push({ ...edsCluster('svc'), connect_timeout: '1s' });
    cp.setResources(T.LISTENER, { l1: hcmListener('l1', port, { rds: 'r1' }) }, false);
    cp.setResources(T.ROUTE, { r1: routeTo('r1', 'svc') }, false);
    proxy = await startProxy(boot);
    const p = proxy;
    await cp.waitForRequest((r) => r.type_url === T.ENDPOINT && (r.resource_names ?? []).includes('svc-svc'), 8000);
    // Nothing answers EDS yet: the static EDS cluster warms, so LDS is not even asked for.
    await sleep(1000);
    assert.equal(await ready(p), 'INITIALIZING');
    assert.equal(cp.requests.some((r) => r.type_url === T.LISTENER), false, 'LDS is requested only once the clusters are initialized');
    cp.setResources(T.ENDPOINT, { 'svc-svc': cla('svc-svc', [c1.port]) });
    await waitFor('LIVE', async () => (await ready(p)) === 'LIVE', 8000);
    assert.equal(await (await httpRequest(`127.0.0.1:${port}`, 'GET', '/')).body, 'c1');
  });

  test('an EDS cluster whose eds_config source changes (same service name) follows the new source', async () => {
    const a = await upstream('a');
    const c1 = await upstream('c1');
    const c2 = await upstream('c2');
    cp = await ControlPlane.start();
    const port = await freePort();
    const file = path.join(tempDir('xds-eds-'), 'eds.json');
    fs.writeFileSync(file, JSON.stringify({
      version_info: 'f1',
      resources: [{ '@type': T.ENDPOINT, ...cla('svc-svc', [c2.port]) }],
    }));
    cp.setResources(T.LISTENER, { l1: hcmListener('l1', port, { rds: 'r1' }) }, false);
    cp.setResources(T.ROUTE, { r1: routeTo('r1', 'svc') }, false);
    cp.setResources(T.ENDPOINT, { 'svc-svc': cla('svc-svc', [c1.port]) }, false);
    cp.setResources(T.CLUSTER, { a: staticCluster('a', [a.port]), svc: edsCluster('svc') }, false);
    proxy = await startProxy(xdsBootstrap(cp));
    const p = proxy;
    await waitFor('LIVE', async () => (await ready(p)) === 'LIVE');
    const get = async (): Promise<string> => (await httpRequest(`127.0.0.1:${port}`, 'GET', '/')).body;
    assert.equal(await get(), 'c1');
    const fromFile = edsCluster('svc');
    (fromFile.eds_cluster_config as Obj).eds_config = { path_config_source: { path: file }, resource_api_version: 'V3' };
    const v = cp.setResources(T.CLUSTER, { a: staticCluster('a', [a.port]), svc: fromFile });
    const ack = await cp.waitForRequest((r) => r.type_url === T.CLUSTER && r.version_info === v, 8000);
    assert.equal(ack.error_detail, undefined, JSON.stringify(ack.error_detail));
    await waitFor('svc served from the file', async () => (await get()) === 'c2');
  });
});
