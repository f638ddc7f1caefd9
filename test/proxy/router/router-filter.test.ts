import assert from 'node:assert/strict';
import * as http from 'node:http';
import { test } from 'node:test';
import { deadPort, hcmConfig, rawExchange, request, sleep, startProxy, startUpstream, TestCluster, TestHost } from '../http/harness';

const route = (action: Record<string, unknown>, extra: Record<string, unknown> = {}) => [{ match: { prefix: '/' }, route: { cluster: 'backend', ...action }, ...extra }];

test('no route -> 404 NR, unknown cluster -> 503 NC, no hosts -> 503 UH', async () => {
  const p = await startProxy(
    {
      ...hcmConfig(undefined),
      route_config: {
        virtual_hosts: [
          {
            name: 'vh',
            domains: ['*'],
            routes: [
              { match: { prefix: '/nc' }, route: { cluster: 'missing' } },
              { match: { prefix: '/uh' }, route: { cluster: 'empty' } },
            ],
          },
        ],
      },
    },
    (cm, store) => cm.clusters.set('empty', new TestCluster('empty', [], store)),
  );
  try {
    const nr = await rawExchange(p.port, 'GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.match(nr.text, /^HTTP\/1\.1 404 Not Found\r\n/);
    assert.match(nr.text, /content-length: 0\r\n/);
    assert.match(nr.text, /server: envoy\r\n/);
    const nc = await request(p.port, { path: '/nc' });
    assert.equal(nc.status, 503);
    assert.equal(nc.body, '');
    const uh = await request(p.port, { path: '/uh' });
    assert.equal(uh.status, 503);
    assert.equal(uh.body, 'no healthy upstream');
    assert.equal(uh.headers['content-type'], 'text/plain');
    assert.equal(uh.headers['x-envoy-upstream-service-time'], undefined);
    assert.equal(p.counter('http.ingress.no_route'), 1);
    assert.equal(p.counter('http.ingress.no_cluster'), 1);
  } finally {
    await p.close();
  }
});

test('connect failure -> 503 UF with Envoy body; retries give URX and the retried text', async () => {
  const port = await deadPort();
  const p = await startProxy(
    hcmConfig([
      { match: { prefix: '/once' }, route: { cluster: 'dead' } },
      { match: { prefix: '/retry' }, route: { cluster: 'dead', retry_policy: { retry_on: 'connect-failure', num_retries: 2 } } },
    ]),
    (cm, store) => cm.clusters.set('dead', new TestCluster('dead', [new TestHost('127.0.0.1', port)], store)),
  );
  try {
    const r = await request(p.port, { path: '/once' });
    assert.equal(r.status, 503);
    assert.equal(r.body, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: delayed connect error: 111');
    const r2 = await request(p.port, { path: '/retry' });
    assert.equal(r2.status, 503);
    assert.equal(r2.body, 'upstream connect error or disconnect/reset before headers. retried and the latest reset reason: connection failure, transport failure reason: delayed connect error: 111');
    assert.equal(p.counter('cluster.dead.upstream_rq_retry'), 2);
    assert.equal(p.counter('cluster.dead.upstream_cx_connect_fail'), 4);
    assert.equal(p.counter('cluster.dead.upstream_rq_retry_limit_exceeded'), 1);
  } finally {
    await p.close();
  }
});

test('retry_on 5xx / retriable-status-codes / retriable-4xx with attempt counts; previous_hosts', async () => {
  let n = 0;
  const up = await startUpstream((req, res) => {
    n++;
    const want = Number(req.headers['x-fail-times'] ?? 0);
    const code = Number(req.headers['x-fail-code'] ?? 503);
    if (n <= want) {
      res.statusCode = code;
      res.end('fail');
    } else res.end(`ok attempt=${req.headers['x-envoy-attempt-count']}`);
  });
  const p = await startProxy(
    {
      ...hcmConfig(undefined),
      route_config: {
        virtual_hosts: [
          {
            name: 'vh',
            domains: ['*'],
            include_request_attempt_count: true,
            include_attempt_count_in_response: true,
            routes: [
              { match: { prefix: '/5xx' }, route: { cluster: 'backend', retry_policy: { retry_on: '5xx', num_retries: 3 } } },
              { match: { prefix: '/codes' }, route: { cluster: 'backend', retry_policy: { retry_on: 'retriable-status-codes', retriable_status_codes: [418] } } },
              { match: { prefix: '/4xx' }, route: { cluster: 'backend', retry_policy: { retry_on: 'retriable-4xx' } } },
              { match: { prefix: '/none' }, route: { cluster: 'backend' } },
            ],
          },
        ],
      },
    },
    (cm, store) => cm.clusters.set('backend', new TestCluster('backend', [up.host], store)),
  );
  try {
    n = 0;
    let r = await request(p.port, { path: '/5xx', headers: { 'x-fail-times': '2' } });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok attempt=3');
    assert.equal(r.headers['x-envoy-attempt-count'], '3');
    n = 0;
    r = await request(p.port, { path: '/5xx', headers: { 'x-fail-times': '9' } });
    assert.equal(r.status, 503);
    assert.equal(r.body, 'fail');
    assert.equal(r.headers['x-envoy-attempt-count'], '4');
    n = 0;
    r = await request(p.port, { path: '/codes', headers: { 'x-fail-times': '1', 'x-fail-code': '418' } });
    assert.equal(r.status, 200);
    n = 0;
    r = await request(p.port, { path: '/4xx', headers: { 'x-fail-times': '1', 'x-fail-code': '409' } });
    assert.equal(r.status, 200);
    n = 0;
    r = await request(p.port, { path: '/none', headers: { 'x-fail-times': '1' } });
    assert.equal(r.status, 503);
    assert.ok(p.counter('cluster.backend.upstream_rq_retry') >= 5);
    assert.ok(p.counter('cluster.backend.upstream_rq_503') >= 5);
  } finally {
    await p.close();
    await up.close();
  }
});

test('x-envoy-retry-on honoured from an internal client with use_remote_address; reset retried', async () => {
  let n = 0;
  const up = await startUpstream((req, res) => {
    n++;
    if (n === 1) {
      req.socket.destroy();
      return;
    }
    res.end('second');
  });
  const p = await startProxy(hcmConfig(undefined, { use_remote_address: true }), (cm, store) => cm.clusters.set('backend', new TestCluster('backend', [up.host], store)));
  try {
    const r = await request(p.port, { path: '/', headers: { 'x-envoy-retry-on': 'reset', 'x-envoy-max-retries': '1' } });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'second');
    n = 0;
    const p2 = await request(p.port, { path: '/' });
    assert.equal(p2.status, 503);
    assert.equal(p2.body, 'upstream connect error or disconnect/reset before headers. reset reason: connection termination');
    assert.equal(up.requests.at(-1)?.headers['x-envoy-internal'], 'true');
  } finally {
    await p.close();
    await up.close();
  }
});

test('route timeout -> 504 UT; per-try timeout retried; x-envoy-upstream-rq-timeout-ms', async () => {
  let n = 0;
  const up = await startUpstream((req, res) => {
    n++;
    const delay = Number(req.headers['x-delay'] ?? 0);
    if (req.headers['x-first-only'] && n > 1) return void res.end('fast');
    setTimeout(() => res.end('late'), delay);
  });
  const p = await startProxy(
    hcmConfig([
      { match: { prefix: '/short' }, route: { cluster: 'backend', timeout: '0.1s' } },
      { match: { prefix: '/pertry' }, route: { cluster: 'backend', timeout: '2s', retry_policy: { retry_on: '5xx', num_retries: 1, per_try_timeout: '0.1s' } } },
      { match: { prefix: '/' }, route: { cluster: 'backend' } },
    ], { use_remote_address: true }),
    (cm, store) => cm.clusters.set('backend', new TestCluster('backend', [up.host], store)),
  );
  try {
    const t = Date.now();
    let r = await request(p.port, { path: '/short', headers: { 'x-delay': '1000' } });
    assert.equal(r.status, 504);
    assert.equal(r.body, 'upstream request timeout');
    assert.ok(Date.now() - t < 900);
    n = 0;
    r = await request(p.port, { path: '/pertry', headers: { 'x-delay': '1000', 'x-first-only': '1' } });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'fast');
    assert.equal(p.counter('cluster.backend.upstream_rq_per_try_timeout'), 1);
    r = await request(p.port, { path: '/', headers: { 'x-delay': '1000', 'x-envoy-upstream-rq-timeout-ms': '100' } });
    assert.equal(r.status, 504);
    assert.equal(up.requests.at(-1)?.headers['x-envoy-upstream-rq-timeout-ms'], undefined);
    assert.ok(p.counter('cluster.backend.upstream_rq_timeout') >= 2);
  } finally {
    await p.close();
    await up.close();
  }
});

