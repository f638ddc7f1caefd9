// Finds the peers' binaries; installs the missing ones with apt-get (once per run, root only).
// A tool that cannot be had is reported by name and package so the scenario skips that peer.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Debian package for each tool the scenarios use. */
export const PACKAGES: Readonly<Record<string, string>> = {
  nginx: 'nginx-light',
  haproxy: 'haproxy',
  wrk: 'wrk',
  iperf3: 'iperf3',
};

const SEARCH = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/sbin', '/bin'];
let aptTried = false;

export function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH];
  for (const d of dirs) {
    const p = `${d}/${name}`;
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return undefined;
}

function aptInstall(packages: readonly string[]): string | undefined {
  if (!findTool('apt-get')) return 'apt-get is not available';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root, cannot apt-get install';
  console.log(`bench: installing ${packages.join(' ')} with apt-get (apt-get update first) ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const upd = spawnSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 300_000 });
  if (upd.status !== 0) return `apt-get update failed (status ${upd.status})`;
  const inst = spawnSync('apt-get', ['install', '-y', '-q', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 600_000 });
  if (inst.status !== 0) return `apt-get install failed (status ${inst.status})`;
  return undefined;
}

/** Path of each tool, or a reason it is missing. Installs all missing ones in one apt-get call. */
export function ensureTools(names: readonly string[]): Map<string, { path?: string; missing?: string }> {
  const out = new Map<string, { path?: string; missing?: string }>();
  const absent = names.filter((n) => !findTool(n));
  let failure: string | undefined;
  if (absent.length && !aptTried && process.env.BENCH_NO_INSTALL !== '1') {
    aptTried = true;
    failure = aptInstall(absent.map((n) => PACKAGES[n] ?? n));
  }
  for (const n of names) {
    const p = findTool(n);
    out.set(n, p ? { path: p } : { missing: `${n} not found (Debian package ${PACKAGES[n] ?? n}${failure ? `; ${failure}` : ''})` });
  }
  return out;
}

/** The first line of `tool -v`-style output (nginx prints it on stderr), for the report header. */
export function toolVersion(path: string, flag: string): string {
  const r = spawnSync(path, [flag], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0].trim();
}
