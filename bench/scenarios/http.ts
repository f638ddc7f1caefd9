// Macro scenario "http": one fast upstream, and in turn nginx, haproxy, a bare Node pipe, a Node
// http relay, npm http-proxy and tsenvoy in front of it, each loaded by wrk (1 thread, 32
// connections, keep-alive) for BENCH_SECONDS (default 10) after a 2 s warm-up; BENCH_ROUNDS
// (default 1) repeats the whole sequence and keeps each peer's best run. nginx and http-proxy run
// twice: pooled (upstream keep-alive, as tsenvoy; the goals are judged against these) and stock
// (their default configuration: a new upstream connection per request), for reference; neither
// matches the HTTP issue's quoted nginx ~18k req/s (stock measures 8-10k here, pooled 29-35k).
// BENCH_PEERS (comma-separated names) runs a subset.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cpuPlan } from '../lib/cores';
import { fixed, loadNote, mb, progress, ratio, table, verdict } from '../lib/report';
import { ensureTools, toolVersion } from '../lib/tools';
import { runWrk } from '../lib/wrk';
import { startHaproxy } from '../peers/haproxy';
import { startNginx } from '../peers/nginx';
import { startNodePeer } from '../peers/node-peers';
import { startTsenvoy } from '../peers/tsenvoy';
import { HttpRow, measurePeer, PeerSpec, selectedPeers, startUpstream } from './http-harness';

const CONNECTIONS = 32;
const WARMUP_SECONDS = 2;

function unavailable(name: string, reason: string): PeerSpec {
  return { name, start: async () => ({ ok: false, reason }) };
}

function peerSpecs(tools: ReturnType<typeof ensureTools>): PeerSpec[] {
  const nginx = tools.get('nginx')!;
  const haproxy = tools.get('haproxy')!;
  return [
    nginx.path ? { name: 'nginx', start: (c) => startNginx(nginx.path!, c) } : unavailable('nginx', nginx.missing!),
    nginx.path ? { name: 'nginx stock', start: (c) => startNginx(nginx.path!, c, false) } : unavailable('nginx stock', nginx.missing!),
    haproxy.path ? { name: 'haproxy', start: (c) => startHaproxy(haproxy.path!, 'http', c) } : unavailable('haproxy', haproxy.missing!),
    { name: 'node pipe', start: (c) => startNodePeer('node-pipe', 'node pipe', c) },
    { name: 'node http', start: (c) => startNodePeer('node-http-relay', 'node http', c) },
    { name: 'http-proxy', start: (c) => startNodePeer('http-proxy-relay', 'http-proxy', c) },
    { name: 'http-proxy stock', start: (c) => startNodePeer('http-proxy-relay', 'http-proxy stock', c, ['stock']) },
    { name: 'tsenvoy', start: (c) => startTsenvoy('http', c) },
  ];
}

