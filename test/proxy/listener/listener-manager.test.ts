// The listener manager on real sockets: use_original_dst hand-off, updates that warm and drain,
// in-place filter-chain updates, removal, listener-filter timeouts, connection limits, stats and
// the admin views.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { addListener, counter, decodeListener, gauge, namedChain, newEnv, probe, RecordingServer, staticCluster, tcpProxyChain, until } from './harness';
import { socketAddress } from '../../../proxy/network/address';

const HTTP_INSPECTOR = { name: 'envoy.filters.listener.http_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector' } };
const TLS_INSPECTOR = { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } };
const sa = (a: string, p: number): object => ({ socket_address: { address: a, port_value: p } });

function echoServer(): RecordingServer {
  return new RecordingServer((s) => {
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
  });
}

/** An open client connection that can send and await echoes. */
class Client {
  readonly socket: net.Socket;
  private buf = '';
  closed = false;
  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (d) => (this.buf += d));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => (this.closed = true));
  }
  async roundTrip(msg: string): Promise<string> {
    this.buf = '';
    this.socket.write(msg);
    await until(() => this.buf.length >= msg.length || this.closed);
    return this.buf;
  }
}

test('use_original_dst hands a connection to the listener of its original destination (bind_to_port: false)', async () => {
  const env = newEnv();
  try {
    await addListener(env, {
      name: 'virtualOutbound',
      address: sa('127.0.0.1', 0),
      use_original_dst: true,
      traffic_direction: 'OUTBOUND',
      filter_chains: [namedChain('virtualOutbound-catchall')],
    });
    const port = env.lm.boundAddress('virtualOutbound')!.port;
    // Not redirected: the original destination falls back to the local address 127.0.0.1:port.
    await addListener(env, {
      name: `127.0.0.1_${port}`,
      address: sa('127.0.0.1', port),
      bind_to_port: false,
      listener_filters: [HTTP_INSPECTOR],
      filter_chains: [namedChain('svc-http', { application_protocols: ['http/1.1'] }), namedChain('svc-tcp')],
    });
    assert.equal(await probe(port, { payload: 'GET / HTTP/1.1\r\n\r\n' }), 'svc-http');
    assert.equal(await probe(port, { payload: 'hello\n' }), 'svc-tcp');
    assert.equal(counter(env.store, `listener.127.0.0.1_${port}.downstream_cx_total`), 2);
    assert.equal(counter(env.store, 'listener.127.0.0.1_0.downstream_cx_total'), 0);
    // Without a listener for that address the accepting listener serves it itself.
    assert.equal(env.lm.removeListener(`127.0.0.1_${port}`), true);
    assert.equal(await probe(port, { payload: 'hello\n' }), 'virtualOutbound-catchall');
    assert.equal(counter(env.store, 'listener.127.0.0.1_0.downstream_cx_total'), 1);
  } finally {
    await env.close();
  }
});

test('hand-off selection: exact address, then the wildcard of the same family and port', async () => {
  const env = newEnv();
  try {
    await addListener(env, { name: 'exact', address: sa('10.1.2.3', 8080), bind_to_port: false, filter_chains: [namedChain('e')] });
    await addListener(env, { name: 'wild4', address: sa('0.0.0.0', 8080), bind_to_port: false, filter_chains: [namedChain('w')] });
    await addListener(env, { name: 'wild6', address: sa('::', 9090), bind_to_port: false, filter_chains: [namedChain('w6')] });
    await addListener(env, { name: 'compat', address: { socket_address: { address: '::', port_value: 7070, ipv4_compat: true } }, bind_to_port: false, filter_chains: [namedChain('c')] });
    await addListener(env, { name: 'extra', address: sa('10.9.9.9', 1), additional_addresses: [{ address: sa('10.8.8.8', 53) }], bind_to_port: false, filter_chains: [namedChain('x')] });
    const find = (ip: string, port: number): string | undefined => env.lm.findByAddress(socketAddress(ip, port))?.name;
    assert.equal(find('10.1.2.3', 8080), 'exact');
    assert.equal(find('10.1.2.4', 8080), 'wild4');
    assert.equal(find('10.1.2.3', 8081), undefined);
    assert.equal(find('2001:db8::1', 9090), 'wild6');
    assert.equal(find('10.0.0.1', 9090), undefined);
    assert.equal(find('10.0.0.1', 7070), 'compat');
    assert.equal(find('10.8.8.8', 53), 'extra');
  } finally {
    await env.close();
  }
});

