// /stats and /stats/prometheus rendered a slice at a time over real HTTP (the proxy's AdminAdapter
// in front of a real store with 2,000 clusters' stats): the body is the synchronous render byte
// for byte, the event loop keeps turning during a large render, and a client that hangs up
// mid-render stops the work without an error.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import type { AdminStatsQuery } from '../../admin/admin-target';
import { AdminServer } from '../../admin/admin-server';
import { AdminAdapter } from '../../proxy/server/admin-adapter';
import type { Server } from '../../proxy/server/server';
import { renderPrometheus } from '../../proxy/stats/render-prometheus';
import { renderStatsJson } from '../../proxy/stats/render-json';
import { renderStatsText } from '../../proxy/stats/render-text';
import { createStatsStore, type StatsStore } from '../../proxy/stats/stats-store';
import { ClusterManagerImpl } from '../../proxy/upstream/cluster-manager';
import { params } from '../proxy/stats/helpers';
import { config, endpoint, recordingPools, staticCluster, until } from '../proxy/upstream/helpers';
import { send } from './admin-client';

const CLUSTERS = 2000;

/** 2,000 clusters as the proxy makes them (deferred traffic stats, stat blocks), some with traffic. */
function bigStore(): StatsStore {
  const store = createStatsStore();
  const cm = new ClusterManagerImpl({ stats: store, pools: { http1: recordingPools } });
  for (let i = 0; i < CLUSTERS; i++) {
    cm.addOrUpdateCluster(config(staticCluster(`outbound|80||svc${i}.ns.svc.cluster.local`, [endpoint('10.0.0.1', 8080)])));
  }
  for (let i = 0; i < 40; i++) {
    const c = `cluster.outbound|80||svc${i * 7}.ns.svc.cluster.local`;
    store.counter(`${c}.upstream_rq_total`).add(i + 1);
    store.histogram(`${c}.upstream_rq_time`).recordValue(i * 3 + 1);
  }
  store.textReadout('server.version').set('abc/1.0/Clean/RELEASE');
  store.gauge('server.state').set(0);
  store.flush();
  return store;
}

/** The adapter over a stand-in server (/stats reads only its store, /ready its state); records how renders end. */
class WatchedAdapter extends AdminAdapter {
  renders = 0;
  finished = 0;
  stopped = 0;
  override statsPrometheus(q: AdminStatsQuery): AsyncIterable<string> {
    const inner = super.statsPrometheus(q);
    const self = this; // for the generator below, which cannot be an arrow function
    self.renders++;
    return (async function* () {
      let done = false;
      try {
        for await (const piece of inner) yield piece;
        done = true;
        self.finished++;
      } finally {
        if (!done) self.stopped++;
      }
    })();
  }
}

function get(port: number, path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return send({ host: '127.0.0.1', port, method: 'GET', path, agent: false });
}

describe('admin stats rendered a slice at a time', () => {
  let store: StatsStore;
  let adapter: WatchedAdapter;
  let admin: AdminServer;
  let port: number;

  before(async () => {
    store = bigStore();
    adapter = new WatchedAdapter({ stats: store, startedAt: Date.now(), state: () => 'LIVE' } as unknown as Server);
    admin = new AdminServer(adapter);
    const bound = await admin.listen({ kind: 'socket', host: '127.0.0.1', port: 0 });
    if (bound.kind !== 'socket') throw new Error('expected a socket');
    port = bound.port;
  });
  after(() => admin.close());

  test('text, json and prometheus bodies equal the synchronous render for many queries', async () => {
    const cases: Array<[string, () => string]> = [
      ['/stats', () => renderStatsText(store, params())],
      ['/stats?usedonly&histogram_buckets=detailed', () => renderStatsText(store, params('usedonly&histogram_buckets=detailed'))],
      ['/stats?filter=upstream_rq&type=Histograms&histogram_buckets=disjoint', () => renderStatsText(store, params('filter=upstream_rq&type=Histograms&histogram_buckets=disjoint'))],
      ['/stats?format=json', () => renderStatsJson(store, params())],
      ['/stats?format=json&histogram_buckets=cumulative&filter=cx', () => renderStatsJson(store, params('histogram_buckets=cumulative&filter=cx'))],
      ['/stats?format=json&type=Histograms&histogram_buckets=detailed&usedonly', () => renderStatsJson(store, params('type=Histograms&histogram_buckets=detailed&usedonly'))],
      ['/stats/prometheus', () => renderPrometheus(store, params())],
      ['/stats/prometheus?text_readouts&usedonly', () => renderPrometheus(store, params('text_readouts&usedonly'))],
      [`/stats/prometheus?filter=${encodeURIComponent('svc1[0-9]\\.')}`, () => renderPrometheus(store, params(`filter=${encodeURIComponent('svc1[0-9]\\.')}`))],
      ['/stats?format=prometheus&type=Histograms&usedonly', () => renderPrometheus(store, params('type=Histograms&usedonly'))],
    ];
    for (const [path, expected] of cases) {
      const r = await get(port, path);
      assert.equal(r.status, 200, path);
      const want = expected();
      assert.ok(r.body === want, `${path}: ${r.body.length} chars streamed, ${want.length} rendered`);
      // Large bodies go out chunked; a small one whole, with its length, as a string body does.
      if (want.length > 64 * 1024) assert.equal(r.headers['transfer-encoding'], 'chunked', path);
      else assert.equal(r.headers['content-length'], String(Buffer.byteLength(want)), path);
    }
    assert.ok(renderPrometheus(store, params()).length > 5_000_000, 'a large render');
  });

  test('the event loop keeps turning during a large render', async () => {
    let t = performance.now();
    renderPrometheus(store, params());
    const syncMs = performance.now() - t;

    let last = performance.now();
    let maxGap = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 1);
    let readyAt = Infinity;
    let statsAt = Infinity;
    try {
      t = performance.now();
      const stats = get(port, '/stats/prometheus').then((r) => {
        statsAt = performance.now();
        return r;
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const ready = await get(port, '/ready');
      readyAt = performance.now();
      assert.equal(ready.status, 200);
      assert.equal((await stats).status, 200);
    } finally {
      clearInterval(tick);
    }
    const renderMs = statsAt - t;
    assert.ok(readyAt < statsAt, `/ready answered during the render (${(readyAt - t).toFixed(0)} ms of ${renderMs.toFixed(0)} ms)`);
    // Generous against a slow, shared machine: the synchronous render holds the loop for all of syncMs.
    assert.ok(maxGap < 100 && maxGap < syncMs / 3, `longest stall ${maxGap.toFixed(1)} ms, synchronous render ${syncMs.toFixed(0)} ms`);
  });

  test('a client hanging up mid-render stops the render cleanly', async () => {
    const before = { renders: adapter.renders, finished: adapter.finished, stopped: adapter.stopped };
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/stats/prometheus', agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
        res.on('error', () => undefined);
      });
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    });
    await until(() => adapter.stopped > before.stopped, 10_000, 'the render to stop');
    assert.equal(adapter.renders, before.renders + 1);
    assert.equal(adapter.finished, before.finished, 'the render was not carried to the end');
    // The server goes on serving, stats included.
    assert.equal((await get(port, '/ready')).status, 200);
    const r = await get(port, '/stats/prometheus?filter=server');
    assert.equal(r.body, renderPrometheus(store, params('filter=server')));
  });
});
