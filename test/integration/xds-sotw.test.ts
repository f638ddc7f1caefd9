// tsenvoy as a live xDS client over SotW ADS on TCP: a real tsenvoy process, the scriptable test
// control plane and real upstream servers. Initialization waits for CDS/EDS then LDS/RDS; route,
// endpoint and listener changes apply under constant load without a failed request; a bad
// resource is NACKed with its field path while traffic continues on the last good config; the
// control plane can die and come back under load.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ControlPlane } from '../xds/control-plane';
import { T } from '../xds/harness';
import { httpRequest, ProxyProcess, startProxy } from '../support/proxy-process';
import {
  cla, configDump, edsCluster, freePort, hcmListener, loadLoop, ready, routeTo, sleep, startUpstream, stat, staticCluster, Upstream, waitFor, xdsBootstrap,
} from './xds-support';

describe('xDS SotW over TCP, real tsenvoy', () => {
  let cp: ControlPlane;
  let proxy: ProxyProcess;
  let port: number;
  const up: Record<string, Upstream> = {};
  const listenerAddr = (): string => `127.0.0.1:${port}`;
  const get = async (): Promise<string> => (await httpRequest(listenerAddr(), 'GET', '/')).body;

  before(async () => {
    for (const n of ['a', 'b', 'c1', 'c2', 'c3']) up[n] = await startUpstream(n);
    cp = await ControlPlane.start();
    port = await freePort();
    proxy = await startProxy(xdsBootstrap(cp));
  });

  after(async () => {
    await proxy?.stop();
    cp?.stop();
    for (const u of Object.values(up)) await u.close();
  });

  test('stays INITIALIZING until CDS (with its EDS) and LDS (with its RDS) arrive, then LIVE', async () => {
    await cp.waitForRequest((r) => r.type_url === T.CLUSTER);
    assert.equal(await ready(proxy), 'INITIALIZING');
    cp.setResources(T.ENDPOINT, { 'svc-svc': cla('svc-svc', [up.c1.port]) }, false);
    cp.setResources(T.CLUSTER, { a: staticCluster('a', [up.a.port]), b: staticCluster('b', [up.b.port]), svc: edsCluster('svc') });
    // From here every response takes 800 ms: the windows in which the proxy must still wait.
    cp.responseDelayMs = 800;
    cp.setResources(T.LISTENER, { l1: hcmListener('l1', port, { rds: 'r1' }) }, false);
    cp.setResources(T.ROUTE, { r1: routeTo('r1', 'a') }, false);
    await cp.waitForRequest((r) => r.type_url === T.ENDPOINT);
    assert.equal(await ready(proxy), 'INITIALIZING', 'cluster svc warming on EDS');
    await cp.waitForRequest((r) => r.type_url === T.LISTENER);
    assert.equal(await ready(proxy), 'INITIALIZING', 'no LDS response yet');
    await cp.waitForRequest((r) => r.type_url === T.ROUTE && (r.resource_names ?? []).includes('r1'));
    assert.equal(await ready(proxy), 'INITIALIZING', 'listener warming on RDS');
    await waitFor('LIVE', async () => (await ready(proxy)) === 'LIVE');
    cp.responseDelayMs = 0;
    assert.equal(await get(), 'a');
    assert.ok((await stat(proxy, 'cluster_manager.cds.update_success'))! >= 1);
    assert.ok((await stat(proxy, 'listener_manager.lds.update_success'))! >= 1);
    assert.equal(await stat(proxy, 'control_plane.connected_state'), 1);
    const clusters = (await httpRequest(proxy.admin, 'GET', '/clusters')).body;
    assert.match(clusters, /^svc::added_via_api::true$/m);
    assert.match(clusters, new RegExp(`^svc::127\\.0\\.0\\.1:${up.c1.port}::`, 'm'));
    const dump = await configDump(proxy);
    const cds = dump.configs.find((c) => String(c['@type']).endsWith('ClustersConfigDump')) as { dynamic_active_clusters?: { version_info?: string; cluster: { name: string }; last_updated?: string }[] };
    const svc = cds.dynamic_active_clusters?.find((c) => c.cluster.name === 'svc');
    assert.ok(svc?.version_info && svc.last_updated, JSON.stringify(cds));
    const rds = dump.configs.find((c) => String(c['@type']).endsWith('.RoutesConfigDump')) as { dynamic_route_configs?: { route_config: { name: string }; version_info: string }[] };
    assert.equal(rds.dynamic_route_configs?.[0]?.route_config.name, 'r1', JSON.stringify(rds));
    const lds = dump.configs.find((c) => String(c['@type']).endsWith('ListenersConfigDump')) as { dynamic_listeners?: { name: string; active_state?: { version_info?: string } }[] };
    assert.ok(lds.dynamic_listeners?.find((l) => l.name === 'l1')?.active_state?.version_info);
    const eds = dump.configs.find((c) => String(c['@type']).endsWith('EndpointsConfigDump')) as { dynamic_endpoint_configs?: { endpoint_config: { cluster_name: string } }[] };
    assert.equal(eds.dynamic_endpoint_configs?.[0]?.endpoint_config.cluster_name, 'svc-svc', JSON.stringify(eds));
  });

  test('routing follows an RDS change', async () => {
    cp.setResources(T.ROUTE, { r1: routeTo('r1', 'b') });
    await waitFor('route to b', async () => (await get()) === 'b');
    const ack = await cp.waitForRequest((r) => r.type_url === T.ROUTE && r.version_info === cp.version(T.ROUTE) && !r.error_detail);
    assert.ok(ack);
  });

  test('EDS scale-out and scale-in under constant load drop nothing', async () => {
    cp.setResources(T.ROUTE, { r1: routeTo('r1', 'svc') });
    await waitFor('route to svc', async () => (await get()) === 'c1');
    const load = loadLoop(listenerAddr(), 300, 4, 4000);
    await sleep(400);
    cp.setResources(T.ENDPOINT, { 'svc-svc': cla('svc-svc', [up.c1.port, up.c2.port, up.c3.port]) });
    await waitFor('c3 serving', async () => up.c3.hits > 0 && up.c2.hits > 0);
    cp.setResources(T.ENDPOINT, { 'svc-svc': cla('svc-svc', [up.c3.port]) });
    await sleep(400);
    const c1Before = up.c1.hits;
    const c2Before = up.c2.hits;
    await sleep(400);
    const r = await load.done;
    assert.deepEqual(r.failures, []);
    assert.ok(r.ok >= 100, `only ${r.ok} requests`);
    assert.equal(up.c1.hits, c1Before, 'c1 got traffic after scale-in');
    assert.equal(up.c2.hits, c2Before, 'c2 got traffic after scale-in');
    assert.equal(r.sequence.at(-1), 'c3');
  });

  test('a bad cluster is NACKed with its field path; traffic continues on the old config', async () => {
    const from = cp.requests.length;
    const rejectedBefore = (await stat(proxy, 'cluster_manager.cds.update_rejected')) ?? 0;
    const load = loadLoop(listenerAddr(), 100, 2, 2000);
    const bad = {
      name: 'bad',
      type: 'STATIC',
      connect_timeout: 1000,
      load_assignment: { cluster_name: 'bad', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'not-an-ip.example', port_value: 80 } } } }] }] },
    };
    cp.setResources(T.CLUSTER, { a: staticCluster('a', [up.a.port]), b: staticCluster('b', [up.b.port]), svc: edsCluster('svc'), bad });
    const nack = await cp.waitForRequest((r) => r.type_url === T.CLUSTER && !!r.error_detail, 5000, from);
    assert.match(nack.error_detail?.message ?? '', /bad.*load_assignment\.endpoints\[0\]/s);
    assert.notEqual(nack.version_info, cp.version(T.CLUSTER), 'a NACK keeps the previous version');
    const r = await load.done;
    assert.deepEqual(r.failures, []);
    assert.equal(await stat(proxy, 'cluster_manager.cds.update_rejected'), rejectedBefore + 1);
    const dump = await configDump(proxy);
    assert.match(JSON.stringify(dump), /"error_state":\{.*"details":"[^"]*load_assignment\.endpoints\[0\]/);
    // The fix is ACKed.
    cp.setResources(T.CLUSTER, { a: staticCluster('a', [up.a.port]), b: staticCluster('b', [up.b.port]), svc: edsCluster('svc') });
    await cp.waitForRequest((r) => r.type_url === T.CLUSTER && r.version_info === cp.version(T.CLUSTER) && !r.error_detail, 5000, from);
  });

  test('a cluster that breaks a field rule is NACKed alone, naming the field; the rest of the push applies', async () => {
    const from = cp.requests.length;
    // Well-formed protobuf whose SocketAddress.address is empty (required): as Envoy validates
    // each cluster of a CDS update on its own, the others of the same push are added.
    const rb = {
      name: 'rb',
      type: 'STATIC',
      connect_timeout: 1000,
      load_assignment: { cluster_name: 'rb', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '', port_value: 80 } } } }] }] },
    };
    const base = { a: staticCluster('a', [up.a.port]), b: staticCluster('b', [up.b.port]), svc: edsCluster('svc') };
    cp.setResources(T.CLUSTER, { ...base, good2: staticCluster('good2', [up.c2.port]), rb });
    const nack = await cp.waitForRequest((r) => r.type_url === T.CLUSTER && !!r.error_detail, 5000, from);
    assert.match(nack.error_detail?.message ?? '', /rb: load_assignment\.endpoints\[0\]\.lb_endpoints\[0\]\.endpoint\.address\.socket_address\.address: value must not be empty/);
    await waitFor('good2 added', async () => /^good2::added_via_api::true$/m.test((await httpRequest(proxy.admin, 'GET', '/clusters')).body));
    assert.doesNotMatch((await httpRequest(proxy.admin, 'GET', '/clusters')).body, /^rb::/m);
    cp.setResources(T.CLUSTER, base);
    await cp.waitForRequest((r) => r.type_url === T.CLUSTER && r.version_info === cp.version(T.CLUSTER) && !r.error_detail, 5000, from);
    // The same for an endpoint assignment: NACKed naming the field, the old hosts keep serving.
    const fromEds = cp.requests.length;
    const badCla = { cluster_name: 'svc-svc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '', port_value: 80 } } } }] }] };
    cp.setResources(T.ENDPOINT, { 'svc-svc': badCla });
    const edsNack = await cp.waitForRequest((r) => r.type_url === T.ENDPOINT && !!r.error_detail, 5000, fromEds);
    assert.match(edsNack.error_detail?.message ?? '', /svc-svc: endpoints\[0\]\.lb_endpoints\[0\]\.endpoint\.address\.socket_address\.address: value must not be empty/);
    assert.equal(await get(), 'c3');
    cp.setResources(T.ENDPOINT, { 'svc-svc': cla('svc-svc', [up.c3.port]) });
    await cp.waitForRequest((r) => r.type_url === T.ENDPOINT && r.version_info === cp.version(T.ENDPOINT) && !r.error_detail, 5000, fromEds);
  });

  test('the control plane killed and restarted under load fails no request', async () => {
    const load = loadLoop(listenerAddr(), 300, 4, 4000);
    await sleep(300);
    cp.stop();
    await waitFor('disconnected', async () => (await stat(proxy, 'control_plane.connected_state')) === 0);
    await sleep(500);
    await cp.restart();
    await waitFor('reconnected', async () => (await stat(proxy, 'control_plane.connected_state')) === 1);
    // The new stream is live: a route change still applies.
    cp.setResources(T.ROUTE, { r1: routeTo('r1', 'a') });
    await waitFor('route to a after restart', async () => up.a.hits > 0 && (await get()) === 'a');
    const r = await load.done;
    assert.deepEqual(r.failures, []);
  });

  test('a listener replaced under load fails no request (a connection per request)', async () => {
    const load = loadLoop(listenerAddr(), 300, 4, 4000, 5, false);
    await sleep(300);
    cp.setResources(T.LISTENER, { l1: hcmListener('l1', port, { inline: routeTo('inline', 'b') }, 'l1_v2') });
    await waitFor('new listener serving', async () => (await get()) === 'b');
    await sleep(300);
    const r = await load.done;
    assert.deepEqual(r.failures, [], r.failures.join('\n'));
    assert.ok((r.byUpstream.get('b') ?? 0) > 0);
    assert.equal(await stat(proxy, 'listener_manager.listener_modified'), 1);
    // RDS r1 is no longer named by any listener: unsubscribed.
    await cp.waitForRequest((q) => q.type_url === T.ROUTE && (q.resource_names ?? []).length === 0, 5000);
  });

  test('a listener replaced under load fails no request (keep-alive clients)', async () => {
    const load = loadLoop(listenerAddr(), 300, 4, 4000);
    await sleep(300);
    cp.setResources(T.LISTENER, { l1: hcmListener('l1', port, { inline: routeTo('inline', 'a') }, 'l1_v3') });
    await waitFor('new listener serving', async () => (await get()) === 'a');
    await sleep(300);
    const r = await load.done;
    assert.deepEqual(r.failures, [], r.failures.join('\n'));
  });
});
