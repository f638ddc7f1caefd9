// Stat blocks: a fixed layout of counters and gauges stored packed per prefix must read, render,
// share, reset, latch and disappear exactly as the same stats created one by one would.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';

import { renderPrometheus } from '../../../proxy/stats/render-prometheus';
import { renderStatsJson } from '../../../proxy/stats/render-json';
import { renderStatsText } from '../../../proxy/stats/render-text';
import { StatBlockLayout } from '../../../proxy/stats/stat-block-layout';
import type { StatsConfigInput } from '../../../proxy/stats/stats-config';
import { blockCounter, blockGauge, createStatsStore, openStatBlock, REJECTED_BLOCK, type StatsStore } from '../../../proxy/stats/stats-store';
import type { Counter, Gauge, StatsScope } from '../../../proxy/stats/types';
import { params } from './helpers';
import { foreignScope } from '../../support/foreign-scope';

const L = new StatBlockLayout(['attempt', 'success'], ['healthy', 'total']);
const P = 'cluster.outbound|80||svc.ns.svc.cluster.local';

/** A block's stats as the component holding it sees them. */
function opened(scope: StatsScope): { attempt: Counter; success: Counter; healthy: Gauge; total: Gauge } {
  const h = openStatBlock(scope, L);
  assert.notEqual(h, undefined);
  return {
    attempt: blockCounter(scope, L, h!, 0),
    success: blockCounter(scope, L, h!, 1),
    healthy: blockGauge(scope, L, h!, 0),
    total: blockGauge(scope, L, h!, 1),
  };
}

/** The same stats created one by one. */
function eager(scope: StatsScope): ReturnType<typeof opened> {
  return { attempt: scope.counter('attempt'), success: scope.counter('success'), healthy: scope.gauge('healthy'), total: scope.gauge('total') };
}

const value = (it: Iterable<{ name: string; value: number }>, name: string): number | undefined => [...it].find((m) => m.name === name)?.value;
const names = (it: Iterable<{ name: string }>): string[] => [...it].map((m) => m.name).sort();

function assertSameOutput(a: StatsStore, b: StatsStore): void {
  for (const q of ['', 'usedonly', 'filter=total', 'usedonly&filter=svc', 'type=Gauges']) {
    const p = params(q);
    assert.equal(renderStatsText(a, p), renderStatsText(b, p), `text ?${q}`);
    assert.equal(renderStatsJson(a, p), renderStatsJson(b, p), `json ?${q}`);
    assert.equal(renderPrometheus(a, p), renderPrometheus(b, p), `prometheus ?${q}`);
  }
}

/** Two stores, one with the stats in a block and one with them created eagerly, written alike. */
function pair(config?: StatsConfigInput): [StatsStore, StatsStore] {
  const stores: [StatsStore, StatsStore] = [createStatsStore(config), createStatsStore(config)];
  for (const [i, store] of stores.entries()) {
    store.counter('server.live').inc();
    const s = (i === 0 ? opened : eager)(store.scope(`${P}.`));
    s.attempt.add(3);
    s.success.add(0); // used, still zero
    s.total.set(5);
    (i === 0 ? opened : eager)(store.scope('cluster.other.')).healthy.inc();
  }
  return stores;
}

