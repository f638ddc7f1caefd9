// Micro benchmark: what applying a big CDS + EDS push costs per cluster, without the network. The
// xds-push scenario's Istio-shaped clusters and assignments (bench/scenarios/xds-push-resources.ts)
// go through the same steps as the CDS and EDS watchers: decode the bytes, ClusterManager.parse,
// addOrUpdateCluster, then decode and updateEndpoints for each assignment. Prints µs per cluster for
// each step, for the first (cold: what a push into a fresh proxy pays) and later rounds, each round
// on a fresh cluster manager. Bounded: CLUSTER_APPLY_N clusters (default 10,000), 4 rounds.
// Run: node .build/<dir>/bench/micro/cluster-apply.js
import { performance } from 'node:perf_hooks';
import { keepOf } from '../../proxy/config/kept-value';
import { envoySchema } from '../../proxy/config/schema/schema';
import { xdsCodec } from '../../proxy/config/xds-codec';
import type { Canonical } from '../../proxy/config/canonical';
import { createStatsStore } from '../../proxy/stats/stats-store';
import { ClusterManagerImpl } from '../../proxy/upstream/cluster-manager';
import { http1PoolFactory } from '../../proxy/upstream/http1-pool';
import { CLUSTER, ENDPOINT } from '../../xds-client/type-urls';
import { encodePush } from '../scenarios/xds-push-resources';

const N = Math.max(1, Math.min(100_000, Number(process.env.CLUSTER_APPLY_N) || 10_000));
const ROUNDS = 4;

const codec = xdsCodec(envoySchema());
const decoder = (typeUrl: string) => (bytes: Buffer): Canonical => {
  const r = codec.decodeResource(typeUrl, bytes);
  if (!r.ok) throw new Error(`${typeUrl}: ${r.errors.map((e) => e.message).join('; ')}`);
  return r.value as Canonical;
};
const decodeCluster = decoder(CLUSTER);
const decodeAssignment = decoder(ENDPOINT);

interface Round {
  decodeCds: number;
  applyCds: number;
  decodeEds: number;
  applyEds: number;
}

function round(clusters: readonly Buffer[], assignments: readonly Buffer[]): Round {
  const cm = new ClusterManagerImpl({ stats: createStatsStore(), pools: { http1: http1PoolFactory } });
  const r: Round = { decodeCds: 0, applyCds: 0, decodeEds: 0, applyEds: 0 };
  for (const bytes of clusters) {
    const t0 = performance.now();
    const value = decodeCluster(bytes);
    const t1 = performance.now();
    const parsed = cm.parse(value, '', keepOf(value, bytes, decodeCluster));
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
    cm.addOrUpdateCluster(parsed.value, { addedViaApi: true, versionInfo: '1' });
    const t2 = performance.now();
    r.decodeCds += t1 - t0;
    r.applyCds += t2 - t1;
  }
  for (const bytes of assignments) {
    const t0 = performance.now();
    const value = decodeAssignment(bytes);
    const t1 = performance.now();
    const res = cm.updateEndpoints(value);
    if (!res.ok) throw new Error(res.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
    r.decodeEds += t1 - t0;
    r.applyEds += performance.now() - t1;
  }
  cm.shutdown();
  return r;
}

function main(): void {
  const push = encodePush(N, 'eds', 9);
  const clusters = Object.values(push.clusters);
  const assignments = Object.values(push.endpoints);
  const us = (ms: number): string => ((ms * 1000) / N).toFixed(1).padStart(6);
  console.log(`cluster-apply: ${N} EDS clusters (${(push.bytes / 1048576).toFixed(1)} MB), µs per cluster; round 1 is cold`);
  console.log('round  decode CDS  apply CDS  decode EDS  apply EDS   total');
  for (let i = 1; i <= ROUNDS; i++) {
    const r = round(clusters, assignments);
    const total = r.decodeCds + r.applyCds + r.decodeEds + r.applyEds;
    console.log(`${String(i).padStart(5)}  ${us(r.decodeCds).padStart(10)}  ${us(r.applyCds).padStart(9)}  ${us(r.decodeEds).padStart(10)}  ${us(r.applyEds).padStart(9)}  ${us(total)}`);
  }
}

main();