test('circuit breakers: pending overflow -> 503 UO with x-envoy-overloaded', async () => {
  const up = await startUpstream((_req, res) => setTimeout(() => res.end('ok'), 150));
  const p = await startProxy(hcmConfig(undefined), (cm, store) => cm.clusters.set('backend', new TestCluster('backend', [up.host], store, { maxConnections: 1, maxPendingRequests: 1 })));
  try {
    const all = await Promise.all([0, 1, 2, 3].map(() => request(p.port, { path: '/' })));
    const codes = all.map((r) => r.status).sort();
    assert.ok(codes.includes(200));
    const uo = all.find((r) => r.status === 503)!;
    assert.ok(uo, JSON.stringify(codes));
    assert.equal(uo.body, 'upstream connect error or disconnect/reset before headers. reset reason: overflow');
    assert.equal(uo.headers['x-envoy-overloaded'], 'true');
    assert.ok(p.counter('cluster.backend.upstream_rq_pending_overflow') >= 1);
  } finally {
    await p.close();
    await up.close();
  }
});

test('pool reuses connections and honours max_requests_per_connection', async () => {
  const up = await startUpstream();
  const p = await startProxy(hcmConfig(undefined), (cm, store) => cm.clusters.set('backend', new TestCluster('backend', [up.host], store, { maxRequestsPerConnection: 2 })));
  try {
    for (let i = 0; i < 6; i++) assert.equal((await request(p.port, { path: `/${i}` })).status, 200);
    await sleep(20);
    assert.equal(up.connections, 3);
    assert.equal(p.counter('cluster.backend.upstream_cx_max_requests'), 3);
    assert.equal(p.counter('cluster.backend.upstream_cx_total'), 3);
  } finally {
    await p.close();
    await up.close();
  }
});

