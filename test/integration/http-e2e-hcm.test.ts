// End to end through a real tsenvoy process (see http-e2e-routing.test.ts): connection manager
// options on three listeners, the managed headers they change (server, via, x-forwarded-for with
// trusted hops, request ids, edge stripping of x-envoy-* headers), the connection and request
// timeouts, CONNECT, hash policies and cluster_header; each with the counters it moves.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import { accessLogs, bootstrapListeners, customLog, delta, E2eProxy, logFiles, raw, ROUTER, ScriptedUpstream, send, staticCluster, until, upstreams } from './http-e2e-support';

const logs = logFiles();
const LRL = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
const CORS_POLICY = 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy';
let up: Record<'web' | 'r1' | 'r2' | 'r3' | 'other', ScriptedUpstream>;
let proxy: E2eProxy;

const routes = (extra: object[] = []) => ({
  name: 'hcm-routes',
  virtual_hosts: [
    {
      name: 'default',
      domains: ['*'],
      request_headers_to_add: [{ header: { key: 'x-client', value: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
      routes: [...extra, { match: { prefix: '/direct' }, direct_response: { status: 200, body: { inline_string: 'direct' } } }, { match: { prefix: '/' }, route: { cluster: 'web' } }],
    },
  ],
});

function listeners(): Record<string, object> {
  return {
    // Behind another proxy: the client address comes from x-forwarded-for (one trusted hop).
    opts: {
      stat_prefix: 'opts',
      xff_num_trusted_hops: 1,
      server_name: 'edge-proxy',
      via: 'e2e-via',
      generate_request_id: false,
      access_log: accessLogs(logs),
      http_filters: [
        { name: 'envoy.filters.http.local_ratelimit', typed_config: { '@type': LRL, stat_prefix: 'rl' } },
        { name: 'envoy.filters.http.cors', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } },
        ROUTER,
      ],
      route_config: routes([
        { match: { prefix: '/hash' }, route: { cluster: 'ring', hash_policy: [{ header: { header_name: 'x-user' } }] } },
        {
          match: { prefix: '/limited' },
          route: { cluster: 'web' },
          typed_per_filter_config: {
            'envoy.filters.http.local_ratelimit': {
              '@type': LRL,
              stat_prefix: 'rl',
              token_bucket: { max_tokens: 2, tokens_per_fill: 1, fill_interval: '60s' },
              filter_enabled: { default_value: { numerator: 100 } },
              filter_enforced: { default_value: { numerator: 100 } },
              response_headers_to_add: [{ header: { key: 'x-limited', value: 'yes' } }],
            },
          },
        },
        {
          match: { prefix: '/cors' },
          route: { cluster: 'web' },
          typed_per_filter_config: { 'envoy.filters.http.cors': { '@type': CORS_POLICY, allow_origin_string_match: [{ exact: 'https://ok.example' }], allow_methods: 'GET,POST', max_age: '60' } },
        },
        { match: { prefix: '/pick' }, route: { cluster_header: 'x-cluster' } },
        { match: { prefix: '/buffered' }, route: { cluster: 'web', retry_policy: { retry_on: '5xx', num_retries: 2 } }, per_request_buffer_limit_bytes: 1024 },
        { match: { connect_matcher: {} }, route: { cluster: 'web', upgrade_configs: [{ upgrade_type: 'CONNECT' }] } },
      ]),
    },
    // An edge proxy: loopback is not internal here, so the client is external.
    edge: {
      stat_prefix: 'edge',
      use_remote_address: true,
      internal_address_config: { cidr_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }] },
      always_set_request_id_in_response: true,
      server_header_transformation: 'PASS_THROUGH',
      request_timeout: '0.3s',
      common_http_protocol_options: { idle_timeout: '0.3s' },
      delayed_close_timeout: '0.2s',
      access_log: accessLogs(logs),
      http_filters: [ROUTER],
      route_config: routes(),
    },
    duration: {
      stat_prefix: 'duration',
      common_http_protocol_options: { max_connection_duration: '0.4s' },
      drain_timeout: '0.2s',
      http_filters: [ROUTER],
      route_config: routes(),
    },
  };
}

