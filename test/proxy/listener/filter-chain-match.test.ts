// Filter-chain selection on real loopback sockets: each chain answers its own name
// (direct_response), so the client sees which chain the listener picked.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { addListener, captureClientHello, counter, decodeListener, freePort, namedChain, newEnv, probe } from './harness';

const TLS_INSPECTOR = { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } };
const HTTP_INSPECTOR = { name: 'envoy.filters.listener.http_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector' } };

function sa(address: string, port: number): object {
  return { socket_address: { address, port_value: port } };
}

test('destination port and destination IP prefix (additional addresses on 127.0.0.1-3)', async () => {
  const env = newEnv();
  const p1 = await freePort();
  const p2 = await freePort();
  try {
    await addListener(env, {
      name: 'multi',
      address: sa('127.0.0.1', p1),
      additional_addresses: [{ address: sa('127.0.0.1', p2) }, { address: sa('127.0.0.2', p1) }, { address: sa('127.0.0.3', p1) }],
      filter_chains: [
        namedChain('port2', { destination_port: p2 }),
        namedChain('dst2', { prefix_ranges: [{ address_prefix: '127.0.0.2', prefix_len: 32 }] }),
        namedChain('lo8', { prefix_ranges: [{ address_prefix: '127.0.0.0', prefix_len: 8 }] }),
      ],
    });
    assert.equal(await probe(p2), 'port2');
    assert.equal(await probe(p1, { host: '127.0.0.2' }), 'dst2');
    assert.equal(await probe(p1, { host: '127.0.0.1' }), 'lo8');
    assert.equal(await probe(p1, { host: '127.0.0.3' }), 'lo8');
    assert.equal(counter(env.store, `listener.127.0.0.1_${p1}.downstream_cx_total`), 4);
    assert.equal(counter(env.store, `listener.127.0.0.1_${p1}.no_filter_chain_match`), 0);
  } finally {
    await env.close();
  }
});

test('no matching chain closes the connection and counts no_filter_chain_match; default chain catches it', async () => {
  const env = newEnv();
  try {
    await addListener(env, {
      name: 'strict',
      address: sa('127.0.0.1', 0),
      filter_chains: [namedChain('tls-only', { transport_protocol: 'tls' })],
    });
    const port = env.lm.boundAddress('strict')!.port;
    assert.equal(await probe(port, { payload: 'hello' }), '');
    assert.equal(counter(env.store, 'listener.127.0.0.1_0.no_filter_chain_match'), 1);
    assert.equal(counter(env.store, 'listener.127.0.0.1_0.downstream_cx_total'), 0);

    await addListener(env, {
      name: 'strict',
      address: sa('127.0.0.1', 0),
      filter_chains: [namedChain('tls-only', { transport_protocol: 'tls' })],
      default_filter_chain: namedChain('fallback'),
    });
    assert.equal(await probe(port, { payload: 'hello' }), 'fallback');
  } finally {
    await env.close();
  }
});

test('tls_inspector: SNI exact / wildcard / none, transport protocol and ALPN from a real ClientHello', async () => {
  const env = newEnv();
  try {
    await addListener(env, {
      name: 'sni',
      address: sa('127.0.0.1', 0),
      listener_filters: [TLS_INSPECTOR],
      filter_chains: [
        namedChain('exact', { server_names: ['api.example.com'] }),
        namedChain('wild', { server_names: ['*.example.com'] }),
        namedChain('h2', { transport_protocol: 'tls', application_protocols: ['h2'] }),
        namedChain('tls', { transport_protocol: 'tls' }),
        namedChain('raw', { transport_protocol: 'raw_buffer' }),
      ],
    });
    const port = env.lm.boundAddress('sni')!.port;
    assert.equal(await probe(port, { payload: await captureClientHello({ servername: 'api.example.com' }) }), 'exact');
    assert.equal(await probe(port, { payload: await captureClientHello({ servername: 'www.example.com' }) }), 'wild');
    assert.equal(await probe(port, { payload: await captureClientHello({ servername: 'other.org', ALPNProtocols: ['h2', 'http/1.1'] }) }), 'h2');
    assert.equal(await probe(port, { payload: await captureClientHello({ servername: 'other.org' }) }), 'tls');
    assert.equal(await probe(port, { payload: 'GET / HTTP/1.1\r\n\r\n' }), 'raw');
    assert.equal(counter(env.store, 'tls_inspector.tls_found'), 4);
    assert.equal(counter(env.store, 'tls_inspector.sni_found'), 4);
    assert.equal(counter(env.store, 'tls_inspector.alpn_found'), 1);
    assert.equal(counter(env.store, 'tls_inspector.tls_not_found'), 1);
  } finally {
    await env.close();
  }
});

