// Two network namespaces joined by a veth pair, made and removed with `ip`, and nothing else touched:
// `app` (the pod: the application, tsenvoy and its iptables rules) and `upstream` (everything outside
// the pod). The veth is created directly inside the namespaces, so the host never holds an interface,
// an address or a route of the test. Names carry the pid so parallel runs do not collide.
import { spawnSync } from 'node:child_process';
import { findExecutable } from '../../../iptables/apply/runner';

export interface Topology {
  readonly app: string;
  readonly upstream: string;
  readonly appIp: string;
  readonly upstreamIp: string;
}

export interface ShResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export function sh(cmd: string, args: readonly string[]): ShResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20000 });
  return { code: r.status ?? 1, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error ? r.error.message : '') };
}

function must(cmd: string, args: readonly string[]): string {
  const r = sh(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.err.trim()}`);
  return r.out;
}

/** Why this host cannot run the namespace tests, or undefined if it can. */
export function missingPrerequisite(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'not running as root (network namespaces, iptables and setpriv need it)';
  for (const tool of ['ip', 'iptables', 'iptables-save', 'iptables-restore', 'ip6tables-restore', 'nsenter', 'setpriv']) {
    if (!findExecutable(tool)) return `${tool} is not installed (apt-get install -y iptables iproute2 util-linux)`;
  }
  return undefined;
}

/** `ip netns exec NS setpriv ...`: a command prefix that runs in `ns` as uid/gid `id` (root if omitted). */
export function inNamespace(ns: string, id?: number, caps: readonly string[] = []): string[] {
  const prefix = [findExecutable('ip') ?? 'ip', 'netns', 'exec', ns];
  if (id === undefined) return prefix;
  const list = caps.map((c) => '+' + c).join(',');
  const capArgs = caps.length ? [`--inh-caps=${list}`, `--ambient-caps=${list}`] : [];
  // access(2) (fs.existsSync) drops the capabilities of a non-root uid unless no_setuid_fixup is set.
  if (caps.includes('dac_read_search')) capArgs.push('--securebits=+no_setuid_fixup');
  return [...prefix, findExecutable('setpriv') ?? 'setpriv', `--reuid=${id}`, `--regid=${id}`, '--clear-groups', ...capArgs];
}

export function createTopology(tag: number): Topology {
  // 10.231.0.0/16 is unlikely to be in use, and never leaves the two namespaces anyway.
  const net = `10.231.${(tag % 200) + 20}`;
  const t: Topology = { app: `tsenvoy-app-${tag}`, upstream: `tsenvoy-up-${tag}`, appIp: `${net}.1`, upstreamIp: `${net}.2` };
  const vApp = `tsa${tag}`;
  const vUp = `tsu${tag}`;
  must('ip', ['netns', 'add', t.app]);
  must('ip', ['netns', 'add', t.upstream]);
  must('ip', ['-n', t.app, 'link', 'add', vApp, 'type', 'veth', 'peer', 'name', vUp, 'netns', t.upstream]);
  must('ip', ['-n', t.app, 'addr', 'add', `${t.appIp}/24`, 'dev', vApp]);
  must('ip', ['-n', t.upstream, 'addr', 'add', `${t.upstreamIp}/24`, 'dev', vUp]);
  for (const [ns, dev] of [[t.app, vApp], [t.upstream, vUp]]) {
    must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    must('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }
  return t;
}

/** Kills what still runs in the namespaces (only the test started anything there), then deletes them. */
export function destroyTopology(tag: number): string[] {
  const problems: string[] = [];
  for (const ns of [`tsenvoy-app-${tag}`, `tsenvoy-up-${tag}`]) {
    if (sh('ip', ['netns', 'list']).out.split('\n').every((l) => l.split(' ')[0] !== ns)) continue;
    for (const pid of sh('ip', ['netns', 'pids', ns]).out.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch { /* already gone */ }
    }
    const del = sh('ip', ['netns', 'del', ns]);
    if (del.code !== 0) problems.push(`ip netns del ${ns}: ${del.err.trim()}`);
  }
  return problems;
}
