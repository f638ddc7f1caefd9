// SDS against a real tsenvoy process: a listener whose TLS context names secrets through an
// sds_config subscribes to them and warms (start-up waits) until they arrive; a secret whose key
// does not match its certificate is NACKed with its field path and, as in Envoy, ends the wait
// (no hang on a bad secret); a good one is ACKed and /config_dump shows it with its key
// redacted; removing the listener unsubscribes. A cluster naming secrets in its
// transport_socket_matches warms on them the same way, and start-up waits for a bootstrap
// listener's. Istio's shape (sds_config through the sds-grpc cluster, SecretDiscoveryService on a
// unix socket) is exercised too. Certificates come from the openssl CLI (the test skips, saying
// so, when it is missing).
import { after, afterEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ControlPlane } from '../xds/control-plane';
import { T } from '../xds/harness';
import { httpRequest, ProxyProcess, startProxy, tempDir } from '../support/proxy-process';
import { caSecret, certSecret, hasOpenssl, makeTestPems, TestPems } from '../support/test-certs';
import { configDump, freePort, hcmListener, ready, routeTo, sleep, startUpstream, stat, staticCluster, Upstream, waitFor, xdsBootstrap } from './xds-support';

type Obj = Record<string, unknown>;
const SECRET = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

/** An HCM listener whose only chain is TLS, with its certificate and CA from SDS through `sds`. */
/** A TLS transport socket (Downstream or Upstream context) whose certificate and CA come from SDS. */
function sdsTls(context: 'Downstream' | 'Upstream', cert: string, sds: Obj): Obj {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': `type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.${context}TlsContext`,
      common_tls_context: {
        tls_certificate_sds_secret_configs: [{ name: cert, sds_config: sds }],
        combined_validation_context: { default_validation_context: {}, validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: sds } },
      },
    },
  };
}

function tlsListener(name: string, port: number, sds: Obj): Obj {
  const l = hcmListener(name, port, { rds: 'r1' }) as { filter_chains: Obj[] };
  l.filter_chains[0].transport_socket = sdsTls('Downstream', 'server-cert', sds);
  return l;
}

const ADS = { ads: {}, resource_api_version: 'V3' };

function secretsDump(dump: { configs: Obj[] }): Obj {
  return dump.configs.find((c) => String(c['@type']).endsWith('SecretsConfigDump')) ?? {};
}

