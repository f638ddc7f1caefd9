// The control-plane connection over TLS, configured as Envoy reads it from the xds-grpc cluster's
// UpstreamTlsContext: trusted CA from a file, SNI, subject-alt-name matching; and the clear error
// for certificates that would come from SDS.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlPlane } from './control-plane';
import { adsConfig, codec, edsCluster, RecordingWatcher, T, TestLogger } from './harness';
import { XdsClient } from '../../xds-client/xds-client';
import { hasOpenssl } from '../support/test-certs';

/** A CA and a server certificate for istiod.istio-system.svc, made with the openssl CLI. */
function makeCerts(dir: string): { ca: string; key: string; cert: string } {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test-ca');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=istiod');
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=DNS:istiod.istio-system.svc\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  return { ca: path.join(dir, 'ca.pem'), key: path.join(dir, 'server.key'), cert: path.join(dir, 'server.pem') };
}

function tlsCluster(cp: ControlPlane, ca: string, san: string): Record<string, unknown> {
  return {
    ...cp.cluster(),
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
        sni: 'istiod.istio-system.svc',
        common_tls_context: { validation_context: { trusted_ca: { filename: ca }, match_subject_alt_names: [{ exact: san }] } },
      },
    },
  };
}

test('ADS over TLS: trusted CA, SNI and SAN match from the cluster; a SAN mismatch never connects', { skip: !hasOpenssl() && 'openssl not installed' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xds-tls-'));
  const certs = makeCerts(dir);
  const cp = await ControlPlane.start({ tls: { key: fs.readFileSync(certs.key), cert: fs.readFileSync(certs.cert) } });
  const clients: XdsClient[] = [];
  try {
    cp.setResources(T.CLUSTER, { a: edsCluster('a') }, false);
    const connect = (san: string): { client: XdsClient; w: RecordingWatcher; logger: TestLogger } => {
      const logger = new TestLogger();
      const client = new XdsClient({ node: { id: 'n' }, adsConfig: adsConfig(false), clusters: [tlsCluster(cp, certs.ca, san)], codec, logger, backoff: { baseMs: 20, maxMs: 100 } });
      clients.push(client);
      const w = new RecordingWatcher();
      client.setWatcher(T.CLUSTER, w);
      client.watch(T.CLUSTER, '*');
      client.start();
      return { client, w, logger };
    };
    const good = connect('istiod.istio-system.svc');
    await good.w.until(() => good.w.state.has('a'));
    assert.ok(good.client.connected);

    const bad = connect('someone-else.svc');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(bad.w.updates.length, 0);
    assert.equal(bad.client.connected, false);
    assert.ok(bad.logger.lines.some((l) => /closed: 14/.test(l)), bad.logger.lines.join('\n'));
  } finally {
    for (const c of clients) c.close();
    cp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('SDS certificates for the control-plane connection are a clear "not supported yet" error', () => {
  const logger = new TestLogger();
  const cluster = {
    name: 'xds-grpc',
    type: 'STATIC',
    load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 15012 } } } }] }] },
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
        common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: { ads: {} } }] },
      },
    },
  };
  const client = new XdsClient({ node: { id: 'n' }, adsConfig: adsConfig(false), clusters: [cluster], codec, logger });
  client.setWatcher(T.CLUSTER, new RecordingWatcher());
  assert.throws(() => client.watch(T.CLUSTER, '*', { ads: {} }, 'dynamic_resources.cds_config'), /tls_certificate_sds_secret_configs: SDS certificates for the control-plane connection are not supported yet/);
  assert.ok(logger.lines.some((l) => /not supported yet/.test(l)));
  client.close();
});