before(async () => {
  up = await upstreams(['web', 'r1', 'r2', 'r3', 'other'] as const);
  const clusters = [
    staticCluster('web', [up.web.port]),
    staticCluster('ring', [up.r1.port, up.r2.port, up.r3.port], { lb_policy: 'RING_HASH' }),
    staticCluster('other', [up.other.port]),
  ];
  proxy = await E2eProxy.start(bootstrapListeners(listeners(), clusters));
});

after(async () => {
  await proxy?.stop();
  for (const u of Object.values(up ?? {})) await u.close();
});

const echo = (body: string) => JSON.parse(body) as { up: string; url: string; headers: http.IncomingHttpHeaders };

test('server_name, via both ways, xff_num_trusted_hops without use_remote_address, generate_request_id false', async () => {
  const opts = proxy.listeners.get('opts')!;
  const r = await send(opts, '/x', { headers: { 'x-forwarded-for': '1.2.3.4,10.0.0.1', 'x-resp-server': 'upstream-srv' } });
  assert.equal(r.status, 200);
  const seen = echo(r.body).headers;
  assert.equal(seen['x-client'], '1.2.3.4', 'the client is the second address from the right');
  assert.equal(seen['x-forwarded-for'], '1.2.3.4,10.0.0.1', 'not appended without use_remote_address');
  assert.equal(seen.via, 'e2e-via');
  assert.equal(seen['x-request-id'], undefined);
  assert.equal(r.headers.server, 'edge-proxy', 'OVERWRITE replaces the upstream server header');
  assert.equal(r.headers.via, 'e2e-via');
  const d = await send(opts, '/direct');
  assert.equal(d.headers.server, 'edge-proxy');
});

test('edge request: x-envoy-* control headers stripped, x-envoy-external-address set, request id replaced and echoed, server passed through', async () => {
  const edge = proxy.listeners.get('edge')!;
  const before = await proxy.stats();
  const r = await send(edge, '/x', {
    headers: { 'x-envoy-retry-on': '5xx', 'x-envoy-max-retries': '3', 'x-envoy-internal': 'true', 'x-request-id': 'client-chosen', 'x-script': '503,200', 'x-test-id': 'edge-1', 'x-resp-server': 'upstream-srv' },
  });
  assert.equal(r.status, 503, 'the external client cannot ask for retries');
  const seen = up.web.attempts('edge-1');
  assert.equal(seen.length, 1);
  const h = seen[0].headers;
  assert.equal(h['x-envoy-retry-on'], undefined);
  assert.equal(h['x-envoy-max-retries'], undefined);
  assert.equal(h['x-envoy-internal'], undefined);
  assert.equal(h['x-envoy-external-address'], '127.0.0.1');
  assert.match(String(h['x-request-id']), /^[0-9a-f-]{36}$/);
  assert.notEqual(h['x-request-id'], 'client-chosen');
  assert.equal(r.headers['x-request-id'], h['x-request-id'], 'always_set_request_id_in_response');
  assert.equal(r.headers.server, 'upstream-srv', 'PASS_THROUGH');
  const d = await send(edge, '/direct');
  assert.equal(d.headers.server, undefined, 'PASS_THROUGH adds none');
  const after = await proxy.stats();
  assert.equal(delta(before, after, 'cluster.web.upstream_rq_retry'), 0);
  assert.equal(delta(before, after, 'http.edge.downstream_rq_5xx'), 1);
});

test('request_timeout: a body that never completes gets 408 "request timeout"; downstream_rq_timeout', async () => {
  const before = await proxy.stats();
  const t0 = Date.now();
  const r = await raw(proxy.portOf('edge'), 'POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nX-Test-Id: rqt-1\r\n\r\nab', 3000);
  assert.match(r.text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.match(r.text, /request timeout$/);
  assert.ok(Date.now() - t0 < 2000);
  assert.equal(r.closed, true);
  assert.equal((await customLog(logs, 'rqt-1')).details, 'request_overall_timeout');
  const after = await proxy.stats();
  assert.equal(delta(before, after, 'http.edge.downstream_rq_timeout'), 1);
});

/** Opens a keep-alive connection, sends one request and reports when the proxy closes it. */
async function keepAliveClosedAfter(port: number, p: string): Promise<{ text: string; closedAfterMs: number }> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise((r) => s.once('connect', r));
  let text = '';
  s.on('data', (d) => (text += d.toString('latin1')));
  s.on('error', () => {});
  s.setTimeout(3000, () => s.destroy()); // a proxy that never closes fails the timing, not the run
  const t0 = Date.now();
  s.write(`GET ${p} HTTP/1.1\r\nHost: a\r\n\r\n`);
  await new Promise((r) => s.once('close', r));
  return { text, closedAfterMs: Date.now() - t0 };
}

