// The bundle loader behind bin/tsenvoy.js: runs an up-to-date bundle with its code cache, ignores
// a stale bundle, a cache made for other bytes, and a file not written by build-bundle.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUNDLE_FILE, BUNDLE_HEAD, BUNDLE_TAIL, CACHE_FILE, runBundle } from '../../../proxy/server/bundle-loader';
import { holdYoungGeneration, releaseYoungGeneration } from '../../../proxy/server/young-generation';

const LOADER = require.resolve('../../../proxy/server/bundle-loader');
const g = globalThis as { bundleRuns?: string[] };

/** A dist/ with a compiled main and a bundle that records each run and uses its require. */
function fakeDist(tag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsenvoy-bundle-'));
  fs.mkdirSync(path.join(dir, 'proxy', 'server'), { recursive: true });
  const main = path.join(dir, 'proxy', 'server', 'main.js');
  fs.writeFileSync(main, '');
  const past = new Date(Date.now() - 60_000);
  fs.utimesSync(main, past, past);
  writeBundle(dir, tag);
  return dir;
}

function writeBundle(dir: string, tag: string): void {
  const body = `(globalThis.bundleRuns ??= []).push(${JSON.stringify(tag)} + require('node:path').sep + (__dirname === ${JSON.stringify(dir)}));
function f() { return 1 + 2; }
module.exports.f = f;`;
  fs.writeFileSync(path.join(dir, BUNDLE_FILE), `${BUNDLE_HEAD}\n${body}${BUNDLE_TAIL}\n`);
}

/** Records the cache the way the build does: a separate process, written at its exit. */
function record(dir: string): void {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(LOADER)}).runBundle(${JSON.stringify(dir)}, true)`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(dir, CACHE_FILE)));
}

test('an up-to-date bundle runs with its require and __dirname; the recorded code cache is taken', () => {
  const dir = fakeDist('a');
  g.bundleRuns = [];
  assert.deepEqual(runBundle(dir), { cacheUsed: false });
  record(dir);
  assert.deepEqual(runBundle(dir), { cacheUsed: true });
  assert.deepEqual(g.bundleRuns, [`a${path.sep}true`, `a${path.sep}true`]);
});

test('a bundle older than the compiled main (tsc ran since) is not run', () => {
  const dir = fakeDist('b');
  const future = new Date(Date.now() + 60_000);
  fs.utimesSync(path.join(dir, 'proxy', 'server', 'main.js'), future, future);
  g.bundleRuns = [];
  assert.equal(runBundle(dir), undefined);
  assert.deepEqual(g.bundleRuns, []);
});

test('a cache recorded for other bytes of the same length is not used; the bundle still runs', () => {
  const dir = fakeDist('c');
  record(dir);
  const cache = fs.readFileSync(path.join(dir, CACHE_FILE));
  writeBundle(dir, 'd'); // same length, new bytes and mtime
  fs.writeFileSync(path.join(dir, CACHE_FILE), cache);
  g.bundleRuns = [];
  assert.deepEqual(runBundle(dir), { cacheUsed: false });
  assert.deepEqual(g.bundleRuns, [`d${path.sep}true`]);
});

test('a file without the module wrapper, or no bundle at all, is not run', () => {
  const dir = fakeDist('e');
  fs.writeFileSync(path.join(dir, BUNDLE_FILE), 'globalThis.bundleRuns.push("unwrapped");');
  g.bundleRuns = [];
  assert.equal(runBundle(dir), undefined);
  fs.rmSync(path.join(dir, BUNDLE_FILE));
  assert.equal(runBundle(dir), undefined);
  assert.deepEqual(g.bundleRuns, []);
});

test('a corrupt cache is not handed to V8 (it could abort the process); the bundle still runs', () => {
  const dir = fakeDist('f');
  record(dir);
  const file = path.join(dir, CACHE_FILE);
  const cache = fs.readFileSync(file);
  for (let i = cache.length - 64; i < cache.length; i++) cache[i] ^= 0xff;
  fs.writeFileSync(file, cache);
  // In a child process: were the data passed to V8, a fatal error would end the test runner too.
  const r = spawnSync(process.execPath, ['-e', `const r = require(${JSON.stringify(LOADER)}).runBundle(${JSON.stringify(dir)}); process.stdout.write(JSON.stringify(r))`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, JSON.stringify({ cacheUsed: false }));
});

test('a truncated bundle is not run', () => {
  const dir = fakeDist('g');
  const file = path.join(dir, BUNDLE_FILE);
  const text = fs.readFileSync(file, 'latin1');
  fs.writeFileSync(file, text.slice(0, text.length - 10), 'latin1');
  g.bundleRuns = [];
  assert.equal(runBundle(dir), undefined);
  assert.deepEqual(g.bundleRuns, []);
});

test('the young generation is held only while a hold is taken (holds count), and never against a user flag', () => {
  const script = (flags: string[]): string => {
    const r = spawnSync(process.execPath, [...flags, '-e', `
      const y = require(${JSON.stringify(require.resolve('../../../proxy/server/young-generation'))});
      const v8 = require('node:v8');
      const size = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
      y.holdForStartUp();
      y.holdYoungGeneration(); // an xDS push overlapping start-up
      let keep = [];
      for (let i = 0; i < 4e5; i++) keep.push({ i, s: 'x' + i });
      const held = size();
      y.releaseStartUpHold();
      y.releaseStartUpHold(); // twice: still one hold, the push's
      for (let i = 0; i < 4e5; i++) keep.push({ i, s: 'z' + i });
      const stillHeld = size();
      y.releaseYoungGeneration();
      for (let i = 0; i < 4e5; i++) keep.push({ i, s: 'y' + i });
      console.log(held, size(), stillHeld);`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const [held, released, stillHeld] = script([]).split(' ').map(Number);
  assert.equal(stillHeld, held, 'held while the other hold lasts');
  assert.ok(released > held, `the young generation grows again after the last release (${held} -> ${released})`);
  const [userHeld] = script(['--semi-space-growth-factor=2']).split(' ').map(Number);
  assert.ok(userHeld > held, `a user's flag is left alone (${userHeld} vs ${held})`);
  // In this process (no hold was taken) both are no-ops.
  releaseYoungGeneration();
  holdYoungGeneration();
  releaseYoungGeneration();
});
