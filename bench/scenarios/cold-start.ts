// Macro scenario "cold-start": from spawning `node bin/tsenvoy.js` to admin /ready answering LIVE
// (polled every ~2 ms), and VmRSS after 2 s idle; for the embedded default bootstrap and for
// Istio's default golden bootstrap (read from ../shared at run time) with pilot-agent's flags.
// The golden's ADS waits for its first CDS and LDS answers (initial_fetch_timeout 0s, as in
// Envoy), so that case runs next to a real control plane (test/xds/control-plane.ts) that
// answers both with no resources, as istiod does for a proxy with nothing configured yet.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, serverScript, sharedDir, tsenvoyCommand } from '../lib/paths';
import { freePort, portIsFree } from '../lib/ports';
import { rssKb } from '../lib/proc-stats';
import { lastLine, startProcess } from '../lib/procs';
import { pollLive } from '../lib/ready';
import { fixed, loadNote, mb, median, progress, table, verdict } from '../lib/report';
import { ControlPlane } from '../../test/xds/control-plane';
import { CLUSTER, LISTENER } from '../../xds-client/type-urls';

export interface ColdStartSample {
  readonly liveMs: number;
  readonly rssKb: number;
}

export interface ColdStartCase {
  readonly name: string;
  /** Node's arguments (script first), or why the case cannot run here. */
  readonly args?: readonly string[];
  readonly adminPort?: number;
  readonly unavailable?: string;
  /** Stops what the case started next to tsenvoy (the golden's control plane). */
  readonly cleanup?: () => void;
}

const RUNS = 5;
const LIVE_GOAL_MS = 300;
const RSS_GOAL_MB = 50;
const ISTIO_ADMIN_PORT = 15000;
export const PILOT_AGENT_FLAGS = [
  '--drain-time-s', '45', '--drain-strategy', 'immediate', '--local-address-ip-version', 'v4',
  '--file-flush-interval-msec', '1000', '--disable-hot-restart', '--allow-unknown-static-fields',
  '-l', 'warning', '--component-log-level', 'misc:error', '--concurrency', '2',
];

export function goldenPath(): string {
  return path.join(sharedDir, 'fixtures', 'istio', 'bootstrap', 'default_golden.json');
}

/**
 * Admin on 15000 as shipped, or, when 15000 is taken, a free port merged in with --config-yaml
 * (scalars only: repeated fields would append). The address is repeated because tsenvoy validates
 * the override on its own before merging (Envoy validates only the merged result).
 */
async function adminArgs(): Promise<{ args: string[]; port: number }> {
  if (await portIsFree(ISTIO_ADMIN_PORT)) return { args: [], port: ISTIO_ADMIN_PORT };
  const port = await freePort();
  return { args: ['--config-yaml', `{admin: {address: {socket_address: {address: 127.0.0.1, port_value: ${port}}}}}`], port };
}

async function busy(ports: readonly number[], host: string): Promise<string | undefined> {
  for (const p of ports) if (!(await portIsFree(p, host))) return `port ${host}:${p} is in use`;
  return undefined;
}

/** What Node alone costs: an empty http server answering /ready. */
export async function nodeFloorCase(): Promise<ColdStartCase> {
  const port = await freePort();
  return { name: 'node floor (empty http server)', args: [serverScript('ready-floor'), String(port)], adminPort: port };
}

/** (a) `tsenvoy` with no -c; if 15000 is taken, -c <the embedded file> plus the admin override. */
export async function defaultBootstrapCase(): Promise<ColdStartCase> {
  const name = 'default bootstrap';
  const cmd = tsenvoyCommand();
  if (cmd.missing) return { name, unavailable: cmd.missing };
  const taken = await busy([10000], '127.0.0.1');
  if (taken) return { name, unavailable: `${taken} (the default bootstrap's listener)` };
  const admin = await adminArgs();
  const args = admin.args.length ? ['-c', path.join(repoRoot, 'proxy', 'server', 'default-bootstrap.yaml'), ...admin.args] : [];
  return { name, args: [...cmd.args, ...args], adminPort: admin.port };
}

/**
 * The golden as shipped, except that its xds-grpc cluster points at `socketPath` instead of
 * /tmp/XDS (pilot-agent's socket, which another process on this machine may own).
 */
export function goldenWithXdsSocket(socketPath: string, dir: string): string {
  const golden = JSON.parse(fs.readFileSync(goldenPath(), 'utf8')) as {
    static_resources: { clusters: { name: string; load_assignment: unknown }[] };
  };
  const xds = golden.static_resources.clusters.find((c) => c.name === 'xds-grpc');
  if (!xds) throw new Error(`${goldenPath()} has no xds-grpc cluster`);
  xds.load_assignment = {
    cluster_name: 'xds-grpc',
    endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: socketPath } } } }] }],
  };
  const file = path.join(dir, 'default_golden.json');
  fs.writeFileSync(file, JSON.stringify(golden, null, 2));
  return file;
}

