// V8's helper thread pool on one CPU: bin/tsenvoy (what `npx tsenvoy` and `npm start` run) starts
// node with --v8-pool-size=1 when the process is confined to one CPU, and leaves the pool to
// NODE_OPTIONS or Node's default otherwise; once LIVE, tsenvoy logs the pool it got on one CPU,
// and how to get one thread when it has Node's four. Confined with taskset, read from /proc.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onePoolNote, v8PoolSize } from '../../../proxy/server/helper-threads';
import { BIN_TSENVOY, BIN_TSENVOY_SH, outputMatching, ProxyProcess, SpawnOptions, startProxy } from '../../support/proxy-process';
import { ready, waitFor } from '../../integration/xds-support';

const taskset = spawnSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).stdout.trim();
const skipOneCpu = !fs.existsSync('/proc/self/cmdline') ? 'needs /proc (Linux)' : taskset === '' ? 'taskset is not installed (apt-get install -y util-linux)' : false;
const ADMIN_ONLY = { admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } } };

/** This node first on PATH (bin/tsenvoy runs `node`), and no NODE_OPTIONS of the test runner's. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`, ...extra };
  if (!('NODE_OPTIONS' in extra)) delete e.NODE_OPTIONS;
  return e;
}

/** The proxy `spawnWith` starts, once /ready says LIVE (the pool is logged in the turn start() ends). */
async function withProxy(spawnWith: SpawnOptions, f: (p: ProxyProcess, argv: string[]) => Promise<void>): Promise<void> {
  const proxy = await startProxy(ADMIN_ONLY, [], BIN_TSENVOY, spawnWith);
  try {
    await waitFor('tsenvoy to be LIVE', async () => (await ready(proxy)) === 'LIVE', 10_000).catch((e: Error) => {
      throw new Error(`${e.message}:\n${proxy.output()}`);
    });
    // taskset and the script exec: the child's pid is node's.
    const argv = fs.readFileSync(`/proc/${proxy.child.pid!}/cmdline`, 'utf8').split('\0').filter(Boolean);
    await f(proxy, argv);
  } finally {
    await proxy.stop();
  }
}

test('v8PoolSize reads --v8-pool-size from node\'s command line, then NODE_OPTIONS', () => {
  assert.equal(v8PoolSize([], {}), undefined);
  assert.equal(v8PoolSize(['--v8-pool-size=1'], {}), 1);
  assert.equal(v8PoolSize(['--v8-pool-size', '3'], {}), 3);
  assert.equal(v8PoolSize([], { NODE_OPTIONS: '--max-old-space-size=512 --v8-pool-size=2' }), 2);
  assert.equal(v8PoolSize(['--v8-pool-size=1'], { NODE_OPTIONS: '--v8-pool-size=2' }), 1, 'the command line wins');
  assert.equal(v8PoolSize(['--v8-pool-size=x'], {}), undefined);
});

test('onePoolNote says nothing with more than one CPU; on one, the pool or how to get one thread', () => {
  assert.equal(onePoolNote(2, undefined), undefined);
  assert.equal(onePoolNote(2, 1), undefined);
  assert.match(onePoolNote(1, 1)!, /one CPU: V8's helper thread pool has 1 thread\(s\) \(--v8-pool-size=1\)/);
  const hint = onePoolNote(1, undefined)!;
  assert.match(hint, /Node's default 4 threads/);
  assert.match(hint, /bin\/tsenvoy .*--v8-pool-size=1.*NODE_OPTIONS=--v8-pool-size=1/);
});

test('bin/tsenvoy confined to one CPU starts node with --v8-pool-size=1, and tsenvoy says so once LIVE', { skip: skipOneCpu }, async () => {
  await withProxy({ env: env(), command: [taskset, '-c', '0', BIN_TSENVOY_SH] }, async (proxy, argv) => {
    assert.ok(argv.includes('--v8-pool-size=1'), `node's command line: ${JSON.stringify(argv)}`);
    assert.ok(argv.some((a) => a.endsWith(path.join('bin', 'tsenvoy.js'))), `node runs bin/tsenvoy.js: ${JSON.stringify(argv)}`);
    const said = /one CPU: V8's helper thread pool has 1 thread\(s\)/;
    assert.match(await outputMatching(proxy, said), said);
  });
});

test('bin/tsenvoy leaves a --v8-pool-size in NODE_OPTIONS alone on one CPU', { skip: skipOneCpu }, async () => {
  await withProxy({ env: env({ NODE_OPTIONS: '--v8-pool-size=2' }), command: [taskset, '-c', '0', BIN_TSENVOY_SH] }, async (proxy, argv) => {
    assert.ok(!argv.some((a) => a.startsWith('--v8-pool-size')), `node's command line: ${JSON.stringify(argv)}`);
    const said = /one CPU: V8's helper thread pool has 2 thread\(s\) \(--v8-pool-size=2\)/;
    assert.match(await outputMatching(proxy, said), said);
  });
});

test('bin/tsenvoy with more than one CPU leaves V8\'s pool at Node\'s default and logs nothing of it', { skip: os.availableParallelism() < 2 ? `this machine has ${os.availableParallelism()} CPU` : false }, async () => {
  await withProxy({ env: env(), command: [BIN_TSENVOY_SH] }, async (proxy, argv) => {
    assert.ok(!argv.some((a) => a.startsWith('--v8-pool-size')), `node's command line: ${JSON.stringify(argv)}`);
    await outputMatching(proxy, /all dependencies initialized/);
    assert.doesNotMatch(proxy.output(), /one CPU/);
  });
});

test('node bin/tsenvoy.js on one CPU keeps Node\'s pool and logs how to get one thread', { skip: skipOneCpu }, async () => {
  await withProxy({ env: env(), command: [taskset, '-c', '0', process.execPath, BIN_TSENVOY] }, async (proxy) => {
    const said = /one CPU: V8's helper thread pool has Node's default 4 threads.*NODE_OPTIONS=--v8-pool-size=1/;
    assert.match(await outputMatching(proxy, said), said);
  });
});
