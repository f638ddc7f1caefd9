// End to end through a real tsenvoy process: a real node:http client, real upstream servers, a
// static bootstrap, and for each behaviour the counters it moves in /stats, /stats/prometheus and
// /clusters. This file: virtual host and route matching, weighted split, redirects, direct
// responses, rewrites, header mutation order, managed headers, fault, mirroring, WebSocket,
// request smuggling, 431, and access-log lines in Envoy's format.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import {
  accessLogs,
  bootstrap,
  customLog,
  delta,
  E2eProxy,
  endpoint,
  FAULT,
  logFiles,
  logLine,
  raw,
  ROUTER,
  ScriptedUpstream,
  send,
  staticCluster,
  until,
  upstreams,
} from './http-e2e-support';

const logs = logFiles();
let up: Record<'web' | 'blue' | 'green' | 'shadow', ScriptedUpstream>;
let proxy: E2eProxy;

const direct = (prefix: string, body: string) => ({ match: { prefix }, direct_response: { status: 200, body: { inline_string: body } } });
const append = (key: string, value: string) => ({ header: { key, value }, append_action: 'APPEND_IF_EXISTS_OR_ADD' });
const overwrite = (key: string, value: string) => ({ header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' });
const faultRoute = (prefix: string, fault: object) => ({ match: { prefix }, route: { cluster: 'web' }, typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': FAULT, ...fault } } });

function hcm(): object {
  return {
    stat_prefix: 'e2e',
    use_remote_address: true,
    strip_any_host_port: true,
    upgrade_configs: [{ upgrade_type: 'websocket' }],
    access_log: accessLogs(logs),
    http_filters: [
      { name: 'envoy.filters.http.fault', typed_config: { '@type': FAULT, abort: { header_abort: {}, percentage: { numerator: 100 } }, delay: { header_delay: {}, percentage: { numerator: 100 } } } },
      ROUTER,
    ],
    route_config: {
      name: 'e2e-routes',
      request_headers_to_add: [append('x-order', 'config'), overwrite('x-level', 'config')],
      response_headers_to_add: [append('x-order', 'config'), overwrite('x-level', 'config')],
      virtual_hosts: [
        { name: 'exact', domains: ['api.example.com'], routes: [direct('/', 'vh=exact')] },
        { name: 'suffix', domains: ['*.example.com'], routes: [direct('/', 'vh=suffix')] },
        { name: 'suffix-long', domains: ['*.b.example.com'], routes: [direct('/', 'vh=suffix-long')] },
        { name: 'prefix', domains: ['api.*'], routes: [direct('/', 'vh=prefix')] },
        {
          name: 'default',
          domains: ['*'],
          request_headers_to_add: [append('x-order', 'vhost'), overwrite('x-level', 'vhost')],
          request_headers_to_remove: ['x-route-added'],
          response_headers_to_add: [append('x-order', 'vhost'), overwrite('x-level', 'vhost')],
          routes: [
            direct('/whoami', 'vh=default'),
            { match: { path: '/m/exact' }, direct_response: { status: 200, body: { inline_string: 'route=path' } } },
            { match: { safe_regex: { regex: '/m/re/[0-9]+' } }, direct_response: { status: 200, body: { inline_string: 'route=regex' } } },
            { match: { prefix: '/m/case', case_sensitive: false }, direct_response: { status: 200, body: { inline_string: 'route=nocase' } } },
            { match: { prefix: '/m/h', headers: [{ name: 'x-env', string_match: { exact: 'canary' } }] }, direct_response: { status: 200, body: { inline_string: 'route=header' } } },
            { match: { prefix: '/m/q', query_parameters: [{ name: 'v', string_match: { exact: '2' } }] }, direct_response: { status: 200, body: { inline_string: 'route=query' } } },
            { match: { path_separated_prefix: '/m/seg' }, direct_response: { status: 200, body: { inline_string: 'route=seg' } } },
            direct('/m/', 'route=prefix'),
            { match: { prefix: '/split' }, route: { weighted_clusters: { clusters: [{ name: 'blue', weight: 70 }, { name: 'green', weight: 30 }] } } },
            { match: { prefix: '/redirect/https' }, redirect: { https_redirect: true } },
            { match: { prefix: '/redirect/prefix/' }, redirect: { prefix_rewrite: '/new/', strip_query: true, response_code: 'PERMANENT_REDIRECT' } },
            { match: { prefix: '/redirect/host' }, redirect: { host_redirect: 'other.example', port_redirect: 8443, response_code: 'TEMPORARY_REDIRECT' } },
            { match: { prefix: '/redirect/re/' }, redirect: { regex_rewrite: { pattern: { regex: '^/redirect/re/([0-9]+)$' }, substitution: '/items/\\1' }, response_code: 'FOUND' } },
            { match: { prefix: '/direct/ok' }, direct_response: { status: 200, body: { inline_string: 'direct body' } } },
            { match: { prefix: '/direct/unavailable' }, direct_response: { status: 503 } },
            { match: { prefix: '/rewrite/prefix/' }, route: { cluster: 'web', prefix_rewrite: '/v2/' } },
            { match: { prefix: '/rewrite/regex/' }, route: { cluster: 'web', regex_rewrite: { pattern: { regex: '^/rewrite/regex/([a-z]+)/([a-z]+)$' }, substitution: '/\\2/\\1' } } },
            { match: { prefix: '/rewrite/literal' }, route: { cluster: 'web', host_rewrite_literal: 'literal.example' } },
            { match: { prefix: '/rewrite/header' }, route: { cluster: 'web', host_rewrite_header: 'x-host' } },
            { match: { prefix: '/rewrite/auto' }, route: { cluster: 'dnsweb', auto_host_rewrite: true } },
            {
              match: { prefix: '/headers' },
              route: {
                weighted_clusters: {
                  clusters: [{ name: 'web', weight: 1, request_headers_to_add: [append('x-order', 'cluster')], response_headers_to_add: [append('x-order', 'cluster')] }],
                },
              },
              request_headers_to_add: [
                append('x-order', 'route'),
                overwrite('x-level', 'route'),
                append('x-route-added', 'r'),
                append('x-client', '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%'),
              ],
              request_headers_to_remove: ['x-drop-me'],
              response_headers_to_add: [append('x-order', 'route'), overwrite('x-level', 'route')],
              response_headers_to_remove: ['x-up-secret'],
            },
            faultRoute('/fault/delay', { delay: { fixed_delay: '0.3s', percentage: { numerator: 100 } } }),
            faultRoute('/fault/abort', { abort: { http_status: 418, percentage: { numerator: 100 } } }),
            faultRoute('/fault/half', { abort: { http_status: 503, percentage: { numerator: 50 } } }),
            { match: { prefix: '/mirror' }, route: { cluster: 'web', request_mirror_policies: [{ cluster: 'shadow' }] } },
            { match: { prefix: '/nows' }, route: { cluster: 'web', upgrade_configs: [{ upgrade_type: 'websocket', enabled: false }] } },
            { match: { prefix: '/web' }, route: { cluster: 'web' } },
          ],
        },
      ],
    },
  };
}

before(async () => {
  up = await upstreams(['web', 'blue', 'green', 'shadow'] as const);
  up.shadow.status = 500;
  const clusters = [
    staticCluster('web', [up.web.port]),
    staticCluster('blue', [up.blue.port]),
    staticCluster('green', [up.green.port]),
    staticCluster('shadow', [up.shadow.port]),
    {
      name: 'dnsweb',
      type: 'STRICT_DNS',
      dns_lookup_family: 'V4_ONLY',
      connect_timeout: '0.5s',
      load_assignment: { cluster_name: 'dnsweb', endpoints: [{ lb_endpoints: [endpoint(up.web.port, 'localhost')] }] },
    },
  ];
  proxy = await E2eProxy.start(bootstrap(hcm(), clusters));
});

after(async () => {
  await proxy?.stop();
  for (const u of Object.values(up ?? {})) await u.close();
});

const json = (body: string) => JSON.parse(body) as { up: string; url: string; headers: http.IncomingHttpHeaders; body: string };

test('virtual hosts by :authority (exact, longest suffix, prefix, default, port stripped) and routes in order; no route is 404 NR', async () => {
  const before = await proxy.stats();
  const hosts: [string, string][] = [
    ['api.example.com', 'vh=exact'],
    ['API.Example.com:8080', 'vh=exact'],
    ['www.example.com', 'vh=suffix'],
    ['x.b.example.com', 'vh=suffix-long'],
    ['api.b.example.com', 'vh=suffix-long'],
    ['api.other.org', 'vh=prefix'],
    ['other.org', 'vh=default'],
  ];
  for (const [host, want] of hosts) assert.equal((await send(proxy.listener, '/whoami', { headers: { host } })).body, want, host);
  const routes: [string, Record<string, string>, string][] = [
    ['/m/exact', {}, 'route=path'],
    ['/m/exact?x=1', {}, 'route=path'],
    ['/m/exact/more', {}, 'route=prefix'],
    ['/m/re/123', {}, 'route=regex'],
    ['/m/re/12a', {}, 'route=prefix'],
    ['/M/CASE/x', {}, 'route=nocase'],
    ['/m/h', { 'x-env': 'canary' }, 'route=header'],
    ['/m/h', { 'x-env': 'prod' }, 'route=prefix'],
    ['/m/q?v=2', {}, 'route=query'],
    ['/m/q?v=3', {}, 'route=prefix'],
    ['/m/seg/x', {}, 'route=seg'],
    ['/m/segment', {}, 'route=prefix'],
  ];
  for (const [p, headers, want] of routes) assert.equal((await send(proxy.listener, p, { headers })).body, want, p);
  const nr = await send(proxy.listener, '/nothing/here', { headers: { 'x-test-id': 'nr-1' } });
  assert.equal(nr.status, 404);
  assert.equal(nr.body, '');
  assert.deepEqual(await customLog(logs, 'nr-1'), { code: '404', flags: 'NR', details: 'route_not_found', cluster: '-', attempts: '0' });

  const after = await proxy.stats();
  assert.equal(delta(before, after, 'http.e2e.rq_direct_response'), hosts.length + routes.length);
  assert.equal(delta(before, after, 'http.e2e.no_route'), 1);
  assert.equal(delta(before, after, 'http.e2e.downstream_rq_2xx'), hosts.length + routes.length);
  assert.equal(delta(before, after, 'http.e2e.downstream_rq_4xx'), 1);
  const prom = await proxy.prometheus();
  assert.equal(prom.get('envoy_http_no_route{envoy_http_conn_manager_prefix="e2e"}'), after.get('http.e2e.no_route'));
  assert.equal(prom.get('envoy_http_rq_direct_response{envoy_http_conn_manager_prefix="e2e"}'), after.get('http.e2e.rq_direct_response'));
});

test('weighted_clusters 70/30: 10,000 requests split within ±2 %, counted per cluster in /stats, /stats/prometheus and /clusters', async () => {
  const before = await proxy.stats();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const N = 10000;
  const count: Record<string, number> = { blue: 0, green: 0 };
  let next = 0;
  const worker = async () => {
    while (next < N) {
      next++;
      const r = await send(proxy.listener, '/split', { agent });
      assert.equal(r.status, 200);
      count[String(r.headers['x-up'])]++;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  agent.destroy();
  assert.equal(count.blue + count.green, N);
  const blueShare = count.blue / N;
  assert.ok(Math.abs(blueShare - 0.7) <= 0.02, `blue got ${(blueShare * 100).toFixed(2)} %`);

  const after = await proxy.stats();
  assert.equal(delta(before, after, 'cluster.blue.upstream_rq_total'), count.blue);
  assert.equal(delta(before, after, 'cluster.green.upstream_rq_total'), count.green);
  assert.equal(delta(before, after, 'cluster.blue.upstream_rq_200'), count.blue);
  assert.equal(delta(before, after, 'cluster.green.upstream_rq_2xx'), count.green);
  assert.ok(delta(before, after, 'cluster.blue.upstream_cx_total') <= 16, 'upstream connections are pooled');
  const prom = await proxy.prometheus();
  assert.equal(prom.get('envoy_cluster_upstream_rq_total{envoy_cluster_name="blue"}'), after.get('cluster.blue.upstream_rq_total'));
  assert.equal(prom.get('envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="green"}'), after.get('cluster.green.upstream_rq_200'));
  // Histograms move at the next stats flush (stats_flush_interval 0.1 s here).
  await until(async () => ((await proxy.prometheus()).get('envoy_cluster_upstream_rq_time_count{envoy_cluster_name="blue"}') ?? 0) >= count.blue, 2000, 'upstream_rq_time histogram');
  await until(async () => ((await proxy.prometheus()).get('envoy_http_downstream_rq_time_count{envoy_http_conn_manager_prefix="e2e"}') ?? 0) >= N, 2000, 'downstream_rq_time histogram');
  assert.match(await proxy.admin('/stats?filter=cluster\\.blue\\.upstream_rq_time'), /^cluster\.blue\.upstream_rq_time: P0\(/m);
  const cl = await proxy.clusters();
  assert.equal(Number(cl.get(`blue::127.0.0.1:${up.blue.port}::rq_total`)), after.get('cluster.blue.upstream_rq_total'));
  assert.equal(Number(cl.get(`green::127.0.0.1:${up.green.port}::rq_success`)), after.get('cluster.green.upstream_rq_total'));
  assert.equal(cl.get(`blue::127.0.0.1:${up.blue.port}::weight`), '1');
  assert.equal(cl.get(`blue::127.0.0.1:${up.blue.port}::health_flags`), 'healthy');
});

test('redirects and direct responses: status, Location, body, route header mutations; rq_redirect and rq_direct_response move', async () => {
  const before = await proxy.stats();
  let r = await send(proxy.listener, '/redirect/https?a=1', { headers: { host: 'www.shop.test' } });
  assert.equal(r.status, 301);
  assert.equal(r.headers.location, 'https://www.shop.test/redirect/https?a=1');
  assert.equal(r.body, '');
  r = await send(proxy.listener, '/redirect/prefix/x/y?q=1', { headers: { host: 'h.test' } });
  assert.equal(r.status, 308);
  assert.equal(r.headers.location, 'http://h.test/new/x/y');
  r = await send(proxy.listener, '/redirect/host', { headers: { host: 'h.test' } });
  assert.equal(r.status, 307);
  assert.equal(r.headers.location, 'http://other.example:8443/redirect/host');
  r = await send(proxy.listener, '/redirect/re/42', { headers: { host: 'h.test', 'x-test-id': 'redir-1' } });
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, 'http://h.test/items/42');
  assert.deepEqual(await customLog(logs, 'redir-1'), { code: '302', flags: '-', details: 'direct_response', cluster: '-', attempts: '0' });

  r = await send(proxy.listener, '/direct/ok', { headers: { 'x-test-id': 'direct-1' } });
  assert.equal(r.status, 200);
  assert.equal(r.body, 'direct body');
  assert.equal(r.headers['content-type'], 'text/plain');
  assert.equal(r.headers['content-length'], '11');
  // Envoy finalizes a direct response's headers with the route's mutations.
  assert.equal(r.headers['x-level'], 'config');
  assert.equal(r.headers['x-order'], 'vhost, config');
  assert.deepEqual(await customLog(logs, 'direct-1'), { code: '200', flags: '-', details: 'direct_response', cluster: '-', attempts: '0' });
  r = await send(proxy.listener, '/direct/unavailable');
  assert.equal(r.status, 503);
  assert.equal(r.body, '');
  const after = await proxy.stats();
  assert.equal(delta(before, after, 'http.e2e.rq_redirect'), 4);
  assert.equal(delta(before, after, 'http.e2e.rq_direct_response'), 2);
  assert.equal(delta(before, after, 'http.e2e.downstream_rq_3xx'), 4);
  assert.equal(delta(before, after, 'http.e2e.downstream_rq_5xx'), 1);
  const prom = await proxy.prometheus();
  assert.equal(prom.get('envoy_http_rq_redirect{envoy_http_conn_manager_prefix="e2e"}'), after.get('http.e2e.rq_redirect'));
});

test('rewrites: prefix_rewrite, regex_rewrite, host_rewrite_literal, host_rewrite_header, auto_host_rewrite; x-envoy-original-path', async () => {
  const before = await proxy.stats();
  let e = json((await send(proxy.listener, '/rewrite/prefix/a/b?x=1', { headers: { host: 'orig.test' } })).body);
  assert.equal(e.url, '/v2/a/b?x=1');
  assert.equal(e.headers.host, 'orig.test');
  assert.equal(e.headers['x-envoy-original-path'], '/rewrite/prefix/a/b?x=1');
  e = json((await send(proxy.listener, '/rewrite/regex/first/second')).body);
  assert.equal(e.url, '/second/first');
  e = json((await send(proxy.listener, '/rewrite/literal', { headers: { host: 'orig.test' } })).body);
  assert.equal(e.headers.host, 'literal.example');
  e = json((await send(proxy.listener, '/rewrite/header', { headers: { host: 'orig.test', 'x-host': 'from-header.test' } })).body);
  assert.equal(e.headers.host, 'from-header.test');
  e = json((await send(proxy.listener, '/rewrite/auto', { headers: { host: 'orig.test' } })).body);
  assert.equal(e.headers.host, 'localhost');
  // The access log shows the path the client sent (X-ENVOY-ORIGINAL-PATH?:PATH).
  await send(proxy.listener, '/rewrite/prefix/logged', { headers: { 'x-test-id': 'rw-1' } });
  const line = JSON.parse(await logLine(logs.json, (l) => l.includes('"rw-1"'), 'rw-1'));
  assert.equal(line.path, '/rewrite/prefix/logged');
  const after = await proxy.stats();
  assert.equal(delta(before, after, 'cluster.dnsweb.upstream_rq_200'), 1);
  assert.equal(delta(before, after, 'cluster.web.upstream_rq_200'), 5);
});

test('header mutations: cluster, route, vhost, config order; removals before additions at each level; formatters', async () => {
  const r = await send(proxy.listener, '/headers', { headers: { 'x-drop-me': '1', 'x-level': 'client', 'x-route-added': 'client' } });
  assert.equal(r.status, 200);
  const seen = json(r.body).headers;
  assert.equal(seen['x-order'], 'cluster, route, vhost, config');
  assert.equal(seen['x-level'], 'config', 'the outermost overwrite wins');
  assert.equal(seen['x-drop-me'], undefined);
  assert.equal(seen['x-route-added'], undefined, 'the vhost removes what the client and the route added');
  assert.equal(seen['x-client'], '127.0.0.1');
  assert.equal(r.headers['x-order'], 'cluster, route, vhost, config');
  assert.equal(r.headers['x-level'], 'config');
  assert.equal(r.headers['x-up-secret'], undefined);
  assert.equal(r.headers['x-up'], 'web');
});

test('managed headers: x-request-id, x-forwarded-for/proto, x-envoy-internal, expected timeout, server, date, service time; hop-by-hop dropped', async () => {
  let r = await send(proxy.listener, '/web/managed', { headers: { connection: 'close, x-hop', 'x-hop': '1', 'keep-alive': '5', 'x-forwarded-for': '10.9.9.9' } });
  let seen = json(r.body).headers;
  assert.match(String(seen['x-request-id']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(seen['x-forwarded-for'], '10.9.9.9,127.0.0.1');
  assert.equal(seen['x-forwarded-proto'], 'http');
  assert.equal(seen['x-envoy-internal'], undefined, 'an XFF naming an external client makes the request external');
  assert.equal(seen['x-envoy-expected-rq-timeout-ms'], '15000');
  assert.equal(seen['x-hop'], undefined);
  assert.equal(seen['keep-alive'], undefined);
  assert.equal(r.headers.server, 'envoy');
  assert.ok(r.headers.date);
  assert.match(String(r.headers['x-envoy-upstream-service-time']), /^\d+$/);
  r = await send(proxy.listener, '/web/managed', { headers: { 'x-request-id': 'keep-me' } });
  seen = json(r.body).headers;
  assert.equal(seen['x-request-id'], 'keep-me');
  assert.equal(seen['x-forwarded-for'], '127.0.0.1');
  assert.equal(seen['x-envoy-internal'], 'true');
});

test('fault: per-route delay (DI) and abort (FI), header-controlled abort and delay, 50 % abort share; fault stats', async () => {
  const before = await proxy.stats();
  let t = Date.now();
  let r = await send(proxy.listener, '/fault/delay', { method: 'POST', body: 'payload', headers: { 'x-test-id': 'fault-delay' } });
  assert.equal(r.status, 200);
  assert.ok(Date.now() - t >= 290, `delayed ${Date.now() - t} ms`);
  assert.equal(json(r.body).body, 'payload');
  assert.equal((await customLog(logs, 'fault-delay')).flags, 'DI');
  r = await send(proxy.listener, '/fault/abort', { headers: { 'x-test-id': 'fault-abort' } });
  assert.equal(r.status, 418);
  assert.equal(r.body, 'fault filter abort');
  assert.deepEqual(await customLog(logs, 'fault-abort'), { code: '418', flags: 'FI', details: 'fault_filter_abort', cluster: '-', attempts: '0' });
  r = await send(proxy.listener, '/web/x', { headers: { 'x-envoy-fault-abort-request': '429' } });
  assert.equal(r.status, 429);
  assert.equal(r.body, 'fault filter abort');
  t = Date.now();
  r = await send(proxy.listener, '/web/x', { headers: { 'x-envoy-fault-delay-request': '200' } });
  assert.equal(r.status, 200);
  assert.ok(Date.now() - t >= 190, `header delay ${Date.now() - t} ms`);
  let aborted = 0;
  for (let i = 0; i < 400; i++) if ((await send(proxy.listener, '/fault/half')).status === 503) aborted++;
  assert.ok(aborted > 140 && aborted < 260, `aborted ${aborted} of 400 at 50 %`);
  const after = await proxy.stats();
  assert.equal(delta(before, after, 'http.e2e.fault.delays_injected'), 2);
  assert.equal(delta(before, after, 'http.e2e.fault.aborts_injected'), 2 + aborted);
  const prom = await proxy.prometheus();
  assert.equal(prom.get('envoy_http_fault_aborts_injected{envoy_http_conn_manager_prefix="e2e"}'), after.get('http.e2e.fault.aborts_injected'));
});

test('mirroring: a copy with body goes to <host>-shadow; its 500 is ignored; the shadow cluster counts it', async () => {
  const before = await proxy.stats();
  const r = await send(proxy.listener, '/mirror/x', { method: 'POST', body: 'mirrored body', headers: { host: 'svc.test:8080', 'x-test-id': 'mirror-1' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-up'], 'web');
  await until(() => up.shadow.attempts('mirror-1').length === 1, 2000, 'the shadow request');
  const s = up.shadow.attempts('mirror-1')[0];
  // strip_any_host_port took the port off before routing; the shadow suffix goes on the host.
  assert.equal(up.web.attempts('mirror-1')[0].headers.host, 'svc.test');
  assert.equal(s.headers.host, 'svc.test-shadow');
  assert.equal(s.body, 'mirrored body');
  assert.equal(s.url, '/mirror/x');
  await until(async () => delta(before, await proxy.stats(), 'cluster.shadow.upstream_rq_500') === 1, 2000, 'shadow counters');
  const after = await proxy.stats();
  assert.equal(delta(before, after, 'cluster.web.upstream_rq_200'), 1);
  assert.equal(delta(before, after, 'http.e2e.downstream_rq_5xx'), 0);
});

test('WebSocket upgrade tunnelled both ways; refused with 403 where the route disables it; upgrade stats', async () => {
  const before = await proxy.stats();
  const text = await new Promise<string>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.port, path: '/web/ws', headers: { connection: 'Upgrade', upgrade: 'websocket' }, agent: false });
    req.on('upgrade', (res, sock: net.Socket) => {
      sock.write('ping');
      sock.once('data', (d: Buffer) => {
        sock.write('pong');
        sock.once('data', (d2: Buffer) => {
          resolve(`${res.statusCode} ${d.toString()} ${d2.toString()}`);
          sock.destroy();
        });
      });
    });
    req.on('response', (res) => resolve(`unexpected ${res.statusCode}`));
    req.on('error', reject);
    req.end();
  });
  assert.equal(text, '101 web:ping web:pong');
  const no = await raw(proxy.port, 'GET /nows HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Test-Id: nows-1\r\n\r\n', 1000);
  assert.match(no.text, /^HTTP\/1\.1 403 Forbidden\r\n/);
  assert.equal((await customLog(logs, 'nows-1')).details, 'upgrade_failed');
  await until(async () => (await proxy.stats()).get('http.e2e.downstream_cx_upgrades_active') === 0, 2000, 'upgrade closed');
  const after = await proxy.stats();
  assert.equal(delta(before, after, 'http.e2e.downstream_cx_upgrades_total'), 1);
});

test('request smuggling attempts: 400/501, connection closed, the smuggled request never reaches an upstream', async () => {
  const before = await proxy.stats();
  const seenBefore = up.web.seen.length;
  const smuggled = 'GET /web/smuggled HTTP/1.1\r\nHost: a\r\n\r\n';
  const cases: [string, number][] = [
    [`POST /web/a HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`, 400],
    [`POST /web/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${smuggled}`, 400],
    [`POST /web/a HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd${smuggled}`, 400],
    [`POST /web/a HTTP/1.1\r\nHost: a\r\nContent-Length: +4\r\n\r\nabcd${smuggled}`, 400],
    [`POST /web/a HTTP/1.1\r\nHost: a\r\nContent-Length : 4\r\n\r\nabcd${smuggled}`, 400],
    [`POST /web/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabcd\r\n0\r\n\r\n${smuggled}`, 400],
    [`POST /web/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${smuggled}`, 501],
    [`POST /web/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${smuggled}`, 501],
  ];
  for (const [msg, code] of cases) {
    const r = await raw(proxy.port, msg);
    assert.match(r.text, new RegExp(`^HTTP/1\\.1 ${code} `), JSON.stringify(msg));
    assert.equal((r.text.match(/HTTP\/1\.1 /g) ?? []).length, 1, 'one response only');
    assert.match(r.text, /connection: close\r\n/);
    assert.equal(r.closed, true);
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(up.web.seen.slice(seenBefore).filter((s) => s.url === '/web/smuggled' || s.url === '/web/a').length, 0);
  const after = await proxy.stats();
  assert.equal(delta(before, after, 'http.e2e.downstream_cx_protocol_error'), cases.length);
  const line = await logLine(logs.envoyDefault, (l) => l.includes('"POST /web/a HTTP/1.1" 400 DPE'), 'DPE line');
  assert.ok(line);
});

test('431 for request headers over the default 60 KiB; just under passes', async () => {
  const before = await proxy.stats();
  const big = await raw(proxy.port, `GET /web/big HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(61 * 1024)}\r\n\r\n`);
  assert.match(big.text, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  assert.equal(big.closed, true);
  const ok = await send(proxy.listener, '/web/almost', { headers: { 'x-big': 'a'.repeat(58 * 1024) } });
  assert.equal(ok.status, 200);
  const after = await proxy.stats();
  assert.equal(delta(before, after, 'http.e2e.downstream_rq_4xx'), 1);
  assert.equal(delta(before, after, 'http.e2e.downstream_cx_protocol_error'), 1);
});

test("access logs: Envoy's default format, a custom format with flags and details, and json_format", async () => {
  // The line shows the request as forwarded: XFF with the client appended, the port stripped.
  const r = await send(proxy.listener, '/web/logged?q=1', { headers: { 'user-agent': 'e2e/1', 'x-request-id': 'rid-e2e', host: 'svc.test:80', 'x-test-id': 'log-1' } });
  const line = await logLine(logs.envoyDefault, (l) => l.includes('"rid-e2e"'), 'default format');
  const re = new RegExp(
    `^\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\] "GET /web/logged\\?q=1 HTTP/1\\.1" 200 - 0 \\d+ \\d+ \\d+ "127\\.0\\.0\\.1" "e2e/1" "rid-e2e" "svc\\.test" "127\\.0\\.0\\.1:${up.web.port}"$`,
  );
  assert.match(line, re);
  // BYTES_SENT is the response body the client got.
  assert.equal(Number(line.split(' ')[7]), Buffer.byteLength(r.body));
  assert.deepEqual(await customLog(logs, 'log-1'), { code: '200', flags: '-', details: 'via_upstream', cluster: 'web', attempts: '1' });
  const j = JSON.parse(await logLine(logs.json, (l) => l.includes('"log-1"'), 'json'));
  assert.deepEqual(j, { id: 'log-1', code: 200, flags: '-', host: `127.0.0.1:${up.web.port}`, method: 'GET', path: '/web/logged?q=1' });
  assert.ok(fs.statSync(logs.envoyDefault).size > 0);
});
