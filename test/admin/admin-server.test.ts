import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { AdminServer } from '../../admin/admin-server';
import { send, startAdmin } from './admin-client';
import { FakeTarget } from './fake-target';

const TEXT = 'text/plain; charset=UTF-8';

test('/ready: 200 LIVE, 503 for every other state, text headers', async () => {
  const h = await startAdmin();
  try {
    assert.equal(h.server.address(), `127.0.0.1:${h.port}`);
    let r = await h.get('/ready');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'LIVE\n');
    assert.equal(r.headers['content-type'], TEXT);
    assert.equal(r.headers['cache-control'], 'no-cache, max-age=0');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    for (const state of ['DRAINING', 'PRE_INITIALIZING', 'INITIALIZING'] as const) {
      h.target.currentState = state;
      r = await h.get('/ready');
      assert.equal(r.status, 503);
      assert.equal(r.body, `${state}\n`);
    }
  } finally {
    await h.close();
  }
});

test('/help lists handlers sorted, POST marked, params indented six spaces', async () => {
  const h = await startAdmin();
  try {
    const r = await h.get('/help');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], TEXT);
    const lines = r.body.split('\n');
    assert.equal(lines[0], 'admin commands are:');
    assert.equal(lines.at(-1), '');
    const prefixes = lines.filter((l) => /^ {2}\//.test(l)).map((l) => l.trim().split(/[: ]/)[0]);
    assert.deepEqual(prefixes, [
      '/', '/certs', '/clusters', '/config_dump', '/contention', '/drain_listeners', '/healthcheck/fail',
      '/healthcheck/ok', '/help', '/hot_restart_version', '/init_dump', '/listeners', '/logging', '/memory',
      '/quitquitquit', '/ready', '/reopen_logs', '/reset_counters', '/runtime', '/server_info', '/stats',
      '/stats/prometheus',
    ]);
    assert.equal(lines[1], '  /: Admin home page');
    assert.ok(lines.includes('  /ready: print server state, return 200 if LIVE, otherwise return 503'));
    assert.ok(lines.includes('  /quitquitquit (POST): exit the server'));
    assert.ok(lines.includes('  /healthcheck/fail (POST): cause the server to fail health checks'));
    const logging = lines.indexOf('  /logging (POST): query/change logging levels');
    assert.ok(logging > 0);
    assert.equal(
      lines[logging + 1],
      '      paths: Change multiple logging levels by setting to <logger_name1>:<desired_level1>,' +
        '<logger_name2>:<desired_level2>. If fine grain logging is enabled, use __FILE__ or a glob experision ' +
        'as the logger name. For example, source/common*:warning',
    );
    assert.equal(
      lines[logging + 2],
      "      level: desired logging level, this will change all loggers's level; " +
        'One of (, trace, debug, info, warning, error, critical, off)',
    );
    const dump = lines.indexOf('  /config_dump: dump current Envoy configs (experimental)');
    assert.deepEqual(lines.slice(dump + 1, dump + 5).map((l) => l.split(':')[0]), [
      '      resource', '      mask', '      name_regex', '      include_eds',
    ]);
    const listeners = lines.indexOf('  /listeners: print listener info');
    assert.equal(lines[listeners + 1], '      format: File format to use; One of (text, json)');
    const stats = lines.indexOf('  /stats: print server stats');
    assert.deepEqual(lines.slice(stats + 1, stats + 6), [
      '      usedonly: Only include stats that have been written by system since restart',
      '      filter: Regular expression (Google re2) for filtering stats',
      '      format: Format to use; One of (html, active-html, text, json)',
      '      type: Stat types to include.; One of (All, Counters, Histograms, Gauges, TextReadouts)',
      '      histogram_buckets: Histogram bucket display mode; One of (cumulative, disjoint, detailed, none)',
    ]);
    assert.equal(r.body, h.server.helpText());
  } finally {
    await h.close();
  }
});

