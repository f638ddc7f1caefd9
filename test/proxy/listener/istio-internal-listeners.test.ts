// What Istio's sidecar LDS carries beyond plain listeners: internal listeners (main_internal,
// connect_originate) are accepted and bind nothing, and a tcp_proxy with tunneling_config (HBONE's
// CONNECT upstream, not implemented) is accepted but closes its connections instead of sending
// the bytes as plain TCP to a peer that expects a tunnel.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { addListener, decodeListener, freePort, newEnv, probe, RecordingServer, staticCluster, TCP_PROXY } from './harness';

const internalListener = (name: string, extra: object = {}): object => ({
  name,
  internal_listener: {},
  filter_chains: [{ filters: [{ name: 'tcp', typed_config: { '@type': TCP_PROXY, stat_prefix: name, cluster: 'c' } }] }],
  ...extra,
});

test('an internal listener is accepted without an address, binds nothing, and is listed as envoy://<name>/', async () => {
  const env = newEnv({ internalListeners: true });
  try {
    await addListener(env, internalListener('main_internal'));
    await addListener(env, internalListener('connect_originate', { stat_prefix: 'co' }));
    assert.deepEqual(env.lm.adminListeners(), [
      { name: 'main_internal', addresses: [{ kind: 'internal', name: 'main_internal' }] },
      { name: 'connect_originate', addresses: [{ kind: 'internal', name: 'connect_originate' }] },
    ]);
    assert.equal(env.lm.boundAddress('main_internal'), undefined);
    // Envoy's listener stats scope for an internal listener without stat_prefix.
    assert.ok([...env.store.counters()].some((c) => c.name.startsWith('listener.envoy_internal_main_internal.')));
    assert.ok([...env.store.counters()].some((c) => c.name.startsWith('listener.co.')));
    // Envoy's own checks.
    const paths = async (json: object): Promise<string[]> => {
      const r = await env.lm.addOrUpdateListener(decodeListener(json));
      return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
    };
    assert.deepEqual(await paths(internalListener('x', { address: { socket_address: { address: '127.0.0.1', port_value: 1 } } })), [
      "address: error adding listener 'x': address should not be used when an internal listener config is provided",
    ]);
    assert.deepEqual(await paths(internalListener('y', { transparent: true })), ["internal_listener: error adding listener named 'y': has unsupported tcp listener feature"]);
    assert.deepEqual(await paths({ name: 'w', address: { envoy_internal_address: { server_listener_name: 'w' } }, filter_chains: [] }), [
      'address.envoy_internal_address: use internal_listener field instead of address for internal listeners',
    ]);
  } finally {
    await env.close();
  }
});

test('without the envoy.bootstrap.internal_listener extension an internal listener is rejected, as in Envoy', async () => {
  const env = newEnv();
  try {
    const r = await env.lm.addOrUpdateListener(decodeListener(internalListener('main_internal')));
    assert.deepEqual(!r.ok && r.errors.map((e) => `${e.path}: ${e.message}`), ["internal_listener: error adding listener named 'main_internal': InternalListener bootstrap extension is mandatory"]);
  } finally {
    await env.close();
  }
});

test('tcp_proxy with tunneling_config is accepted; its connections are closed, nothing reaches the upstream', async () => {
  const upstream = new RecordingServer();
  const env = newEnv({}, [staticCluster('c', await upstream.listen())]);
  try {
    const port = await freePort();
    await addListener(env, {
      name: 'originate',
      address: { socket_address: { address: '127.0.0.1', port_value: port } },
      filter_chains: [{ filters: [{ name: 'tcp', typed_config: { '@type': TCP_PROXY, stat_prefix: 'originate', cluster: 'c', tunneling_config: { hostname: '%DOWNSTREAM_LOCAL_ADDRESS%' } } }] }],
    });
    env.lm.startWorkers();
    assert.equal(await probe(port, { payload: 'hello' }), '');
    assert.equal(upstream.received.length, 0);
  } finally {
    await env.close();
    await upstream.close();
  }
});
