import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { choosePriority, computePriorityLoad, PriorityCounts } from '../../../proxy/upstream/priority-load';

function p(healthyPct: number, total = 100, degraded = 0): PriorityCounts {
  return { total, healthy: healthyPct, degraded, all: total, healthyWeight: 0, degradedWeight: 0, totalWeight: 0, overprovisioningFactor: 140 };
}

test('two priorities: Envoy documentation table (overprovisioning 1.4)', () => {
  const rows: [number, number, number][] = [
    [100, 100, 0],
    [72, 100, 0],
    [71, 99, 1],
    [50, 70, 30],
    [25, 35, 65],
    [0, 0, 100],
  ];
  for (const [h0, l0, l1] of rows) {
    const load = computePriorityLoad([p(h0), p(100)], 50, false);
    assert.deepEqual(load.healthy, [l0, l1], `P0 ${h0}% healthy`);
  }
});

test('three priorities', () => {
  assert.deepEqual(computePriorityLoad([p(0), p(0), p(100)], 50, false).healthy, [0, 0, 100]);
  assert.deepEqual(computePriorityLoad([p(0), p(50), p(100)], 50, false).healthy, [0, 70, 30]);
  assert.deepEqual(computePriorityLoad([p(25), p(100), p(100)], 50, false).healthy, [35, 65, 0]);
  assert.deepEqual(computePriorityLoad([p(25), p(25), p(100)], 50, false).healthy, [35, 35, 30]);
});

test('degraded hosts take what healthy ones cannot', () => {
  const load = computePriorityLoad([p(0, 100, 100)], 50, false);
  assert.deepEqual(load.healthy, [0]);
  assert.deepEqual(load.degraded, [100]);
  const mixed = computePriorityLoad([p(50, 100, 0), p(0, 100, 100)], 50, false);
  assert.deepEqual(mixed.healthy, [70, 0]);
  assert.deepEqual(mixed.degraded, [0, 30]);
});

test('panic per priority, and total panic follows host counts', () => {
  // Total availability 14 + 84 < 100: P0 (10% healthy) panics, P1 (60%) does not.
  const one = computePriorityLoad([p(10), p(60)], 50, false);
  assert.deepEqual(one.panic, [true, false]);
  assert.deepEqual(one.healthy, [15, 85]);
  // With full total availability nobody panics, even a priority below the threshold.
  assert.deepEqual(computePriorityLoad([p(30), p(100)], 50, false).panic, [false, false]);
  const all = computePriorityLoad([p(10, 100), p(10, 300)], 50, false);
  assert.deepEqual(all.panic, [true, true]);
  assert.deepEqual(all.healthy, [25, 75]);
  // Full availability: nobody panics even below the threshold of an individual priority.
  assert.deepEqual(computePriorityLoad([p(100)], 50, false).panic, [false]);
  // Threshold 0 disables panic; with nothing healthy P0 gets the load.
  const none = computePriorityLoad([p(0)], 0, false);
  assert.deepEqual(none.panic, [false]);
  assert.deepEqual(none.healthy, [100]);
});

test('choosePriority walks healthy then degraded loads', () => {
  const load = { healthy: [70, 0], degraded: [0, 30], panic: [false, false] };
  assert.equal(choosePriority(0, load), 0);
  assert.equal(choosePriority(69, load), 0);
  assert.equal(choosePriority(70, load), (1 << 1) | 1);
  assert.equal(choosePriority(99, load), (1 << 1) | 1);
});
