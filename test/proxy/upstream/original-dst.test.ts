import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { ResetReason } from '../../../proxy/http/codec-types';
import { ClusterManagerImpl } from '../../../proxy/upstream/cluster-manager';
import { Http1ConnectionPool, http1PoolFactory, Http1PoolConnection, UpstreamStreamHandler } from '../../../proxy/upstream/http1-pool';
import { createStatsStore } from '../../../proxy/stats/stats-store';
import type { HostImpl } from '../../../proxy/upstream/host';
import { config, gauge, until } from './helpers';

class Probe implements UpstreamStreamHandler {
  conn: Http1PoolConnection | undefined;
  failure: ResetReason | undefined;
  onPoolReady(conn: Http1PoolConnection): void {
    this.conn = conn;
  }
  onPoolFailure(reason: ResetReason): void {
    this.failure = reason;
  }
  onUpstreamHeaders(): void {}
  onUpstreamData(): void {}
  onUpstreamComplete(): void {}
  onUpstreamReset(): void {}
  onUpstreamDrain(): void {}
}

test('ORIGINAL_DST: host from the original destination, source address bound, idle hosts cleaned', async () => {
  const peers: string[] = [];
  const server = net.createServer((s) => {
    peers.push(s.remoteAddress ?? '');
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const store = createStatsStore();
  const cm = new ClusterManagerImpl({ stats: store, pools: { http1: http1PoolFactory } });
  try {
    cm.addOrUpdateCluster(
      config({
        name: 'InboundPassthroughCluster',
        type: 'ORIGINAL_DST',
        lb_policy: 'CLUSTER_PROVIDED',
        connect_timeout: '1s',
        cleanup_interval: '0.1s',
        upstream_bind_config: { source_address: { address: '127.0.0.6', port_value: 0 } },
        original_dst_lb_config: { use_http_header: true },
      }),
    );
    await cm.initialize();
    const c = cm.get('InboundPassthroughCluster')!;
    assert.equal(c.chooseHost(undefined), undefined, 'no original destination: no host');
    const ctx = { originalDestination: { ip: '127.0.0.1', port } };
    const h = c.chooseHost(ctx)!;
    assert.equal(h.addressString, `127.0.0.1:${port}`);
    assert.equal(c.chooseHost(ctx), h, 'the same destination reuses its host');
    assert.equal(gauge(store, 'cluster.InboundPassthroughCluster.membership_total'), 1);

    const probe = new Probe();
    const pool = c.connectionPool(h) as Http1ConnectionPool;
    assert.equal(c.connectionPool(h), pool, 'one pool per host');
    pool.newStream(probe);
    await until(() => probe.conn !== undefined || probe.failure !== undefined, 2000, 'connection');
    assert.equal(probe.failure, undefined);
    await until(() => peers.length === 1, 2000, 'server saw the connection');
    assert.equal(peers[0], '127.0.0.6', 'upstream_bind_config source address');

    // The header overrides the connection's destination.
    const viaHeader = c.chooseHost({ originalDestination: { ip: '127.0.0.1', port: 1 }, requestHeader: (n: string) => (n === 'x-envoy-original-dst-host' ? `127.0.0.1:${port + 1}` : undefined) });
    assert.equal(viaHeader!.addressString, `127.0.0.1:${port + 1}`);
    assert.equal(c.allHosts().length, 2);
    // Hosts idle for a cleanup interval go away (the busy one stays while its connection lives).
    await until(() => c.allHosts().length === 1, 2000, 'cleanup');
    assert.equal(c.allHosts()[0], h);
    pool.destroy();
    await until(() => c.allHosts().length === 0, 2000, 'cleanup after close');
    assert.equal((h as HostImpl).httpPool, null, 'the removed host’s pool was released');
  } finally {
    cm.shutdown(true);
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('ORIGINAL_DST: upstream_port_override and IPv6 destinations', async () => {
  const cm = new ClusterManagerImpl({ pools: { http1: http1PoolFactory } });
  try {
    cm.addOrUpdateCluster(config({ name: 'od', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', original_dst_lb_config: { upstream_port_override: 8443 } }));
    const c = cm.get('od')!;
    assert.equal(c.chooseHost({ originalDestination: { ip: '10.1.2.3', port: 80 } })!.addressString, '10.1.2.3:8443');
    assert.equal(c.chooseHost({ originalDestination: { ip: '::1', port: 80 } })!.addressString, '[::1]:8443');
  } finally {
    cm.shutdown();
  }
});
