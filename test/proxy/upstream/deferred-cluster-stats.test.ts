// A cluster's traffic, circuit-breaker and rare stats are created on first use, with the store
// standing in for them meanwhile: /stats in every format must read exactly as when they are created
// up front (as Envoy does), before and after traffic, across an update and after removal.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Canonical } from '../../../proxy/config/canonical';
import { renderPrometheus } from '../../../proxy/stats/render-prometheus';
import { renderStatsJson } from '../../../proxy/stats/render-json';
import { renderStatsText } from '../../../proxy/stats/render-text';
import { DEFAULT_STATS_PARAMS, parseStatsParams } from '../../../proxy/stats/stats-params';
import { createStatsStore, StatsStore } from '../../../proxy/stats/stats-store';
import type { StatsScope } from '../../../proxy/stats/types';
import type { ClusterConfig } from '../../../proxy/upstream/cluster-config';
import { ClusterManagerImpl } from '../../../proxy/upstream/cluster-manager';
import type { ClusterImpl } from '../../../proxy/upstream/cluster-impl';
import { config, counter, endpoint, gauge, recordingPools, staticCluster, until } from './helpers';

/** A scope the store does not recognise as its own: nothing can be deferred through it. */
function opaque(s: StatsScope): StatsScope {
  return {
    get prefix() {
      return s.prefix;
    },
    counter: (n) => s.counter(n),
    gauge: (n) => s.gauge(n),
    histogram: (n) => s.histogram(n),
    textReadout: (n) => s.textReadout(n),
    scope: (p) => opaque(s.scope(p)),
    release: () => s.release(),
  };
}

function pair(): { lazy: { cm: ClusterManagerImpl; store: StatsStore }; eager: { cm: ClusterManagerImpl; store: StatsStore } } {
  const a = createStatsStore();
  const b = createStatsStore();
  return {
    lazy: { cm: new ClusterManagerImpl({ stats: a, pools: { http1: recordingPools } }), store: a },
    eager: { cm: new ClusterManagerImpl({ stats: opaque(b), pools: { http1: recordingPools } }), store: b },
  };
}

function assertSameOutput(a: StatsStore, b: StatsStore, what: string): void {
  for (const q of ['', 'usedonly', 'filter=upstream_rq', 'type=Histograms']) {
    const p = q === '' ? DEFAULT_STATS_PARAMS : (parseStatsParams(q) as { ok: true; value: typeof DEFAULT_STATS_PARAMS }).value;
    assert.equal(renderStatsText(a, p), renderStatsText(b, p), `${what}: text ?${q}`);
    assert.equal(renderStatsJson(a, p), renderStatsJson(b, p), `${what}: json ?${q}`);
    assert.equal(renderPrometheus(a, p), renderPrometheus(b, p), `${what}: prometheus ?${q}`);
  }
}

const svc = (extra: object = {}): object => staticCluster('outbound|80||svc.ns.svc.cluster.local', [endpoint('127.0.0.1', 8080)], extra);

