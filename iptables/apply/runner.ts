// Runs the external tools (iptables-save/-restore, iptables -C, ip). A Runner is a plain function so the
// applier can be driven by a fake in unit tests. With --network-namespace every command is wrapped in
// `nsenter --net=PATH --`, so this process never has to switch namespaces itself.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ActionableError } from '../errors';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type Runner = (cmd: string, args: readonly string[], stdin?: string) => CommandResult;

/** sbin is often missing from a non-root PATH, but that is where Debian puts iptables and ip. */
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

export function searchPath(): string[] {
  return [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SBIN];
}

export function findExecutable(name: string): string | undefined {
  for (const dir of searchPath()) {
    const full = path.join(dir, name);
    try {
      fs.accessSync(full, fs.constants.X_OK);
      return full;
    } catch { /* keep looking */ }
  }
  return undefined;
}

/** A namespace name (as `ip netns add` makes) or a path such as /proc/PID/ns/net. */
export function resolveNetnsPath(ns: string): string {
  const candidates = ns.includes('/') ? [ns] : [`/var/run/netns/${ns}`, `/run/netns/${ns}`];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new ActionableError(
      `network namespace "${ns}" was not found (looked at ${candidates.join(', ')}); create it with ` +
        '`ip netns add NAME`, or pass the path of an existing one such as /proc/PID/ns/net',
    );
  }
  return found;
}

export function systemRunner(netnsPath?: string): Runner {
  let nsenter: string | undefined;
  if (netnsPath) {
    nsenter = findExecutable('nsenter');
    if (!nsenter) throw new ActionableError('--network-namespace needs nsenter, which was not found; install the Debian package util-linux (apt-get install -y util-linux)');
  }
  const env = { ...process.env, PATH: searchPath().join(path.delimiter) };
  return (cmd, args, stdin) => {
    const [file, argv] = nsenter ? [nsenter, [`--net=${netnsPath}`, '--', cmd, ...args]] : [cmd, [...args]];
    const r = spawnSync(file, argv, { input: stdin, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
    if (r.error) return { code: 127, stdout: '', stderr: r.error.message };
    return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.signal ? `killed by ${r.signal}` : '') };
  };
}
