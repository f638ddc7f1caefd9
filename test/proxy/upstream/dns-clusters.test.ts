// DNS clusters resolve only `localhost` (and IP literals) here: no external DNS.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveName } from '../../../proxy/upstream/dns-discovery';
import { HealthFlag } from '../../../proxy/upstream/host';
import { config, counter, endpoint, httpServer, manager, until } from './helpers';

function dnsCluster(name: string, type: string, eps: object[], extra: object = {}): object {
  return { name, type, connect_timeout: '1s', load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: eps }] }, ...extra };
}

const LOOPBACK = new Set(['127.0.0.1', '::1']);

test('lookup families on localhost', async () => {
  const v4 = await resolveName('localhost', 'V4_ONLY', false);
  assert.ok(v4.addresses.length >= 1);
  assert.ok(v4.addresses.every((a) => a.family === 4 && a.ip.startsWith('127.')));
  const auto = await resolveName('localhost', 'AUTO', false);
  assert.ok(auto.addresses.length >= 1 && auto.addresses.every((a) => LOOPBACK.has(a.ip)), JSON.stringify(auto));
  // AUTO prefers IPv6 when the name has it, else IPv4: never a mix.
  assert.equal(new Set(auto.addresses.map((a) => a.family)).size, 1);
  const pref = await resolveName('localhost', 'V4_PREFERRED', false);
  assert.equal(pref.addresses[0].family, 4);
  const all = await resolveName('localhost', 'ALL', false);
  assert.ok(all.addresses.some((a) => a.ip === '127.0.0.1'));
  const lit = await resolveName('::1', 'V4_ONLY', false);
  assert.deepEqual(lit.addresses, [{ ip: '::1', family: 6 }]);
});

test('STRICT_DNS: every address becomes a host, re-resolved on dns_refresh_rate', async () => {
  const { cm, store } = manager();
  try {
    cm.addOrUpdateCluster(
      config(dnsCluster('sd', 'STRICT_DNS', [endpoint('localhost', 8080), endpoint('127.0.0.2', 9090)], { dns_lookup_family: 'V4_ONLY', dns_refresh_rate: '0.05s' })),
    );
    await cm.initialize();
    const c = cm.get('sd')!;
    const addrs = c.allHosts().map((h) => h.addressString).sort();
    assert.deepEqual(addrs, ['127.0.0.1:8080', '127.0.0.2:9090']);
    assert.equal(c.allHosts().find((h) => h.addressString === '127.0.0.1:8080')!.hostname, 'localhost');
    const first = c.allHosts()[0];
    await until(() => (counter(store, 'cluster.sd.update_attempt') ?? 0) >= 6, 3000, 'refreshes');
    assert.equal(c.allHosts()[0], first, 'a refresh with the same answer keeps the host');
    assert.ok((counter(store, 'cluster.sd.update_success') ?? 0) >= 6);
    assert.ok((counter(store, 'cluster.sd.update_no_rebuild') ?? 0) >= 1);
  } finally {
    cm.shutdown();
  }
});

test('LOGICAL_DNS: one host at the first address; health checks reach it', async () => {
  const server = await httpServer(200);
  const { cm } = manager();
  try {
    cm.addOrUpdateCluster(
      config(
        dnsCluster('ld', 'LOGICAL_DNS', [endpoint('localhost', server.port)], {
          dns_lookup_family: 'V4_ONLY',
          health_checks: [{ timeout: '1s', interval: '1s', unhealthy_threshold: 1, healthy_threshold: 1, http_health_check: { path: '/ping' } }],
        }),
      ),
    );
    await cm.initialize();
    const hs = cm.get('ld')!.allHosts();
    assert.equal(hs.length, 1);
    assert.equal(hs[0].addressString, `127.0.0.1:${server.port}`);
    assert.equal(hs[0].hasFlag(HealthFlag.FailedActiveHc), false);
    assert.equal(server.requests[0].url, '/ping');
    assert.equal(server.requests[0].headers.host, 'ld', 'the cluster name is the default Host');
  } finally {
    cm.shutdown();
    await server.close();
  }
});
