// A cluster with no hosts shares one read-only empty priority set and a cached load: it must read
// exactly as a rebuilt empty set (load and panic for every panic threshold and
// weighted_priority_health, an empty locality list when locality-weighted), and a cluster that
// gets hosts, loses them and gets them again must never write into what the others share.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJson } from '../../../proxy/config/proto-json';
import { envoySchema } from '../../../proxy/config/schema/schema';
import type { Canonical } from '../../../proxy/config/canonical';
import { computePriorityLoad } from '../../../proxy/upstream/priority-load';
import { HostSet, PrioritySet } from '../../../proxy/upstream/priority-set';
import { config, endpoint, gauge, manager } from './helpers';

function cla(name: string, eps: object[]): Canonical {
  const r = decodeJson(envoySchema(), 'envoy.config.endpoint.v3.ClusterLoadAssignment', { cluster_name: name, endpoints: [{ lb_endpoints: eps }] });
  assert.ok(r.ok);
  return r.value as Canonical;
}

test('an empty priority set reads as the load computed for zero hosts, for every option', () => {
  for (const factor of [100, 140, 500]) {
    for (const threshold of [0, 1, 50, 100]) {
      for (const weighted of [false, true]) {
        for (const localityWeighted of [false, true]) {
          const ps = new PrioritySet({ panicThreshold: threshold, overprovisioningFactor: factor, weightedPriorityHealth: weighted, localityWeighted, excludePendingHc: false });
          ps.rebuild([]);
          const expected = computePriorityLoad([new HostSet(0).counts(factor)], threshold, weighted);
          const what = `factor ${factor}, threshold ${threshold}, weighted ${weighted}`;
          assert.deepEqual({ ...ps.load, healthy: [...ps.load.healthy], degraded: [...ps.load.degraded], panic: [...ps.load.panic] }, expected, what);
          assert.equal(ps.sets.length, 1);
          assert.equal(ps.sets[0].priority, 0);
          assert.equal(ps.sets[0].hosts.length + ps.sets[0].healthy.length + ps.sets[0].degraded.length, 0);
          assert.deepEqual(ps.sets[0].localities, localityWeighted ? [] : null, what);
          assert.deepEqual([ps.total, ps.healthyCount, ps.degradedCount, ps.excludedCount, ps.maxWeight], [0, 0, 0, 0, 0]);
        }
      }
    }
  }
});

test('EDS clusters go from no hosts to hosts and back without touching each other', () => {
  const { cm, store } = manager();
  for (const name of ['a', 'b']) {
    cm.addOrUpdateCluster(config({ name, type: 'EDS', connect_timeout: '1s', eds_cluster_config: { service_name: name, eds_config: { ads: {} } }, common_lb_config: { locality_weighted_lb_config: {} } }));
  }
  const a = cm.get('a')!;
  const b = cm.get('b')!;
  assert.equal(a.chooseHost(undefined), undefined);
  assert.ok(cm.updateEndpoints(cla('a', [endpoint('10.0.0.1', 80), endpoint('10.0.0.2', 80)])).ok);
  assert.equal(a.allHosts().length, 2);
  assert.ok(a.chooseHost(undefined));
  assert.equal(gauge(store, 'cluster.a.membership_total'), 2);
  assert.equal(b.chooseHost(undefined), undefined, 'the other cluster still has none');
  assert.equal(b.prioritySet.sets[0].hosts.length, 0);
  assert.ok(cm.updateEndpoints(cla('a', [])).ok);
  assert.equal(a.chooseHost(undefined), undefined);
  assert.equal(gauge(store, 'cluster.a.membership_total'), 0);
  assert.ok(cm.updateEndpoints(cla('b', [endpoint('10.0.0.3', 80)])).ok);
  assert.equal(b.chooseHost(undefined)?.addressString, '10.0.0.3:80');
  assert.ok(cm.updateEndpoints(cla('a', [endpoint('10.0.0.4', 80)])).ok);
  assert.equal(a.chooseHost(undefined)?.addressString, '10.0.0.4:80');
  assert.equal(b.allHosts().length, 1);
});
