// Micro benchmark: the stats hot path. Counter inc and histogram record through objects resolved
// at config time, against the alternatives they replace (a name lookup per request, prom-client's
// labelled counter). Bounded iterations; prints ns/op. Run: node .build/<dir>/bench/micro/stats-inc.js

import { Counter as PromCounter, Registry } from 'prom-client';

import { createStatsStore } from '../../proxy/stats/stats-store';
import type { Counter, Histogram } from '../../proxy/stats/types';

const ITERATIONS = 5_000_000;
const ROUNDS = 5;

function measure(label: string, fn: (n: number) => void, iterations = ITERATIONS): number {
  fn(Math.min(iterations, 200_000)); // warm up, let the JIT settle
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    fn(iterations);
    const ns = Number(process.hrtime.bigint() - t0) / iterations;
    if (ns < best) best = ns;
  }
  console.log(`${label.padEnd(52)} ${best.toFixed(2).padStart(8)} ns/op`);
  return best;
}

export function runStatsIncBench(): void {
  const store = createStatsStore();
  const scope = store.scope('cluster.backend');
  const counter: Counter = scope.counter('upstream_rq_total');
  const hist: Histogram = scope.histogram('upstream_rq_time');
  const rejected = createStatsStore({ stats_matcher: { reject_all: true } }).counter('x');
  const byName = new Map<string, Counter>([['cluster.backend.upstream_rq_total', counter]]);
  const values = new Float64Array(1024);
  for (let i = 0; i < values.length; i++) values[i] = Math.floor(Math.exp((i % 97) / 8)); // 1 .. ~160000

  measure('counter.inc() (resolved at config time)', (n) => {
    for (let i = 0; i < n; i++) counter.inc();
  });
  measure('null counter.inc() (rejected by stats_matcher)', (n) => {
    for (let i = 0; i < n; i++) rejected.inc();
  });
  measure('map lookup by name + inc() (what we avoid)', (n) => {
    for (let i = 0; i < n; i++) byName.get('cluster.backend.upstream_rq_total')!.inc();
  });
  const prefix = 'cluster.backend';
  measure('string build + map lookup + inc() (what we avoid)', (n) => {
    for (let i = 0; i < n; i++) byName.get(`${prefix}.upstream_rq_total`)?.inc();
  });
  measure('histogram.recordValue(v)', (n) => {
    for (let i = 0; i < n; i++) hist.recordValue(values[i & 1023]);
  });
  measure('store.flush() with one busy histogram (per call)', (n) => {
    for (let i = 0; i < n; i++) {
      hist.recordValue(values[i & 1023]);
      store.flush();
    }
  }, 50_000);

  const registry = new Registry();
  const prom = new PromCounter({ name: 'upstream_rq_total', help: 'h', labelNames: ['cluster_name'], registers: [registry] });
  const promChild = prom.labels('backend');
  measure('prom-client labels(..).inc() per op', (n) => {
    for (let i = 0; i < n; i++) prom.labels('backend').inc();
  }, 1_000_000);
  measure('prom-client child.inc() (resolved)', (n) => {
    for (let i = 0; i < n; i++) promChild.inc();
  }, 1_000_000);
  if (counter.value < 0) console.log('unreachable'); // keep results observable
}

if (require.main === module) runStatsIncBench();