test('idle_timeout closes an idle keep-alive connection; downstream_cx_idle_timeout', async () => {
  const before = await proxy.stats();
  const c = await keepAliveClosedAfter(proxy.portOf('edge'), '/direct');
  assert.match(c.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(c.closedAfterMs >= 250 && c.closedAfterMs < 2000, `closed after ${c.closedAfterMs} ms`);
  const after = await proxy.stats();
  assert.equal(delta(before, after, 'http.edge.downstream_cx_idle_timeout'), 1);
  assert.equal(after.get('http.edge.downstream_cx_active'), 0);
});

test('max_connection_duration closes a keep-alive connection; downstream_cx_max_duration_reached', async () => {
  const before = await proxy.stats();
  const c = await keepAliveClosedAfter(proxy.portOf('duration'), '/direct');
  assert.match(c.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(c.closedAfterMs >= 350 && c.closedAfterMs < 2000, `closed after ${c.closedAfterMs} ms`);
  const after = await proxy.stats();
  assert.equal(delta(before, after, 'http.duration.downstream_cx_max_duration_reached'), 1);
});

test('CONNECT is proxied as a tunnel when the route allows it', async () => {
  const before = await proxy.stats();
  const text = await new Promise<string>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.portOf('opts'), method: 'CONNECT', path: 'backend.test:443', agent: false });
    req.setTimeout(3000, () => req.destroy(new Error('CONNECT timed out')));
    req.on('connect', (res, sock: net.Socket) => {
      if (res.statusCode !== 200) {
        resolve(`unexpected ${res.statusCode}`);
        sock.destroy();
        return;
      }
      sock.write('hello');
      sock.once('data', (d: Buffer) => {
        resolve(`${res.statusCode} ${d.toString()}`);
        sock.destroy();
      });
    });
    req.on('response', (res) => resolve(`unexpected ${res.statusCode}`));
    req.on('error', reject);
    req.end();
  });
  assert.equal(text, '200 web:hello');
  const seen = up.web.seen.filter((s) => s.method === 'CONNECT');
  assert.equal(seen.length, 1);
  assert.equal(seen[0].url, 'backend.test:443');
  await until(async () => (await proxy.stats()).get('http.opts.downstream_cx_upgrades_active') === 0, 2000, 'tunnel closed');
  const after = await proxy.stats();
  assert.equal(delta(before, after, 'http.opts.downstream_cx_upgrades_total'), 1);
});

test('hash_policy header on RING_HASH: a user sticks to one host, users spread over hosts; cluster_header picks the cluster', async () => {
  const opts = proxy.listeners.get('opts')!;
  const hostOf = new Map<string, string>();
  for (let u = 0; u < 30; u++) {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(String((await send(opts, '/hash', { headers: { 'x-user': `user-${u}` } })).headers['x-up']));
    assert.equal(seen.size, 1, `user-${u} went to ${[...seen]}`);
    hostOf.set(`user-${u}`, [...seen][0]);
  }
  assert.ok(new Set(hostOf.values()).size >= 2, 'users spread over the ring');
  const stats = await proxy.stats();
  assert.equal(stats.get('cluster.ring.upstream_rq_total'), 120);
  let r = await send(opts, '/pick', { headers: { 'x-cluster': 'other' } });
  assert.equal(r.headers['x-up'], 'other');
  r = await send(opts, '/pick', { headers: { 'x-cluster': 'nope' } });
  assert.equal(r.status, 503, 'an unknown cluster is 503 NC');
  r = await send(opts, '/pick');
  assert.equal(r.status, 503);
  const after = await proxy.stats();
  assert.equal(delta(stats, after, 'http.opts.no_cluster'), 2);
  assert.equal(delta(stats, after, 'cluster.other.upstream_rq_200'), 1);
});

