// A cluster's host sets and load balancer are built at its first pick after a change, not at each
// change: the membership gauges are counted straight from the hosts meanwhile, and must read
// exactly as the built priority set does; a pick always sees the newest hosts and health.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJson } from '../../../proxy/config/proto-json';
import { envoySchema } from '../../../proxy/config/schema/schema';
import type { Canonical } from '../../../proxy/config/canonical';
import { HealthFlag } from '../../../proxy/upstream/host';
import type { ClusterImpl } from '../../../proxy/upstream/cluster-impl';
import { config, endpoint, gauge, manager } from './helpers';

function cla(name: string, localities: object[]): Canonical {
  const r = decodeJson(envoySchema(), 'envoy.config.endpoint.v3.ClusterLoadAssignment', { cluster_name: name, endpoints: localities });
  assert.ok(r.ok);
  return r.value as Canonical;
}

function edsCluster(name: string, extra: object = {}): object {
  return { name, type: 'EDS', connect_timeout: '1s', eds_cluster_config: { service_name: name, eds_config: { ads: {} } }, ...extra };
}

/** Whether the cluster's balancer and priority set exist yet (white box: nothing else tells). */
function lbBuilt(c: ClusterImpl): boolean {
  const w = c as unknown as { lb: unknown; ps: unknown };
  assert.equal(w.lb === null, w.ps === null, 'built together');
  return w.lb !== null;
}

const GAUGES = ['membership_total', 'membership_healthy', 'membership_degraded', 'membership_excluded', 'max_host_weight'];

test('membership gauges counted without a pick equal the built priority set, over priorities, health and exclusion', () => {
  for (const lbPolicy of ['ROUND_ROBIN', 'RING_HASH', 'LEAST_REQUEST']) {
    const { cm, store } = manager();
    cm.addOrUpdateCluster(config(edsCluster('c', { lb_policy: lbPolicy, common_lb_config: { locality_weighted_lb_config: {} } })));
    const c = cm.get('c')!;
    const assignment = cla('c', [
      {
        locality: { zone: 'a' },
        load_balancing_weight: 3,
        lb_endpoints: [
          endpoint('10.0.0.1', 80, { load_balancing_weight: 7 }),
          endpoint('10.0.0.2', 80, { health_status: 'DEGRADED' }),
          endpoint('10.0.0.3', 80, { health_status: 'UNHEALTHY', load_balancing_weight: 9 }),
        ],
      },
      { locality: { zone: 'b' }, load_balancing_weight: 1, priority: 1, lb_endpoints: [endpoint('10.0.1.1', 80), endpoint('10.0.1.2', 80, { health_status: 'DRAINING' })] },
    ]);
    assert.ok(cm.updateEndpoints(assignment).ok);
    // One host excluded the way an immediate health-check failure excludes it.
    const excluded = c.allHosts().find((h) => h.addressString === '10.0.1.1:80')!;
    excluded.healthFlags |= HealthFlag.ExcludedViaImmediateHcFail;
    c.onHostHealthChanged(excluded);
    assert.equal(lbBuilt(c), false, `${lbPolicy}: no pick yet, so no balancer`);
    const counted = GAUGES.map((g) => gauge(store, `cluster.c.${g}`));
    assert.deepEqual(counted, [5, 1, 1, 1, 9], lbPolicy);
    const ps = c.prioritySet; // built now
    assert.deepEqual([ps.total, ps.healthyCount, ps.degradedCount, ps.excludedCount, ps.maxWeight], counted, lbPolicy);
    assert.equal(ps.sets.length, 2);
    assert.ok(c.chooseHost(undefined), lbPolicy);
    assert.equal(lbBuilt(c), true);
  }
});

test('a pick after changes that were never picked from sees the newest hosts and health', () => {
  const { cm, store } = manager();
  cm.addOrUpdateCluster(config(edsCluster('svc')));
  const c = cm.get('svc')!;
  assert.equal(c.chooseHost(undefined), undefined, 'no hosts yet');
  assert.ok(cm.updateEndpoints(cla('svc', [{ lb_endpoints: [endpoint('10.0.0.1', 80)] }])).ok);
  assert.equal(c.chooseHost(undefined)?.addressString, '10.0.0.1:80');
  // Two membership changes and a health change with no pick in between.
  assert.ok(cm.updateEndpoints(cla('svc', [{ lb_endpoints: [endpoint('10.0.0.2', 80)] }])).ok);
  assert.ok(cm.updateEndpoints(cla('svc', [{ lb_endpoints: [endpoint('10.0.0.2', 80), endpoint('10.0.0.3', 80)] }])).ok);
  const h2 = c.allHosts().find((h) => h.addressString === '10.0.0.2:80')!;
  h2.healthFlags |= HealthFlag.FailedEdsHealth;
  c.onHostHealthChanged(h2);
  assert.equal(gauge(store, 'cluster.svc.membership_healthy'), 1);
  for (let i = 0; i < 20; i++) assert.equal(c.chooseHost(undefined)?.addressString, '10.0.0.3:80');
  h2.healthFlags &= ~HealthFlag.FailedEdsHealth;
  c.onHostHealthChanged(h2);
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) seen.add(c.chooseHost(undefined)!.addressString);
  assert.deepEqual([...seen].sort(), ['10.0.0.2:80', '10.0.0.3:80']);
});

test('10,000 EDS clusters given hosts build no balancer until one is picked from', () => {
  const { cm } = manager();
  const n = 10_000;
  for (let i = 0; i < n; i++) cm.addOrUpdateCluster(config(edsCluster(`c${i}`)));
  for (let i = 0; i < n; i++) assert.ok(cm.updateEndpoints(cla(`c${i}`, [{ lb_endpoints: [endpoint('10.0.0.1', 80 + (i % 1000))] }])).ok);
  let built = 0;
  for (const c of cm.activeClusters()) if (lbBuilt(c)) built++;
  assert.equal(built, 0);
  assert.equal(cm.get('c42')!.chooseHost(undefined)?.addressString, '10.0.0.1:122');
  built = 0;
  for (const c of cm.activeClusters()) if (lbBuilt(c)) built++;
  assert.equal(built, 1);
});
