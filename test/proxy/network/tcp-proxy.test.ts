// tcp_proxy on real loopback sockets: bulk data both ways under backpressure, half-close and
// reset propagation, idle timeout, ORIGINAL_DST passthrough (with Istio's 127.0.0.6 source),
// BlackHoleCluster, unknown cluster, connect failures with retries, weighted clusters.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import type { CanonicalAny } from '../../../proxy/config/canonical';
import { AcceptedSocket, ListenerFilterStatus } from '../../../proxy/listener/types';
import { socketAddress } from '../../../proxy/network/address';
import { addListener, counter, freePort, gauge, newEnv, RecordingServer, staticCluster, tcpProxyChain, until } from '../listener/harness';

const sa = (a: string, p: number): object => ({ socket_address: { address: a, port_value: p } });

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function closed(s: net.Socket): Promise<{ hadError: boolean; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    let error: NodeJS.ErrnoException | undefined;
    s.on('error', (e) => (error = e));
    // The client is half-open capable: answer the proxy's FIN with ours.
    s.on('end', () => s.end());
    s.once('close', (hadError) => resolve({ hadError, error }));
  });
}

async function proxyTo(cluster: string, extra: object = {}, clusters: object[] = [], opts: object = {}) {
  const env = newEnv(opts, clusters);
  await addListener(env, { name: 'tcp', address: sa('127.0.0.1', 0), filter_chains: [tcpProxyChain('tp', cluster, undefined, extra)] });
  return { env, port: env.lm.boundAddress('tcp')!.port };
}

test('streams 16 MiB each way with backpressure on both sides, bytes intact and counted', async () => {
  const SIZE = 16 * 1024 * 1024;
  // The upstream reads slowly at first (backpressure toward the client) and echoes everything.
  const upstream = new RecordingServer((s) => {
    s.pause();
    setTimeout(() => s.resume(), 150);
    s.on('data', (d) => {
      if (!s.write(d)) {
        s.pause();
        s.once('drain', () => s.resume());
      }
    });
    s.on('end', () => s.end());
  });
  const up = await upstream.listen();
  const { env, port } = await proxyTo('echo', {}, [staticCluster('echo', up)]);
  try {
    const c = await connect(port);
    const payload = Buffer.alloc(SIZE);
    for (let i = 0; i < SIZE; i += 4) payload.writeUInt32LE((i * 2654435761) >>> 0, i);
    const sent = createHash('sha256').update(payload).digest('hex');
    const h = createHash('sha256');
    let got = 0;
    const done = new Promise<void>((resolve) => c.on('end', () => resolve()));
    // The client also pauses reading for a while (backpressure toward the upstream).
    c.pause();
    setTimeout(() => c.resume(), 300);
    c.on('data', (d) => {
      got += d.length;
      h.update(d);
    });
    for (let off = 0; off < SIZE; off += 1 << 20) {
      if (!c.write(payload.subarray(off, off + (1 << 20)))) await new Promise((r) => c.once('drain', r));
    }
    c.end();
    await done;
    assert.equal(got, SIZE);
    assert.equal(h.digest('hex'), sent);
    assert.equal(counter(env.store, 'tcp.tp.downstream_cx_rx_bytes_total'), SIZE);
    assert.equal(counter(env.store, 'tcp.tp.downstream_cx_tx_bytes_total'), SIZE);
    assert.equal(counter(env.store, 'cluster.echo.upstream_cx_tx_bytes_total'), SIZE);
    assert.ok(counter(env.store, 'tcp.tp.downstream_flow_control_paused_reading_total')! > 0, 'downstream reads were paused');
    assert.equal(counter(env.store, 'tcp.tp.downstream_flow_control_resumed_reading_total'), counter(env.store, 'tcp.tp.downstream_flow_control_paused_reading_total'));
    c.destroy();
  } finally {
    await env.close();
    await upstream.close();
  }
});

