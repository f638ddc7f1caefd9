// Scenario "xds-push": a big CDS/EDS/RDS push into a running tsenvoy under steady load. The test
// control plane (test/xds/control-plane.ts, real gRPC ADS) serves a listener and a route to a
// static base cluster; a paced load (servers/paced-load.ts, its own process) runs through the
// listener; then one push adds N Istio-shaped clusters (one loopback endpoint each, EDS or STATIC)
// and a route configuration with a virtual host per cluster. Measured per run:
//   - time from the push to each type's ACK (CDS, EDS, RDS) and to the last cluster answering
//     through the listener (the clusters are usable),
//   - memory growth per cluster: VmRSS and heap (admin /memory `allocated`), both after a full GC
//     (the launcher servers/tsenvoy-gc-launch.ts runs gc() on SIGUSR2), and the RSS peak,
//   - request latency p99 and max in a baseline window before the push vs during it (push ->
//     usable), latency counted from each request's due time,
//   - tsenvoy's CPU time (utime + stime) from the push to the last ACK or answer, and the share of
//     one core it used then and in the baseline window: a push that keeps the core 100% busy is
//     CPU-bound, so its time moves with the machine's speed (a shared VM's varies by +-25%).
//   BENCH_XDS_SIZES (1000,10000), BENCH_XDS_MODES (eds,static), BENCH_XDS_RUNS (3),
//   BENCH_XDS_RPS (1000), BENCH_XDS_DELTA=1 (delta ADS instead of SotW),
//   BENCH_XDS_NODE_ARGS (extra node flags for tsenvoy, e.g. --cpu-prof --cpu-prof-dir=/tmp/p),
//   BENCH_XDS_PIN=0 (leave this process, the control plane, unpinned instead of on the load core),
//   BENCH_XDS_LOAD=closed (8 connections each on its own schedule, waiting for its previous
//   response, instead of open arrivals on up to 64: see servers/paced-load.ts for why open is the
//   default), BENCH_XDS_DIRECT=1 (the load's route answers with a direct_response: no upstream in the path,
//   to tell the proxy's own share of the latency from the upstream round trip's).
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlPlane } from '../../test/xds/control-plane';
import { xdsBootstrap } from '../../test/integration/xds-support';
import { cpuPlan, oneCpuNodeFlags, pinSelfToLoadCore } from '../lib/cores';
import { compiledRoot, serverScript } from '../lib/paths';
import { freePort, waitListening } from '../lib/ports';
import { lastLine, Proc, startProcess } from '../lib/procs';
import { cpuSeconds } from '../lib/proc-stats';
import { pollLive } from '../lib/ready';
import { fixed, loadNote, median, percentile, progress, table, verdict } from '../lib/report';
import {
  BASE_HOST, baseCluster, CLUSTER, EncodedPush, encodePush, ENDPOINT, LISTENER, LISTENER_NAME, listener, PUSH_MODES, PushMode, ROUTE, ROUTE_NAME, routeConfig, serviceHost,
} from './xds-push-resources';

const BASELINE_MS = 2000;
const TAIL_MS = 500;
const APPLY_TIMEOUT_MS = 60_000;
/** Open arrivals (servers/paced-load.ts) on up to this many keep-alive connections; closed: exactly this many. */
const LOAD_CONNECTIONS = { open: 64, closed: 8 } as const;
type LoadModel = keyof typeof LOAD_CONNECTIONS;
const loadModel = (): LoadModel => (process.env.BENCH_XDS_LOAD === 'closed' ? 'closed' : 'open');
const GOAL_KB_PER_CLUSTER = 10;
const GOAL_APPLY_10K_MS = 2000;
const GOAL_P99_ADDED_MS = 10;

