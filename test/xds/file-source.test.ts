// Path config sources (standalone gateways): a DiscoveryResponse in a YAML or JSON file, applied
// on start and again whenever the file is replaced; a bad file changes nothing.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { XdsClient } from '../../xds-client/xds-client';
import { codec, RecordingWatcher, T, TestLogger } from './harness';
import { UpdateEvent } from '../../xds-client/types';

function replace(file: string, text: string): void {
  // As Envoy's docs ask: write elsewhere, then move into place.
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

test('path_config_source: clusters from a watched YAML file, updated on replace, bad file rejected', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xds-file-'));
  const file = path.join(dir, 'cds.yaml');
  const client = new XdsClient({ node: { id: 'gw' }, clusters: [], codec, logger: new TestLogger() });
  try {
    fs.writeFileSync(file, `
version_info: "1"
resources:
- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: a
  connect_timeout: 1s
  type: STATIC
- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: b
  type: STRICT_DNS
`);
    const w = new RecordingWatcher();
    const events: UpdateEvent[] = [];
    client.on('update', (e) => events.push(e));
    client.setWatcher(T.CLUSTER, w);
    client.watch(T.CLUSTER, '*', { path_config_source: { path: file }, resource_api_version: 'V3' });
    client.start();
    await w.until(() => w.state.size === 2);
    assert.equal(w.updates[0].versionInfo, '1');
    assert.equal(w.updates[0].source, `file:${file}`);
    assert.equal((w.state.get('a') as { connect_timeout: number }).connect_timeout, 1000);

    replace(file, JSON.stringify({ version_info: '2', resources: [{ '@type': T.CLUSTER, name: 'a', connect_timeout: '2s', type: 'STATIC' }] }));
    // YAML is a superset of JSON: the .yaml file may hold JSON.
    await w.until(() => w.state.size === 1, 5000, 'b removed');
    assert.deepEqual(w.updates.at(-1)!.removed, ['b']);
    assert.equal((w.state.get('a') as { connect_timeout: number }).connect_timeout, 2000);

    replace(file, 'version_info: "3"\nresources:\n- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster\n  name: a\n  type: BOGUS\n');
    const deadline = Date.now() + 5000;
    while (!events.some((e) => e.outcome === 'rejected') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const rej = events.find((e) => e.outcome === 'rejected')!;
    assert.match(rej.detail!, /resources\[0\]: type: unknown value "BOGUS"/);
    assert.equal(w.state.size, 1, 'the last good clusters stay');
  } finally {
    client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('legacy `path` config source with a named type, and does-not-exist for a name the file lacks', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xds-file-'));
  const file = path.join(dir, 'eds.json');
  const client = new XdsClient({ node: { id: 'gw' }, clusters: [], codec, logger: new TestLogger() });
  try {
    fs.writeFileSync(file, JSON.stringify({ version_info: 'x', resources: [{ '@type': T.ENDPOINT, cluster_name: 'svc', endpoints: [] }, { '@type': T.ENDPOINT, cluster_name: 'other' }] }));
    const w = new RecordingWatcher();
    client.setWatcher(T.ENDPOINT, w);
    client.watch(T.ENDPOINT, 'svc', { path: file, initial_fetch_timeout: 200 });
    client.watch(T.ENDPOINT, 'missing', { path: file, initial_fetch_timeout: 200 });
    client.start();
    await w.until(() => w.state.has('svc'));
    assert.ok(!w.state.has('other'), 'a named subscription ignores what it did not ask for');
    await w.until(() => w.dne.includes('missing'), 3000);
    // A name watched later is found in the file already read.
    client.watch(T.ENDPOINT, 'other', { path: file });
    await w.until(() => w.state.has('other'));
  } finally {
    client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a watch through ADS without ads_config is a ConfigSourceError naming the field', () => {
  const client = new XdsClient({ node: { id: 'gw' }, clusters: [], codec, logger: new TestLogger() });
  client.setWatcher(T.CLUSTER, new RecordingWatcher());
  assert.throws(() => client.watch(T.CLUSTER, '*', { ads: {} }, 'dynamic_resources.cds_config'), /dynamic_resources\.cds_config\.ads: the bootstrap has no dynamic_resources\.ads_config/);
  assert.throws(() => client.watch(T.CLUSTER, '*', { ads: {}, resource_api_version: 'V2' }, 'cds_config'), /cds_config\.resource_api_version/);
  client.close();
});
