import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { config, gauge, hosts, manager, staticCluster } from './helpers';

test('limits, open gauges and remaining gauges per priority', () => {
  const { cm, store } = manager();
  cm.addOrUpdateCluster(
    config(
      staticCluster('cb', hosts(1), {
        circuit_breakers: {
          thresholds: [
            { max_connections: 1, max_pending_requests: 3, max_requests: 2, max_retries: 1, track_remaining: true },
            { priority: 'HIGH', max_requests: 7 },
          ],
        },
      }),
    ),
  );
  const r = cm.get('cb')!.info.resources;
  assert.equal(r.high.requests.max, 7);
  assert.equal(r.high.connections.max, 1024);
  assert.equal(gauge(store, 'cluster.cb.circuit_breakers.default.remaining_rq'), 2);
  assert.equal(gauge(store, 'cluster.cb.circuit_breakers.default.rq_open'), 0);
  assert.equal(gauge(store, 'cluster.cb.circuit_breakers.high.remaining_rq'), undefined, 'remaining_* only with track_remaining');
  assert.equal(gauge(store, 'cluster.cb.circuit_breakers.high.rq_open'), 0);
  const rq = r.default.requests;
  assert.ok(rq.canCreate());
  rq.inc();
  assert.equal(gauge(store, 'cluster.cb.circuit_breakers.default.remaining_rq'), 1);
  rq.inc();
  assert.equal(rq.canCreate(), false);
  assert.equal(rq.count, 2);
  assert.equal(gauge(store, 'cluster.cb.circuit_breakers.default.rq_open'), 1);
  assert.equal(gauge(store, 'cluster.cb.circuit_breakers.default.remaining_rq'), 0);
  rq.dec();
  assert.ok(rq.canCreate());
  assert.equal(gauge(store, 'cluster.cb.circuit_breakers.default.rq_open'), 0);
  const cx = r.default.connections;
  cx.inc();
  assert.equal(cx.canCreate(), false);
  assert.equal(gauge(store, 'cluster.cb.circuit_breakers.default.cx_open'), 1);
  const retries = r.default.retries;
  retries.inc();
  assert.equal(retries.canCreate(), false);
  assert.equal(gauge(store, 'cluster.cb.circuit_breakers.default.rq_retry_open'), 1);
  for (const n of ['cx_open', 'cx_pool_open', 'rq_pending_open', 'rq_open', 'rq_retry_open']) {
    assert.notEqual(gauge(store, `cluster.cb.circuit_breakers.default.${n}`), undefined, n);
  }
});

test('retry budget scales with active and pending requests', () => {
  const { cm } = manager();
  cm.addOrUpdateCluster(
    config(staticCluster('rb', hosts(1), { circuit_breakers: { thresholds: [{ retry_budget: { budget_percent: { value: 20 }, min_retry_concurrency: 3 } }] } })),
  );
  const r = cm.get('rb')!.info.resources.default;
  assert.equal(r.retries.max, 3);
  for (let i = 0; i < 50; i++) r.requests.inc();
  for (let i = 0; i < 50; i++) r.pendingRequests.inc();
  assert.equal(r.retries.max, 20);
});

test('defaults are Envoy’s', () => {
  const { cm } = manager();
  cm.addOrUpdateCluster(config(staticCluster('d', hosts(1))));
  const r = cm.get('d')!.info.resources;
  for (const p of [r.default, r.high]) {
    assert.deepEqual([p.connections.max, p.pendingRequests.max, p.requests.max, p.retries.max], [1024, 1024, 1024, 3]);
  }
});

test('without track_remaining the open gauges wait for the first move, and each priority is built when first asked for', () => {
  const { cm, store } = manager();
  const cb = { circuit_breakers: { thresholds: [{ max_requests: 1 }, { priority: 'HIGH', max_requests: 1 }] } };
  cm.addOrUpdateCluster(config(staticCluster('early', hosts(1), cb)));
  cm.addOrUpdateCluster(config(staticCluster('late', hosts(1), cb)));
  // 'early': the high priority is asked for before any limit moved; its move creates the gauges.
  const early = cm.get('early')!.info.resources;
  early.high.requests.inc();
  assert.equal(early.high.requests.canCreate(), false);
  assert.equal(gauge(store, 'cluster.early.circuit_breakers.high.rq_open'), 1);
  assert.equal(gauge(store, 'cluster.early.circuit_breakers.default.rq_open'), 0);
  // Its default priority is built only now, after the gauges exist, and writes its gauge at once.
  early.default.requests.inc();
  assert.equal(gauge(store, 'cluster.early.circuit_breakers.default.rq_open'), 1);
  // 'late': the default priority moves first (gauges created), the high one is built afterwards
  // and writes its gauge at once.
  const late = cm.get('late')!.info.resources;
  late.default.requests.inc();
  assert.equal(gauge(store, 'cluster.late.circuit_breakers.default.rq_open'), 1);
  assert.equal(late.high.requests.max, 1);
  late.high.requests.inc();
  assert.equal(gauge(store, 'cluster.late.circuit_breakers.high.rq_open'), 1);
  late.high.requests.dec();
  assert.equal(gauge(store, 'cluster.late.circuit_breakers.high.rq_open'), 0);
  assert.equal(late.high, late.high, 'built once');
});

test('a cluster no request has used holds no limits until one is asked for', () => {
  const { cm, store } = manager();
  cm.addOrUpdateCluster(config(staticCluster('idle', hosts(1))));
  const res = cm.get('idle')!.info.resources as unknown as { defaultLimits: unknown; highLimits: unknown; gauges: unknown };
  assert.deepEqual([res.defaultLimits, res.highLimits, res.gauges], [undefined, undefined, undefined]);
  assert.equal(gauge(store, 'cluster.idle.circuit_breakers.default.rq_open'), 0, 'the store still shows the gauge, as zero');
  assert.equal(cm.get('idle')!.info.resources.default.requests.max, 1024);
  assert.notEqual(res.defaultLimits, undefined);
  assert.equal(res.highLimits, undefined);
});
