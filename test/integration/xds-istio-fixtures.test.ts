// Istio's own artefacts against a real tsenvoy: the default golden bootstrap pilot-agent renders
// comes up with ADS (delta, as in the golden) on the test control plane's unix socket, and every
// listener of a real sidecar's /config_dump, pushed over LDS with the clusters, routes and
// secrets it names, is ACKed and listed. The listeners' SDS secrets are asked of the agent's SDS
// server (sds-grpc), as Envoy does. Skips when ../shared/fixtures/istio is absent, or openssl.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { ControlPlane } from '../xds/control-plane';
import { T } from '../xds/harness';
import { httpRequest, ProxyProcess, startProxy, tempDir } from '../support/proxy-process';
import { configDump, freePort, ready, stat, waitFor, xdsBootstrap } from './xds-support';
import { caSecret, certSecret, hasOpenssl, makeTestPems } from '../support/test-certs';
import {
  dumpListeners, fixtureListeners, fixturesMissing, FixtureListener, goldenBootstrapForTest, GoldenPorts, ListenerRefs, PILOT_AGENT_FLAGS,
  referencesOf, startAgentStatus, synthesisedCluster, synthesisedRoute,
} from './xds-istio-fixtures-support';

type Obj = Record<string, unknown>;

const SKIP = fixturesMissing() || (!hasOpenssl() && 'openssl is not installed (apt-get install -y openssl): the SDS secrets need certificates');
/** Clusters of the golden bootstrap: a listener naming them needs nothing from CDS. */
const STATIC_CLUSTERS = new Set(['prometheus_stats', 'agent', 'sds-grpc', 'xds-grpc']);

