import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Canonical } from '../../../proxy/config/canonical';
import { createStatsStore } from '../../../proxy/stats/stats-store';
import { ClusterManagerImpl } from '../../../proxy/upstream/cluster-manager';
import type { HostImpl } from '../../../proxy/upstream/host';
import { config, counter, decodeCluster, endpoint, gauge, hosts, manager, RecordingPool, staticCluster, until } from './helpers';

function cla(name: string, eps: object[]): Canonical {
  return { cluster_name: name, endpoints: [{ lb_endpoints: eps }] } as Canonical;
}

test('static clusters: validated together, active at once, stats named by observability name', async () => {
  const { cm, store } = manager();
  const issues = cm.addStaticClusters([
    decodeCluster(staticCluster('a', hosts(2))),
    decodeCluster(staticCluster('a', hosts(1))),
    decodeCluster({ name: 'b', type: 'STATIC', load_assignment: { cluster_name: 'b', endpoints: [{ lb_endpoints: [endpoint('x.example', 1)] }] } }),
  ]);
  assert.deepEqual(
    issues.map((i) => i.path),
    ['static_resources.clusters[1].name', 'static_resources.clusters[2].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address'],
  );
  assert.equal(cm.size, 0, 'nothing is added when any cluster is invalid');
  assert.deepEqual(cm.addStaticClusters([decodeCluster(staticCluster('a', hosts(2), { alt_stat_name: 'alpha' })), decodeCluster(staticCluster('b', hosts(1)))]), []);
  await cm.initialize();
  assert.ok(cm.get('a') && cm.get('b'));
  assert.equal(gauge(store, 'cluster_manager.active_clusters'), 2);
  assert.equal(counter(store, 'cluster_manager.cluster_added'), 2);
  for (const n of ['upstream_rq_total', 'upstream_cx_total', 'upstream_rq_pending_overflow', 'lb_healthy_panic', 'update_success', 'membership_change']) {
    assert.notEqual(counter(store, `cluster.alpha.${n}`), undefined, n);
  }
  for (const n of ['membership_total', 'membership_healthy', 'upstream_rq_active', 'circuit_breakers.default.rq_open', 'max_host_weight']) {
    assert.notEqual(gauge(store, `cluster.alpha.${n}`), undefined, n);
  }
  assert.equal(gauge(store, 'cluster.alpha.membership_total'), 2);
  assert.equal(gauge(store, 'cluster.alpha.membership_healthy'), 2);
  assert.equal(counter(store, 'cluster.alpha.outlier_detection.ejections_active'), undefined, 'outlier stats only when configured');
  cm.shutdown();
});

test('pools: created lazily once per host, kept across endpoint-only updates, drained for removed hosts', () => {
  const { cm, store } = manager();
  assert.equal(cm.addOrUpdateCluster(config(staticCluster('u', hosts(3)))), 'added');
  assert.equal(cm.addOrUpdateCluster(config(staticCluster('u', hosts(3)))), 'unchanged');
  const c1 = cm.get('u')!;
  const [h0, h1, h2] = c1.allHosts();
  const p0 = c1.connectionPool(h0) as RecordingPool;
  const p2 = c1.connectionPool(h2) as RecordingPool;
  assert.equal(c1.connectionPool(h0), p0);
  assert.equal(c1.tcpConnectionPool(h0), undefined, 'no tcp pool factory given');
  h0.stats.rq_total = 7;

  // Endpoints change (host 2 goes, host 3 comes): same ClusterInfo, hosts and pools that stay.
  assert.equal(cm.addOrUpdateCluster(config(staticCluster('u', [...hosts(2), endpoint('127.0.0.1', 10003)]))), 'updated');
  const c2 = cm.get('u')!;
  assert.notEqual(c2, c1);
  assert.equal(c2.info, c1.info);
  assert.equal(c2.allHosts()[0], h0);
  assert.equal(h0.stats.rq_total, 7);
  assert.equal(c2.connectionPool(h0), p0);
  assert.equal(p0.drained, false);
  assert.equal(p2.drained, true, 'the removed host’s pool drains');
  assert.ok(!c2.allHosts().includes(h2));
  assert.equal(c2.allHosts().length, 3);
  assert.equal(counter(store, 'cluster_manager.cluster_modified'), 1);

  // A pool-relevant change: new ClusterInfo, new hosts, every old pool drains.
  cm.addOrUpdateCluster(config(staticCluster('u', hosts(2), { connect_timeout: '3s' })));
  const c3 = cm.get('u')!;
  assert.notEqual(c3.info, c1.info);
  assert.equal(c3.info.connectTimeoutMs, 3000);
  assert.notEqual(c3.allHosts()[0], h0);
  assert.equal(p0.drained, true);
  assert.equal(counter(store, 'cluster.u.upstream_rq_total'), 0, 'stats of the same name survive the swap');
  void h1;

  assert.equal(cm.removeCluster('u'), true);
  assert.equal(cm.get('u'), undefined);
  assert.equal(counter(store, 'cluster_manager.cluster_removed'), 1);
  assert.equal(counter(store, 'cluster.u.upstream_rq_total'), undefined, 'a removed cluster’s stats go');
  assert.equal(cm.removeCluster('u'), false);
});

