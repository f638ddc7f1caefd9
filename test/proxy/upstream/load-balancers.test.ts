import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { xxHash64 } from '../../../proxy/upstream/hash64';
import { HealthFlag, HostImpl } from '../../../proxy/upstream/host';
import type { ClusterImpl } from '../../../proxy/upstream/cluster-impl';
import type { Host, LbContext } from '../../../proxy/upstream/types';
import type { Canonical } from '../../../proxy/config/canonical';
import { config, counter, endpoint, hosts, manager, staticCluster } from './helpers';

function build(json: object): { c: ClusterImpl; store: ReturnType<typeof manager>['store'] } {
  const { cm, store } = manager();
  cm.addOrUpdateCluster(config(json));
  const c = cm.get((json as { name: string }).name)!;
  return { c, store };
}

function tally(c: ClusterImpl, n: number, ctx?: (i: number) => LbContext | undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const h = c.chooseHost(ctx ? ctx(i) : undefined);
    const k = h ? h.addressString : 'none';
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}


/** The cluster's balancer, built first if no pick has built it yet (white box: its tables). */
function builtLb<T>(c: ClusterImpl): T {
  void c.prioritySet;
  return (c as unknown as { lb: T }).lb;
}

test('xxHash64 matches the reference vectors', () => {
  assert.equal(xxHash64(''), 0xef46db3751d8e999n);
  assert.equal(xxHash64('a'), 0xd24ec4f1a98c6e5bn);
  assert.equal(xxHash64('abc'), 0x44bc2cf5ad770999n);
  assert.equal(xxHash64('Nobody inspects the spammish repetition'), 0xfbcea83c8a378bf1n);
});

test('round robin with equal weights cycles exactly', () => {
  const { c } = build(staticCluster('rr', hosts(3)));
  const t = tally(c, 300);
  assert.deepEqual([...t.values()], [100, 100, 100]);
  const a = c.chooseHost(undefined);
  const b = c.chooseHost(undefined);
  assert.notEqual(a, b);
});

test('weighted round robin is exact over a cycle and interleaved', () => {
  const eps = [endpoint('127.0.0.1', 1, { load_balancing_weight: 1 }), endpoint('127.0.0.1', 2, { load_balancing_weight: 2 }), endpoint('127.0.0.1', 3, { load_balancing_weight: 5 })];
  const { c } = build(staticCluster('wrr', eps));
  const seq: string[] = [];
  for (let i = 0; i < 8; i++) seq.push(c.chooseHost(undefined)!.addressString);
  assert.deepEqual(
    ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3'].map((k) => seq.filter((s) => s === k).length),
    [1, 2, 5],
  );
  // Smooth: the heavy host never takes more than 3 picks in a row.
  let run = 0;
  let maxRun = 0;
  for (let i = 0; i < 800; i++) {
    const k = c.chooseHost(undefined)!.addressString;
    run = k === '127.0.0.1:3' ? run + 1 : 0;
    maxRun = Math.max(maxRun, run);
  }
  assert.ok(maxRun <= 3, `max run ${maxRun}`);
  const t = tally(c, 8000);
  assert.deepEqual([t.get('127.0.0.1:1'), t.get('127.0.0.1:2'), t.get('127.0.0.1:3')], [1000, 2000, 5000]);
});

test('least request prefers idle hosts (power of two choices) and full-scans small sets', () => {
  const { c } = build(staticCluster('lr', hosts(10), { lb_policy: 'LEAST_REQUEST' }));
  const all = c.allHosts();
  for (const h of all) h.stats.rq_active = 5;
  all[3].stats.rq_active = 0;
  const t = tally(c, 20000);
  const idle = t.get(all[3].addressString)! / 20000;
  // Random would give 10%; two choices give 1 - 0.9^2 = 19%.
  assert.ok(idle > 0.16 && idle < 0.22, `idle share ${idle}`);

  const small = build(staticCluster('lr2', hosts(3), { lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: 3 } })).c;
  const hs = small.allHosts();
  hs[0].stats.rq_active = 2;
  hs[1].stats.rq_active = 1;
  hs[2].stats.rq_active = 4;
  for (let i = 0; i < 50; i++) assert.equal(small.chooseHost(undefined), hs[1]);
});

test('weighted least request divides weight by active requests + 1', () => {
  const eps = [endpoint('127.0.0.1', 1, { load_balancing_weight: 1 }), endpoint('127.0.0.1', 2, { load_balancing_weight: 3 })];
  const { c } = build(staticCluster('wlr', eps, { lb_policy: 'LEAST_REQUEST' }));
  const [a, b] = c.allHosts();
  let t = tally(c, 4000);
  assert.ok(Math.abs(t.get(b.addressString)! / 4000 - 0.75) < 0.02);
  b.stats.rq_active = 5; // effective weights 1 and 0.5
  t = tally(c, 3000);
  assert.ok(t.get(a.addressString)! > t.get(b.addressString)!, JSON.stringify([...t]));
});

