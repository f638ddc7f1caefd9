/**
 * tsenvoy's version in Envoy's shape: <sha>/<version>/<Clean|Modified>/<RELEASE|DEBUG>/<TLS library>,
 * used by --version and /server_info. The sha is package.json's gitHead (set
 * by npm when packing from git), or 0.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../common/package-root';

let cached: string | undefined;

export function versionString(): string {
  if (cached === undefined) {
    const pj = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {
      version?: string;
      gitHead?: string;
    };
    const sha = typeof pj.gitHead === 'string' && pj.gitHead !== '' ? pj.gitHead : '0';
    cached = `${sha}/${pj.version ?? '0.0.0'}/Clean/RELEASE/node-${process.versions.node}`;
  }
  return cached;
}

/** What --version prints, in TCLAP's layout as Envoy shows it. */
export function versionText(): string {
  return `\ntsenvoy  version: ${versionString()}\n\n`;
}
