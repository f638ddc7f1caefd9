// Macro scenario "tcp": iperf3 throughput with 1 and 64 streams directly, through haproxy (mode tcp)
// and through tsenvoy's tcp_proxy; then the connection-setup latency each proxy adds (connect, one
// byte echoed, close; 2,000 sequential rounds against a tiny echo server, targets interleaved) over direct.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cpuPlan } from '../lib/cores';
import { iperfClient, iperfServer } from '../lib/iperf';
import { serverScript } from '../lib/paths';
import { freePort, waitListening } from '../lib/ports';
import { lastLine, startProcess } from '../lib/procs';
import { fixed, loadNote, progress, ratio, table, verdict } from '../lib/report';
import { ensureTools, toolVersion } from '../lib/tools';
import { startHaproxy } from '../peers/haproxy';
import { startTsenvoy } from '../peers/tsenvoy';
import type { PeerContext, Started } from '../peers/types';

const STREAMS = [1, 64] as const;
const CONNECTS = 2000;
const CONNECT_WARMUP = 200;
const ADDED_P50_GOAL_US = 100;

interface Target {
  readonly name: string;
  /** undefined: connect straight to the upstream. */
  readonly start?: (ctx: PeerContext) => Promise<Started>;
  readonly unavailable?: string;
}

interface Latency { readonly p50Us: number; readonly p99Us: number }

/** Runs fn(port) against the target placed in front of upstreamPort; a reason string if it is unavailable. */
async function through<T>(t: Target, ctx: PeerContext, fn: (port: number) => Promise<T>): Promise<T | string> {
  if (t.unavailable) return t.unavailable;
  if (!t.start) return fn(ctx.upstreamPort);
  const s = await t.start(ctx);
  if (!s.ok) return s.reason;
  try {
    return await fn(s.peer.port);
  } catch (e) {
    return (e as Error).message;
  } finally {
    await s.peer.proc.stop();
  }
}

/** Per target: connect+echo latency, all targets interleaved in one client (see connect-latency.ts). */
async function connectLatency(targets: readonly Target[], ctx: PeerContext, loadCpu: number | undefined, say: (m: string) => void): Promise<Map<string, Latency | string>> {
  const out = new Map<string, Latency | string>();
  const running: { name: string; port: number }[] = [];
  const started: Started[] = [];
  try {
    for (const t of targets) {
      if (t.unavailable) out.set(t.name, t.unavailable);
      else if (!t.start) running.push({ name: t.name, port: ctx.upstreamPort });
      else {
        const s = await t.start(ctx);
        started.push(s);
        if (s.ok) running.push({ name: t.name, port: s.peer.port });
        else out.set(t.name, s.reason);
      }
    }
    say(`${running.map((r) => r.name).join(', ')}: ${CONNECTS} rounds of connect + 1-byte echo, interleaved`);
    const args = [serverScript('connect-latency'), String(CONNECTS), String(CONNECT_WARMUP), ...running.map((r) => String(r.port))];
    const p = startProcess('connect-latency', process.execPath, args, { cpu: loadCpu });
    const guard = setTimeout(() => void p.stop(), 120_000);
    await p.exited;
    clearTimeout(guard);
    let results: { n: number; errors: number; lastError: string; p50Us: number | null; p99Us: number | null }[] = [];
    try {
      results = JSON.parse(p.output().trim().split('\n').pop() ?? '');
    } catch {
      for (const r of running) out.set(r.name, `connect-latency failed: ${lastLine(p)}`);
    }
    results.forEach((r, i) => out.set(running[i].name, r.p50Us === null || r.p99Us === null || r.errors > 0
      ? `${r.errors} connect errors in ${r.n + r.errors} (${r.lastError})`
      : { p50Us: r.p50Us, p99Us: r.p99Us }));
  } finally {
    for (const s of started) if (s.ok) await s.peer.proc.stop();
  }
  return out;
}