describe('stat blocks', () => {
  it('a read that selects (usedonly, filter) gets views only of the block stats it can show', () => {
    const [store] = pair();
    assert.deepEqual(names(store.counters(params('usedonly'))), [`${P}.attempt`, `${P}.success`, 'server.live']);
    assert.deepEqual(names(store.counters(params(''))), ['cluster.other.attempt', 'cluster.other.success', `${P}.attempt`, `${P}.success`, 'server.live']);
    assert.deepEqual(names(store.gauges(params('filter=other'))), ['cluster.other.healthy', 'cluster.other.total']);
    assert.deepEqual(names(store.gauges(params('usedonly&filter=other'))), ['cluster.other.healthy']);
  });

  it('render exactly as eagerly created stats, with tags', () => {
    const [block, eagerStore] = pair();
    assertSameOutput(block, eagerStore);
    assert.equal(block.size, eagerStore.size);
    assert.match(renderPrometheus(block, params()), /^envoy_cluster_healthy\{envoy_cluster_name="other"\} 1$/m);
    const healthy = [...block.gauges()].find((g) => g.name === 'cluster.other.healthy')!;
    assert.equal(healthy.tagExtractedName, 'cluster.healthy');
    assert.deepEqual([...healthy.tags], ['envoy.cluster_name', 'other']);
  });

  it('render like eager stats under a stats matcher, never showing rejected ones', () => {
    const config: StatsConfigInput = { stats_matcher: { exclusion_list: { patterns: [{ suffix: '.success' }, { prefix: 'cluster.other.' }] } } };
    const [block, eagerStore] = pair(config);
    assertSameOutput(block, eagerStore);
    assert.equal(block.size, eagerStore.size);
    assert.deepEqual(names(block.counters()), [`${P}.attempt`, 'server.live']);
    const s = block.scope(`${P}.`);
    const h = openStatBlock(s, L)!;
    assert.equal(blockCounter(s, L, h, 1).value, 0);
    assert.equal(s.counter('success').name, '', 'a rejected name is a null stat by name too');
    assert.equal(openStatBlock(block.scope('cluster.other.'), L), REJECTED_BLOCK, 'every stat rejected: no block');
    assert.equal(blockGauge(block.scope('cluster.other.'), L, REJECTED_BLOCK, 0).name, '');
  });

  it('share values between scopes of one prefix and lookups by name; go with the last scope', () => {
    const store = createStatsStore();
    const s1 = store.scope(`${P}.`);
    const a = opened(s1);
    a.attempt.inc();
    const s2 = store.scope(`${P}.`);
    const b = opened(s2);
    b.attempt.inc();
    assert.equal(a.attempt.value, 2);
    const parent = store.scope('cluster');
    const byName = parent.scope('outbound|80||svc.ns.svc.cluster.local').counter('attempt');
    byName.inc();
    assert.equal(byName.name, `${P}.attempt`);
    assert.equal(b.attempt.value, 3);
    assert.equal(s1.gauge('total').value, 0);
    s2.gauge('total').set(4);
    assert.equal(a.total.value, 4);
    assert.equal(value(store.counters(), `${P}.attempt`), 3);

    s1.release();
    assert.equal(value(store.counters(), `${P}.attempt`), 3, 'the other scope keeps the block');
    s2.release();
    assert.equal(value(store.counters(), `${P}.attempt`), 3, 'the scope that looked it up by name holds it too');
    parent.release();
    assert.equal(value(store.counters(), `${P}.attempt`), undefined, 'released with the last scope');
    assert.equal(store.size, 0);
    b.attempt.inc(); // a removed cluster's stats object writes nowhere, as a detached eager stat would
    const c = opened(store.scope(`${P}.`));
    assert.equal(c.attempt.value, 0, 'a new scope of the name starts from zero');
    a.total.set(9);
    assert.equal(c.total.value, 0, 'a stale handle does not write into the block that reuses its slot');
  });

  it('a stat looked up by name through another scope keeps the block alive', () => {
    const store = createStatsStore();
    const s1 = store.scope(`${P}.`);
    opened(s1).success.add(2);
    const s2 = store.scope(`${P}.`);
    const viaName = s2.counter('success');
    s1.release();
    assert.equal(value(store.counters(), `${P}.success`), 2);
    viaName.inc();
    assert.equal(value(store.counters(), `${P}.success`), 3);
    s2.release();
    assert.deepEqual(names(store.counters()), []);
    store.counter(`${P}.attempt`); // no block: an eager stat, pinned by the root
    assert.equal(openStatBlock(store.scope(`${P}.`), L), undefined, 'an eager stat of the names exists: the caller stays eager');
  });

  it('a block stat looked up on the root is pinned', () => {
    const store = createStatsStore();
    const s = store.scope(`${P}.`);
    opened(s).attempt.inc();
    store.counter(`${P}.attempt`).inc();
    s.release();
    assert.equal(value(store.counters(), `${P}.attempt`), 2);
    assert.equal(store.size, 4);
  });

  it('reset_counters zeroes counters only, keeping "used"; flush latches interval deltas', () => {
    const store = createStatsStore();
    const s = opened(store.scope(`${P}.`));
    s.attempt.add(5);
    s.total.set(7);
    store.flush();
    s.attempt.add(2);
    const c = [...store.counters()].find((m) => m.name === `${P}.attempt`)!;
    assert.equal(c.intervalValue(), 2);
    store.resetCounters();
    assert.equal(s.attempt.value, 0);
    assert.equal(c.intervalValue(), 0);
    assert.equal(s.total.value, 7);
    assert.equal(c.isUsed(), true);
    assert.deepEqual(names([...store.counters()].filter((m) => m.isUsed())), [`${P}.attempt`]);
  });

  it('gauges go up and down like eager ones', () => {
    const store = createStatsStore();
    const g = opened(store.scope(`${P}.`)).healthy;
    g.set(10);
    g.add(2.5);
    g.sub(4);
    g.inc();
    g.dec();
    g.dec();
    assert.equal(g.value, 7.5);
    assert.equal(value(store.gauges(), `${P}.healthy`), 7.5);
  });

  it('are not opened on the root or outside the store', () => {
    const store = createStatsStore();
    assert.equal(openStatBlock(store, L), undefined);
    const inner = store.scope('x.');
    const foreign = foreignScope(inner);
    assert.equal(openStatBlock(foreign, L), undefined);
    assert.throws(() => new StatBlockLayout([], []));
  });
});