test('random spreads uniformly', () => {
  const { c } = build(staticCluster('rnd', hosts(4), { lb_policy: 'RANDOM' }));
  const t = tally(c, 20000);
  for (const v of t.values()) assert.ok(Math.abs(v / 20000 - 0.25) < 0.03, String(v));
});

function ringCluster(name: string, n: number, policy: string, extra: object = {}): object {
  return { ...staticCluster(name, hosts(n)), type: 'EDS', eds_cluster_config: { service_name: name }, lb_policy: policy, ...extra };
}

function cla(name: string, ports: number[]): Canonical {
  return claFor(name, ports) as Canonical;
}

function claFor(name: string, ports: number[]): object {
  return { cluster_name: name, endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p } } } })) }] };
}

function mapKeys(c: ClusterImpl, keys: bigint[]): (Host | undefined)[] {
  return keys.map((k) => c.chooseHost({ hashKey: k }));
}

// Envoy re-derives the ring size from the normalized weights, so surviving hosts may gain a few
// ring entries: almost every key of a surviving host stays, and keys mostly move to a new host.
test('ring hash: same key same host; removing or adding a host moves few other keys', () => {
  const { cm } = manager();
  cm.addOrUpdateCluster(config(ringCluster('ring', 5, 'RING_HASH')));
  const c = cm.get('ring')!;
  const ring = builtLb<{ tables: { size: number }[] }>(c).tables[0];
  assert.ok(ring.size >= 1024, `ring size ${ring.size}`);
  const keys = Array.from({ length: 2000 }, (_, i) => xxHash64(`key-${i}`));
  const before = mapKeys(c, keys).map((h) => h!.addressString);
  assert.deepEqual(mapKeys(c, keys).map((h) => h!.addressString), before);
  const counts = new Map<string, number>();
  for (const k of before) counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const v of counts.values()) assert.ok(v > 250 && v < 550, `share ${v}`);

  cm.updateEndpoints(cla('ring', [10000, 10001, 10003, 10004]));
  const removed = mapKeys(c, keys).map((h) => h!.addressString);
  let stayed = 0;
  let survivors = 0;
  for (let i = 0; i < keys.length; i++) {
    if (before[i] !== '127.0.0.1:10002') {
      survivors++;
      if (removed[i] === before[i]) stayed++;
    } else assert.notEqual(removed[i], '127.0.0.1:10002');
  }
  assert.ok(stayed / survivors > 0.8, `stayed ${stayed}/${survivors}`);
  cm.updateEndpoints(cla('ring', [10000, 10001, 10002, 10003, 10004, 10005]));
  const added = mapKeys(c, keys).map((h) => h!.addressString);
  let toNew = 0;
  let elsewhere = 0;
  for (let i = 0; i < keys.length; i++) {
    if (added[i] === before[i]) continue;
    if (added[i] === '127.0.0.1:10005') toNew++;
    else elsewhere++;
  }
  assert.ok(toNew > 150 && toNew < 550, `moved to the new host ${toNew}`);
  assert.ok(elsewhere < keys.length * 0.15, `moved elsewhere ${elsewhere}`);
});

test('ring hash: numbers and bigints hash the same; no key picks randomly', () => {
  const { c } = build(ringCluster('ring2', 3, 'RING_HASH'));
  assert.equal(c.chooseHost({ hashKey: 123456789 }), c.chooseHost({ hashKey: 123456789n }));
  const t = tally(c, 3000);
  assert.equal(t.size, 3);
});

test('maglev: even table, stable keys, minimal disruption, weights respected', () => {
  const { cm } = manager();
  cm.addOrUpdateCluster(config(ringCluster('mag', 5, 'MAGLEV')));
  const c = cm.get('mag')!;
  const table = builtLb<{ tables: { table: Uint16Array; hosts: HostImpl[] }[] }>(c).tables[0];
  assert.equal(table.table.length, 65537);
  const share = new Array(table.hosts.length).fill(0);
  for (const i of table.table) share[i]++;
  for (const s of share) assert.ok(Math.abs(s - 65537 / 5) <= 2, `slots ${s}`);
  const keys = Array.from({ length: 2000 }, (_, i) => xxHash64(`k${i}`));
  const before = mapKeys(c, keys).map((h) => h!.addressString);
  cm.updateEndpoints(cla('mag', [10000, 10001, 10003, 10004]));
  const after = mapKeys(c, keys).map((h) => h!.addressString);
  let kept = 0;
  let eligible = 0;
  for (let i = 0; i < keys.length; i++) {
    if (before[i] === '127.0.0.1:10002') continue;
    eligible++;
    if (after[i] === before[i]) kept++;
  }
  assert.ok(kept / eligible > 0.9, `kept ${kept}/${eligible}`);

  const w = build({
    ...staticCluster('magw', [endpoint('127.0.0.1', 1, { load_balancing_weight: 1 }), endpoint('127.0.0.1', 2, { load_balancing_weight: 3 })]),
    lb_policy: 'MAGLEV',
  }).c;
  const wt = builtLb<{ tables: { table: Uint16Array; hosts: HostImpl[] }[] }>(w).tables[0];
  const heavy = wt.hosts.findIndex((h) => h.weight === 3);
  let heavySlots = 0;
  for (const i of wt.table) if (i === heavy) heavySlots++;
  assert.ok(Math.abs(heavySlots / 65537 - 0.75) < 0.01, `heavy share ${heavySlots / 65537}`);
});