function printResults(rows: readonly HttpRow[], seconds: number, rounds: number): void {
  const get = (n: string): HttpRow | undefined => rows.find((r) => r.name === n && r.result);
  const ts = get('tsenvoy');
  const nginx = get('nginx');
  const hp = get('http-proxy');
  console.log(table(`http: wrk -t1 -c${CONNECTIONS} ${seconds}s${rounds > 1 ? `, best of ${rounds} rounds` : ''}`, ['proxy', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'cpu s/10k', 'cpu %', 'rss MB', 'vs nginx'],
    rows.map((r) => r.result
      ? [r.name, r.result.rps.toFixed(0), fixed(r.result.p50Ms, 3), fixed(r.result.p99Ms, 3), r.result.errors, fixed(r.cpuPer10k, 3), fixed(r.cpuPercent, 0), mb(r.rssKb), ratio(r.result.rps, nginx?.result?.rps)]
      : [r.name, 'unavailable'])));
  for (const r of rows) if (r.unavailable) console.log(`  ${r.name}: unavailable: ${r.unavailable}`);
  const rps = (r: HttpRow | undefined): number | undefined => r?.result?.rps;
  const both = ts && nginx;
  console.log(verdict(both ? rps(ts)! >= rps(nginx)! : undefined, 'tsenvoy rps >= nginx rps (1 worker each)', `${ratio(rps(ts), rps(nginx))} x nginx`));
  console.log(verdict(both ? ts.result!.p99Ms! <= nginx.result!.p99Ms! : undefined, 'tsenvoy p99 <= nginx p99',
    `${fixed(ts?.result?.p99Ms, 3) ?? 'n/a'} ms vs ${fixed(nginx?.result?.p99Ms, 3) ?? 'n/a'} ms`));
  console.log(verdict(ts && hp ? rps(ts)! >= 5 * rps(hp)! : undefined, 'tsenvoy rps >= 5x http-proxy', `${ratio(rps(ts), rps(hp))} x http-proxy`));
  const nginxStock = get('nginx stock');
  const hpStock = get('http-proxy stock');
  console.log(`  for reference, against the stock configurations (no upstream keep-alive): ` +
    `${ratio(rps(ts), rps(nginxStock))} x nginx stock, ${ratio(rps(ts), rps(hpStock))} x http-proxy stock`);
  console.log(`tsenvoy / http-proxy = ${ratio(rps(ts), rps(hp))}`);
  console.log(`tsenvoy / nginx = ${ratio(rps(ts), rps(nginx))}`);
}

export async function runHttpScenario(): Promise<void> {
  const say = (m: string): void => progress('http', m);
  const seconds = Number(process.env.BENCH_SECONDS) || 10;
  const rounds = Math.max(1, Math.min(10, Number(process.env.BENCH_ROUNDS) || 1));
  const tools = ensureTools(['wrk', 'nginx', 'haproxy']);
  const wrk = tools.get('wrk')!;
  if (!wrk.path) return say(`skipped: ${wrk.missing}`);
  const plan = cpuPlan();
  say(plan.note);
  say(loadNote());
  for (const [n, flag] of [['wrk', '-v'], ['nginx', '-v'], ['haproxy', '-v']] as const) {
    const t = tools.get(n)!;
    if (t.path) say(`${n}: ${toolVersion(t.path, flag)}`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsenvoy-bench-http-'));
  const nginxBin = process.env.BENCH_UPSTREAM === 'node' ? undefined : tools.get('nginx')!.path;
  const upstream = await startUpstream(plan.loadCpu, nginxBin ? { bin: nginxBin, tmp } : undefined);
  try {
    say(`upstream (${upstream.kind}) on 127.0.0.1:${upstream.port}; ${WARMUP_SECONDS} s warm-up + ${seconds} s per proxy`);
    const wrkOpts = { bin: wrk.path, connections: CONNECTIONS, cpu: plan.loadCpu };
    const ctx = { tmp, upstreamPort: upstream.port, cpu: plan.proxyCpu };
    const specs = selectedPeers(peerSpecs(tools));
    const rows: HttpRow[] = specs.map((s) => ({ name: s.name, unavailable: 'not run' }));
    // Rounds interleave the peers so a burst of other work on the machine does not land on one only.
    for (let round = 1; round <= rounds; round++) {
      if (rounds > 1) say(`round ${round}/${rounds}`);
      for (const [i, spec] of specs.entries()) {
        if (round > 1 && !rows[i].result) continue;
        const row = await measurePeer(spec, ctx, (p) => runWrk(p, { ...wrkOpts, seconds }), (p) => runWrk(p, { ...wrkOpts, seconds: WARMUP_SECONDS }), say);
        if (row.unavailable) say(`${spec.name}: unavailable: ${row.unavailable}`);
        if (!rows[i].result || (row.result && row.result.rps > rows[i].result!.rps)) rows[i] = row;
      }
    }
    printResults(rows, seconds, rounds);
  } finally {
    await upstream.proc.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