test('EDS: updateEndpoints keeps hosts that stay, applies health and weights', () => {
  const { cm, store } = manager();
  cm.addOrUpdateCluster(config({ name: 'e', type: 'EDS', connect_timeout: '1s', eds_cluster_config: { service_name: 'svc', eds_config: { ads: {} } } }));
  const c = cm.get('e')!;
  assert.equal(c.allHosts().length, 0);
  assert.equal(c.chooseHost(undefined), undefined);
  let r = cm.updateEndpoints(cla('svc', [endpoint('10.0.0.1', 80), endpoint('10.0.0.2', 80)]));
  assert.ok(r.ok && r.value === 1);
  const [a] = c.allHosts();
  r = cm.updateEndpoints(cla('svc', [endpoint('10.0.0.1', 80, { load_balancing_weight: 5 }), { ...(endpoint('10.0.0.3', 80) as object), health_status: 'DRAINING' }]));
  assert.ok(r.ok);
  assert.equal(c.allHosts()[0], a);
  assert.equal(a.weight, 5);
  const d = c.allHosts()[1];
  assert.equal(d.healthy(), false);
  assert.equal(gauge(store, 'cluster.e.max_host_weight'), 5);
  assert.equal(gauge(store, 'cluster.e.membership_healthy'), 1);
  const bad = cm.updateEndpoints(cla('svc', [endpoint('nope', 80)]));
  assert.equal(bad.ok, false);
  assert.equal(c.allHosts().length, 2, 'a rejected assignment changes nothing');
  assert.ok((counter(store, 'cluster.e.update_failure') ?? 0) >= 1);
  cm.updateEndpoints(cla('svc', []));
  assert.equal(counter(store, 'cluster.e.update_empty'), 1);
  cm.shutdown();
});

test('CDS clusters warm before replacing the serving version', async () => {
  const { cm, store } = manager();
  cm.addOrUpdateCluster(config(staticCluster('w', hosts(1))), { addedViaApi: true, versionInfo: 'v1' });
  await until(() => cm.get('w') !== undefined, 1000, 'static cluster warm');
  const v1 = cm.get('w')!;
  assert.equal(v1.addedViaApi, true);
  // The new version waits for its EDS assignment.
  cm.addOrUpdateCluster(config({ name: 'w', type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: { ads: {} } } }), { addedViaApi: true, versionInfo: 'v2' });
  assert.equal(cm.get('w'), v1, 'the old version keeps serving');
  assert.equal(gauge(store, 'cluster_manager.warming_clusters'), 1);
  cm.updateEndpoints(cla('w', [endpoint('10.9.9.9', 80)]));
  await until(() => cm.get('w') !== v1, 1000, 'warmed');
  assert.equal(cm.get('w')!.versionInfo, 'v2');
  assert.equal(cm.get('w')!.allHosts()[0].addressString, '10.9.9.9:80');
  assert.equal(gauge(store, 'cluster_manager.warming_clusters'), 0);
  assert.equal(gauge(store, 'cluster_manager.active_clusters'), 1);
  cm.shutdown();
});

