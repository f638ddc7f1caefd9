// The http scenario's harness, apart from the table so the smoke test can drive it with a tiny
// Node load: start the shared upstream, then per peer: start, check one GET, warm up, measure
// load + the proxy's CPU and RSS, stop (always).
import * as http from 'node:http';
import { serverScript } from '../lib/paths';
import { waitListening, freePort } from '../lib/ports';
import { cpuSeconds, rssKb } from '../lib/proc-stats';
import { lastLine, Proc, startProcess } from '../lib/procs';
import type { Load, LoadResult } from '../lib/load-result';
import { BODY } from '../servers/upstream-http';
import { startNginxUpstream } from '../peers/nginx';
import type { PeerContext, Started } from '../peers/types';

export interface PeerSpec {
  readonly name: string;
  start(ctx: PeerContext): Promise<Started>;
}

/** The peers BENCH_PEERS names (comma-separated), in their order; all when it is unset. */
export function selectedPeers(specs: readonly PeerSpec[]): PeerSpec[] {
  const only = (process.env.BENCH_PEERS ?? '').split(',').filter(Boolean);
  return specs.filter((s) => only.length === 0 || only.includes(s.name));
}

export interface HttpRow {
  readonly name: string;
  readonly result?: LoadResult;
  readonly cpuPer10k?: number;
  /** The proxy's CPU over the run, in % of one core: near 100 means the proxy was the bottleneck. */
  readonly cpuPercent?: number;
  readonly rssKb?: number;
  readonly unavailable?: string;
}

/**
 * The upstream all peers share: nginx's static `return 200` when nginx is given (the
 * cheapest per request, so the load core is not what limits), else the raw-net Node server.
 */
export async function startUpstream(cpu: number | undefined, nginx?: { readonly bin: string; readonly tmp: string }): Promise<{ port: number; proc: Proc; kind: string }> {
  if (nginx) {
    const s = await startNginxUpstream(nginx.bin, nginx.tmp, cpu);
    if (!s.ok) throw new Error(`the nginx upstream did not start: ${s.reason}`);
    return { port: s.peer.port, proc: s.peer.proc, kind: 'nginx return 200' };
  }
  const port = await freePort();
  const proc = startProcess('upstream', process.execPath, [serverScript('upstream-http'), String(port)], { cpu });
  if (!(await waitListening(port, 10_000, () => proc.exitStatus === undefined))) {
    await proc.stop();
    throw new Error(`the upstream did not start: ${lastLine(proc)}`);
  }
  return { port, proc, kind: 'raw net HTTP/1.1 keep-alive (Node)' };
}

/** One GET through the peer: undefined when it answers 200 with the upstream's body. */
export function checkOnce(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        resolve(res.statusCode === 200 && body === BODY ? undefined : `GET / answered ${res.statusCode} ${JSON.stringify(body.slice(0, 80))}`));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 3 s')));
    req.on('error', (e) => resolve(`GET / failed: ${e.message}`));
  });
}

export async function measurePeer(
  spec: PeerSpec,
  ctx: PeerContext,
  load: Load,
  warmup: Load | undefined,
  say: (msg: string) => void,
): Promise<HttpRow> {
  say(`${spec.name}: starting`);
  const started = await spec.start(ctx);
  if (!started.ok) return { name: spec.name, unavailable: started.reason };
  const { peer } = started;
  try {
    const problem = await checkOnce(peer.port);
    if (problem) return { name: spec.name, unavailable: problem };
    if (warmup) {
      say(`${spec.name}: warm-up`);
      await warmup(peer.port);
    }
    say(`${spec.name}: measuring`);
    const cpu0 = cpuSeconds(peer.proc.pid);
    const result = await load(peer.port);
    const cpu = cpuSeconds(peer.proc.pid) - cpu0;
    const rss = rssKb(peer.proc.pid);
    say(`${spec.name}: ${result.rps.toFixed(0)} req/s, ${result.errors} errors`);
    return { name: spec.name, result, cpuPer10k: result.requests ? (cpu / result.requests) * 10_000 : undefined,
      cpuPercent: result.seconds ? (cpu / result.seconds) * 100 : undefined, rssKb: rss };
  } catch (e) {
    return { name: spec.name, unavailable: (e as Error).message };
  } finally {
    await peer.proc.stop();
  }
}
