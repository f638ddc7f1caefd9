// Smoke test of the bench harness (not of speed: goals are measured by `npm run bench`, never
// asserted). One cold start of the default bootstrap; the http harness against the bare Node pipe
// with 200 requests from a Node client; a peer that cannot answer becomes "unavailable"; wrk's
// report parses.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { nodeLoad } from '../../bench/lib/node-load';
import { compiledRoot, tsenvoyCommand } from '../../bench/lib/paths';
import { freePort } from '../../bench/lib/ports';
import { stopAll } from '../../bench/lib/procs';
import { parseWrk } from '../../bench/lib/wrk';
import { startNodePeer } from '../../bench/peers/node-peers';
import { defaultBootstrapCase, measureColdStart } from '../../bench/scenarios/cold-start';
import { measurePeer, startUpstream } from '../../bench/scenarios/http-harness';

/** Why tsenvoy cannot be started from this build, or undefined when its server loads. */
function tsenvoyUnbuilt(): string | undefined {
  const cmd = tsenvoyCommand();
  if (cmd.missing) return cmd.missing;
  if (process.env.TSENVOY_BIN) return undefined;
  const main = path.join(compiledRoot, 'proxy', 'server', 'main.js');
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(main)})`], { encoding: 'utf8', timeout: 20_000 });
  if (r.status === 0) return undefined;
  const line = (r.stderr ?? '').split('\n').find((l) => /Error/.test(l)) ?? `exit ${r.status}`;
  return `tsenvoy's server does not load yet (${line.trim()})`;
}

test.after(() => stopAll());

test('cold start: the default bootstrap reaches LIVE and its RSS is read', async (t) => {
  const unbuilt = tsenvoyUnbuilt();
  if (unbuilt) return t.skip(`bin/tsenvoy.js not runnable: ${unbuilt}`);
  const c = await defaultBootstrapCase();
  if (c.unavailable) return t.skip(c.unavailable);
  const sample = await measureColdStart(c.args!, c.adminPort!, 500);
  assert.ok(sample.liveMs > 0 && sample.liveMs < 15_000, `liveMs ${sample.liveMs}`);
  assert.ok(sample.rssKb > 1024, `rssKb ${sample.rssKb}`);
});

test('http harness: the bare Node pipe relays 200 requests and its CPU and RSS are read', async () => {
  const upstream = await startUpstream(undefined);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  try {
    const ctx = { tmp, upstreamPort: upstream.port, cpu: undefined };
    const row = await measurePeer({ name: 'node pipe', start: (c) => startNodePeer('node-pipe', 'node pipe', c) },
      ctx, (port) => nodeLoad(port, 200, 8), undefined, () => {});
    assert.equal(row.unavailable, undefined);
    assert.equal(row.result!.requests, 200);
    assert.equal(row.result!.errors, 0);
    assert.ok(row.result!.p50Ms! > 0 && row.result!.p99Ms! >= row.result!.p50Ms!);
    assert.ok(row.rssKb! > 1024);
    assert.ok(row.cpuPer10k! >= 0);
  } finally {
    await upstream.proc.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('http harness: a peer whose upstream is gone is reported unavailable, not measured', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  try {
    const ctx = { tmp, upstreamPort: await freePort(), cpu: undefined };
    let loaded = false;
    const row = await measurePeer({ name: 'node pipe', start: (c) => startNodePeer('node-pipe', 'node pipe', c) },
      ctx, async (port) => { loaded = true; return nodeLoad(port, 1, 1); }, undefined, () => {});
    assert.match(row.unavailable ?? '', /GET \/ (failed|answered)/);
    assert.equal(loaded, false);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("wrk's report parses into requests/s, p50/p99 in ms and errors", () => {
  const r = parseWrk(`Running 1s test @ http://127.0.0.1:41999/
  1 threads and 4 connections
  Latency Distribution
     50%   71.00us
     75%  121.00us
     90%  167.00us
     99%    2.92ms
  47608 requests in 1.10s, 3.54MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:  43275.52
Transfer/sec:      3.22MB
`);
  assert.deepEqual(r, { requests: 47608, seconds: 1.1, rps: 43275.52, p50Ms: 0.071, p99Ms: 2.92, errors: 6 });
});

test('xds-push: an unknown mode or size stops the run with the accepted ones, before anything starts', () => {
  const run = path.join(compiledRoot, 'bench', 'run.js');
  for (const [env, want] of [
    [{ BENCH_XDS_MODES: 'eds,inline' }, /BENCH_XDS_MODES: unknown mode 'inline'; give eds and\/or static/],
    [{ BENCH_XDS_SIZES: '1000,ten' }, /BENCH_XDS_SIZES: NaN is not a cluster count/],
  ] as const) {
    const r = spawnSync(process.execPath, [run, 'xds-push'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, want);
    assert.doesNotMatch(r.stdout, /run 1\//, 'no push was measured');
  }
});

test('xds-push: modes are read without regard to case (EDS is eds)', () => {
  const run = path.join(compiledRoot, 'bench', 'run.js');
  // Size 0 is refused after the modes were read: EDS passing the mode check is what this shows.
  const r = spawnSync(process.execPath, [run, 'xds-push'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, BENCH_XDS_MODES: 'EDS,Static', BENCH_XDS_SIZES: '0' } });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /BENCH_XDS_SIZES: 0 is not a cluster count/);
  assert.doesNotMatch(r.stderr, /BENCH_XDS_MODES/);
});