/** (b) Istio's default golden bootstrap with pilot-agent's command line, and a control plane. */
export async function istioGoldenCase(): Promise<ColdStartCase> {
  const name = 'istio default golden';
  const cmd = tsenvoyCommand();
  if (cmd.missing) return { name, unavailable: cmd.missing };
  if (!fs.existsSync(goldenPath())) return { name, unavailable: `${goldenPath()} not found` };
  const taken = await busy([15090, 15021], '0.0.0.0');
  if (taken) return { name, unavailable: `${taken} (the golden's listeners)` };
  const admin = await adminArgs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsenvoy-bench-golden-'));
  const socketPath = path.join(dir, 'XDS');
  let cp: ControlPlane;
  try {
    cp = await ControlPlane.start({ socketPath });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    return { name, unavailable: `control plane: ${(e as Error).message}` };
  }
  cp.setResources(CLUSTER, {}, false);
  cp.setResources(LISTENER, {}, false);
  const file = goldenWithXdsSocket(socketPath, dir);
  return {
    name,
    args: [...cmd.args, '-c', file, ...admin.args, ...PILOT_AGENT_FLAGS],
    adminPort: admin.port,
    cleanup: () => {
      cp.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One cold start of `node ...args`: spawn, poll /ready until LIVE, idle, read VmRSS, stop and wait for the exit. */
export async function measureColdStart(args: readonly string[], adminPort: number, idleMs = 2000): Promise<ColdStartSample> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'tsenvoy-bench-cold-'));
  const t0 = process.hrtime.bigint();
  const proc = startProcess('cold-start', process.execPath, args, { cwd });
  try {
    const live = await pollLive(adminPort, 15_000, () => proc.exitStatus === undefined, 2);
    if ('reason' in live) throw new Error(`${live.reason}: ${lastLine(proc)}`);
    const liveMs = Number(live.at - t0) / 1e6;
    await new Promise((r) => setTimeout(r, idleMs));
    if (proc.exitStatus !== undefined) throw new Error(`exited (${proc.exitStatus}) while idle: ${lastLine(proc)}`);
    return { liveMs, rssKb: rssKb(proc.pid) };
  } finally {
    await proc.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

export async function runColdStartScenario(): Promise<void> {
  const say = (m: string): void => progress('cold-start', m);
  const rows: (string | undefined)[][] = [];
  const verdicts: string[] = [];
  say(loadNote());
  // Node reads this CA file at start-up, before any script: on the bench machine ~90 ms and ~1.8 MB
  // for every case alike (the floor too). Children inherit it; say so, since sidecars rarely set it.
  if (process.env.NODE_EXTRA_CA_CERTS) say(`NODE_EXTRA_CA_CERTS is set (${process.env.NODE_EXTRA_CA_CERTS}): every case, the floor too, pays for reading it at start-up`);
  for (const make of [nodeFloorCase, defaultBootstrapCase, istioGoldenCase]) {
    const c = await make();
    const samples: ColdStartSample[] = [];
    let failure = c.unavailable;
    try {
      for (let i = 0; i < RUNS && !failure; i++) {
        say(`${c.name}: run ${i + 1}/${RUNS}`);
        try {
          samples.push(await measureColdStart(c.args!, c.adminPort!));
        } catch (e) {
          failure = (e as Error).message;
        }
      }
    } finally {
      c.cleanup?.();
    }
    const goals = make !== nodeFloorCase;
    if (failure) {
      say(`${c.name}: unavailable: ${failure}`);
      rows.push([c.name, 'unavailable']);
      if (goals) verdicts.push(verdict(undefined, `${c.name}: LIVE within ${LIVE_GOAL_MS} ms, idle RSS < ${RSS_GOAL_MB} MB`, `unavailable: ${failure}`));
      continue;
    }
    const live = samples.map((s) => s.liveMs);
    const rss = samples.map((s) => s.rssKb);
    rows.push([c.name, fixed(median(live), 1), fixed(Math.max(...live), 1), mb(median(rss)), mb(Math.max(...rss))]);
    if (!goals) continue;
    verdicts.push(verdict(median(live) <= LIVE_GOAL_MS, `${c.name}: LIVE within ${LIVE_GOAL_MS} ms`, `median ${fixed(median(live), 1)} ms, max ${fixed(Math.max(...live), 1)} ms`));
    verdicts.push(verdict(median(rss) / 1024 < RSS_GOAL_MB, `${c.name}: idle RSS < ${RSS_GOAL_MB} MB`, `median ${mb(median(rss))} MB, max ${mb(Math.max(...rss))} MB`));
  }
  console.log(table(`cold start: spawn -> /ready LIVE, VmRSS after 2 s idle (${RUNS} runs each)`,
    ['bootstrap', 'live ms p50', 'live ms max', 'rss MB p50', 'rss MB max'], rows));
  for (const v of verdicts) console.log(v);
}
