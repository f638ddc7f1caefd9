// A cluster's update and membership stats are a stat block: no stat objects of their own in the
// store, the same values across a cluster's versions, and eager stats where no block can be opened.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';

import { CounterImpl } from '../../../proxy/stats/counter';
import { GaugeImpl } from '../../../proxy/stats/gauge';
import { NULL_COUNTER } from '../../../proxy/stats/null-stats';
import { createStatsStore } from '../../../proxy/stats/stats-store';
import { ClusterStats } from '../../../proxy/upstream/cluster-stats';
import { foreignScope } from '../../support/foreign-scope';

const P = 'cluster.outbound|8080||svc.default.svc.cluster.local';

describe('ClusterStats update and membership stats', () => {
  it('live in a block shared by the versions of a cluster', () => {
    const store = createStatsStore();
    const s1 = store.scope(`${P}.`);
    const v1 = new ClusterStats(s1);
    v1.update_attempt.inc();
    v1.membership_total.set(3);
    const s2 = store.scope(`${P}.`);
    const v2 = new ClusterStats(s2);
    v2.update_attempt.inc();
    assert.equal(v1.update_attempt.value, 2);
    assert.equal(v2.membership_total.value, 3);
    const stored = [...store.counters(), ...store.gauges()].filter((m) => m.name.startsWith(`${P}.`) && (m instanceof CounterImpl || m instanceof GaugeImpl));
    assert.deepEqual(stored.map((m) => m.name).filter((n) => /update_attempt|membership_total/.test(n)), [], 'no eager stat objects');
    s1.release();
    assert.equal(store.scope(`${P}.`).counter('update_attempt').value, 2);
  });

  it('each getter names its own stat, from a block or eagerly', () => {
    const names = ['update_attempt', 'update_success', 'update_failure', 'update_no_rebuild', 'membership_change',
      'membership_healthy', 'membership_degraded', 'membership_excluded', 'membership_total', 'max_host_weight'] as const;
    const store = createStatsStore();
    store.counter(`cluster.eager.update_attempt`); // an eager stat of the names: that cluster stays eager
    for (const cluster of ['block', 'eager']) {
      const s = new ClusterStats(store.scope(`cluster.${cluster}.`));
      for (const n of names) assert.equal(s[n].name, `cluster.${cluster}.${n}`);
      assert.equal(s.update_attempt instanceof CounterImpl, cluster === 'eager');
    }
  });

  it('are eager through a scope the store does not know, and null without one', () => {
    const store = createStatsStore();
    const inner = store.scope(`${P}.`);
    const foreign = foreignScope(inner);
    const s = new ClusterStats(foreign);
    assert.ok(s.update_success instanceof CounterImpl);
    assert.equal(s.update_success, s.update_success);
    assert.equal(new ClusterStats(undefined).update_failure, NULL_COUNTER);
  });
});