test('unknown path: 404 "invalid path. " + help; lookup is exact and ignores the query', async () => {
  const h = await startAdmin();
  try {
    const help = h.server.helpText();
    for (const p of ['/nope', '/ready/', '/READY', '/stats/prom', '/readyx?x=1', '/clusters/']) {
      const r = await h.get(p);
      assert.equal(r.status, 404, p);
      assert.equal(r.body, `invalid path. ${help}`);
      assert.equal(r.headers['content-type'], TEXT);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    }
    assert.equal((await h.get('/ready?verbose=1')).status, 200);
  } finally {
    await h.close();
  }
});

test('POST-only endpoints answer other methods with 405 and do nothing', async () => {
  const h = await startAdmin();
  try {
    for (const p of ['/quitquitquit', '/healthcheck/fail', '/healthcheck/ok', '/logging', '/reset_counters',
      '/drain_listeners', '/reopen_logs']) {
      const r = await h.get(p);
      assert.equal(r.status, 405, p);
      assert.equal(r.body, 'Method GET not allowed, POST required.');
      assert.equal(r.headers['content-type'], TEXT);
      assert.equal(r.headers['cache-control'], 'no-cache, max-age=0');
    }
    const put = await h.request('PUT', '/logging?level=debug');
    assert.equal(put.status, 405);
    assert.equal(put.body, 'Method PUT not allowed, POST required.');
    assert.deepEqual(h.target.calls, []);
    assert.deepEqual(h.target.drains, []);
    assert.deepEqual(h.target.loggingParams, []);
  } finally {
    await h.close();
  }
});

test('read-only endpoints accept POST too, as in Envoy', async () => {
  const h = await startAdmin();
  try {
    const r = await h.post('/ready');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'LIVE\n');
  } finally {
    await h.close();
  }
});

test('healthcheck fail/ok change state through the target', async () => {
  const h = await startAdmin();
  try {
    let r = await h.post('/healthcheck/fail');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'OK\n');
    assert.equal((await h.get('/ready')).body, 'DRAINING\n');
    r = await h.post('/healthcheck/ok');
    assert.equal(r.body, 'OK\n');
    assert.equal((await h.get('/ready')).status, 200);
    assert.deepEqual(h.target.calls, ['healthcheckFail', 'healthcheckOk']);
  } finally {
    await h.close();
  }
});

test('/reset_counters and /reopen_logs answer OK', async () => {
  const h = await startAdmin();
  try {
    assert.equal((await h.post('/reset_counters')).body, 'OK\n');
    assert.equal((await h.post('/reopen_logs')).body, 'OK\n');
    assert.deepEqual(h.target.calls, ['resetCounters']);
  } finally {
    await h.close();
  }
});

test('/logging: no params lists, params go to the target in order, failure is 400', async () => {
  const h = await startAdmin();
  try {
    let r = await h.post('/logging');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'active loggers:\n  admin: info\n\n');
    r = await h.post('/logging?paths=admin:debug,upstream:trace');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'active loggers:\n  admin: debug\n\n');
    r = await h.post('/logging?level=bogus');
    assert.equal(r.status, 400);
    assert.equal(r.body, 'error: unknown logger level\n');
    assert.equal(r.headers['content-type'], TEXT);
    // Parameters in a form body count when the URL has none (Envoy's AdminFilter::queryParams).
    r = await h.post('/logging', 'admin=debug&upstream=info', 'application/x-www-form-urlencoded');
    assert.equal(r.status, 200);
    assert.deepEqual(h.target.loggingParams, [
      [['paths', 'admin:debug,upstream:trace']],
      [['level', 'bogus']],
      [['admin', 'debug'], ['upstream', 'info']],
    ]);
    assert.deepEqual(h.target.calls, ['loggingList']);
  } finally {
    await h.close();
  }
});