async function statsText(p: ProxyProcess, filter: string, usedOnly = false): Promise<Map<string, string>> {
  const body = (await httpRequest(p.admin, 'GET', `/stats?${usedOnly ? 'usedonly&' : ''}filter=${encodeURIComponent(filter)}`)).body;
  return new Map(body.split('\n').filter((l) => l.includes(': ')).map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
}

/** Each dynamic listener's config_dump states (`active_state`, `warming_state`, ...), and the LDS version. */
async function listenerStates(p: ProxyProcess): Promise<{ versionInfo: string; states: Record<string, string> }> {
  const dump = await configDump(p);
  const lds = dump.configs.find((c) => String(c['@type']).endsWith('.ListenersConfigDump')) as { version_info: string; dynamic_listeners: Obj[] };
  const states = Object.fromEntries(lds.dynamic_listeners.map((l) => [String(l.name), Object.keys(l).filter((k) => k !== 'name').sort().join(',')]));
  return { versionInfo: lds.version_info, states };
}

describe("Istio's golden bootstrap and a real sidecar's listeners over xDS, real tsenvoy", { skip: SKIP }, () => {
  let cp: ControlPlane;
  let sds: ControlPlane;
  let agent: Awaited<ReturnType<typeof startAgentStatus>>;
  let proxy: ProxyProcess;
  let ports: GoldenPorts;
  let listeners: FixtureListener[];
  let refs: ListenerRefs;

  before(async () => {
    const dir = tempDir('xds-istio-');
    cp = await ControlPlane.start({ socketPath: path.join(dir, 'XDS') });
    sds = await ControlPlane.start({ socketPath: path.join(dir, 'sds.sock'), sds: true });
    // What pilot-agent's SDS server hands out: the workload certificate and the mesh root.
    const pems = makeTestPems(dir);
    sds.setResources(T.SECRET, { default: certSecret('default', pems.cert, pems.key), ROOTCA: caSecret('ROOTCA', pems.ca) }, false);
    agent = await startAgentStatus();
    ports = { admin: await freePort(), prometheus: await freePort(), status: await freePort(), agent: agent.port };
    const bootstrap = goldenBootstrapForTest(path.join(dir, 'XDS'), path.join(dir, 'sds.sock'), ports);
    proxy = await startProxy(bootstrap, PILOT_AGENT_FLAGS);
    const spare: number[] = [];
    for (let i = 0; i < 8; i++) spare.push(await freePort());
    listeners = fixtureListeners(() => spare.shift()!);
    refs = referencesOf(dumpListeners());
  });

  after(async () => {
    // XDS_ISTIO_DEBUG=1 prints tsenvoy's log and /listeners (to see what a failure left behind).
    if (process.env.XDS_ISTIO_DEBUG && proxy) console.log(proxy.output(), (await httpRequest(proxy.admin, 'GET', '/listeners')).body);
    await proxy?.stop();
    cp?.stop();
    sds?.stop();
    await agent?.close();
  });

  test('the static parts come up and ADS connects over the unix socket (delta, node sent once)', async () => {
    // Empty CDS and LDS (initial_fetch_timeout 0s waits for them): the static config alone goes LIVE.
    await waitFor('LIVE', async () => (await ready(proxy)) === 'LIVE', 10_000);
    assert.equal(proxy.admin, `127.0.0.1:${ports.admin}`);
    const first = cp.requests[0];
    assert.equal(first.mode, 'delta', 'the golden asks for DELTA_GRPC');
    assert.equal(first.type_url, T.CLUSTER, 'CDS is requested first');
    assert.equal((first.node as Obj | undefined)?.id, 'sidecar~1.2.3.4~foo~bar');
    assert.ok(cp.requests.slice(1).filter((r) => r.stream === first.stream).every((r) => !r.node), 'set_node_on_first_message_only');
    assert.ok(cp.requests.some((r) => r.type_url === T.LISTENER), 'LDS requested after CDS');
    // control_plane.* is outside the golden's stats_matcher inclusion list (as in Envoy, where it
    // is then not exported either), so the connection shows in the admin's xDS state and in the
    // control plane's own view; the stat itself is checked with a matcher-free bootstrap below.
    assert.equal(cp.streamCount, 1);

    const dump = await configDump(proxy);
    const clusters = dump.configs.find((c) => String(c['@type']).endsWith('.ClustersConfigDump')) as { static_clusters: { cluster: { name: string } }[] };
    assert.deepEqual(clusters.static_clusters.map((c) => c.cluster.name).sort(), [...STATIC_CLUSTERS].sort());
    const lds = dump.configs.find((c) => String(c['@type']).endsWith('.ListenersConfigDump')) as { static_listeners: { listener: { name: string } }[] };
    assert.deepEqual(lds.static_listeners.map((l) => l.listener.name), ['0.0.0.0_15090', '0.0.0.0_15021']);
    const boot = dump.configs.find((c) => String(c['@type']).endsWith('.BootstrapConfigDump')) as { bootstrap: Obj };
    assert.equal(((boot.bootstrap.dynamic_resources as Obj).ads_config as Obj).api_type, 'DELTA_GRPC');

    const text = (await httpRequest(proxy.admin, 'GET', '/clusters')).body;
    for (const c of STATIC_CLUSTERS) assert.match(text, new RegExp(`^${c}::added_via_api::false$`, 'm'), text);
    assert.match(text, new RegExp(`^prometheus_stats::127\\.0\\.0\\.1:${ports.admin}::health_flags::healthy$`, 'm'));
    assert.match(text, new RegExp(`^agent::127\\.0\\.0\\.1:${ports.agent}::health_flags::healthy$`, 'm'));

    // 15090: /stats/prometheus through the prometheus_stats cluster to the admin.
    const prom = await httpRequest(`127.0.0.1:${ports.prometheus}`, 'GET', '/stats/prometheus');
    assert.equal(prom.status, 200);
    assert.match(prom.body, /^envoy_server_state\{?.*\}? 0$/m);
    assert.match(prom.body, /^envoy_listener_manager_lds_update_success\{?.*\}? [1-9]/m);
    // 15021: /healthz/ready through the agent cluster to (our stand-in for) pilot-agent.
    const health = await httpRequest(`127.0.0.1:${ports.status}`, 'GET', '/healthz/ready');
    assert.equal(health.status, 200);
    assert.deepEqual(agent.hits, ['/healthz/ready']);
    // What pilot-agent's readiness probe reads, as it reads it (pilot/cmd/pilot-agent/status/util/stats.go).
    const probe = await statsText(proxy, '^(cluster_manager\\.cds|listener_manager\\.lds)\\.(update_success|update_rejected)$', true);
    assert.ok(Number(probe.get('cluster_manager.cds.update_success')) >= 1, JSON.stringify([...probe]));
    assert.ok(Number(probe.get('listener_manager.lds.update_success')) >= 1, JSON.stringify([...probe]));
    assert.equal(probe.has('listener_manager.lds.update_rejected'), false, 'never incremented: not "used"');
    assert.equal(await stat(proxy, 'server.state'), 0);
    assert.equal(await stat(proxy, 'listener_manager.workers_started'), 1);
  });

  test("every listener of the sidecar's config dump is ACKed over LDS and listed", async () => {
    assert.equal(listeners.length, 27);
    const clusters: Record<string, Obj> = {};
    const clas: Record<string, Obj> = {};
    for (const name of refs.clusters) {
      if (STATIC_CLUSTERS.has(name)) continue;
      const s = synthesisedCluster(name, agent.port);
      clusters[name] = s.cluster;
      if (s.cla) clas[name] = s.cla;
    }
    assert.ok(Object.keys(clusters).length >= 20, Object.keys(clusters).join(' '));
    // Make-before-break, as istiod sends: CDS (and its EDS) first, then LDS, then the RDS its
    // listeners ask for. The route configurations are held back at first to see the warming.
    const cdsFrom = cp.requests.length;
    cp.setResources(T.ENDPOINT, clas, false);
    const cdsVersion = cp.setResources(T.CLUSTER, clusters);
    const cdsResponse = cp.responses.find((r) => r.type_url === T.CLUSTER && r.version === cdsVersion)!;
    const cdsAck = await cp.waitForRequest((r) => r.type_url === T.CLUSTER && r.response_nonce === cdsResponse.nonce, 10_000, cdsFrom);
    assert.equal(cdsAck.error_detail, undefined, cdsAck.error_detail?.message);
    await waitFor('clusters warmed', async () => (await stat(proxy, 'cluster_manager.warming_clusters')) === 0);

    const ldsSuccess = (await stat(proxy, 'listener_manager.lds.update_success')) ?? 0;
    const from = cp.requests.length;
    const version = cp.setResources(T.LISTENER, Object.fromEntries(listeners.map((l) => [l.name, l.bytes])));
    const response = cp.responses.find((r) => r.type_url === T.LISTENER && r.version === version)!;
    assert.equal(response.names.length, 27);
    const ack = await cp.waitForRequest((r) => r.type_url === T.LISTENER && r.response_nonce === response.nonce, 10_000, from);
    assert.equal(ack.error_detail, undefined, `LDS NACKed: ${ack.error_detail?.message}`);
    await waitFor('lds.update_success moved', async () => ((await stat(proxy, 'listener_manager.lds.update_success')) ?? 0) > ldsSuccess);
    assert.equal((await stat(proxy, 'listener_manager.lds.update_rejected')) ?? 0, 0);

    // The listeners' secrets come from the agent's SDS server at once; those naming RDS warm until
    // their route configurations come (initial_fetch_timeout 0s).
    await sds.waitForRequest((q) => q.type_url === T.SECRET && q.version_info === sds.version(T.SECRET) && !q.error_detail, 10_000);
    await waitFor('the secrets in the dump', async () => JSON.stringify(await configDump(proxy)).includes('"dynamic_active_secrets"'));
    const withRds = dumpListeners().filter((l) => referencesOf([l]).routes.size > 0).map((l) => String(l.name));
    assert.ok(withRds.length >= 10, withRds.join(' '));
    for (const r of refs.routes) {
      await cp.waitForRequest((q) => q.type_url === T.ROUTE && (q.resource_names_subscribe ?? []).includes(r), 10_000, from);
    }
    assert.equal(await stat(proxy, 'listener_manager.total_listeners_warming'), withRds.length);
    const warming = await listenerStates(proxy);
    for (const l of listeners) assert.equal(warming.states[l.name], withRds.includes(l.name) ? 'warming_state' : 'active_state', l.name);

    const rdsFrom = cp.requests.length;
    cp.setResources(T.ROUTE, Object.fromEntries([...refs.routes].map((r) => [r, synthesisedRoute(r, 'PassthroughCluster')])));
    await waitFor('no listener warming', async () => (await stat(proxy, 'listener_manager.total_listeners_warming')) === 0);
    for (const r of refs.routes) {
      const sent = cp.responses.find((x) => x.type_url === T.ROUTE && x.names.includes(r) && x.version === cp.version(T.ROUTE));
      assert.ok(sent, `route ${r} not sent`);
      const routeAck = await cp.waitForRequest((q) => q.type_url === T.ROUTE && q.response_nonce === sent.nonce, 10_000, rdsFrom);
      assert.equal(routeAck.error_detail, undefined, `RDS ${r} NACKed: ${routeAck.error_detail?.message}`);
    }

    const text = (await httpRequest(proxy.admin, 'GET', '/listeners')).body;
    const listed = new Set(text.split('\n').filter(Boolean).map((l) => l.slice(0, l.indexOf('::'))));
    for (const l of listeners) assert.ok(listed.has(l.name), `${l.name} missing from /listeners:\n${text}`);
    const active = await listenerStates(proxy);
    assert.equal(active.versionInfo, version);
    for (const l of listeners) assert.equal(active.states[l.name], 'active_state', l.name);
    // The rewritten ports are the only change: the listeners that bind do bind.
    for (const l of listeners.filter((x) => x.rewritten)) {
      const port = Number(l.rewritten!.slice(l.rewritten!.lastIndexOf(':') + 1));
      await new Promise<void>((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.destroy();
          resolve();
        });
        s.on('error', (e) => reject(new Error(`${l.rewritten}: ${e.message}`)));
      });
    }
  });

  test("SDS secrets named by the listeners are asked of the agent's SDS server, not ADS, and dumped with keys redacted", async () => {
    // Istio's sds_config: api_config_source GRPC through the bootstrap's sds-grpc (the agent's
    // SecretDiscoveryService), initial_fetch_timeout 0s: virtualInbound and connect_terminate
    // warm until `default` and `ROOTCA` come. No TLS transport socket yet: their TLS chains still
    // close connections (said in the log when one does).
    assert.deepEqual([...refs.secrets].sort(), [['ROOTCA', 'sds-grpc'], ['default', 'sds-grpc']]);
    const asked = new Set(sds.requests.filter((r) => r.type_url === T.SECRET).flatMap((r) => r.resource_names ?? []));
    assert.deepEqual([...asked].sort(), ['ROOTCA', 'default']);
    assert.equal(cp.requests.filter((r) => r.type_url === T.SECRET).length, 0, 'no secret asked over ADS');
    const dump = await configDump(proxy);
    const secrets = dump.configs.find((c) => String(c['@type']).endsWith('.SecretsConfigDump')) as Obj | undefined;
    const active = (secrets?.dynamic_active_secrets as Obj[] | undefined) ?? [];
    assert.deepEqual(active.map((x) => x.name).sort(), ['ROOTCA', 'default']);
    const def = active.find((x) => x.name === 'default')!.secret as { tls_certificate: Obj };
    assert.deepEqual(def.tls_certificate.private_key, { inline_string: '[redacted]' });
    assert.equal(secrets?.dynamic_warming_secrets, undefined);
    assert.equal(await stat(proxy, 'listener_manager.total_listeners_warming'), 0);
  });

  test("Envoy's subscription stats for CDS and LDS (what pilot-agent and dashboards read)", async () => {
    const all = await statsText(proxy, '^(cluster_manager\\.cds|listener_manager\\.lds)\\.');
    for (const sub of ['cluster_manager.cds', 'listener_manager.lds']) {
      for (const n of ['update_attempt', 'update_success', 'update_rejected', 'update_failure', 'init_fetch_timeout', 'update_time', 'version', 'version_text']) {
        assert.ok(all.has(`${sub}.${n}`), `${sub}.${n} missing:\n${[...all.keys()].join('\n')}`);
      }
      assert.equal(Number(all.get(`${sub}.update_attempt`)), Number(all.get(`${sub}.update_success`)) + Number(all.get(`${sub}.update_rejected`)) + Number(all.get(`${sub}.update_failure`)) + Number(all.get(`${sub}.init_fetch_timeout`)));
      assert.ok(Math.abs(Number(all.get(`${sub}.update_time`)) - Date.now()) < 60_000, `${sub}.update_time ${all.get(`${sub}.update_time`)}`);
      assert.notEqual(Number(all.get(`${sub}.version`)), 0);
    }
    assert.equal(all.get('listener_manager.lds.version_text'), `"${cp.version(T.LISTENER)}"`);
    assert.equal(all.get('cluster_manager.cds.version_text'), `"${cp.version(T.CLUSTER)}"`);
    const histo = (await httpRequest(proxy.admin, 'GET', '/stats?filter=update_duration')).body;
    assert.match(histo, /^cluster_manager\.cds\.update_duration: /m);
    assert.match(histo, /^listener_manager\.lds\.update_duration: /m);
  });
});