export interface PushSample {
  readonly n: number;
  readonly mode: PushMode;
  /** The test control plane's own ms to build the push and serialize its CDS response; the other times run from its end. */
  readonly cpMs: number;
  readonly cdsAckMs: number;
  /** The proxy's own time handling the CDS response (decode, apply), from its update_duration histogram. */
  readonly cdsProcMs: number | undefined;
  readonly edsAckMs: number | undefined;
  readonly rdsAckMs: number;
  readonly usableMs: number;
  readonly rssKbPerCluster: number;
  readonly heapKbPerCluster: number;
  readonly peakRssMb: number;
  readonly baseP99: number;
  readonly pushP99: number;
  readonly pushMax: number;
  readonly pushRequests: number;
  readonly errors: number;
  /** tsenvoy's CPU ms from the push to applied, and the share of a core it was (percent), then and before. */
  readonly pushCpuMs: number;
  readonly pushBusyPct: number;
  readonly baseBusyPct: number;
}

interface Memory {
  readonly rssKb: number;
  readonly heapKb: number;
}

/**
 * The pollers' one keep-alive connection: a fresh connection per poll (every 5 ms while a push is
 * applied) cost the proxy ~150 ms of its core per 10,000-cluster push in accepts and connection
 * set-up, charged to the push's apply time and to the load's latency.
 */
const pollAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(port: number, pathAndQuery: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathAndQuery, agent: pollAgent, headers: host ? { host } : {}, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: 0, body: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

/**
 * The sum of cluster_manager.cds.update_duration (ms) from /stats/prometheus: its growth over a
 * push is the time tsenvoy spent handling that CDS response (decode and apply, from its arrival to
 * the ACK), without the control plane's share.
 */
async function cdsUpdateMsSum(adminPort: number): Promise<number | undefined> {
  const body = (await get(adminPort, '/stats/prometheus?filter=cluster_manager%5C.cds%5C.update_duration')).body;
  const m = /^envoy_cluster_manager_cds_update_duration_sum(?:\{[^}]*\})? (\S+)$/m.exec(body);
  return m ? Number(m[1]) : undefined;
}