test('half-close: the client FIN reaches the upstream, which can still answer', async () => {
  const upstream = new RecordingServer((s) => {
    s.on('end', () => {
      // The client is done sending; answer after its FIN, then close our side.
      setTimeout(() => s.end('answer after FIN'), 20);
    });
  });
  const up = await upstream.listen();
  const { env, port } = await proxyTo('up', {}, [staticCluster('up', up)]);
  try {
    const c = await connect(port);
    let reply = '';
    c.on('data', (d) => (reply += d));
    const ended = new Promise<void>((r) => c.once('end', () => r()));
    c.end('request');
    await ended;
    assert.equal(reply, 'answer after FIN');
    assert.equal(upstream.bytes(0).toString(), 'request');
    const cl = await closed(c);
    assert.equal(cl.hadError, false);
  } finally {
    await env.close();
    await upstream.close();
  }
});

test('a reset from the upstream reaches the client as a reset, and the other way round', async () => {
  const upstream = new RecordingServer((s, i) => {
    if (i === 0) s.once('data', () => s.resetAndDestroy());
  });
  const up = await upstream.listen();
  const { env, port } = await proxyTo('up', {}, [staticCluster('up', up)]);
  try {
    const c = await connect(port);
    const cl = closed(c);
    c.write('boom');
    const r = await cl;
    assert.equal(r.error?.code, 'ECONNRESET');

    const c2 = await connect(port);
    await until(() => upstream.sockets.length === 2);
    const upSide = closed(upstream.sockets[1]);
    c2.write('x');
    await until(() => upstream.bytes(1).length === 1);
    c2.resetAndDestroy();
    const r2 = await upSide;
    assert.equal(r2.error?.code, 'ECONNRESET');
  } finally {
    await env.close();
    await upstream.close();
  }
});

test('idle_timeout closes an idle connection and counts idle_timeout', async () => {
  const upstream = new RecordingServer();
  const up = await upstream.listen();
  const { env, port } = await proxyTo('up', { idle_timeout: '0.2s' }, [staticCluster('up', up)]);
  try {
    const c = await connect(port);
    const t0 = Date.now();
    c.write('keep');
    await new Promise((r) => setTimeout(r, 120));
    c.write('alive');
    await closed(c);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 300, `closed after ${elapsed} ms`);
    assert.ok(elapsed < 1500, `closed after ${elapsed} ms`);
    assert.equal(counter(env.store, 'tcp.tp.idle_timeout'), 1);
    await until(() => gauge(env.store, 'cluster.up.upstream_cx_active') === 0);
  } finally {
    await env.close();
    await upstream.close();
  }
});

test('BlackHoleCluster (no endpoints) and an unknown cluster close the connection', async () => {
  const blackhole = { name: 'BlackHoleCluster', type: 'STATIC', connect_timeout: '1s' };
  const { env, port } = await proxyTo('BlackHoleCluster', {}, [blackhole]);
  try {
    const c = await connect(port);
    c.write('anyone?');
    const r = await closed(c);
    assert.equal(r.hadError, false);
    assert.equal(counter(env.store, 'cluster.BlackHoleCluster.upstream_cx_none_healthy'), 1);
    await addListener(env, { name: 'nr', address: sa('127.0.0.2', 0), filter_chains: [tcpProxyChain('nr', 'missing')] });
    const c2 = net.connect(env.lm.boundAddress('nr')!.port, '127.0.0.2');
    await closed(c2);
    assert.equal(counter(env.store, 'tcp.nr.downstream_cx_no_route'), 1);
  } finally {
    await env.close();
  }
});

test('connect failures count upstream_cx_connect_fail, retry up to max_connect_attempts, then close', async () => {
  const dead = await freePort();
  const { env, port } = await proxyTo('dead', { max_connect_attempts: 3 }, [staticCluster('dead', dead)]);
  try {
    const c = await connect(port);
    await closed(c);
    assert.equal(counter(env.store, 'cluster.dead.upstream_cx_connect_fail'), 3);
    assert.equal(counter(env.store, 'cluster.dead.upstream_cx_total'), 3);
    assert.equal(gauge(env.store, 'cluster.dead.upstream_cx_active'), 0);
  } finally {
    await env.close();
  }
});