describe('control_plane.* stats (a bootstrap without a stats_matcher)', () => {
  let cp: ControlPlane;
  let proxy: ProxyProcess;

  before(async () => {
    cp = await ControlPlane.start({ socketPath: path.join(tempDir('xds-cp-stats-'), 'ads.sock') });
    proxy = await startProxy(xdsBootstrap(cp, { delta: true }));
  });

  after(async () => {
    await proxy?.stop();
    cp?.stop();
  });

  test('connected_state follows the stream; a lost stream counts as update_failure', async () => {
    await waitFor('LIVE', async () => (await ready(proxy)) === 'LIVE');
    const s = await statsText(proxy, '^control_plane\\.');
    assert.equal(s.get('control_plane.connected_state'), '1');
    assert.equal(s.get('control_plane.pending_requests'), '0');
    assert.equal(s.get('control_plane.rate_limit_enforced'), '0');
    assert.equal(s.get('control_plane.identifier'), '""');
    const before = (await stat(proxy, 'cluster_manager.cds.update_failure')) ?? -1;
    assert.equal(before, 0);
    cp.stop();
    await waitFor('disconnected', async () => (await stat(proxy, 'control_plane.connected_state')) === 0);
    assert.equal(await stat(proxy, 'cluster_manager.cds.update_failure'), 1);
    assert.equal(await stat(proxy, 'listener_manager.lds.update_failure'), 1);
    await cp.restart();
    await waitFor('reconnected', async () => (await stat(proxy, 'control_plane.connected_state')) === 1);
  });
});
