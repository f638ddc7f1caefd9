// Where the bench finds things: the compiled tree it runs from (dist/ or .build/<dir>/), the repo
// (for bin/ and the embedded bootstrap) and ../shared (Istio's goldens, read at run time, never copied).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** dist/bench/lib -> dist: scripts under bench/servers/ are resolved here so any out dir works. */
export const compiledRoot = path.resolve(__dirname, '..', '..');

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'tsenvoy') return dir;
    if (path.dirname(dir) === dir) throw new Error(`cannot find tsenvoy's package.json above ${from}`);
  }
}

export const repoRoot = findRepoRoot(__dirname);
export const sharedDir = path.resolve(repoRoot, '..', 'shared');

/** A standalone process script compiled from bench/servers/<name>.ts. */
export function serverScript(name: string): string {
  return path.join(compiledRoot, 'bench', 'servers', `${name}.js`);
}

/**
 * How to start tsenvoy. From dist/ that is bin/tsenvoy.js, exactly what users run; from another
 * out dir a launcher that loads that tree's main. TSENVOY_BIN points at any other launcher script.
 */
export function tsenvoyCommand(): { readonly args: readonly string[]; readonly missing?: string } {
  if (process.env.TSENVOY_BIN) return { args: [path.resolve(process.env.TSENVOY_BIN)] };
  const main = path.join(compiledRoot, 'proxy', 'server', 'main.js');
  if (!fs.existsSync(main)) return { args: [], missing: `${main} is not built (npm run build)` };
  if (compiledRoot === path.join(repoRoot, 'dist')) return { args: [path.join(repoRoot, 'bin', 'tsenvoy.js')] };
  return { args: [serverScript('tsenvoy-launch')] };
}
