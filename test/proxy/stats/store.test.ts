import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';

import { CounterImpl } from '../../../proxy/stats/counter';
import { NULL_COUNTER, NULL_GAUGE, NULL_HISTOGRAM, NULL_TEXT_READOUT } from '../../../proxy/stats/null-stats';
import { compileStatsConfig, createStatsStore, sanitizeStatsName } from '../../../proxy/stats/stats-store';

describe('stats store', () => {
  it('returns the same object for the same name, separately per stat type', () => {
    const store = createStatsStore();
    const a = store.counter('cluster.backend.upstream_rq_total');
    const b = store.scope('cluster.backend.').counter('upstream_rq_total');
    assert.equal(a, b);
    assert.notEqual(store.gauge('cluster.backend.upstream_rq_total') as unknown, a);
    assert.equal(store.size, 2);
  });

  it('joins scope prefixes with a dot and sanitizes them like Envoy', () => {
    const store = createStatsStore();
    assert.equal(store.scope('cluster.backend.').counter('x').name, 'cluster.backend.x');
    assert.equal(store.scope('cluster.backend').scope('circuit_breakers.default.').gauge('cx_open').name,
      'cluster.backend.circuit_breakers.default.cx_open');
    assert.equal(store.scope('listener.0.0.0.0:15001.').counter('downstream_cx_total').name,
      'listener.0.0.0.0_15001.downstream_cx_total');
    assert.equal(sanitizeStatsName('.a:b.'), 'a_b');
    assert.equal(sanitizeStatsName('a\0b:c'), 'a_b_c');
    assert.equal(sanitizeStatsName('outbound|80||svc.ns.svc.cluster.local'), 'outbound|80||svc.ns.svc.cluster.local');
  });

  it('tracks "used" from the first write', () => {
    const store = createStatsStore();
    const c = store.counter('c') as CounterImpl;
    const g = store.gauge('g');
    const t = store.textReadout('t');
    assert.equal(c.isUsed(), false);
    c.add(0);
    assert.equal(c.isUsed(), true);
    g.set(0);
    t.set('');
    const used = [...store.gauges(), ...store.textReadouts()].map((m) => m.isUsed());
    assert.deepEqual(used, [true, true]);
  });

  it('resetCounters zeroes counters only', () => {
    const store = createStatsStore();
    const c = store.counter('c');
    const g = store.gauge('g');
    c.add(5);
    g.set(7);
    store.resetCounters();
    assert.equal(c.value, 0);
    assert.equal(g.value, 7);
    assert.equal((c as CounterImpl).isUsed(), true);
  });

  it('flush latches counters for interval deltas', () => {
    const store = createStatsStore();
    const c = store.counter('c') as CounterImpl;
    c.add(3);
    store.flush();
    c.add(2);
    assert.equal(c.intervalValue(), 2);
    assert.equal(c.value, 5);
  });

  it('gauge arithmetic', () => {
    const g = createStatsStore().gauge('g');
    g.inc();
    g.add(5);
    g.dec();
    g.sub(2);
    assert.equal(g.value, 3);
    g.set(10);
    assert.equal(g.value, 10);
  });

  it('release removes the stats only that scope holds, and their interned names', () => {
    const store = createStatsStore();
    store.counter('server.live');
    const old = store.scope('cluster.backend');
    const oldRq = old.counter('upstream_rq_total');
    old.scope('circuit_breakers.default').gauge('cx_open');
    old.counter('upstream_rq_200');
    const fresh = store.scope('cluster.backend');
    const freshRq = fresh.counter('upstream_rq_total');
    assert.equal(oldRq, freshRq);
    old.release();
    assert.deepEqual([...store.counters()].map((c) => c.name).sort(), ['cluster.backend.upstream_rq_total', 'server.live']);
    assert.equal([...store.gauges()].length, 0);
    fresh.release();
    assert.deepEqual([...store.counters()].map((c) => c.name), ['server.live']);
    // A counter used after its scope was released keeps working, detached from the store.
    freshRq.inc();
    assert.equal(freshRq.value, 1);
  });

  it('root-created stats survive the release of scopes that also use them', () => {
    const store = createStatsStore();
    const s = store.scope('cluster_manager');
    s.counter('cds.update_success');
    store.counter('cluster_manager.cds.update_success');
    s.release();
    assert.equal(store.size, 1);
  });

  it('hands out shared no-op stats for names the stats_matcher rejects', () => {
    const store = createStatsStore({ stats_matcher: { reject_all: true } });
    assert.equal(store.counter('a'), NULL_COUNTER);
    assert.equal(store.gauge('a'), NULL_GAUGE);
    assert.equal(store.histogram('a'), NULL_HISTOGRAM);
    assert.equal(store.textReadout('a'), NULL_TEXT_READOUT);
    NULL_COUNTER.inc();
    NULL_GAUGE.set(3);
    NULL_HISTOGRAM.recordValue(3);
    NULL_TEXT_READOUT.set('x');
    assert.equal(NULL_COUNTER.value, 0);
    assert.equal(NULL_GAUGE.value, 0);
    assert.equal(store.size, 0);
  });

  it('shares tag arrays and tag-extracted names between stats of one cluster', () => {
    const store = createStatsStore();
    const a = store.counter('cluster.a.upstream_rq_total') as CounterImpl;
    const b = store.counter('cluster.a.upstream_cx_total') as CounterImpl;
    const c = store.counter('cluster.b.upstream_rq_total') as CounterImpl;
    assert.equal(a.tags, b.tags);
    assert.equal(a.tagExtractedName, c.tagExtractedName);
  });

  it('reports every invalid stats_config field', () => {
    const r = compileStatsConfig({
      stats_matcher: { inclusion_list: { patterns: [{ safe_regex: { regex: '(?=x)' } }, {}] } },
      histogram_bucket_settings: [{ match: { prefix: 'x' }, buckets: [] }],
    });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(r.errors, [
      'stats_matcher.inclusion_list.patterns[0].safe_regex.regex: invalid RE2 regex: lookaround assertions are not supported',
      'stats_matcher.inclusion_list.patterns[1]: exactly one of exact, prefix, suffix, contains, safe_regex must be set',
      'histogram_bucket_settings[0].buckets: at least one bucket is required',
    ]);
    assert.throws(() => createStatsStore({ stats_tags: [{ tag_name: '' }] }), /invalid stats_config: stats_tags\[0\]/);
  });

  it('stays near Envoy-like memory per stat', () => {
    // Coarse guard: 200 clusters x 60 counters must stay well under 20 MB of heap growth.
    const store = createStatsStore();
    const names = Array.from({ length: 60 }, (_, i) => `upstream_stat_${i}`);
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let c = 0; c < 200; c++) {
      const s = store.scope(`cluster.outbound|${c}||svc${c}.ns.svc.cluster.local`);
      for (const n of names) s.counter(n);
    }
    const perStat = (process.memoryUsage().heapUsed - before) / (200 * 60);
    assert.ok(perStat < 1500, `bytes per stat ${perStat}`);
  });
});