test('per_request_buffer_limit_bytes: a body over the retry buffer is not replayed (one attempt); under it, it is', async () => {
  const opts = proxy.listeners.get('opts')!;
  let r = await send(opts, '/buffered', { method: 'POST', body: 'x'.repeat(4096), headers: { 'x-test-id': 'buf-big', 'x-script': '503,200' } });
  assert.equal(r.status, 503);
  assert.equal(up.web.attempts('buf-big').length, 1);
  assert.equal(up.web.attempts('buf-big')[0].body.length, 4096);
  r = await send(opts, '/buffered', { method: 'POST', body: 'x'.repeat(512), headers: { 'x-test-id': 'buf-small', 'x-script': '503,200' } });
  assert.equal(r.status, 200);
  assert.deepEqual(up.web.attempts('buf-small').map((s) => s.body.length), [512, 512]);
});

test('delayed_close_timeout: after a closing reply (FIN) the proxy gives the client 0.2 s to close, then closes itself', async () => {
  const before = await proxy.stats();
  const s = net.connect({ port: proxy.portOf('edge'), host: '127.0.0.1', allowHalfOpen: true });
  await new Promise((r) => s.once('connect', r));
  let text = '';
  s.on('data', (d) => (text += d.toString('latin1')));
  s.on('error', () => {});
  const fin = new Promise<number>((r) => s.once('end', () => r(Date.now())));
  s.write('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n');
  const finAt = await fin;
  assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
  // The client keeps its half open: the proxy's timer closes the connection on its side.
  const key = 'http.edge.downstream_cx_delayed_close_timeout';
  await until(async () => delta(before, await proxy.stats(), key) === 1, 2000, key);
  const waited = Date.now() - finAt;
  assert.ok(waited >= 150, `closed ${waited} ms after its FIN`);
  assert.equal((await proxy.stats()).get('http.edge.downstream_cx_active'), 0);
  s.destroy();
});

test('max_connection_duration during a request: the response carries connection: close, then the connection closes', async () => {
  const before = await proxy.stats();
  const s = net.connect(proxy.portOf('duration'), '127.0.0.1');
  await new Promise((r) => s.once('connect', r));
  let text = '';
  s.on('data', (d) => (text += d.toString('latin1')));
  s.on('error', () => {});
  s.setTimeout(3000, () => s.destroy());
  s.write('GET /slow HTTP/1.1\r\nHost: a\r\nX-Script: delay=700\r\n\r\n');
  await new Promise((r) => s.once('close', r));
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(text, /connection: close\r\n/i);
  assert.match(text, /web late$/);
  const after = await proxy.stats();
  assert.equal(delta(before, after, 'http.duration.downstream_cx_max_duration_reached'), 1);
});

test('local rate limit (per-route token bucket): 429 local_rate_limited with RL; cors preflight and simple requests', async () => {
  const opts = proxy.listeners.get('opts')!;
  const before = await proxy.stats();
  const codes: number[] = [];
  for (let i = 0; i < 3; i++) codes.push((await send(opts, '/limited', { headers: { 'x-test-id': `rl${i}` } })).status);
  assert.deepEqual(codes, [200, 200, 429]);
  const r = await send(opts, '/limited', { headers: { 'x-test-id': 'rl3' } });
  assert.equal(r.body, 'local_rate_limited');
  assert.equal(r.headers['x-limited'], 'yes');
  assert.deepEqual(await customLog(logs, 'rl3'), { code: '429', flags: 'RL', details: 'local_rate_limited', cluster: '-', attempts: '0' });
  const after = await proxy.stats();
  const limited = [...after.keys()].filter((k) => k.endsWith('http_local_rate_limit.rate_limited'));
  assert.equal(limited.length, 1, limited.join());
  assert.equal(delta(before, after, limited[0]), 2);

  const pre = await send(opts, '/cors', { method: 'OPTIONS', headers: { origin: 'https://ok.example', 'access-control-request-method': 'POST' } });
  assert.equal(pre.status, 200);
  assert.equal(pre.headers['access-control-allow-origin'], 'https://ok.example');
  assert.equal(pre.headers['access-control-allow-methods'], 'GET,POST');
  assert.equal(pre.headers['access-control-max-age'], '60');
  const simple = await send(opts, '/cors', { headers: { origin: 'https://ok.example' } });
  assert.equal(simple.headers['access-control-allow-origin'], 'https://ok.example');
  assert.equal(simple.headers['x-up'], 'web');
  const bad = await send(opts, '/cors', { headers: { origin: 'https://evil.example' } });
  assert.equal(bad.headers['access-control-allow-origin'], undefined);
});