test('weighted_clusters spread connections by weight', async () => {
  const a = new RecordingServer((s) => s.end('a'));
  const b = new RecordingServer((s) => s.end('b'));
  const pa = await a.listen();
  const pb = await b.listen();
  const { env, port } = await proxyTo('unused', {}, [staticCluster('a', pa), staticCluster('b', pb)]);
  try {
    await addListener(env, {
      name: 'w',
      address: sa('127.0.0.2', 0),
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.tcp_proxy',
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
                stat_prefix: 'w',
                weighted_clusters: { clusters: [{ name: 'a', weight: 1 }, { name: 'b', weight: 3 }] },
              },
            },
          ],
        },
      ],
    });
    const wport = env.lm.boundAddress('w')!.port;
    const counts: Record<string, number> = { a: 0, b: 0 };
    for (let i = 0; i < 80; i++) {
      const got = await new Promise<string>((resolve) => {
        let out = '';
        const s = net.connect(wport, '127.0.0.2');
        s.on('data', (d) => (out += d));
        s.on('error', () => undefined);
        s.on('close', () => resolve(out));
      });
      counts[got]++;
    }
    assert.equal(counts.a + counts.b, 80);
    assert.ok(counts.a >= 5 && counts.a <= 40, JSON.stringify(counts));
    assert.ok(counts.b > counts.a, JSON.stringify(counts));
    void port;
  } finally {
    await env.close();
    await a.close();
    await b.close();
  }
});

test('ORIGINAL_DST clusters connect to the original destination; InboundPassthrough binds 127.0.0.6', async () => {
  const upstream = new RecordingServer((s) => s.end(`${s.remoteAddress}`));
  const up = await upstream.listen();
  const env = newEnv({}, [
    { name: 'PassthroughCluster', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: '1s' },
    {
      name: 'InboundPassthroughClusterIpv4',
      type: 'ORIGINAL_DST',
      lb_policy: 'CLUSTER_PROVIDED',
      connect_timeout: '1s',
      upstream_bind_config: { source_address: { address: '127.0.0.6', port_value: 0 } },
    },
  ]);
  // Stands in for iptables: restores the original destination to the upstream's address.
  env.registry.register({
    category: 'listener_filter',
    name: 'test.set_original_dst',
    configTypes: ['google.protobuf.StringValue'],
    create: (c: CanonicalAny) => ({
      name: 'test.set_original_dst',
      maxReadBytes: 0,
      onAccept(s: AcceptedSocket) {
        const [ip, p] = String(c.value).split(':');
        s.localAddress = s.originalDestination = socketAddress(ip, Number(p));
        s.localAddressRestored = true;
        return ListenerFilterStatus.Continue;
      },
    }),
  });
  const setDst = { name: 'set', typed_config: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: `127.0.0.1:${up}` } };
  try {
    await addListener(env, { name: 'out', address: sa('127.0.0.1', 0), listener_filters: [setDst], filter_chains: [tcpProxyChain('PassthroughCluster', 'PassthroughCluster')] });
    await addListener(env, { name: 'in', address: sa('127.0.0.2', 0), listener_filters: [setDst], filter_chains: [tcpProxyChain('inbound', 'InboundPassthroughClusterIpv4')] });
    const read = (port: number, host: string): Promise<string> =>
      new Promise((resolve) => {
        let out = '';
        const s = net.connect(port, host);
        s.on('data', (d) => (out += d));
        s.on('close', () => resolve(out));
      });
    assert.equal(await read(env.lm.boundAddress('out')!.port, '127.0.0.1'), '127.0.0.1');
    assert.equal(await read(env.lm.boundAddress('in')!.port, '127.0.0.2'), '127.0.0.6');
    assert.equal(counter(env.store, 'cluster.PassthroughCluster.upstream_cx_total'), 1);
  } finally {
    await env.close();
    await upstream.close();
  }
});