/** VmRSS of one process (tsenvoy has no children; proc-stats' rssKb scans all of /proc for them). */
function rssKb(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the paced load wrote when it stopped; an error that says what it left and why, else. */
function readLoadSamples(file: string, load: Proc): LoadSamples {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  try {
    return JSON.parse(text ?? '') as LoadSamples;
  } catch {
    const left = text === undefined ? 'no file' : `${text.length} bytes`;
    throw new Error(`the paced load left ${left} in ${file} (exit status ${String(load.exitStatus)}; its last line: ${lastLine(load)}); the run is skipped, run the scenario again`);
  }
}

/** Full GC in tsenvoy (SIGUSR2 to the launcher), then VmRSS and /memory's allocated bytes. */
async function settledMemory(proc: Proc, adminPort: number): Promise<Memory> {
  process.kill(proc.pid, 'SIGUSR2');
  // A heap snapshot (TSENVOY_BENCH_HEAP_DIR, see the launcher) of a big heap takes many seconds.
  await sleep(process.env.TSENVOY_BENCH_HEAP_DIR ? 60_000 : 400);
  const mem = JSON.parse((await get(adminPort, '/memory')).body) as { allocated: string };
  return { rssKb: rssKb(proc.pid), heapKb: Number(mem.allocated) / 1024 };
}

/**
 * The time (epoch ms) at which the client ACKed the last response of `type` sent after `t0`, once
 * the responses since t0 carried at least `names` resources; undefined while that has not happened.
 * Throws on a NACK.
 */
function ackedAt(cp: ControlPlane, type: string, t0: number, names: number, sentIndex: number): number | undefined {
  const sent = cp.responses.slice(sentIndex).filter((r) => r.type_url === type);
  if (!sent.length) return undefined;
  const total = cp.requests[0]?.mode === 'delta' ? sent.reduce((s, r) => s + r.names.length, 0) : sent[sent.length - 1].names.length;
  if (total < names) return undefined;
  const last = sent[sent.length - 1];
  for (let i = cp.requests.length - 1; i >= 0; i--) {
    const r = cp.requests[i];
    if (r.at < t0) break;
    if (r.type_url !== type || r.response_nonce !== last.nonce) continue;
    if (r.error_detail) throw new Error(`${type} NACKed: ${r.error_detail.message}`);
    return r.at;
  }
  return undefined;
}

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out (${timeoutMs} ms) waiting for ${what}`);
    await sleep(everyMs);
  }
}

interface LoadSamples {
  readonly due: number[];
  readonly ms: number[];
  readonly status: number[];
}

function window(l: LoadSamples, from: number, to: number): { ms: number[]; errors: number } {
  const ms: number[] = [];
  let errors = 0;
  for (let i = 0; i < l.due.length; i++) {
    if (l.due[i] < from || l.due[i] > to) continue;
    ms.push(l.ms[i]);
    if (l.status[i] !== 200) errors++;
  }
  return { ms, errors };
}

/** Load before the measured baseline (BENCH_XDS_WARMUP_MS): connections open and the request path compiles. */
function warmupMs(): number {
  const v = process.env.BENCH_XDS_WARMUP_MS;
  if (v === undefined || v === '') return 1000;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 600_000) throw new Error(`BENCH_XDS_WARMUP_MS: '${v}' is not a number of milliseconds from 0 to 600000; unset it for the default 1000`);
  return n;
}

export async function measurePush(push: EncodedPush, upstreamPort: number, tmp: string, say: (m: string) => void): Promise<PushSample> {
  const plan = cpuPlan();
  const delta = process.env.BENCH_XDS_DELTA === '1';
  const cp = await ControlPlane.start();
  const [adminPort, port] = [await freePort(), await freePort()];
  const bootstrap = xdsBootstrap(cp, { delta }) as { admin: unknown; static_resources: { clusters: unknown[] } };
  bootstrap.admin = { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } };
  bootstrap.static_resources.clusters.push(baseCluster(upstreamPort));
  const file = path.join(tmp, 'bootstrap.json');
  fs.writeFileSync(file, JSON.stringify(bootstrap));
  cp.setResources(CLUSTER, {}, false);
  cp.setResources(LISTENER, { [LISTENER_NAME]: listener(port) }, false);
  cp.setResources(ROUTE, { [ROUTE_NAME]: routeConfig(0) }, false);
  const extra = (process.env.BENCH_XDS_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const proc = startProcess('tsenvoy', process.execPath, [...oneCpuNodeFlags(plan.proxyCpu !== undefined, extra), '--expose-gc', ...extra, serverScript('tsenvoy-gc-launch'), '-c', file, '-l', process.env.BENCH_XDS_LOG_LEVEL ?? 'warning', '--concurrency', '1'], { cpu: plan.proxyCpu, keepBytes: process.env.BENCH_XDS_DEBUG ? 1 << 24 : undefined });
  let load: Proc | undefined;
  try {
    const live = await pollLive(adminPort, 15_000, () => proc.exitStatus === undefined, 10);
    if ('reason' in live) throw new Error(`${live.reason}: ${lastLine(proc)}`);
    if (!(await waitListening(port, 5000))) throw new Error('the LDS listener does not listen');
    const first = await get(port, '/', BASE_HOST);
    if (first.status !== 200) throw new Error(`GET through the listener answered ${first.status}`);
    const loadFile = path.join(tmp, 'load.json');
    const rps = Number(process.env.BENCH_XDS_RPS) || 1000;
    const maxSeconds = (BASELINE_MS + APPLY_TIMEOUT_MS + 5000) / 1000 + 5;
    load = startProcess('paced-load', process.execPath, [serverScript('paced-load'), String(port), BASE_HOST, String(rps), String(LOAD_CONNECTIONS[loadModel()]), String(maxSeconds), loadFile, loadModel()], { cpu: plan.loadCpu });
    await sleep(warmupMs()); // warm-up: connections open, JIT settles
    // Read outside the memory window: even a filtered render allocates.
    const cdsSum0 = await cdsUpdateMsSum(adminPort);
    const mem0 = await settledMemory(proc, adminPort);
    const baseFrom = Date.now();
    const cpuBase = cpuSeconds(proc.pid);
    await sleep(BASELINE_MS);
    const sentIndex = cp.responses.length;
    let peakKb = rssKb(proc.pid);
    const sampler = setInterval(() => { peakKb = Math.max(peakKb, rssKb(proc.pid)); }, 50);
    const cpuPre = cpuSeconds(proc.pid);
    const tPush = Date.now();
    try {
      if (push.mode === 'eds') cp.setResources(ENDPOINT, push.endpoints, false);
      cp.setResources(CLUSTER, push.clusters);
      // The control plane has built the push and serialized its CDS response into gRPC (cp ms: the
      // test control plane's work, not the proxy's). Times run from here: the response is on its way.
      const cpu0 = cpuSeconds(proc.pid);
      const t0 = Date.now();
      cp.setResources(ROUTE, push.routes);
      const lastHost = serviceHost(push.n - 1);
      let lastStatus = 0;
      const keepLog = (): void => fs.writeFileSync(`/tmp/xds-push-tsenvoy-${push.n}-${push.mode}.log`, `push at ${t0}\n${proc.output()}`);
      const usableAt = until('the last cluster to answer through the listener', async () => ((lastStatus = (await get(port, '/', lastHost)).status) === 200 ? Date.now() : undefined), APPLY_TIMEOUT_MS);
      const acks = until('the ACKs', () => {
        const c = ackedAt(cp, CLUSTER, t0, push.n, sentIndex);
        const e = push.mode === 'eds' ? ackedAt(cp, ENDPOINT, t0, push.n, sentIndex) : 0;
        const r = ackedAt(cp, ROUTE, t0, 1, sentIndex);
        return c !== undefined && e !== undefined && r !== undefined ? { c, e, r } : undefined;
      }, APPLY_TIMEOUT_MS);
      const [usable, ack] = await Promise.all([usableAt, acks]).catch((e: Error) => {
        if (process.env.BENCH_XDS_DEBUG) keepLog();
        throw new Error(`${e.message} (${lastStatus ? `it last answered ${lastStatus}` : 'no answer yet'}); tsenvoy's last words: ${lastLine(proc)}`);
      });
      const cpu1 = cpuSeconds(proc.pid);
      await sleep(TAIL_MS);
      clearInterval(sampler);
      await load.stop();
      const samples = readLoadSamples(loadFile, load);
      const applied = Math.max(usable, ack.c, ack.e, ack.r);
      const base = window(samples, baseFrom, tPush);
      const during = window(samples, t0, applied);
      if (process.env.BENCH_XDS_DEBUG) {
        const worst = samples.due.map((d, i) => [d - t0, samples.ms[i]]).sort((a, b) => b[1] - a[1]).slice(0, 15);
        const sm = samples as { late?: number[]; conn?: number[] };
        const c0 = sm.conn?.[samples.due.findIndex((d, i) => samples.ms[i] === worst[0][1])];
        const seq = samples.due.map((d, i) => [d - t0, samples.ms[i], sm.late?.[i] ?? 0, sm.conn?.[i]] as const).filter((x) => x[3] === c0 && x[0] > worst[0][0] - 300 && x[0] < worst[0][0] + 300);
        say(`connection ${c0} around the worst (due ms from push: latency/sent-late ms): ${seq.map(([d, l, s]) => `${d.toFixed(0)}:${l.toFixed(0)}/${s.toFixed(0)}`).join(' ')}`);
        say(`worst (due ms from push, latency ms): ${worst.map(([d, l]) => `${d.toFixed(0)}:${l.toFixed(1)}`).join(' ')}`);
        const st = (samples as { stalls?: number[] }).stalls ?? [];
        say(`load client stalls (ms from push: length): ${st.filter((_, i) => i % 2 === 0).map((e, i) => `${(e - t0).toFixed(0)}:${st[2 * i + 1].toFixed(0)}`).join(' ')}`);
        keepLog();
      }
      const mem1 = await settledMemory(proc, adminPort);
      // Histograms reach the admin output when the stats flush (stats_flush_interval, 5 s) merges them.
      const cdsSum1 = cdsSum0 === undefined ? undefined : await until('the CDS update_duration to be flushed', async () => {
        const v = await cdsUpdateMsSum(adminPort);
        return v !== undefined && v > cdsSum0 ? v : undefined;
      }, 7000, 500).catch(() => undefined);
      const s: PushSample = {
        n: push.n,
        mode: push.mode,
        cpMs: t0 - tPush,
        cdsAckMs: ack.c - t0,
        cdsProcMs: cdsSum0 !== undefined && cdsSum1 !== undefined ? cdsSum1 - cdsSum0 : undefined,
        edsAckMs: push.mode === 'eds' ? ack.e - t0 : undefined,
        rdsAckMs: ack.r - t0,
        usableMs: usable - t0,
        rssKbPerCluster: (mem1.rssKb - mem0.rssKb) / push.n,
        heapKbPerCluster: (mem1.heapKb - mem0.heapKb) / push.n,
        peakRssMb: peakKb / 1024,
        baseP99: percentile(base.ms, 99),
        pushP99: percentile(during.ms, 99),
        pushMax: Math.max(...during.ms),
        pushRequests: during.ms.length,
        errors: base.errors + during.errors,
        pushCpuMs: (cpu1 - cpu0) * 1000,
        pushBusyPct: (100 * (cpu1 - cpu0) * 1000) / Math.max(1, applied - t0),
        baseBusyPct: (100 * (cpuPre - cpuBase) * 1000) / Math.max(1, tPush - baseFrom),
      };
      say(`${push.n} ${push.mode}: control plane ${s.cpMs} ms to send, then CDS ACK ${s.cdsAckMs} ms (handled in ${fixed(s.cdsProcMs, 0) ?? '-'} ms), EDS ACK ${s.edsAckMs ?? '-'} ms, RDS ACK ${s.rdsAckMs} ms, usable ${s.usableMs} ms; ` +
        `RSS +${fixed(s.rssKbPerCluster, 2)} KB/cluster, heap +${fixed(s.heapKbPerCluster, 2)} KB/cluster; ` +
        `p99 ${fixed(s.baseP99, 2)} -> ${fixed(s.pushP99, 2)} ms (max ${fixed(s.pushMax, 1)} ms, ${s.pushRequests} requests), errors ${s.errors}; ` +
        `tsenvoy CPU ${fixed(s.pushCpuMs, 0)} ms in the push (${fixed(s.pushBusyPct, 0)}% of a core; ${fixed(s.baseBusyPct, 0)}% before it)`);
      return s;
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await load?.stop();
    await proc.stop();
    cp.stop();
  }
}