test('priorities: load spills to P1 as P0 loses health (overprovisioning 1.4)', () => {
  const eps = (n: number, unhealthy: number, base: number) =>
    Array.from({ length: n }, (_, i) => ({ ...(endpoint('127.0.0.1', base + i) as object), health_status: i < unhealthy ? 'UNHEALTHY' : 'HEALTHY' }));
  const { c } = build({
    name: 'prio',
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: { cluster_name: 'prio', endpoints: [{ lb_endpoints: eps(4, 2, 100) }, { priority: 1, lb_endpoints: eps(2, 0, 200) }] },
  });
  assert.deepEqual(c.prioritySet.load.healthy, [70, 30]);
  const t = tally(c, 20000);
  let p0 = 0;
  for (const [k, v] of t) {
    assert.ok(!['127.0.0.1:100', '127.0.0.1:101'].includes(k), 'unhealthy host picked');
    if (k.endsWith(':102') || k.endsWith(':103')) p0 += v;
  }
  assert.ok(Math.abs(p0 / 20000 - 0.7) < 0.02, `P0 share ${p0 / 20000}`);
});

test('panic threshold: below it all hosts are used and lb_healthy_panic counts', () => {
  const eps = Array.from({ length: 4 }, (_, i) => ({ ...(endpoint('127.0.0.1', 300 + i) as object), health_status: i === 0 ? 'HEALTHY' : 'UNHEALTHY' }));
  const { c, store } = build(staticCluster('panic', eps));
  const t = tally(c, 4000);
  assert.equal(t.size, 4);
  assert.equal(counter(store, 'cluster.panic.lb_healthy_panic'), 4000);
  const off = build(staticCluster('nopanic', eps, { common_lb_config: { healthy_panic_threshold: { value: 0 } } })).c;
  const t2 = tally(off, 400);
  assert.deepEqual([...t2.keys()], ['127.0.0.1:300']);
  // Nothing healthy and panic disabled: no host (503 UH).
  const dead = Array.from({ length: 2 }, (_, i) => ({ ...(endpoint('127.0.0.1', 400 + i) as object), health_status: 'UNHEALTHY' }));
  const none = build(staticCluster('dead', dead, { common_lb_config: { healthy_panic_threshold: { value: 0 } } })).c;
  assert.equal(none.chooseHost(undefined), undefined);
});

test('degraded hosts serve only when healthy ones cannot', () => {
  const eps = [{ ...(endpoint('127.0.0.1', 1) as object), health_status: 'DEGRADED' }, endpoint('127.0.0.1', 2)];
  const { c } = build(staticCluster('deg', eps));
  // 1 of 2 healthy: availability 70 healthy + 70 degraded -> 70 / 30.
  assert.deepEqual(c.prioritySet.load.healthy, [70]);
  assert.deepEqual(c.prioritySet.load.degraded, [30]);
  const t = tally(c, 10000);
  assert.ok(Math.abs(t.get('127.0.0.1:1')! / 10000 - 0.3) < 0.03);
});

test('locality weighted balancing splits by locality weight', () => {
  const { c } = build({
    name: 'loc',
    type: 'STATIC',
    connect_timeout: '1s',
    common_lb_config: { locality_weighted_lb_config: {} },
    load_assignment: {
      cluster_name: 'loc',
      endpoints: [
        { locality: { zone: 'a' }, load_balancing_weight: 1, lb_endpoints: hosts(2, 500) },
        { locality: { zone: 'b' }, load_balancing_weight: 3, lb_endpoints: hosts(1, 600) },
      ],
    },
  });
  const t = tally(c, 4000);
  assert.equal(t.get('127.0.0.1:600'), 3000);
  assert.equal(t.get('127.0.0.1:500'), 500);
});

test('host selection retries avoid previously tried hosts', () => {
  const { c } = build(staticCluster('retry', hosts(3), { lb_policy: 'RANDOM' }));
  const avoid = c.allHosts()[0];
  const ctx: LbContext = { hostSelectionRetryMaxAttempts: 5, shouldSelectAnotherHost: (h) => h === avoid };
  const t = tally(c, 3000, () => ctx);
  assert.ok((t.get(avoid.addressString) ?? 0) < 30, `avoided host picked ${t.get(avoid.addressString)} times`);
});

test('outlier-ejected and HC-failed hosts leave the healthy set', () => {
  const { c } = build(staticCluster('flags', hosts(3)));
  const [a, b] = c.allHosts();
  a.setFlag(HealthFlag.FailedOutlierCheck, true);
  b.setFlag(HealthFlag.FailedActiveHc, true);
  // 1/3 healthy: availability 46 < 100 and 33% < 50% -> panic over all three.
  assert.deepEqual(c.prioritySet.load.panic, [true]);
  a.setFlag(HealthFlag.FailedOutlierCheck, false);
  const t = tally(c, 100);
  assert.equal(t.has(b.addressString), false);
});
