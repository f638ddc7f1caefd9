// Micro benchmark: a load balancer pick (Cluster.chooseHost) for every policy, on the fast path
// (one healthy priority) and with priorities/panic in play, plus what a cluster costs to build
// (time, and heap per cluster with its stats). Bounded iterations; prints ns/pick and KB/cluster.
// Run: node [--expose-gc] .build/<dir>/bench/micro/lb-pick.js

import { decodeJson } from '../../proxy/config/proto-json';
import { envoySchema } from '../../proxy/config/schema/schema';
import { createStatsStore } from '../../proxy/stats/stats-store';
import { parseCluster } from '../../proxy/upstream/cluster-config';
import { ClusterManagerImpl } from '../../proxy/upstream/cluster-manager';
import type { ClusterImpl } from '../../proxy/upstream/cluster-impl';
import type { ConnectionPool, LbContext } from '../../proxy/upstream/types';

const ITERATIONS = 2_000_000;
const ROUNDS = 5;

const noPool: ConnectionPool = { drain() {}, destroy() {} };

function measure(label: string, fn: (n: number) => void, iterations = ITERATIONS): number {
  fn(Math.min(iterations, 200_000));
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    fn(iterations);
    const ns = Number(process.hrtime.bigint() - t0) / iterations;
    if (ns < best) best = ns;
  }
  console.log(`${label.padEnd(56)} ${best.toFixed(1).padStart(8)} ns/pick`);
  return best;
}

function clusterJson(name: string, n: number, extra: object = {}, weights = false, unhealthy = 0): object {
  const eps = Array.from({ length: n }, (_, i) => ({
    endpoint: { address: { socket_address: { address: `10.0.${i >> 8}.${i & 255}`, port_value: 8080 } } },
    ...(weights ? { load_balancing_weight: 1 + (i % 5) } : {}),
    ...(i < unhealthy ? { health_status: 'UNHEALTHY' } : {}),
  }));
  return { name, type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: eps }] }, ...extra };
}

function build(cm: ClusterManagerImpl, json: object): ClusterImpl {
  const d = decodeJson(envoySchema(), 'envoy.config.cluster.v3.Cluster', json);
  if (!d.ok) throw new Error(JSON.stringify(d.errors));
  const r = parseCluster(d.value, 'bench');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  cm.addOrUpdateCluster(r.value);
  return cm.get(r.value.name)!;
}

export function runLbPickBench(): void {
  const cm = new ClusterManagerImpl({ stats: createStatsStore(), pools: { http1: () => noPool } });
  let sink = 0;
  const pick = (label: string, c: ClusterImpl, ctx?: LbContext): void => {
    measure(label, (n) => {
      for (let i = 0; i < n; i++) if (c.chooseHost(ctx) !== undefined) sink++;
    });
  };
  console.log('load balancer picks (Cluster.chooseHost)');
  pick('ROUND_ROBIN, 10 hosts, equal weights', build(cm, clusterJson('rr', 10)));
  pick('ROUND_ROBIN, 100 hosts, weighted (EDF)', build(cm, clusterJson('wrr', 100, {}, true)));
  pick('LEAST_REQUEST, 10 hosts (P2C)', build(cm, clusterJson('lr', 10, { lb_policy: 'LEAST_REQUEST' })));
  pick('LEAST_REQUEST, 100 hosts, weighted (dynamic EDF)', build(cm, clusterJson('wlr', 100, { lb_policy: 'LEAST_REQUEST' }, true)));
  pick('RANDOM, 10 hosts', build(cm, clusterJson('rnd', 10, { lb_policy: 'RANDOM' })));
  const ring = build(cm, clusterJson('ring', 10, { lb_policy: 'RING_HASH' }));
  const ctxNum: LbContext = { hashKey: 0x12345678 };
  const ctxBig: LbContext = { hashKey: 0x1234567890abcdefn };
  pick('RING_HASH, 10 hosts, number hash key', ring, ctxNum);
  pick('RING_HASH, 10 hosts, bigint hash key', ring, ctxBig);
  pick('RING_HASH, 10 hosts, no key (random hash)', ring);
  const mag = build(cm, clusterJson('mag', 10, { lb_policy: 'MAGLEV' }));
  pick('MAGLEV, 10 hosts, number hash key', mag, ctxNum);
  pick('MAGLEV, 10 hosts, bigint hash key', mag, ctxBig);
  pick('ROUND_ROBIN, 10 hosts, 4 unhealthy (priority spill math)', build(cm, clusterJson('half', 10, {}, false, 4)));
  pick('ROUND_ROBIN, 10 hosts, 8 unhealthy (panic)', build(cm, clusterJson('panic', 10, {}, false, 8)));
  const od = build(cm, { name: 'od', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' });
  pick('ORIGINAL_DST, existing host', od, { originalDestination: { ip: '10.1.2.3', port: 8080 } });
  const avoid = { prev: undefined as unknown };
  pick('RANDOM with a retry host predicate (3 attempts)', build(cm, clusterJson('pred', 10, { lb_policy: 'RANDOM' })), {
    hostSelectionRetryMaxAttempts: 3,
    shouldSelectAnotherHost: (h) => h === avoid.prev,
  });
  cm.shutdown();

  console.log('\ncluster build cost (STATIC, 3 endpoints, ROUND_ROBIN, stats in a real store)');
  const gc = (globalThis as { gc?: () => void }).gc;
  for (const withStats of [false, true]) {
    const count = 2000;
    const jsons = Array.from({ length: count }, (_, i) => clusterJson(`outbound|8080||svc-${i}.ns.svc.cluster.local`, 3));
    const configs = jsons.map((j) => {
      const d = decodeJson(envoySchema(), 'envoy.config.cluster.v3.Cluster', j);
      if (!d.ok) throw new Error('bad');
      const r = parseCluster(d.value, 'bench');
      if (!r.ok) throw new Error('bad');
      return r.value;
    });
    gc?.();
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const m = new ClusterManagerImpl({ stats: withStats ? createStatsStore() : undefined, pools: { http1: () => noPool } });
    const t0 = process.hrtime.bigint();
    for (const c of configs) m.addOrUpdateCluster(c);
    const us = Number(process.hrtime.bigint() - t0) / 1000 / count;
    gc?.();
    gc?.();
    const kb = (process.memoryUsage().heapUsed - before) / 1024 / count;
    console.log(
      `${(withStats ? 'with stats' : 'without stats').padEnd(20)} ${us.toFixed(1).padStart(7)} us/cluster   ${kb.toFixed(2).padStart(7)} KB/cluster${gc ? '' : ' (approx: run with --expose-gc)'}`,
    );
    sink += m.size;
    m.shutdown();
  }
  if (sink < 0) console.log('unreachable');
}

if (require.main === module) runLbPickBench();
