import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';

import { DEFAULT_BUCKETS, HistogramImpl } from '../../../proxy/stats/histogram';
import { approxQuantiles, binLower, binWidth, SparseBins } from '../../../proxy/stats/log-linear-bins';
import { createStatsStore } from '../../../proxy/stats/stats-store';

function hist(buckets = DEFAULT_BUCKETS): HistogramImpl {
  return new HistogramImpl('h', 'h', [], buckets);
}

describe('log-linear bins (circllhist layout)', () => {
  it('maps values to two-significant-digit bins', () => {
    // bin index = 1 + exponent * 90 + (two leading digits - 10)
    assert.equal(binLower(1), 1);
    assert.equal(binWidth(1), 0.1);
    assert.equal(binLower(1 + 90 + 2), 12);
    assert.equal(binWidth(1 + 90 + 2), 1);
    assert.equal(binLower(1 + 2 * 90 + 2), 120);
    assert.equal(binLower(0), 0);
    assert.equal(binWidth(0), 0);
  });

  it('interpolates quantiles inside the bin like hist_approx_quantile', () => {
    const b = new SparseBins();
    b.idx = [1 + 90, 1 + 90 + 10]; // [10,11) and [20,21)
    b.cnt = [1, 1];
    assert.deepEqual(approxQuantiles(b, [0, 0.25, 0.5, 0.75, 1]), [10, 10.5, 11, 20.5, 21]);
    assert.ok(approxQuantiles(new SparseBins(), [0.5]).every(Number.isNaN));
  });
});

describe('histogram', () => {
  it('is unused until a flush merged recorded values', () => {
    const h = hist();
    h.recordValue(5);
    assert.equal(h.isUsed(), false);
    assert.equal(h.cumulativeStatistics().sampleCount, 0);
    h.flush();
    assert.equal(h.isUsed(), true);
    assert.equal(h.cumulativeStatistics().sampleCount, 1);
  });

  it('a flush without records leaves it unused', () => {
    const h = hist();
    h.flush();
    assert.equal(h.isUsed(), false);
  });

  it('keeps the last interval and the cumulative totals apart', () => {
    const h = hist();
    h.recordValue(10);
    h.flush();
    h.recordValue(20);
    h.recordValue(20);
    h.flush();
    assert.equal(h.intervalStatistics().sampleCount, 2);
    assert.equal(h.cumulativeStatistics().sampleCount, 3);
    h.flush();
    assert.equal(h.intervalStatistics().sampleCount, 0);
    assert.ok(Number.isNaN(h.intervalStatistics().quantiles[0]));
    assert.equal(h.cumulativeStatistics().quantiles[0], 10);
    assert.equal(h.isUsed(), true);
  });

  it('computes quantiles, bucket counts and the midpoint sum', () => {
    const h = hist();
    h.recordValue(10);
    h.recordValue(20);
    h.flush();
    const s = h.cumulativeStatistics();
    assert.deepEqual(s.quantiles.slice(0, 5), [10, 10.5, 11, 20.5, 20.8]);
    assert.equal(s.quantiles[9], 21);
    assert.equal(s.sampleSum, 31);
    // A bin counts toward a bucket only when its upper edge is <= the bound: 10 is in [10,11),
    // so it is not counted under le="10" (Envoy does the same).
    assert.deepEqual(s.buckets.slice(0, 6), [0, 0, 0, 0, 2, 2]);
  });

  it('records zero, fractions (truncated like uint64) and large values', () => {
    const h = hist();
    h.recordValue(0);
    h.recordValue(-3);
    h.recordValue(0.7);
    h.recordValue(1.9);
    h.recordValue(123456789);
    h.flush();
    const s = h.cumulativeStatistics();
    assert.equal(s.sampleCount, 5);
    assert.equal(s.buckets[0], 3); // three zeros under le="0.5"
    assert.equal(s.buckets[2], 4); // 1.9 counts as 1: bin [1,1.1) is under le="5"
    assert.equal(s.quantiles[0], 0);
    assert.equal(s.quantiles[9], 130000000); // top of bin [120000000, 130000000)
  });

  it('uses histogram_bucket_settings: first match wins, buckets sorted', () => {
    const store = createStatsStore({
      histogram_bucket_settings: [
        { match: { prefix: 'cluster.' }, buckets: [100, 1, 10] },
        { match: { safe_regex: { regex: '.*' } }, buckets: [7] },
      ],
    });
    const a = store.histogram('cluster.x.upstream_rq_time') as HistogramImpl;
    const b = store.histogram('http.y.downstream_rq_time') as HistogramImpl;
    assert.deepEqual(a.supportedBuckets, [1, 10, 100]);
    assert.deepEqual(b.supportedBuckets, [7]);
    assert.deepEqual((createStatsStore().histogram('z') as HistogramImpl).supportedBuckets, DEFAULT_BUCKETS);
  });

  it('has bounded quantile error (< 10% of the value) on a spread of values', () => {
    const h = hist();
    const values: number[] = [];
    for (let i = 0; i < 10000; i++) values.push(Math.floor(1 + ((i * 7919) % 100000)));
    for (const v of values) h.recordValue(v);
    h.flush();
    values.sort((a, b) => a - b);
    const q = h.cumulativeStatistics().quantiles;
    for (const [i, p] of [[2, 0.5], [4, 0.9], [6, 0.99]] as const) {
      const exact = values[Math.floor(p * (values.length - 1))];
      assert.ok(Math.abs(q[i] - exact) / exact < 0.1, `p${p * 100}: ${q[i]} vs ${exact}`);
    }
  });
});