export async function runTcpScenario(): Promise<void> {
  const say = (m: string): void => progress('tcp', m);
  const seconds = Number(process.env.BENCH_TCP_SECONDS) || 5;
  const tools = ensureTools(['iperf3', 'haproxy']);
  const iperf = tools.get('iperf3')!;
  const haproxy = tools.get('haproxy')!;
  const plan = cpuPlan();
  say(plan.note);
  say(loadNote());
  if (haproxy.path) say(`haproxy: ${toolVersion(haproxy.path, '-v')}`);
  const targets: Target[] = [
    { name: 'direct' },
    haproxy.path ? { name: 'haproxy', start: (c) => startHaproxy(haproxy.path!, 'tcp', c) } : { name: 'haproxy', unavailable: haproxy.missing },
    { name: 'tsenvoy', start: (c) => startTsenvoy('tcp', c) },
  ];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsenvoy-bench-tcp-'));
  const gbps = new Map<string, (number | string)[]>();
  let lat = new Map<string, Latency | string>();
  try {
    if (!iperf.path) say(`throughput skipped: ${iperf.missing}`);
    else {
      say(`iperf3: ${toolVersion(iperf.path, '-v')}; ${seconds} s per test; client and server on the load core, so "direct" uses one core where a proxy adds its own`);
      const ctx = { tmp, upstreamPort: await freePort(), cpu: plan.proxyCpu };
      for (const t of targets) {
        const out = await through(t, ctx, async (port) => {
          const r: (number | string)[] = [];
          for (const n of STREAMS) {
            say(`${t.name}: iperf3 -P ${n} for ${seconds} s`);
            const server = await iperfServer(iperf.path!, ctx.upstreamPort, plan.loadCpu);
            try {
              r.push(await iperfClient(iperf.path!, port, n, seconds, plan.loadCpu));
            } catch (e) {
              r.push((e as Error).message);
            } finally {
              await server.stop();
            }
          }
          return r;
        });
        gbps.set(t.name, typeof out === 'string' ? STREAMS.map(() => out) : out);
      }
    }
    const echoPort = await freePort();
    const echo = startProcess('echo', process.execPath, [serverScript('echo-server'), String(echoPort)], { cpu: plan.loadCpu });
    try {
      if (!(await waitListening(echoPort, 10_000, () => echo.exitStatus === undefined))) throw new Error(`echo server: ${lastLine(echo)}`);
      lat = await connectLatency(targets, { tmp, upstreamPort: echoPort, cpu: plan.proxyCpu }, plan.loadCpu, say);
    } finally {
      await echo.stop();
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  printTcp(targets, gbps, lat);
}

function printTcp(targets: readonly Target[], gbps: Map<string, (number | string)[]>, lat: Map<string, Latency | string>): void {
  const num = (name: string, i: number): number | undefined => {
    const v = gbps.get(name)?.[i];
    return typeof v === 'number' ? v : undefined;
  };
  const cell = (name: string, i: number): string | undefined => fixed(num(name, i), 2) ?? (gbps.has(name) ? 'unavailable' : 'skipped');
  console.log(table('tcp throughput (iperf3, Gbit/s)', ['target', '1 stream', '64 streams', '1 vs haproxy', '64 vs haproxy'],
    targets.map((t) => [t.name, cell(t.name, 0), cell(t.name, 1), ratio(num(t.name, 0), num('haproxy', 0)), ratio(num(t.name, 1), num('haproxy', 1))])));
  for (const t of targets) {
    const reasons = new Set((gbps.get(t.name) ?? []).filter((v): v is string => typeof v === 'string'));
    for (const r of reasons) console.log(`  ${t.name}: unavailable: ${r}`);
  }
  const direct = lat.get('direct');
  const d = typeof direct === 'object' ? direct : undefined;
  const l = (name: string): Latency | undefined => {
    const v = lat.get(name);
    return typeof v === 'object' ? v : undefined;
  };
  console.log(table(`connection setup: connect + 1-byte echo, ${CONNECTS} sequential rounds, targets interleaved (µs)`, ['target', 'p50', 'p99', 'added p50', 'added p99'],
    targets.map((t) => {
      const v = l(t.name);
      if (!v) return [t.name, 'unavailable'];
      return [t.name, fixed(v.p50Us, 1), fixed(v.p99Us, 1), d && t.start ? fixed(v.p50Us - d.p50Us, 1) : undefined, d && t.start ? fixed(v.p99Us - d.p99Us, 1) : undefined];
    })));
  for (const t of targets) if (typeof lat.get(t.name) === 'string') console.log(`  ${t.name}: unavailable: ${lat.get(t.name)}`);
  const ts = [num('tsenvoy', 0), num('tsenvoy', 1)];
  const hp = [num('haproxy', 0), num('haproxy', 1)];
  STREAMS.forEach((n, i) => console.log(verdict(ts[i] !== undefined && hp[i] !== undefined ? ts[i]! >= hp[i]! : undefined,
    `tsenvoy >= haproxy, ${n} stream${n > 1 ? 's' : ''}`, `${fixed(ts[i], 2) ?? 'n/a'} vs ${fixed(hp[i], 2) ?? 'n/a'} Gbit/s`)));
  const tl = l('tsenvoy');
  const added = tl && d ? tl.p50Us - d.p50Us : undefined;
  console.log(verdict(added === undefined ? undefined : added < ADDED_P50_GOAL_US, `tsenvoy added setup latency p50 < ${ADDED_P50_GOAL_US} µs`,
    `${fixed(added, 1) ?? 'n/a'} µs (haproxy adds ${l('haproxy') && d ? fixed(l('haproxy')!.p50Us - d.p50Us, 1) : 'n/a'} µs)`));
}
