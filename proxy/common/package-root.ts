import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/** The folder holding tsenvoy's package.json, found by walking up from the compiled file. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'tsenvoy') return (cached = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find tsenvoy's package.json above ${__dirname}`);
    dir = up;
  }
}