describe('SDS, real tsenvoy', { skip: !hasOpenssl() && 'openssl is not installed (apt-get install -y openssl)' }, () => {
  let cp: ControlPlane | undefined;
  let sds: ControlPlane | undefined;
  let proxy: ProxyProcess | undefined;
  let up: Upstream | undefined;
  let pems: TestPems | undefined;
  const certs = (): TestPems => (pems ??= makeTestPems(tempDir('tsenvoy-sds-')));

  afterEach(async () => {
    await proxy?.stop();
    cp?.stop();
    sds?.stop();
    proxy = cp = sds = undefined;
  });

  after(async () => {
    await up?.close();
  });

  test('a listener warms on its secrets; a mismatched key is NACKed by field path and ends the wait; the good secret is taken; removal unsubscribes', async () => {
    const p = certs();
    up ??= await startUpstream('a');
    cp = await ControlPlane.start();
    const c = cp;
    const [plainPort, tlsPort] = [await freePort(), await freePort()];
    c.setResources(T.CLUSTER, { a: staticCluster('a', [up.port]) }, false);
    c.setResources(T.ROUTE, { r1: routeTo('r1', 'a') }, false);
    c.setResources(T.LISTENER, { plain: hcmListener('plain', plainPort, { rds: 'r1' }), tls: tlsListener('tls', tlsPort, ADS) }, false);
    proxy = await startProxy(xdsBootstrap(c));
    const px = proxy;

    // Both secrets are asked for; nothing is served yet, so start-up waits (Envoy's listener warming).
    await c.waitForRequest((r) => r.type_url === SECRET && ['ROOTCA', 'server-cert'].every((n) => (r.resource_names ?? []).includes(n)), 8000);
    await sleep(300);
    assert.notEqual(await ready(px), 'LIVE');
    assert.equal(await stat(px, 'listener_manager.total_listeners_warming'), 1);
    let dump = secretsDump(await configDump(px));
    assert.deepEqual(((dump.dynamic_warming_secrets as Obj[]) ?? []).map((s) => s.name).sort(), ['ROOTCA', 'server-cert']);

    // A key that is not the certificate's: NACKed by resource and field; still warming.
    const from = c.requests.length;
    const bad = c.setResources(SECRET, { 'server-cert': certSecret('server-cert', p.cert, p.otherKey), ROOTCA: caSecret('ROOTCA', p.ca) });
    const nack = await c.waitForRequest((r) => r.type_url === SECRET && !!r.error_detail, 8000, from);
    assert.match(nack.error_detail?.message ?? '', /server-cert: tls_certificate\.private_key: the private key does not match the first certificate of certificate_chain/);
    assert.notEqual(nack.version_info, bad);
    assert.doesNotMatch(nack.error_detail?.message ?? '', /BEGIN|PRIVATE KEY/, 'no key material in the NACK');
    // As Envoy's SDS on a failed update: nothing waits any longer for a secret with no good
    // version (start-up must not hang on it); the dump says which one and why.
    await waitFor('LIVE after the rejection', async () => (await ready(px)) === 'LIVE');
    assert.match((await httpRequest(px.admin, 'GET', '/listeners')).body, /^tls::127\.0\.0\.1:\d+$/m);
    dump = secretsDump(await configDump(px));
    const stuck = ((dump.dynamic_warming_secrets as Obj[]) ?? []).find((x) => x.name === 'server-cert') as { error_state?: { details?: string } } | undefined;
    assert.match(stuck?.error_state?.details ?? '', /tls_certificate\.private_key: the private key does not match/);

    // The right key: ACKed and taken.
    const good = c.setResources(SECRET, { 'server-cert': certSecret('server-cert', p.cert, p.key), ROOTCA: caSecret('ROOTCA', p.ca) });
    const ack = await c.waitForRequest((r) => r.type_url === SECRET && r.version_info === good, 8000, from);
    assert.equal(ack.error_detail, undefined);
    dump = secretsDump(await configDump(px));
    const active = (dump.dynamic_active_secrets as Obj[]) ?? [];
    assert.deepEqual(active.map((s) => s.name).sort(), ['ROOTCA', 'server-cert']);
    const sc = active.find((s) => s.name === 'server-cert')!;
    assert.equal(sc.version_info, good);
    const tlsCert = (sc.secret as Obj).tls_certificate as Obj;
    assert.match(JSON.stringify(tlsCert.certificate_chain), /BEGIN CERTIFICATE/);
    assert.deepEqual(tlsCert.private_key, { inline_string: '[redacted]' });
    assert.equal(dump.dynamic_warming_secrets, undefined);
    // Plain traffic flows on the other listener all along.
    assert.equal((await httpRequest(`127.0.0.1:${plainPort}`, 'GET', '/')).status, 200);

    // The listener goes: its secrets are unsubscribed and leave the dump.
    const from2 = c.requests.length;
    c.setResources(T.LISTENER, { plain: hcmListener('plain', plainPort, { rds: 'r1' }) });
    await c.waitForRequest((r) => r.type_url === SECRET && (r.resource_names ?? []).length === 0, 8000, from2);
    await waitFor('secrets gone from the dump', async () => ((secretsDump(await configDump(px)).dynamic_active_secrets as Obj[] | undefined) ?? []).length === 0);
  });

  test("a cluster whose transport_socket_matches name SDS secrets warms until they come, then serves", async () => {
    const p = certs();
    up ??= await startUpstream('a');
    cp = await ControlPlane.start();
    const c = cp;
    const port = await freePort();
    const mtls = sdsTls('Upstream', 'client-cert', ADS);
    // Istio's outbound shape: TLS only for endpoints labelled tlsMode=istio; this one is plain.
    const cluster = { ...staticCluster('a', [up.port]), transport_socket_matches: [{ name: 'tlsMode-istio', match: { tlsMode: 'istio' }, transport_socket: mtls }, { name: 'tlsMode-disabled', match: {}, transport_socket: { name: 'envoy.transport_sockets.raw_buffer', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' } } }] };
    c.setResources(T.CLUSTER, { a: cluster }, false);
    c.setResources(T.ROUTE, { r1: routeTo('r1', 'a') }, false);
    c.setResources(T.LISTENER, { plain: hcmListener('plain', port, { rds: 'r1' }) }, false);
    proxy = await startProxy(xdsBootstrap(c));
    const px = proxy;
    await c.waitForRequest((r) => r.type_url === SECRET && ['ROOTCA', 'client-cert'].every((n) => (r.resource_names ?? []).includes(n)), 8000);
    await sleep(300);
    assert.equal(await stat(px, 'cluster_manager.warming_clusters'), 1, 'the cluster warms on its secrets');
    assert.notEqual(await ready(px), 'LIVE');
    c.setResources(SECRET, { 'client-cert': certSecret('client-cert', p.cert, p.key), ROOTCA: caSecret('ROOTCA', p.ca) });
    await waitFor('LIVE', async () => (await ready(px)) === 'LIVE');
    assert.equal(await stat(px, 'cluster_manager.warming_clusters'), 0);
    assert.equal((await httpRequest(`127.0.0.1:${port}`, 'GET', '/')).status, 200, 'the plain endpoint is served');
    // The cluster goes: so do its secrets.
    const from = c.requests.length;
    c.setResources(T.CLUSTER, {});
    await c.waitForRequest((r) => r.type_url === SECRET && (r.resource_names ?? []).length === 0, 8000, from);
  });

  test('a bootstrap listener naming SDS secrets subscribes to them, and start-up waits for them', async () => {
    const p = certs();
    up ??= await startUpstream('a');
    cp = await ControlPlane.start();
    const c = cp;
    const port = await freePort();
    c.setResources(T.CLUSTER, { a: staticCluster('a', [up.port]) }, false);
    c.setResources(T.ROUTE, { r1: routeTo('r1', 'a') }, false);
    const boot = xdsBootstrap(c) as { static_resources: { listeners?: Obj[] } };
    boot.static_resources.listeners = [tlsListener('static_tls', port, ADS)];
    proxy = await startProxy(boot);
    const px = proxy;
    await c.waitForRequest((r) => r.type_url === SECRET && ['ROOTCA', 'server-cert'].every((n) => (r.resource_names ?? []).includes(n)), 8000);
    await sleep(300);
    assert.notEqual(await ready(px), 'LIVE', 'start-up waits for the static listener\'s secrets');
    c.setResources(SECRET, { 'server-cert': certSecret('server-cert', p.cert, p.key), ROOTCA: caSecret('ROOTCA', p.ca) });
    await waitFor('LIVE', async () => (await ready(px)) === 'LIVE');
    const active = (secretsDump(await configDump(px)).dynamic_active_secrets as Obj[]) ?? [];
    assert.deepEqual(active.map((x) => x.name).sort(), ['ROOTCA', 'server-cert']);
  });

  test("Istio's shape: sds_config through the sds-grpc cluster to SecretDiscoveryService on a unix socket", async () => {
    const p = certs();
    up ??= await startUpstream('a');
    const dir = tempDir('tsenvoy-sds-uds-');
    sds = await ControlPlane.start({ sds: true, socketPath: path.join(dir, 'socket') });
    sds.setResources(SECRET, { 'server-cert': certSecret('server-cert', p.cert, p.key), ROOTCA: caSecret('ROOTCA', p.ca) }, false);
    cp = await ControlPlane.start();
    const c = cp;
    const tlsPort = await freePort();
    const viaAgent = {
      api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }], set_node_on_first_message_only: true },
      initial_fetch_timeout: 0,
      resource_api_version: 'V3',
    };
    c.setResources(T.CLUSTER, { a: staticCluster('a', [up.port]) }, false);
    c.setResources(T.ROUTE, { r1: routeTo('r1', 'a') }, false);
    c.setResources(T.LISTENER, { tls: tlsListener('tls', tlsPort, viaAgent) }, false);
    const boot = xdsBootstrap(c) as { static_resources: { clusters: Obj[] } };
    boot.static_resources.clusters.push(sds.cluster('sds-grpc'));
    proxy = await startProxy(boot);
    const px = proxy;
    await waitFor('LIVE', async () => (await ready(px)) === 'LIVE', 10000);
    const req = sds.requests.find((r) => r.type_url === SECRET);
    assert.ok(req, 'the secrets were asked for on the SDS server, not on ADS');
    assert.equal(c.requests.some((r) => r.type_url === SECRET), false);
    const active = (secretsDump(await configDump(px)).dynamic_active_secrets as Obj[]) ?? [];
    assert.deepEqual(active.map((s) => s.name).sort(), ['ROOTCA', 'server-cert']);
  });
});