test('/drain_listeners passes graceful, inboundonly, skip_exit and answers at once', async () => {
  const h = await startAdmin();
  try {
    let r = await h.post('/drain_listeners');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'OK\n');
    r = await h.post('/drain_listeners?inboundonly&graceful');
    assert.equal(r.body, 'OK\n');
    r = await h.post('/drain_listeners?graceful&skip_exit&inboundonly=1');
    assert.equal(r.body, 'OK\n');
    r = await h.post('/drain_listeners?skip_exit');
    assert.equal(r.status, 400);
    assert.equal(r.body, 'skip_exit requires graceful\n');
    assert.deepEqual(h.target.drains, [
      { graceful: false, inboundOnly: false, skipExit: false },
      { graceful: true, inboundOnly: true, skipExit: false },
      { graceful: true, inboundOnly: true, skipExit: true },
    ]);
  } finally {
    await h.close();
  }
});

test('/quitquitquit answers OK and only then asks the target to quit', async () => {
  const h = await startAdmin();
  try {
    const quit = new Promise<void>((resolve) => {
      h.target.onQuit = resolve;
    });
    const r = await h.post('/quitquitquit');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'OK\n');
    await quit;
    assert.deepEqual(h.target.calls, ['quit']);
  } finally {
    await h.close();
  }
});

test('JSON endpoints print the target views with 1-space indent and a final newline', async () => {
  const h = await startAdmin();
  try {
    let r = await h.get('/server_info');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['cache-control'], 'no-cache, max-age=0');
    assert.equal(
      r.body,
      '{\n "version": "abc/1.0.0/Clean/RELEASE/BoringSSL",\n "state": "LIVE",\n "hot_restart_version": "disabled"\n}\n',
    );
    r = await h.get('/memory');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(
      r.body,
      '{\n "allocated": "100",\n "heap_size": "200",\n "pageheap_unmapped": "0",\n "pageheap_free": "0",\n' +
        ' "total_thread_cache": "0",\n "total_physical_bytes": "300"\n}\n',
    );
    r = await h.get('/runtime');
    assert.equal(r.body, '{\n "layers": [\n  "static_layer_0",\n  "admin"\n ],\n "entries": {}\n}\n');
    r = await h.get('/certs');
    assert.equal(r.body, '{\n "certificates": []\n}\n');
    r = await h.get('/init_dump?mask=listener');
    assert.equal(r.body, '{}\n');
    assert.deepEqual(h.target.calls, ['initDump:listener']);
    r = await h.get('/hot_restart_version');
    assert.equal(r.body, 'disabled');
    r = await h.get('/contention');
    assert.equal(r.body, 'Mutex contention tracing is not enabled. To enable, run Envoy with flag --enable-mutex-tracing.');
  } finally {
    await h.close();
  }
});

test('/ is an HTML index of the handlers', async () => {
  const h = await startAdmin();
  try {
    const r = await h.get('/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=UTF-8');
    assert.match(r.body, /<form action="\/quitquitquit" method="post">/);
    assert.match(r.body, /<form action="\/clusters" method="get">/);
  } finally {
    await h.close();
  }
});