test('an update warms the new version on the same socket and drains the old one after the drain time', async () => {
  const upstream = echoServer();
  const up = await upstream.listen();
  const env = newEnv({ drainTimeMs: 300 }, [staticCluster('echo', up)]);
  try {
    const v = (prefix: string): object => ({ name: 'l', address: sa('127.0.0.1', 0), filter_chains: [tcpProxyChain(prefix, 'echo')] });
    await addListener(env, v('v1'));
    const port = env.lm.boundAddress('l')!.port;
    const c1 = new Client(port);
    assert.equal(await c1.roundTrip('one'), 'one');
    const r = await env.lm.addOrUpdateListener(decodeListener(v('v2')));
    assert.equal(r.ok && r.value, 'updated');
    assert.equal(env.lm.boundAddress('l')!.port, port);
    assert.equal(gauge(env.store, 'listener_manager.total_listeners_draining'), 1);
    // The old connection still works while draining; a new one lands on v2.
    assert.equal(await c1.roundTrip('two'), 'two');
    const c2 = new Client(port);
    assert.equal(await c2.roundTrip('three'), 'three');
    assert.equal(counter(env.store, 'tcp.v1.downstream_cx_total'), 1);
    assert.equal(counter(env.store, 'tcp.v2.downstream_cx_total'), 1);
    await until(() => c1.closed, 2000);
    assert.equal(c2.closed, false);
    await until(() => gauge(env.store, 'listener_manager.total_listeners_draining') === 0);
    assert.equal(counter(env.store, 'listener_manager.listener_added'), 1);
    assert.equal(counter(env.store, 'listener_manager.listener_modified'), 1);
    assert.equal(gauge(env.store, 'listener_manager.total_listeners_active'), 1);
    const same = await env.lm.addOrUpdateListener(decodeListener(v('v2')));
    assert.equal(same.ok && same.value, 'unchanged');
    c2.socket.destroy();
  } finally {
    await env.close();
    await upstream.close();
  }
});

