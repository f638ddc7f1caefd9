// Deferred stat groups: a scope's group reads as zero-valued stats until created, each group is
// created and dropped on its own, a released scope stops standing in, and an existing group (from
// an earlier scope of the same name) is not deferred again.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';

import { createStatsStore, deferStats, undeferStats, type DeferredStatNames } from '../../../proxy/stats/stats-store';
import { parseStatsParams, type StatsParams } from '../../../proxy/stats/stats-params';
import { renderStatsText } from '../../../proxy/stats/render-text';

const A: DeferredStatNames = { counters: ['a_total'], gauges: ['a_active'], histograms: ['a_ms'] };
const B: DeferredStatNames = { counters: ['b_total'], gauges: [], histograms: [] };

const names = (it: Iterable<{ name: string }>): string[] => [...it].map((m) => m.name).sort();

describe('deferred stat groups', () => {
  it('stand in as unused zeros, with tags resolved like created ones', () => {
    const store = createStatsStore();
    const scope = store.scope('cluster.backend.');
    assert.equal(deferStats(scope, A), true);
    assert.equal(store.size, 0);
    assert.deepEqual(names(store.counters()), ['cluster.backend.a_total']);
    assert.deepEqual(names(store.gauges()), ['cluster.backend.a_active']);
    assert.deepEqual(names(store.histograms()), ['cluster.backend.a_ms']);
    const c = [...store.counters()][0];
    assert.equal(c.value, 0);
    assert.equal(c.isUsed(), false);
    assert.equal(c.tagExtractedName, 'cluster.a_total');
    assert.deepEqual([...c.tags], ['envoy.cluster_name', 'backend']);
  });

  it('each group is created on its own; created stats are not listed twice', () => {
    const store = createStatsStore();
    const scope = store.scope('cluster.backend.');
    deferStats(scope, A);
    deferStats(scope, B);
    assert.deepEqual(names(store.counters()), ['cluster.backend.a_total', 'cluster.backend.b_total']);
    undeferStats(scope, B);
    scope.counter('b_total').inc();
    assert.deepEqual(names(store.counters()), ['cluster.backend.a_total', 'cluster.backend.b_total']);
    assert.equal([...store.counters()].find((m) => m.name === 'cluster.backend.b_total')!.value, 1);
    scope.counter('a_total').inc(); // created by someone else while still deferred: listed once
    assert.deepEqual(names(store.counters()), ['cluster.backend.a_total', 'cluster.backend.b_total']);
  });

  it('a released scope stops standing in; a group that exists already is not deferred', () => {
    const store = createStatsStore();
    const s1 = store.scope('cluster.backend.');
    deferStats(s1, A);
    s1.release();
    assert.deepEqual(names(store.counters()), []);
    const s2 = store.scope('cluster.backend.');
    s2.counter('a_total').inc();
    const s3 = store.scope('cluster.backend.');
    assert.equal(deferStats(s3, A), false, 'a_total exists: the caller creates the group now and keeps its value');
    assert.equal(deferStats(store, A), false, 'the root scope does not defer');
  });

  it('a newer scope of the same name takes over; the older one releasing does not hide it', () => {
    const store = createStatsStore();
    const old = store.scope('cluster.backend.');
    const neu = store.scope('cluster.backend.');
    deferStats(old, A);
    deferStats(neu, A);
    assert.deepEqual(names(store.counters()), ['cluster.backend.a_total']);
    old.release();
    assert.deepEqual(names(store.counters()), ['cluster.backend.a_total']);
    neu.release();
    assert.deepEqual(names(store.counters()), []);
  });

  it('a group created by one scope is held by every other live scope that deferred it', () => {
    for (const order of ['older creates', 'newer creates'] as const) {
      const store = createStatsStore();
      const old = store.scope('cluster.backend.');
      const neu = store.scope('cluster.backend.');
      deferStats(old, A);
      deferStats(old, B);
      deferStats(neu, A);
      deferStats(neu, B);
      assert.deepEqual(names(store.counters()), ['cluster.backend.a_total', 'cluster.backend.b_total'], `${order}: listed once`);
      const [first, second] = order === 'older creates' ? [old, neu] : [neu, old];
      undeferStats(first, A);
      first.counter('a_total').add(2);
      first.histogram('a_ms').recordValue(5);
      assert.deepEqual(names(store.counters()), ['cluster.backend.a_total', 'cluster.backend.b_total'], `${order}: still listed once`);
      first.release();
      assert.deepEqual(names(store.counters()), ['cluster.backend.a_total', 'cluster.backend.b_total'], `${order}: the other scope keeps both`);
      assert.equal([...store.counters()].find((m) => m.name === 'cluster.backend.a_total')!.value, 2, `${order}: the value survives`);
      assert.deepEqual(names(store.histograms()), ['cluster.backend.a_ms']);
      assert.equal(store.size, 3, `${order}: group A stays created, B still deferred`);
      // The survivor creating the group later takes the same objects.
      undeferStats(second, A);
      second.counter('a_total').inc();
      assert.equal([...store.counters()].find((m) => m.name === 'cluster.backend.a_total')!.value, 3);
      second.release();
      assert.deepEqual(names(store.counters()), [], `${order}: released with the last scope`);
      assert.equal(store.size, 0);
    }
  });

  it('stand-ins and block views are made only for what a read can show; stored stats are always listed', () => {
    const store = createStatsStore();
    const scope = store.scope('cluster.backend.');
    deferStats(scope, A);
    deferStats(scope, B);
    scope.counter('c_total').inc();
    const sel = (q: string): StatsParams => {
      const r = parseStatsParams(q);
      assert.ok(r.ok);
      return r.value;
    };
    assert.deepEqual(names(store.counters(sel('filter=b_'))), ['cluster.backend.b_total', 'cluster.backend.c_total']);
    assert.deepEqual(names(store.counters(sel('usedonly'))), ['cluster.backend.c_total'], 'a stand-in is never used');
    assert.deepEqual(names(store.gauges(sel('usedonly'))), []);
    assert.deepEqual(names(store.histograms(sel('filter=_ms$'))), ['cluster.backend.a_ms']);
    assert.deepEqual(names(store.counters(sel(''))), ['cluster.backend.a_total', 'cluster.backend.b_total', 'cluster.backend.c_total']);
    assert.equal(renderStatsText(store, sel('filter=a_total')), 'cluster.backend.a_total: 0\n');
  });
});
