// Build step: the compiled server (dist/proxy/server/launch.js and everything it requires) as one
// file, dist/tsenvoy-bundle.js, plus V8's code cache for it (bundle-loader.ts says why). npm
// packages stay outside (required at run time as before), so lazy ones stay lazy. The cache is
// recorded by running the bundle with `--mode validate` on the default bootstrap: it loads every
// module and walks the config path without binding a port. esbuild is a devDependency: without
// it (a production-only install) this step removes any old bundle and bin/tsenvoy.js runs dist/
// module by module, as it did before.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUNDLE_FILE, BUNDLE_HEAD, BUNDLE_TAIL, CACHE_FILE, RECORD_ENV } from './bundle-loader';

interface EsbuildApi {
  buildSync(options: Record<string, unknown>): { warnings: unknown[] };
}

const distDir = path.resolve(__dirname, '..', '..');
const bundle = path.join(distDir, BUNDLE_FILE);
const cache = path.join(distDir, CACHE_FILE);
fs.rmSync(bundle, { force: true });
fs.rmSync(cache, { force: true });

let esbuild: EsbuildApi | undefined;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  esbuild = require('esbuild') as EsbuildApi;
} catch {
  console.log('tsenvoy: esbuild is not installed; no bundle (bin/tsenvoy.js loads dist/ module by module)');
}

/** No bundle: bin/tsenvoy.js then loads dist/ module by module, which works, only slower to start. */
function giveUp(why: string): void {
  fs.rmSync(bundle, { force: true });
  fs.rmSync(cache, { force: true });
  console.warn(`tsenvoy: warning: no start-up bundle (${why}); bin/tsenvoy.js will load dist/ module by module. Re-run 'npm run build' after fixing this to get the faster start.`);
}

function build(api: EsbuildApi): void {
  try {
    api.buildSync({
      entryPoints: [path.join(distDir, 'proxy', 'server', 'launch.js')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      charset: 'ascii', // read back as latin1, a flat one-byte string for V8
      banner: { js: BUNDLE_HEAD },
      footer: { js: BUNDLE_TAIL },
      logLevel: 'warning',
    });
  } catch (e) {
    giveUp(`esbuild failed: ${(e as Error).message}`);
    return;
  }
  const r = spawnSync(process.execPath, [path.join(__dirname, 'bundle-loader.js'), '--mode', 'validate'], {
    env: { ...process.env, [RECORD_ENV]: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0 || !fs.existsSync(cache)) {
    // A bundle that cannot validate the default bootstrap must not be what users run.
    giveUp(`the bundle failed '--mode validate' (exit ${r.status}):\n${r.stderr}${r.stdout}`);
    return;
  }
  const kb = (f: string): string => `${Math.round(fs.statSync(f).size / 1024)} KB`;
  console.log(`tsenvoy: wrote ${path.relative(process.cwd(), bundle)} (${kb(bundle)}) and its code cache (${kb(cache)})`);
}

if (esbuild) build(esbuild);