function list(env: string | undefined, dflt: string): string[] {
  return (env ?? dflt).split(',').map((s) => s.trim()).filter(Boolean);
}

export async function runXdsPushScenario(): Promise<void> {
  const say = (m: string): void => progress('xds-push', m);
  const sizes = list(process.env.BENCH_XDS_SIZES, '1000,10000').map(Number);
  const modes = list(process.env.BENCH_XDS_MODES, 'eds,static').map((m) => m.toLowerCase());
  const badMode = modes.find((m) => !PUSH_MODES.includes(m as PushMode));
  if (badMode !== undefined) throw new Error(`BENCH_XDS_MODES: unknown mode '${badMode}'; give ${PUSH_MODES.join(' and/or ')}, for example eds,static`);
  const badSize = sizes.find((n) => !Number.isInteger(n) || n < 1);
  if (badSize !== undefined) throw new Error(`BENCH_XDS_SIZES: ${badSize} is not a cluster count; give whole numbers, for example 1000,10000`);
  warmupMs(); // a bad BENCH_XDS_WARMUP_MS stops the run here, not each case
  const runs = Math.max(1, Number(process.env.BENCH_XDS_RUNS) || 3);
  const plan = cpuPlan();
  if (!fs.existsSync(path.join(compiledRoot, 'proxy', 'server', 'main.js'))) return say('skipped: tsenvoy is not built');
  say(plan.note);
  say(loadNote());
  say(`${process.env.BENCH_XDS_DELTA === '1' ? 'delta' : 'SotW'} ADS; load ${Number(process.env.BENCH_XDS_RPS) || 1000} req/s, ${loadModel() === 'open' ? `open arrivals on up to ${LOAD_CONNECTIONS.open} keep-alive connections` : `closed, ${LOAD_CONNECTIONS.closed} connections each on its own schedule`} (BENCH_XDS_LOAD=open|closed); ${runs} run(s) per case`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsenvoy-bench-xds-'));
  const upPort = await freePort();
  const upstream = startProcess('upstream', process.execPath, [serverScript('upstream-http'), String(upPort)], { cpu: plan.loadCpu });
  // The control plane and the pollers live in this process: on the load core, not the proxy's.
  const unpin = process.env.BENCH_XDS_PIN === '0' ? (): void => undefined : pinSelfToLoadCore(plan);
  if (plan.loadCpu !== undefined && process.env.BENCH_XDS_PIN !== '0') say(`this process (control plane, pollers) pinned to core ${plan.loadCpu} (BENCH_XDS_PIN=0: not)`);
  const rows: (string | undefined)[][] = [];
  const verdicts: string[] = [];
  try {
    if (!(await waitListening(upPort, 5000))) throw new Error(`upstream did not listen: ${lastLine(upstream)}`);
    for (const mode of modes as PushMode[]) {
      for (const n of sizes) {
        const t = Date.now();
        const push = encodePush(n, mode, upPort);
        say(`${n} ${mode} clusters encoded (${(push.bytes / 1024 / 1024).toFixed(1)} MB) in ${Date.now() - t} ms`);
        const samples: PushSample[] = [];
        for (let r = 1; r <= runs; r++) {
          say(`${n} ${mode}: run ${r}/${runs}`);
          try {
            samples.push(await measurePush(push, upPort, fs.mkdtempSync(path.join(tmp, 'run-')), say));
          } catch (e) {
            say(`${n} ${mode}: run ${r} failed: ${(e as Error).message}`);
          }
        }
        if (!samples.length) {
          rows.push([`${n} ${mode}`, 'failed']);
          continue;
        }
        const m = (f: (s: PushSample) => number | undefined): number | undefined => {
          const xs = samples.map(f).filter((x): x is number => x !== undefined);
          return xs.length ? median(xs) : undefined;
        };
        const row = {
          usable: m((s) => s.usableMs)!, rss: m((s) => s.rssKbPerCluster)!, base: m((s) => s.baseP99)!, push: m((s) => s.pushP99)!,
        };
        rows.push([`${n} ${mode}`, fixed(m((s) => s.cpMs), 0), fixed(m((s) => s.cdsAckMs), 0), fixed(m((s) => s.cdsProcMs), 0), fixed(m((s) => s.edsAckMs), 0), fixed(m((s) => s.rdsAckMs), 0), fixed(row.usable, 0),
          fixed(row.rss, 2), fixed(m((s) => s.heapKbPerCluster), 2), fixed(m((s) => s.peakRssMb), 0),
          fixed(row.base, 2), fixed(row.push, 2), fixed(m((s) => s.pushMax), 1), fixed(m((s) => s.pushCpuMs), 0), fixed(m((s) => s.pushBusyPct), 0), fixed(m((s) => s.baseBusyPct), 0),
          String(samples.reduce((a, s) => a + s.errors, 0)), `${samples.length}/${runs}`]);
        if (n >= 10_000) {
          verdicts.push(verdict(row.usable < GOAL_APPLY_10K_MS, `${n} ${mode} clusters applied (usable) in < ${GOAL_APPLY_10K_MS} ms`, `median ${fixed(row.usable, 0)} ms`));
          verdicts.push(verdict(row.push - row.base <= GOAL_P99_ADDED_MS, `${n} ${mode} push adds <= ${GOAL_P99_ADDED_MS} ms to p99`, `${fixed(row.base, 2)} -> ${fixed(row.push, 2)} ms`));
        }
        verdicts.push(verdict(row.rss < GOAL_KB_PER_CLUSTER, `${n} ${mode}: RSS growth < ${GOAL_KB_PER_CLUSTER} KB per cluster`, `median ${fixed(row.rss, 2)} KB`));
      }
    }
  } finally {
    unpin();
    pollAgent.destroy();
    await upstream.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(table('xds-push: ms from the CDS response handed to gRPC (cp: the control plane\'s ms to build and send it, before); KB per cluster after GC; request latency ms; tsenvoy CPU ms and % of a core (medians over runs)',
    ['push', 'cp ms', 'cds ack', 'cds proc', 'eds ack', 'rds ack', 'usable', 'rss KB/c', 'heap KB/c', 'peak MB', 'p99 base', 'p99 push', 'max push', 'cpu ms', 'busy %', 'base %', 'errors', 'runs'], rows));
  for (const v of verdicts) console.log(v);
}
