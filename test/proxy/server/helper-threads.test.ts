// Node's helper threads below the event loop (helper-threads.ts): with TSENVOY_HELPER_THREAD_NICE
// set, `npx tsenvoy` lowers, once LIVE, the threads that existed when it started, never the loop
// itself nor the threads the loop started since (libuv's pool); by default it leaves them alone.
// Read from /proc (Linux).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { BIN_TSENVOY, outputMatching, ProxyProcess, SpawnOptions, startProxy } from '../../support/proxy-process';
import { ready, waitFor } from '../../integration/xds-support';
import { niceByThread } from '../../support/thread-nice';

const linux = fs.existsSync('/proc/self/task');
const skip = linux ? false : 'needs /proc/<pid>/task (Linux)';

const ownNice = (): number => niceByThread(process.pid).get(process.pid)!;
const ADMIN_ONLY = { admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } } };

/**
 * A tsenvoy with `spawnWith`, once /ready says LIVE: main lowers the threads in the same turn as
 * start() ends, before any admin request can be answered LIVE.
 */
async function withProxy(spawnWith: SpawnOptions, f: (p: ProxyProcess, nice: Map<number, number>) => void | Promise<void>): Promise<void> {
  const proxy = await startProxy(ADMIN_ONLY, [], BIN_TSENVOY, spawnWith);
  try {
    await waitFor('tsenvoy to be LIVE', async () => (await ready(proxy)) === 'LIVE', 10_000).catch((e: Error) => {
      throw new Error(`${e.message}:\n${proxy.output()}`);
    });
    await f(proxy, niceByThread(proxy.child.pid!));
  } finally {
    await proxy.stop();
  }
}

function envWithout(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.TSENVOY_HELPER_THREAD_NICE;
  return env;
}

test('npx tsenvoy with TSENVOY_HELPER_THREAD_NICE=19 runs Node\'s helper threads at nice 19 once LIVE and its event loop at the priority it was given', { skip }, async () => {
  await withProxy({ env: { ...envWithout(), TSENVOY_HELPER_THREAD_NICE: '19' } }, async (proxy, nice) => {
    const pid = proxy.child.pid!;
    assert.equal(nice.get(pid), ownNice(), 'the event loop keeps the priority it started with');
    const lowered = [...nice].filter(([tid, n]) => tid !== pid && n === 19).length;
    // Node 20 starts 4 V8 platform workers, its delayed-task thread and the SIGUSR1 watcher.
    assert.ok(lowered >= 4, `at least V8's 4 platform workers at nice 19, got ${JSON.stringify([...nice])}`);
    const said = /helper threads: \d+ of Node's threads .* run at nice 19/;
    assert.match(await outputMatching(proxy, said), said);
  });
});

test('npx tsenvoy leaves its threads alone by default, with 0, and with a bad value (which it names)', { skip }, async () => {
  for (const value of [undefined, '0', 'high']) {
    const env = envWithout();
    if (value !== undefined) env.TSENVOY_HELPER_THREAD_NICE = value;
    await withProxy({ env }, async (proxy, nice) => {
      assert.ok([...nice.values()].every((n) => n === ownNice()), `${value}: ${JSON.stringify([...nice])}`);
      const bad = /TSENVOY_HELPER_THREAD_NICE='high' is not an integer from 0 to 19; the helper threads are left alone/;
      if (value === 'high') assert.match(await outputMatching(proxy, bad), bad);
      else assert.doesNotMatch(await outputMatching(proxy, /all dependencies initialized/), /helper threads/);
    });
  }
});

/**
 * In a fresh node: noteHelperThreads(env), then libuv's pool started (a file read), then
 * lowerHelperThreads(); the nice each thread ended at.
 */
function inChild(value: string | undefined): { outcome: { nice: number; lowered: number; note?: string } | undefined; before: number[]; after: number[]; main: number } {
  const script = `
    const fs = require('node:fs');
    const ht = require(${JSON.stringify(require.resolve('../../../proxy/server/helper-threads'))});
    const { niceByThread } = require(${JSON.stringify(require.resolve('../../support/thread-nice'))});
    const nice = () => niceByThread(process.pid);
    ht.noteHelperThreads(process.env);
    const first = nice();
    fs.readFile('/proc/self/stat', () => {
      const outcome = ht.lowerHelperThreads();
      const all = nice();
      const before = [...first].filter(([t]) => t !== process.pid).map(([t]) => all.get(t));
      const after = [...all].filter(([t]) => !first.has(t)).map(([, n]) => n);
      process.stdout.write(JSON.stringify({ outcome, before, after, main: all.get(process.pid) }));
    });`;
  const env = envWithout();
  if (value !== undefined) env.TSENVOY_HELPER_THREAD_NICE = value;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }));
}

test('threads the loop started after the note (libuv\'s pool) keep its priority; the setting picks the value', { skip }, () => {
  const base = ownNice();
  const low = inChild('19');
  assert.equal(low.outcome?.nice, Math.max(19, base));
  assert.ok(low.before.length >= 4 && low.before.every((n) => n === Math.max(19, base)), `threads there at the note are lowered: ${JSON.stringify(low)}`);
  assert.equal(low.outcome?.lowered, low.before.length);
  assert.ok(low.after.length > 0, 'reading a file started libuv\'s pool');
  assert.ok(low.after.every((n) => n === base), `libuv's pool keeps the loop's priority: ${JSON.stringify(low)}`);
  assert.equal(low.main, base);

  const ten = inChild('10');
  assert.ok(ten.before.every((n) => n === Math.max(10, base)), `never above the loop's own priority: ${JSON.stringify(ten)}`);

  for (const value of [undefined, '0']) {
    const left = inChild(value);
    assert.equal(left.outcome?.lowered, 0);
    assert.ok(left.before.every((n) => n === base), JSON.stringify(left));
  }
});