test('warming ends as initialization does: a STATIC CDS cluster is active on return, a replaced warming version never serves', () => {
  const { cm, store } = manager();
  cm.addOrUpdateCluster(config(staticCluster('s', hosts(1))), { addedViaApi: true, versionInfo: 'v1' });
  assert.equal(cm.get('s')?.versionInfo, 'v1', 'active at once, as Envoy activates an initialized cluster inline');
  const eds = (v: string): object => ({ name: 'e', type: 'EDS', connect_timeout: v, eds_cluster_config: { eds_config: { ads: {} } } });
  cm.addOrUpdateCluster(config(eds('1s')), { addedViaApi: true, versionInfo: 'w1' });
  const w1 = [...cm.warmingClusters()].find((c) => c.name === 'e')!;
  cm.addOrUpdateCluster(config(eds('2s')), { addedViaApi: true, versionInfo: 'w2' });
  assert.equal(gauge(store, 'cluster_manager.warming_clusters'), 1);
  w1.markHostsKnown(); // the replaced version initializing late must not become active
  assert.equal(cm.get('e'), undefined);
  cm.updateEndpoints(cla('e', [endpoint('10.9.9.8', 80)]));
  assert.equal(cm.get('e')?.versionInfo, 'w2', 'the replacement is active as its hosts arrive');
  assert.equal(gauge(store, 'cluster_manager.warming_clusters'), 0);
  assert.equal(gauge(store, 'cluster_manager.active_clusters'), 2);
  cm.shutdown();
});

test('admin view has Envoy’s /clusters shape', () => {
  const cm = new ClusterManagerImpl({ stats: createStatsStore(), pools: { http1: () => new RecordingPool() } });
  cm.addOrUpdateCluster(
    config({
      name: 'v',
      alt_stat_name: 'vee',
      type: 'EDS',
      connect_timeout: '1s',
      eds_cluster_config: { service_name: 'v-svc', eds_config: { ads: {} } },
      outlier_detection: {},
      circuit_breakers: { thresholds: [{ max_connections: 10 }] },
    }),
  );
  cm.updateEndpoints(
    cla('v-svc', [{ ...(endpoint('10.0.0.1', 80) as object), health_status: 'DEGRADED', load_balancing_weight: 2, endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 80 } }, hostname: 'pod-1' } }]),
  );
  const [view] = cm.adminClusters();
  assert.equal(view.name, 'v');
  assert.equal(view.observabilityName, 'vee');
  assert.equal(view.addedViaApi, false);
  assert.equal(view.edsServiceName, 'v-svc');
  assert.deepEqual(view.outlier, { successRateAverage: -1, successRateEjectionThreshold: -1, localOriginSuccessRateAverage: -1, localOriginSuccessRateEjectionThreshold: -1 });
  assert.deepEqual(view.circuitBreakers.default, { maxConnections: 10, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 });
  const h = view.hosts[0];
  assert.deepEqual(h.address, { kind: 'socket', address: '10.0.0.1', port: 80 });
  assert.equal(h.hostname, 'pod-1');
  assert.equal(h.weight, 2);
  assert.equal(h.health.degradedEdsHealth, true);
  assert.equal(h.health.failedEdsHealth, false);
  assert.deepEqual(
    h.stats.map((s) => `${s.name}:${s.type}`),
    ['cx_connect_fail:counter', 'cx_total:counter', 'rq_error:counter', 'rq_success:counter', 'rq_timeout:counter', 'rq_total:counter', 'cx_active:gauge', 'rq_active:gauge'],
  );
  assert.equal(h.successRate, -1);
  const plain = cm.get('v')!.allHosts()[0] as HostImpl;
  assert.equal(plain.priority, 0);
  cm.shutdown();
});