test('an in-place update keeps connections on filter chains that did not change', async () => {
  const upstream = echoServer();
  const up = await upstream.listen();
  const env = newEnv({ drainTimeMs: 100 }, [staticCluster('echo', up)]);
  try {
    const kept = tcpProxyChain('kept', 'echo');
    await addListener(env, { name: 'l', address: sa('127.0.0.1', 0), filter_chains: [kept] });
    const port = env.lm.boundAddress('l')!.port;
    const c1 = new Client(port);
    assert.equal(await c1.roundTrip('a'), 'a');
    await addListener(env, {
      name: 'l',
      address: sa('127.0.0.1', 0),
      listener_filters: [],
      filter_chains: [kept, tcpProxyChain('tls', 'echo', { transport_protocol: 'tls' })],
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(c1.closed, false);
    assert.equal(await c1.roundTrip('b'), 'b');
    assert.equal(counter(env.store, 'listener_manager.listener_in_place_updated'), 1);
    c1.socket.destroy();
  } finally {
    await env.close();
    await upstream.close();
  }
});

test('removal stops accepting and drains existing connections', async () => {
  const upstream = echoServer();
  const up = await upstream.listen();
  const env = newEnv({ drainTimeMs: 200 }, [staticCluster('echo', up)]);
  try {
    await addListener(env, { name: 'gone', address: sa('127.0.0.1', 0), filter_chains: [tcpProxyChain('gone', 'echo')] });
    const port = env.lm.boundAddress('gone')!.port;
    const c1 = new Client(port);
    assert.equal(await c1.roundTrip('x'), 'x');
    assert.equal(env.lm.removeListener('gone'), true);
    await assert.rejects(
      new Promise((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1');
        s.on('connect', () => {
          s.destroy();
          resolve(undefined);
        });
        s.on('error', reject);
      }),
    );
    assert.equal(await c1.roundTrip('y'), 'y');
    await until(() => c1.closed, 2000);
    assert.equal(counter(env.store, 'listener_manager.listener_removed'), 1);
    assert.equal(gauge(env.store, 'listener_manager.total_listeners_active'), 0);
    assert.deepEqual(env.lm.adminListeners(), []);
  } finally {
    await env.close();
    await upstream.close();
  }
});

test('listener_filters_timeout closes a silent connection, or continues when asked', async () => {
  const env = newEnv();
  try {
    await addListener(env, {
      name: 'strict',
      address: sa('127.0.0.1', 0),
      listener_filters: [TLS_INSPECTOR],
      listener_filters_timeout: '0.1s',
      filter_chains: [namedChain('any')],
    });
    await addListener(env, {
      name: 'lenient',
      address: sa('127.0.0.2', 0),
      listener_filters: [TLS_INSPECTOR],
      listener_filters_timeout: '0.1s',
      continue_on_listener_filters_timeout: true,
      filter_chains: [namedChain('raw', { transport_protocol: 'raw_buffer' })],
    });
    const t0 = Date.now();
    assert.equal(await probe(env.lm.boundAddress('strict')!.port), '');
    assert.ok(Date.now() - t0 >= 90);
    assert.equal(counter(env.store, 'listener.127.0.0.1_0.downstream_pre_cx_timeout'), 1);
    assert.equal(await probe(env.lm.boundAddress('lenient')!.port, { host: '127.0.0.2' }), 'raw');
    assert.equal(gauge(env.store, 'listener.127.0.0.2_0.downstream_pre_cx_active'), 0);
  } finally {
    await env.close();
  }
});

test('per-listener connection limit, counters and gauges, admin views and config dump', async () => {
  const upstream = echoServer();
  const up = await upstream.listen();
  const env = newEnv({ connectionLimit: (name) => (name === 'limited' ? 1 : undefined) }, [staticCluster('echo', up)]);
  try {
    await addListener(env, { name: 'limited', address: sa('127.0.0.1', 0), stat_prefix: 'lim', filter_chains: [tcpProxyChain('lim', 'echo')] });
    const port = env.lm.boundAddress('limited')!.port;
    const c1 = new Client(port);
    assert.equal(await c1.roundTrip('1'), '1');
    assert.equal(await probe(port, { payload: 'x' }), '');
    assert.equal(counter(env.store, 'listener.lim.downstream_cx_overflow'), 1);
    assert.equal(gauge(env.store, 'listener.lim.downstream_cx_active'), 1);
    assert.equal(gauge(env.store, 'listener.lim.worker_0.downstream_cx_active'), 1);
    assert.deepEqual(env.lm.adminListeners(), [{ name: 'limited', addresses: [{ kind: 'socket', address: '127.0.0.1', port }] }]);
    const dump = env.lm.configDump();
    assert.equal(dump.dynamic_listeners[0].name, 'limited');
    assert.equal((dump.dynamic_listeners[0].active_state!.listener as { name: string }).name, 'limited');
    c1.socket.destroy();
    await until(() => gauge(env.store, 'listener.lim.downstream_cx_active') === 0);
    assert.equal(counter(env.store, 'listener.lim.downstream_cx_destroy'), 1);
    const static1 = await env.lm.addOrUpdateListener(decodeListener({ name: 's', address: sa('127.0.0.1', 0), filter_chains: [namedChain('s')] }), { addedViaApi: false });
    assert.ok(static1.ok);
    assert.equal(env.lm.configDump().static_listeners.length, 1);
  } finally {
    await env.close();
    await upstream.close();
  }
});

test('binding an address in use rejects the listener with the address in the message', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  const env = newEnv();
  try {
    const r = await env.lm.addOrUpdateListener(decodeListener({ name: 'busy', address: sa('127.0.0.1', port), filter_chains: [namedChain('x')] }));
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.errors[0].message : '', new RegExp(`cannot bind '127.0.0.1:${port}': EADDRINUSE`));
    assert.equal(env.lm.get('busy'), undefined);
  } finally {
    await env.close();
    await new Promise<void>((r) => blocker.close(() => r()));
  }
});
