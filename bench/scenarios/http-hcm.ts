// Scenario "http-hcm": the proxy path alone. tsenvoy's HttpConnectionManager + router + HTTP/1
// pool on a plain net.Server (servers/tsenvoy-hcm.ts, no bootstrap, listener or admin) next to
// nginx (1 worker), a bare Node socket pipe and npm http-proxy, all in front of one upstream, each
// loaded by wrk as in the http scenario (1 thread, 32 keep-alive connections). Rounds interleave
// the peers and keep each one's best, so a burst of other work on the machine hits all alike.
//   BENCH_SECONDS (10), BENCH_ROUNDS (1); BENCH_HCM_NODE_ARGS adds node flags to the tsenvoy
//   process only (e.g. "--trace-gc" or "--cpu-prof --cpu-prof-dir=/tmp/prof").
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cpuPlan } from '../lib/cores';
import { serverScript } from '../lib/paths';
import { fixed, loadNote, mb, progress, ratio, table, verdict } from '../lib/report';
import { ensureTools } from '../lib/tools';
import { runWrk } from '../lib/wrk';
import { startNginx } from '../peers/nginx';
import { startNodePeer } from '../peers/node-peers';
import { startListening } from '../peers/start-listening';
import type { PeerContext, Started } from '../peers/types';
import { HttpRow, measurePeer, selectedPeers, startUpstream } from './http-harness';

const CONNECTIONS = 32;
const WARMUP_SECONDS = 2;

function startHcm(ctx: PeerContext): Promise<Started> {
  const extra = (process.env.BENCH_HCM_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  return startListening('tsenvoy hcm', process.execPath, (port) => [...extra, serverScript('tsenvoy-hcm'), String(port), String(ctx.upstreamPort)], { cpu: ctx.cpu });
}

export async function runHttpHcmScenario(): Promise<void> {
  const say = (m: string): void => progress('http-hcm', m);
  const seconds = Number(process.env.BENCH_SECONDS) || 10;
  const rounds = Math.max(1, Math.min(10, Number(process.env.BENCH_ROUNDS) || 1));
  const tools = ensureTools(['wrk', 'nginx']);
  const wrk = tools.get('wrk')!;
  if (!wrk.path) return say(`skipped: ${wrk.missing}`);
  const nginx = tools.get('nginx')!;
  const plan = cpuPlan();
  say(plan.note);
  say(loadNote());
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsenvoy-bench-hcm-'));
  const upstream = await startUpstream(plan.loadCpu, nginx.path && process.env.BENCH_UPSTREAM !== 'node' ? { bin: nginx.path, tmp } : undefined);
  try {
    say(`upstream (${upstream.kind}) on 127.0.0.1:${upstream.port}; ${WARMUP_SECONDS} s warm-up + ${seconds} s per proxy`);
    const wrkOpts = { bin: wrk.path, connections: CONNECTIONS, cpu: plan.loadCpu };
    const ctx = { tmp, upstreamPort: upstream.port, cpu: plan.proxyCpu };
    const specs = selectedPeers([
      nginx.path ? { name: 'nginx', start: (c) => startNginx(nginx.path!, c) } : { name: 'nginx', start: async () => ({ ok: false, reason: nginx.missing! }) },
      { name: 'node pipe', start: (c) => startNodePeer('node-pipe', 'node pipe', c) },
      { name: 'http-proxy', start: (c) => startNodePeer('http-proxy-relay', 'http-proxy', c) },
      { name: 'tsenvoy hcm', start: startHcm },
    ]);
    const rows: HttpRow[] = specs.map((s) => ({ name: s.name, unavailable: 'not run' }));
    for (let round = 1; round <= rounds; round++) {
      if (rounds > 1) say(`round ${round}/${rounds}`);
      for (const [i, spec] of specs.entries()) {
        if (round > 1 && !rows[i].result) continue;
        const row = await measurePeer(spec, ctx, (p) => runWrk(p, { ...wrkOpts, seconds }), (p) => runWrk(p, { ...wrkOpts, seconds: WARMUP_SECONDS }), say);
        if (row.unavailable) say(`${spec.name}: unavailable: ${row.unavailable}`);
        if (!rows[i].result || (row.result && row.result.rps > rows[i].result!.rps)) rows[i] = row;
      }
    }
    const get = (n: string): HttpRow | undefined => rows.find((r) => r.name === n && r.result);
    const ts = get('tsenvoy hcm');
    const ng = get('nginx');
    const hp = get('http-proxy');
    console.log(table(`http-hcm: wrk -t1 -c${CONNECTIONS} ${seconds}s${rounds > 1 ? `, best of ${rounds} rounds` : ''}`, ['proxy', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'cpu s/10k', 'cpu %', 'rss MB', 'vs nginx'],
      rows.map((r) => r.result
        ? [r.name, r.result.rps.toFixed(0), fixed(r.result.p50Ms, 3), fixed(r.result.p99Ms, 3), r.result.errors, fixed(r.cpuPer10k, 3), fixed(r.cpuPercent, 0), mb(r.rssKb), ratio(r.result.rps, ng?.result?.rps)]
        : [r.name, 'unavailable'])));
    for (const r of rows) if (r.unavailable) console.log(`  ${r.name}: unavailable: ${r.unavailable}`);
    const rps = (r: HttpRow | undefined): number | undefined => r?.result?.rps;
    console.log(verdict(ts && ng ? rps(ts)! >= rps(ng)! : undefined, 'tsenvoy hcm rps >= nginx rps', `${ratio(rps(ts), rps(ng))} x nginx`));
    console.log(verdict(ts && ng ? ts.result!.p99Ms! <= ng.result!.p99Ms! : undefined, 'tsenvoy hcm p99 <= nginx p99', `${fixed(ts?.result?.p99Ms, 3) ?? 'n/a'} ms vs ${fixed(ng?.result?.p99Ms, 3) ?? 'n/a'} ms`));
    console.log(verdict(ts && hp ? rps(ts)! >= 5 * rps(hp)! : undefined, 'tsenvoy hcm rps >= 5x http-proxy', `${ratio(rps(ts), rps(hp))} x http-proxy`));
  } finally {
    await upstream.proc.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
