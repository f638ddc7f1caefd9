// The test runs tsenvoy as uid 1337 and the application as uid 1000 from the compiled tree, which
// may sit where only root can read (a checkout under /root). Rather than copying the package or
// changing its permissions, such a process gets CAP_DAC_READ_SEARCH: it only widens file reads, so the
// uid the iptables owner match sees, and everything the test proves, stays the same.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findExecutable } from '../../../iptables/apply/runner';
import { packageRoot } from '../../../proxy/common/package-root';
import { sh } from './topology';

/** What a tsenvoy process reads at start-up (besides the compiled JavaScript it is given). */
export function tsenvoyRuntimeFiles(): string[] {
  const root = packageRoot();
  return [
    path.join(root, 'package.json'),
    path.join(root, 'generated', 'envoy-schema.json'),
    path.join(root, 'build', 'Release', 'tsenvoy_native.node'),
    path.join(root, 'node_modules', 'yaml', 'package.json'),
  ].filter((f) => fs.existsSync(f));
}

/** [] when `uid` can read every file, else the capability that lets it (and the files it could not). */
export function capsToRead(uid: number, files: readonly string[]): { caps: string[]; unreadable: string[] } {
  const setpriv = findExecutable('setpriv') ?? 'setpriv';
  const unreadable = files.filter((f) => sh(setpriv, [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'test', '-r', f]).code !== 0);
  return { caps: unreadable.length ? ['dac_read_search'] : [], unreadable };
}