test('http_inspector: application protocol for HTTP/1.0, HTTP/1.1 and the h2c preface; others undetected', async () => {
  const env = newEnv();
  try {
    await addListener(env, {
      name: 'http',
      address: sa('127.0.0.1', 0),
      listener_filters: [TLS_INSPECTOR, HTTP_INSPECTOR],
      filter_chains: [
        namedChain('h10', { application_protocols: ['http/1.0'] }),
        namedChain('h11', { application_protocols: ['http/1.1'] }),
        namedChain('h2c', { application_protocols: ['h2c'] }),
        namedChain('other'),
      ],
    });
    const port = env.lm.boundAddress('http')!.port;
    assert.equal(await probe(port, { payload: 'GET /x HTTP/1.0\r\n\r\n' }), 'h10');
    assert.equal(await probe(port, { payload: 'POST /a?b=c HTTP/1.1\r\nhost: x\r\n\r\n' }), 'h11');
    assert.equal(await probe(port, { payload: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' }), 'h2c');
    assert.equal(await probe(port, { payload: 'SSH-2.0-OpenSSH\r\n' }), 'other');
    assert.equal(await probe(port, { payload: 'GET / HTTP/2.0\r\n\r\n' }), 'other');
    assert.equal(counter(env.store, 'http_inspector.http10_found'), 1);
    assert.equal(counter(env.store, 'http_inspector.http11_found'), 1);
    assert.equal(counter(env.store, 'http_inspector.http2_found'), 1);
    assert.equal(counter(env.store, 'http_inspector.http_not_found'), 2);
  } finally {
    await env.close();
  }
});

test('http_inspector waits for a request line split over several packets', async () => {
  const env = newEnv();
  try {
    await addListener(env, {
      name: 'http',
      address: sa('127.0.0.1', 0),
      listener_filters: [HTTP_INSPECTOR],
      filter_chains: [namedChain('h11', { application_protocols: ['http/1.1'] }), namedChain('other')],
    });
    const port = env.lm.boundAddress('http')!.port;
    const net = await import('node:net');
    const got = await new Promise<string>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      let out = '';
      c.on('connect', () => {
        c.write('GE');
        setTimeout(() => c.write('T /slow HT'), 30);
        setTimeout(() => c.write('TP/1.1\r\n'), 60);
      });
      c.on('data', (d) => (out += d));
      c.on('close', () => resolve(out));
    });
    assert.equal(got, 'h11');
  } finally {
    await env.close();
  }
});

test('source address, source port and source type on loopback', async () => {
  const env = newEnv();
  const srcPort = await freePort('127.0.0.7');
  try {
    await addListener(env, {
      name: 'src',
      address: sa('127.0.0.1', 0),
      filter_chains: [
        namedChain('direct5', { direct_source_prefix_ranges: [{ address_prefix: '127.0.0.5', prefix_len: 32 }] }),
        namedChain('src6', { source_prefix_ranges: [{ address_prefix: '127.0.0.6', prefix_len: 32 }] }),
        namedChain('src7port', { source_prefix_ranges: [{ address_prefix: '127.0.0.7', prefix_len: 32 }], source_ports: [srcPort] }),
        namedChain('src7', { source_prefix_ranges: [{ address_prefix: '127.0.0.7', prefix_len: 32 }] }),
        namedChain('any'),
      ],
    });
    await addListener(env, {
      name: 'type',
      address: sa('127.0.0.1', 0),
      filter_chains: [
        namedChain('src8', { source_prefix_ranges: [{ address_prefix: '127.0.0.8', prefix_len: 32 }] }),
        namedChain('local', { source_type: 'SAME_IP_OR_LOOPBACK' }),
        namedChain('external', { source_type: 'EXTERNAL', source_prefix_ranges: [{ address_prefix: '127.0.0.8', prefix_len: 32 }] }),
      ],
    });
    const typePort = env.lm.boundAddress('type')!.port;
    const port = env.lm.boundAddress('src')!.port;
    assert.equal(await probe(port, { localAddress: '127.0.0.5' }), 'direct5');
    assert.equal(await probe(port, { localAddress: '127.0.0.6' }), 'src6');
    assert.equal(await probe(port, { localAddress: '127.0.0.7' }), 'src7');
    const net = await import('node:net');
    const viaPort = await new Promise<string>((resolve) => {
      let out = '';
      const c = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.7', localPort: srcPort });
      c.on('data', (d) => (out += d));
      c.on('error', () => undefined);
      c.on('close', () => resolve(out));
    });
    assert.equal(viaPort, 'src7port');
    assert.equal(await probe(port, { localAddress: '127.0.0.9' }), 'any');
    // source_type is narrowed before source ranges: a loopback peer is SAME_IP_OR_LOOPBACK, so
    // the chain naming that type wins over the ANY-type chain naming the peer's exact address.
    assert.equal(await probe(typePort, { localAddress: '127.0.0.8' }), 'local');
    assert.equal(await probe(typePort, { localAddress: '127.0.0.9' }), 'local');
  } finally {
    await env.close();
  }
});

test('IPv6 listener with ipv4_compat serves both families; prefix ranges per family', async () => {
  const env = newEnv();
  try {
    await addListener(env, {
      name: 'v6',
      address: { socket_address: { address: '::', port_value: 0, ipv4_compat: true } },
      filter_chains: [
        namedChain('v4', { prefix_ranges: [{ address_prefix: '127.0.0.0', prefix_len: 8 }] }),
        namedChain('v6', { prefix_ranges: [{ address_prefix: '::1', prefix_len: 128 }] }),
      ],
    });
    const port = env.lm.boundAddress('v6')!.port;
    assert.equal(await probe(port, { host: '::1' }), 'v6');
    assert.equal(await probe(port, { host: '127.0.0.1' }), 'v4');
  } finally {
    await env.close();
  }
});

test('config errors carry field paths and change nothing', async () => {
  const env = newEnv();
  try {
    const bad = await env.lm.addOrUpdateListener(
      decodeListener({
        name: 'dup',
        address: sa('127.0.0.1', 0),
        filter_chains: [namedChain('a', { destination_port: 8080 }), namedChain('b', { destination_port: 8080 })],
      }),
    );
    assert.equal(bad.ok, false);
    assert.deepEqual(!bad.ok && bad.errors.map((e) => `${e.path}: ${e.message}`), ['filter_chains[1].filter_chain_match: multiple filter chains with the same matching rules are defined']);
    assert.equal(env.lm.get('dup'), undefined);
    const unknownFilter = await env.lm.addOrUpdateListener(
      decodeListener({
        name: 'x',
        address: sa('127.0.0.1', 0),
        filter_chains: [{ filters: [{ name: 'nope', typed_config: { '@type': 'type.googleapis.com/google.protobuf.Struct', value: {} } }] }],
      }),
    );
    assert.equal(unknownFilter.ok, false);
    assert.match(!unknownFilter.ok ? unknownFilter.errors[0].path : '', /^filter_chains\[0\]\.filters\[0\]\.typed_config$/);
    const badTcp = await env.lm.addOrUpdateListener(
      decodeListener({
        name: 'y',
        address: sa('127.0.0.1', 0),
        filter_chains: [{ filters: [{ name: 'tcp', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 's' } }] }],
      }),
    );
    assert.deepEqual(!badTcp.ok && badTcp.errors.map((e) => e.path), ['filter_chains[0].filters[0].typed_config.cluster_specifier']);
    assert.equal(counter(env.store, 'listener_manager.listener_create_failure'), 3);
  } finally {
    await env.close();
  }
});