test('/stats: parameters parsed and validated, rendering delegated', async () => {
  const h = await startAdmin();
  try {
    let r = await h.get('/stats?usedonly&filter=^(server\\.state|listener_manager\\.workers_started)');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'server.state: 0\n');
    assert.equal(r.headers['content-type'], TEXT);
    let q = h.target.statsQueries.at(-1)!;
    assert.equal(q.usedOnly, true);
    assert.equal(q.filterSource, '^(server\\.state|listener_manager\\.workers_started)');
    assert.ok(q.filter!.test('server.state'));
    assert.ok(!q.filter!.test('cluster.x.server.state'));
    assert.equal(q.type, 'All');
    assert.equal(q.histogramBuckets, undefined);

    r = await h.get('/stats?format=json&type=Counters&histogram_buckets=disjoint');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.body, '{"stats":[{"name":"server.state","value":0}]}');
    q = h.target.statsQueries.at(-1)!;
    assert.equal(q.type, 'Counters');
    assert.equal(q.histogramBuckets, 'disjoint');
    assert.equal(q.usedOnly, false);

    // A '+' in the URL is part of the regex, not a space.
    await h.get('/stats?filter=cluster.+upstream_rq');
    assert.equal(h.target.statsQueries.at(-1)!.filterSource, 'cluster.+upstream_rq');

    r = await h.get('/stats?format=prometheus');
    assert.equal(r.body, '# TYPE envoy_server_state gauge\nenvoy_server_state{} 0\n');
    r = await h.get('/stats/prometheus?usedonly&text_readouts&histogram_buckets=summary');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], TEXT);
    q = h.target.statsQueries.at(-1)!;
    assert.equal(q.textReadouts, true);
    assert.equal(q.histogramBuckets, 'summary');

    const bad: [string, string][] = [
      ['/stats?filter=(', 'Invalid re2 regex'],
      ['/stats?format=xml', 'usage: /stats?format=(html|active-html|json|prometheus|text)\n\n'],
      ['/stats?type=Foo', 'invalid &type= param'],
      ['/stats?histogram_buckets=linear', 'usage: /stats?histogram_buckets=(cumulative|disjoint|none)\n'],
      ['/stats?hidden=all', 'usage: /stats?hidden=(include|only|exclude)\n\n'],
      ['/stats?format=html', 'HTML output was disabled by building with --define=admin_html=disabled'],
      ['/stats/prometheus?filter=[', 'Invalid re2 regex'],
    ];
    const before = h.target.statsQueries.length;
    for (const [p, msg] of bad) {
      r = await h.get(p);
      assert.equal(r.status, 400, p);
      assert.equal(r.body, msg, p);
      assert.equal(r.headers['content-type'], TEXT);
    }
    assert.equal(h.target.statsQueries.length, before);
  } finally {
    await h.close();
  }
});

test('a throwing target is a 500, and the server keeps serving', async () => {
  const target = new FakeTarget();
  target.memory = () => {
    throw new Error('boom');
  };
  const h = await startAdmin(target);
  try {
    const r = await h.get('/memory');
    assert.equal(r.status, 500);
    assert.match(r.body, /boom/);
    assert.equal((await h.get('/ready')).status, 200);
  } finally {
    await h.close();
  }
});

test('listens on a unix pipe with the requested mode, and removes it on close', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsenvoy-admin-'));
  const sock = path.join(dir, 'admin.sock');
  const server = new AdminServer(new FakeTarget());
  const bound = await server.listen({ kind: 'pipe', path: sock, mode: 0o600 });
  try {
    assert.deepEqual(bound, { kind: 'pipe', path: sock, mode: 0o600 });
    assert.equal(server.address(), sock);
    assert.equal(fs.statSync(sock).mode & 0o777, 0o600);
    const r = await send({ socketPath: sock, path: '/ready', method: 'GET' });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'LIVE\n');
  } finally {
    await server.close();
  }
  assert.equal(fs.existsSync(sock), false);
});

test('a pipe left by a dead process is replaced; a live one or a regular file is not', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsenvoy-admin-'));
  const sock = path.join(dir, 'admin.sock');
  // A child that binds and is killed leaves its socket file behind.
  spawnSync(process.execPath, ['-e',
    `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  assert.ok(fs.lstatSync(sock).isSocket());
  const server = new AdminServer(new FakeTarget());
  await server.listen({ kind: 'pipe', path: sock });
  try {
    const other = new AdminServer(new FakeTarget());
    await assert.rejects(other.listen({ kind: 'pipe', path: sock }), /EADDRINUSE/);
    assert.equal((await send({ socketPath: sock, path: '/ready', method: 'GET' })).status, 200);
  } finally {
    await server.close();
  }
  const file = path.join(dir, 'plain');
  fs.writeFileSync(file, '');
  await assert.rejects(new AdminServer(new FakeTarget()).listen({ kind: 'pipe', path: file }), /EADDRINUSE/);
  assert.ok(fs.existsSync(file));
});