test('redirect, direct response, rewrites and header mutations', async () => {
  const up = await startUpstream((req, res) => {
    res.setHeader('x-up', 'v');
    res.end(`${req.url} ${req.headers.host} ${req.headers['x-added']} ${req.headers['x-vh']} ${req.headers['x-remove-me'] ?? 'gone'}`);
  });
  const p = await startProxy(
    {
      ...hcmConfig(undefined),
      route_config: {
        response_headers_to_add: [{ header: { key: 'x-cfg', value: 'c' } }],
        virtual_hosts: [
          {
            name: 'vh',
            domains: ['*'],
            request_headers_to_add: [{ header: { key: 'x-vh', value: 'vh' } }],
            routes: [
              { match: { prefix: '/old' }, redirect: { path_redirect: '/new', response_code: 'FOUND' } },
              { match: { prefix: '/direct' }, direct_response: { status: 200, body: { inline_string: 'hello direct' } } },
              {
                match: { prefix: '/api/' },
                route: { cluster: 'backend', prefix_rewrite: '/v2/', host_rewrite_literal: 'rewritten.example' },
                request_headers_to_add: [{ header: { key: 'x-added', value: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%' } }],
                request_headers_to_remove: ['x-remove-me'],
                response_headers_to_add: [{ header: { key: 'x-route', value: 'r' } }],
              },
            ],
          },
        ],
      },
    },
    (cm, store) => cm.clusters.set('backend', new TestCluster('backend', [up.host], store)),
  );
  try {
    const r = await request(p.port, { path: '/old?q=1', headers: { host: 'h.example' } });
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, 'http://h.example/new?q=1');
    const d = await request(p.port, { path: '/direct' });
    assert.equal(d.status, 200);
    assert.equal(d.body, 'hello direct');
    assert.equal(p.counter('http.ingress.rq_direct_response'), 1);
    assert.equal(p.counter('http.ingress.rq_redirect'), 1);
    const a = await request(p.port, { path: '/api/x?y=1', headers: { 'x-remove-me': '1' } });
    assert.equal(a.body, '/v2/x?y=1 rewritten.example 127.0.0.1 vh gone');
    assert.equal(a.headers['x-route'], 'r');
    assert.equal(a.headers['x-cfg'], 'c');
    assert.equal(up.requests.at(-1)?.headers['x-envoy-original-path'], '/api/x?y=1');
  } finally {
    await p.close();
    await up.close();
  }
});

test('request mirroring sends a copy to <host>-shadow and ignores its response', async () => {
  const main = await startUpstream((_q, res) => res.end('main'));
  const shadow = await startUpstream((_q, res) => {
    res.statusCode = 500;
    res.end('shadow');
  });
  const p = await startProxy(hcmConfig([{ match: { prefix: '/' }, route: { cluster: 'backend', request_mirror_policies: [{ cluster: 'shadow' }] } }]), (cm, store) => {
    cm.clusters.set('backend', new TestCluster('backend', [main.host], store));
    cm.clusters.set('shadow', new TestCluster('shadow', [shadow.host], store));
  });
  try {
    const r = await request(p.port, { path: '/m', method: 'POST', body: 'payload', headers: { host: 'svc:8080' } });
    assert.equal(r.body, 'main');
    for (let i = 0; i < 50 && shadow.requests.length === 0; i++) await sleep(10);
    assert.equal(shadow.requests[0].headers.host, 'svc-shadow:8080');
    assert.equal(shadow.requests[0].body, 'payload');
  } finally {
    await p.close();
    await main.close();
    await shadow.close();
  }
});

test('WebSocket upgrade is tunnelled when enabled, 403 otherwise', async () => {
  const up = await startUpstream();
  up.server.on('upgrade', (req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(`echo:${d.toString()}`));
    socket.on('end', () => socket.end());
  });
  const mk = (enabled: boolean) =>
    startProxy(hcmConfig(undefined, enabled ? { upgrade_configs: [{ upgrade_type: 'websocket' }] } : {}), (cm, store) => cm.clusters.set('backend', new TestCluster('backend', [up.host], store)));
  const p = await mk(true);
  const q = await mk(false);
  try {
    const text = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: p.port, path: '/ws', headers: { connection: 'Upgrade', upgrade: 'websocket' }, agent: false });
      req.on('upgrade', (res, sock) => {
        sock.write('ping');
        sock.once('data', (d: Buffer) => {
          resolve(`${res.statusCode} ${d.toString()}`);
          sock.destroy();
        });
      });
      req.on('response', (res) => resolve(`unexpected ${res.statusCode}`));
      req.on('error', reject);
      req.end();
    });
    assert.equal(text, '101 echo:ping');
    const no = await rawExchange(q.port, 'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    assert.match(no.text, /^HTTP\/1\.1 403 Forbidden\r\n/);
  } finally {
    await p.close();
    await q.close();
    await up.close();
  }
});