describe('deferred cluster stats', () => {
  test('a new cluster reads the same as with every stat created up front, with far fewer stored', () => {
    const { lazy, eager } = pair();
    lazy.cm.addOrUpdateCluster(config(svc()));
    eager.cm.addOrUpdateCluster(config(svc()));
    assertSameOutput(lazy.store, eager.store, 'fresh cluster');
    assert.ok(lazy.store.size * 2 < eager.store.size, `${lazy.store.size} stored vs ${eager.store.size}`);
    assert.equal(counter(lazy.store, 'cluster.outbound|80||svc.ns.svc.cluster.local.upstream_rq_total'), 0);
    assert.equal(gauge(lazy.store, 'cluster.outbound|80||svc.ns.svc.cluster.local.circuit_breakers.default.rq_open'), 0);
  });

  test('first use creates each group with its values; output still matches', () => {
    const { lazy, eager } = pair();
    for (const side of [lazy, eager]) {
      side.cm.addOrUpdateCluster(config(svc()));
      const info = side.cm.get('outbound|80||svc.ns.svc.cluster.local')!.info;
      info.trafficStats.upstream_rq_total.inc();
      info.trafficStats.upstream_rq_time.recordValue(12);
      info.trafficStats.chargeResponse(200);
      info.resources.default.requests.inc();
      info.clusterStats.lb_healthy_panic.inc();
    }
    assertSameOutput(lazy.store, eager.store, 'after traffic');
    assert.equal(counter(lazy.store, 'cluster.outbound|80||svc.ns.svc.cluster.local.upstream_rq_total'), 1);
    assert.equal(counter(lazy.store, 'cluster.outbound|80||svc.ns.svc.cluster.local.lb_healthy_panic'), 1);
    assert.equal(gauge(lazy.store, 'cluster.outbound|80||svc.ns.svc.cluster.local.circuit_breakers.default.rq_open'), 0);
    // A settings change builds a new ClusterInfo: the stats keep their values, as in Envoy.
    for (const s of [lazy, eager]) s.cm.addOrUpdateCluster(config(svc({ connect_timeout: '2s' })));
    assertSameOutput(lazy.store, eager.store, 'after an update');
    assert.equal(counter(lazy.store, 'cluster.outbound|80||svc.ns.svc.cluster.local.upstream_rq_total'), 1);
    for (const s of [lazy, eager]) s.cm.removeCluster('outbound|80||svc.ns.svc.cluster.local');
    assertSameOutput(lazy.store, eager.store, 'after removal');
    assert.equal([...lazy.store.counters(), ...lazy.store.gauges()].filter((m) => m.name.includes('svc.ns')).length, 0);
  });

  test('an updated cluster that never saw traffic keeps standing in once, not twice', () => {
    const { lazy, eager } = pair();
    for (const s of [lazy, eager]) {
      s.cm.addOrUpdateCluster(config(svc()));
      s.cm.addOrUpdateCluster(config(svc({ connect_timeout: '3s' })));
    }
    assertSameOutput(lazy.store, eager.store, 'updated without traffic');
  });

  // An API-added EDS cluster whose settings change warms a new ClusterInfo (B) while the old one
  // (A) keeps serving. Both start with their groups deferred; whichever sees traffic first creates
  // them, and the values must survive A's retirement when B finishes warming.
  const X = 'x';
  const eds = (extra: object = {}): ClusterConfig =>
    config({ name: X, type: 'EDS', connect_timeout: '1s', eds_cluster_config: { service_name: X, eds_config: { ads: {} } }, ...extra });
  const cla = (port: number): Canonical => ({ cluster_name: X, endpoints: [{ lb_endpoints: [endpoint('127.0.0.1', port)] }] }) as Canonical;
  async function activeThenWarming(cm: ClusterManagerImpl): Promise<{ a: ClusterImpl; b: ClusterImpl }> {
    cm.addOrUpdateCluster(eds(), { addedViaApi: true, versionInfo: 'v1' });
    cm.updateEndpoints(cla(8080));
    await until(() => cm.get(X) !== undefined, 1000, 'v1 warmed');
    const a = cm.get(X)!;
    assert.equal(cm.addOrUpdateCluster(eds({ connect_timeout: '2s' }), { addedViaApi: true, versionInfo: 'v2' }), 'updated');
    const b = [...cm.warmingClusters()][0];
    assert.ok(b !== undefined && b !== a && b.info !== a.info, 'v2 warms a new ClusterInfo');
    assert.equal(cm.get(X), a, 'v1 keeps serving');
    return { a, b };
  }
  async function finishWarming(cm: ClusterManagerImpl, a: ClusterImpl): Promise<void> {
    cm.updateEndpoints(cla(8081));
    await until(() => cm.get(X) !== a, 1000, 'v2 warmed');
  }
  const statName = (n: string): string => `cluster.${X}.${n}`;
  /** Counts on every deferred group of `c`: traffic, rare cluster stats, circuit breakers. */
  function use(c: ClusterImpl, n: number): void {
    for (let i = 0; i < n; i++) {
      c.info.trafficStats.upstream_rq_total.inc();
      c.info.trafficStats.upstream_rq_time.recordValue(7);
      c.info.clusterStats.lb_healthy_panic.inc();
    }
    c.info.resources.default.requests.inc();
  }

  for (const [what, first] of [
    ['the serving version counts first', 'a'],
    ['the warming version counts first', 'b'],
  ] as const) {
    test(`stats survive an update that warms: ${what}`, async () => {
      const { lazy, eager } = pair();
      const sides = [lazy, eager];
      const v = await Promise.all(sides.map((s) => activeThenWarming(s.cm)));
      for (const { a, b } of v) use(first === 'a' ? a : b, 2);
      for (const s of sides) assert.equal(counter(s.store, statName('upstream_rq_total')), 2);
      assertSameOutput(lazy.store, eager.store, `${what}: while warming`);
      await Promise.all(sides.map((s, i) => finishWarming(s.cm, v[i].a)));
      for (const s of sides) {
        assert.equal(counter(s.store, statName('upstream_rq_total')), 2, 'the counts survive the old version’s retirement');
        assert.equal(counter(s.store, statName('lb_healthy_panic')), 2);
      }
      assertSameOutput(lazy.store, eager.store, `${what}: warmed`);
      sides.forEach((s, i) => {
        const active = s.cm.get(X)!;
        assert.equal(active, v[i].b);
        use(active, 1);
        assert.equal(counter(s.store, statName('upstream_rq_total')), 3);
        assert.equal(counter(s.store, statName('lb_healthy_panic')), 3);
      });
      assertSameOutput(lazy.store, eager.store, `${what}: after warming`);
      for (const s of [lazy, eager]) s.cm.removeCluster(X);
      assertSameOutput(lazy.store, eager.store, `${what}: after removal`);
      assert.equal([...lazy.store.counters(), ...lazy.store.gauges(), ...lazy.store.histograms()].filter((m) => m.name.startsWith(`cluster.${X}.`)).length, 0);
      for (const s of [lazy, eager]) s.cm.shutdown();
    });
  }

  test('stats survive an update that warms: both versions count, then a third version replaces the warming one', async () => {
    const { lazy, eager } = pair();
    for (const side of [lazy, eager]) {
      const { a, b } = await activeThenWarming(side.cm);
      use(a, 1);
      use(b, 2);
      assert.equal(counter(side.store, statName('upstream_rq_total')), 3);
      // v3 supersedes the warming v2 (retired at once), then warms and replaces v1.
      side.cm.addOrUpdateCluster(eds({ connect_timeout: '3s' }), { addedViaApi: true, versionInfo: 'v3' });
      assert.equal(counter(side.store, statName('upstream_rq_total')), 3);
      await finishWarming(side.cm, a);
      assert.equal(counter(side.store, statName('upstream_rq_total')), 3);
      assert.equal(counter(side.store, statName('lb_healthy_panic')), 3);
    }
    assertSameOutput(lazy.store, eager.store, 'after v3 warmed');
    for (const s of [lazy, eager]) s.cm.shutdown();
  });

  test('stats rejected by stats_matcher are not stood in for', () => {
    const a = createStatsStore({ stats_matcher: { exclusion_list: { patterns: [{ suffix: 'upstream_rq_total' }] } } });
    const cm = new ClusterManagerImpl({ stats: a, pools: { http1: recordingPools } });
    cm.addOrUpdateCluster(config(svc()));
    assert.equal(counter(a, 'cluster.outbound|80||svc.ns.svc.cluster.local.upstream_rq_total'), undefined);
    assert.equal(counter(a, 'cluster.outbound|80||svc.ns.svc.cluster.local.upstream_rq_completed'), 0);
  });

  test("with an inclusion list (Istio's, regex and all) stand-ins read as eager stats, render after render", () => {
    const matcher = { stats_matcher: { inclusion_list: { patterns: [{ prefix: 'cluster_manager' }, { suffix: 'rq_pending_open' }, { safe_regex: { regex: '.*\\|\\|b\\..*upstream_rq_(total|timeout)' } }] } } };
    const a = createStatsStore(matcher);
    const b = createStatsStore(matcher);
    const lazy = new ClusterManagerImpl({ stats: a, pools: { http1: recordingPools } });
    const eager = new ClusterManagerImpl({ stats: opaque(b), pools: { http1: recordingPools } });
    const named = (n: string): object => staticCluster(`outbound|80||${n}.ns`, [endpoint('127.0.0.1', 8080)]);
    for (const cm of [lazy, eager]) cm.addOrUpdateCluster(config(named('a')));
    assertSameOutput(a, b, 'first render');
    for (const cm of [lazy, eager]) cm.addOrUpdateCluster(config(named('b')));
    assertSameOutput(a, b, 'a cluster added after the first render');
    const text = renderStatsText(a, DEFAULT_STATS_PARAMS);
    assert.match(text, /^cluster\.outbound\|80\|\|b\.ns\.upstream_rq_timeout: 0$/m);
    assert.match(text, /^cluster\.outbound\|80\|\|a\.ns\.circuit_breakers\.default\.rq_pending_open: 0$/m);
    assert.doesNotMatch(text, /a\.ns\.upstream_rq_total/);
    for (const cm of [lazy, eager]) cm.get('outbound|80||b.ns')!.info.trafficStats.upstream_rq_total.inc();
    assertSameOutput(a, b, 'after first use');
    assert.match(renderStatsText(a, DEFAULT_STATS_PARAMS), /^cluster\.outbound\|80\|\|b\.ns\.upstream_rq_total: 1$/m);
  });
});
