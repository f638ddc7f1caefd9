// Route actions: cluster specifiers (weighted splits by random and by header), redirects and the
// Location Envoy builds, direct responses, rewrites, timeouts, retry/hash/mirror policies,
// upgrades and typed_per_filter_config.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { errors, req, table } from './helpers';
import type { RouteEntry } from '../../../proxy/router/types';
import { RetryOn } from '../../../proxy/router/types';
import { parseRetryOn } from '../../../proxy/router/retry-policy';
import { xxHash64 } from '../../../proxy/router/xxhash64';

function one(routeYaml: string, extraVhost = '', path = '/'): RouteEntry {
  const t = table(`
virtual_hosts:
- name: v
  domains: ["*"]
${extraVhost}
  routes:
  - ${routeYaml}
`);
  const e = t.route(req('h', path), 0);
  assert.ok(e);
  return e;
}

test('cluster and cluster_header', () => {
  const a = one('{name: r, match: {prefix: /}, route: {cluster: backend}}');
  assert.equal(a.kind, 'cluster');
  assert.equal(a.resolveCluster(req('h', '/').headers), 'backend');
  const b = one('{match: {prefix: /}, route: {cluster_header: X-Cluster, cluster_not_found_response_code: NOT_FOUND}}');
  assert.equal(b.clusterName, undefined);
  assert.equal(b.resolveCluster(req('h', '/', [['x-cluster', 'c1'], ['x-cluster', 'c2']]).headers), 'c1');
  assert.equal(b.resolveCluster(req('h', '/').headers), undefined);
  assert.equal(b.clusterNotFoundStatus, 404);
  assert.equal(a.clusterNotFoundStatus, 503);
});

const WEIGHTED = table(`
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - match: {prefix: /h}
    route:
      weighted_clusters:
        header_name: x-pick
        clusters: [{name: a, weight: 1}, {name: b, weight: 1}, {name: c, weight: 2}]
  - match: {prefix: /}
    route:
      weighted_clusters:
        clusters:
        - {name: v1, weight: 10, request_headers_to_add: [{header: {key: x-v, value: v1}}], typed_per_filter_config: {f: {"@type": type.googleapis.com/google.protobuf.StringValue, value: v1cfg}}}
        - {name: v2, weight: 30}
        - {name: v3, weight: 60}
`);

test('weighted_clusters split 10,000 random values within 2% of the weights', () => {
  const counts: Record<string, number> = {};
  const n = 10000;
  for (let i = 0; i < n; i++) {
    const e = WEIGHTED.route(req('h', '/'), Math.random())!;
    counts[e.clusterName!] = (counts[e.clusterName!] ?? 0) + 1;
  }
  assert.ok(Math.abs(counts.v1 / n - 0.1) < 0.02, JSON.stringify(counts));
  assert.ok(Math.abs(counts.v2 / n - 0.3) < 0.02, JSON.stringify(counts));
  assert.ok(Math.abs(counts.v3 / n - 0.6) < 0.02, JSON.stringify(counts));
  // Entries are pre-built: the same object for the same pick, with no allocation.
  assert.equal(WEIGHTED.route(req('h', '/'), 0), WEIGHTED.route(req('h', '/'), 0));
});

test('weighted cluster entries carry their own header mutations and per-filter config', () => {
  const e1 = WEIGHTED.route(req('h', '/'), 0)!; // 0 % 100 -> v1
  assert.equal(e1.clusterName, 'v1');
  const h = req('h', '/').headers as unknown as import('../../../proxy/http/header-map').HeaderMap;
  e1.applyRequestHeaders(h, undefined);
  assert.equal(h.get('x-v'), 'v1');
  assert.deepEqual(e1.perFilterConfig('f'), { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: 'v1cfg' });
  const e3 = WEIGHTED.route(req('h', '/'), 99 / 4294967296)!; // 99 -> v3
  assert.equal(e3.clusterName, 'v3');
  assert.equal(e3.perFilterConfig('f'), undefined);
});

test('weighted_clusters header_name: the header value modulo the total picks; invalid falls back to random', () => {
  const pick = (v: string | string[] | undefined, random = 0): string | undefined => {
    const hs: [string, string][] = v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => ['x-pick', x]);
    return WEIGHTED.route(req('h', '/h', hs), random)?.clusterName;
  };
  assert.equal(pick('0'), 'a');
  assert.equal(pick('1'), 'b');
  assert.equal(pick('2'), 'c');
  assert.equal(pick('3'), 'c');
  assert.equal(pick('4'), 'a');
  assert.equal(pick('18446744073709551615'), 'c'); // (2^64-1) % 4 = 3
  // Invalid or repeated values: the random value is used (random 1/2^32 -> 1 -> b).
  assert.equal(pick('x', 1 / 4294967296), 'b');
  assert.equal(pick(['0', '0'], 1 / 4294967296), 'b');
  assert.equal(pick(undefined, 2 / 4294967296), 'c');
});

test('weighted_clusters errors: total_weight mismatch, zero sum, name xor cluster_header', () => {
  const e = errors(`
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - {match: {prefix: /a}, route: {weighted_clusters: {total_weight: 100, clusters: [{name: a, weight: 30}, {name: b, weight: 30}]}}}
  - {match: {prefix: /b}, route: {weighted_clusters: {clusters: [{name: a, weight: 0}]}}}
  - {match: {prefix: /c}, route: {weighted_clusters: {clusters: [{weight: 1}]}}}
`);
  assert.deepEqual(
    e.map((i) => i.path),
    ['virtual_hosts[0].routes[0].route.weighted_clusters.total_weight', 'virtual_hosts[0].routes[1].route.weighted_clusters.clusters', 'virtual_hosts[0].routes[2].route.weighted_clusters.clusters[0]'],
  );
  assert.match(e[0].message, /should add up to 100/);
  // total_weight equal to the sum is accepted.
  one('{match: {prefix: /}, route: {weighted_clusters: {total_weight: 60, clusters: [{name: a, weight: 30}, {name: b, weight: 30}]}}}');
});

function location(redirectYaml: string, authority: string, path: string, opts: { scheme?: string; xfp?: string; match?: string } = {}): { status: number; location: string | undefined } {
  const t = table(`
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - {match: ${opts.match ?? '{prefix: /}'}, redirect: ${redirectYaml}}
`);
  const hs: [string, string][] = [['x-forwarded-proto', opts.xfp ?? opts.scheme ?? 'http']];
  const r = req(authority, path, hs, 'GET', opts.scheme ?? 'http');
  const e = t.route(r, 0)!;
  assert.equal(e.kind, 'redirect');
  return { status: e.directResponse!.status, location: e.directResponse!.location(r) };
}

test('redirect Location strings', () => {
  assert.deepEqual(location('{https_redirect: true}', 'www.foo.com', '/a?b=c'), { status: 301, location: 'https://www.foo.com/a?b=c' });
  // Scheme change drops the old scheme's default port; a non-default port stays.
  assert.equal(location('{https_redirect: true}', 'foo.com:80', '/a').location, 'https://foo.com/a');
  assert.equal(location('{https_redirect: true}', 'foo.com:8080', '/a').location, 'https://foo.com:8080/a');
  assert.equal(location('{scheme_redirect: http}', 'foo.com:443', '/a', { scheme: 'https' }).location, 'http://foo.com/a');
  // Same scheme: the port stays even when it is the default.
  assert.equal(location('{host_redirect: new.com}', 'foo.com:80', '/a').location, 'http://new.com/a');
  assert.equal(location('{path_redirect: /n}', 'foo.com:80', '/a').location, 'http://foo.com:80/n');
  // port_redirect replaces the request port.
  assert.equal(location('{port_redirect: 8443}', 'foo.com:80', '/a').location, 'http://foo.com:8443/a');
  assert.equal(location('{port_redirect: 8443, host_redirect: x.com}', 'foo.com', '/a').location, 'http://x.com:8443/a');
  assert.equal(location('{port_redirect: 8443}', '[::1]:80', '/a').location, 'http://[::1]:8443/a');
  // path_redirect keeps the request query unless strip_query; its own query wins and is never stripped.
  assert.equal(location('{path_redirect: /new}', 'h', '/old?x=1').location, 'http://h/new?x=1');
  assert.equal(location('{path_redirect: /new, strip_query: true}', 'h', '/old?x=1').location, 'http://h/new');
  assert.equal(location('{path_redirect: "/new?y=2", strip_query: true}', 'h', '/old?x=1').location, 'http://h/new?y=2');
  assert.equal(location('{path_redirect: "new"}', 'h', '/old').location, 'http://h/new');
  // prefix_rewrite replaces the route's matched prefix; regex_rewrite the whole path.
  assert.equal(location('{prefix_rewrite: /v2/}', 'h', '/v1/x?q=1', { match: '{prefix: /v1/}' }).location, 'http://h/v2/x?q=1');
  assert.equal(location('{prefix_rewrite: /v2/, strip_query: true}', 'h', '/v1/x?q=1', { match: '{prefix: /v1/}' }).location, 'http://h/v2/x');
  assert.equal(location('{regex_rewrite: {pattern: {regex: "^/u/([^/]+)/p$"}, substitution: "/p/\\\\1"}}', 'h', '/u/bob/p?z').location, 'http://h/p/bob?z');
});

test('redirect response codes', () => {
  const codes: [string, number][] = [
    ['MOVED_PERMANENTLY', 301],
    ['FOUND', 302],
    ['SEE_OTHER', 303],
    ['TEMPORARY_REDIRECT', 307],
    ['PERMANENT_REDIRECT', 308],
  ];
  for (const [name, code] of codes) assert.equal(location(`{response_code: ${name}, host_redirect: x}`, 'h', '/').status, code);
});

test('direct_response: status, inline body, Location echo for 201/3xx only, body size limit', () => {
  const a = one('{match: {prefix: /}, direct_response: {status: 200, body: {inline_string: "hello"}}}');
  assert.equal(a.kind, 'direct_response');
  assert.equal(a.directResponse!.status, 200);
  assert.equal(a.directResponse!.body!.toString(), 'hello');
  assert.equal(a.directResponse!.location(req('h', '/')), undefined);
  const b = one('{match: {prefix: /}, direct_response: {status: 302}}');
  assert.equal(b.directResponse!.body, undefined);
  assert.equal(b.directResponse!.location(req('h', '/p?q')), 'http://h/p?q');
  const c = one('{match: {prefix: /}, direct_response: {status: 503, body: {inline_bytes: "AAE="}}}');
  assert.deepEqual([...c.directResponse!.body!], [0, 1]);
  const e = errors(`
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - {match: {prefix: /}, direct_response: {status: 200, body: {inline_string: "${'x'.repeat(4097)}"}}}
  - {match: {prefix: /}, direct_response: {status: 100}}
  - {match: {prefix: /}, direct_response: {status: 200, body: {filename: /nonexistent/file}}}
`);
  assert.deepEqual(
    e.map((i) => i.path),
    ['virtual_hosts[0].routes[0].direct_response.body', 'virtual_hosts[0].routes[1].direct_response.status', 'virtual_hosts[0].routes[2].direct_response.body.filename'],
  );
});

test('path rewrites: prefix_rewrite replaces the matched prefix, regex_rewrite the path; query kept', () => {
  const p = one('{match: {prefix: /api/}, route: {cluster: c, prefix_rewrite: /}}', '', '/api/');
  assert.equal(p.rewritePath('/api/users?x=1'), '/users?x=1');
  const ci = table('virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /API, case_sensitive: false}, route: {cluster: c, prefix_rewrite: /v2}}]}]');
  assert.equal(ci.route(req('h', '/api/x'), 0)!.rewritePath('/api/x'), '/v2/x');
  const r = one('{match: {prefix: /}, route: {cluster: c, regex_rewrite: {pattern: {regex: "^/service/([^/]+)(/.*)$"}, substitution: "\\\\2/instance/\\\\1"}}}');
  assert.equal(r.rewritePath('/service/foo/v1/api?q=service'), '/v1/api/instance/foo?q=service');
  const g = one('{match: {prefix: /}, route: {cluster: c, regex_rewrite: {pattern: {regex: "o"}, substitution: "0"}}}');
  assert.equal(g.rewritePath('/foo/boo'), '/f00/b00');
  assert.equal(one('{match: {prefix: /}, route: {cluster: c}}').rewritePath('/x'), undefined);
  const e = errors('virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: c, prefix_rewrite: /a, regex_rewrite: {pattern: {regex: a}, substitution: b}}}]}]');
  assert.equal(e[0].path, 'virtual_hosts[0].routes[0].route');
});

test('host rewrites: literal, header, path regex, auto', () => {
  assert.equal(one('{match: {prefix: /}, route: {cluster: c, host_rewrite_literal: new.host}}').rewriteHost(req('h', '/')), 'new.host');
  const hh = one('{match: {prefix: /}, route: {cluster: c, host_rewrite_header: X-Host}}');
  assert.equal(hh.rewriteHost(req('h', '/', [['x-host', 'from.header']])), 'from.header');
  assert.equal(hh.rewriteHost(req('h', '/')), undefined);
  const pr = one('{match: {prefix: /}, route: {cluster: c, host_rewrite_path_regex: {pattern: {regex: "^/(.+)/.+$"}, substitution: "\\\\1"}}}');
  assert.equal(pr.rewriteHost(req('h', '/envoyproxy.io/docs?x')), 'envoyproxy.io');
  const au = one('{match: {prefix: /}, route: {cluster: c, auto_host_rewrite: true, append_x_forwarded_host: true}}');
  assert.equal(au.autoHostRewrite, true);
  assert.equal(au.appendXForwardedHost, true);
  assert.equal(au.rewriteHost(req('h', '/')), undefined);
});

test('timeouts: defaults and explicit values', () => {
  const d = one('{match: {prefix: /}, route: {cluster: c}}');
  assert.equal(d.timeoutMs, 15000);
  assert.equal(d.idleTimeoutMs, undefined);
  assert.equal(d.maxStreamDurationMs, undefined);
  const e = one('{match: {prefix: /}, route: {cluster: c, timeout: 0s, idle_timeout: 2.5s, max_stream_duration: {max_stream_duration: 60s, grpc_timeout_header_max: 0s}}}');
  assert.equal(e.timeoutMs, 0);
  assert.equal(e.idleTimeoutMs, 2500);
  assert.equal(e.maxStreamDurationMs, 60000);
  assert.equal(e.grpcTimeoutHeaderMaxMs, 0);
});

test('retry_policy: every retry_on token, defaults, vhost fallback, back-off', () => {
  const all = '5xx,gateway-error,reset,reset-before-request,connect-failure,retriable-4xx,refused-stream,retriable-status-codes,retriable-headers,envoy-ratelimited,http3-post-connect-failure,cancelled,deadline-exceeded,internal,resource-exhausted,unavailable';
  const p = parseRetryOn(all);
  assert.deepEqual(p.unknown, []);
  assert.equal(p.bits, (1 << 16) - 1);
  assert.equal(parseRetryOn(' 5xx , bogus').bits, RetryOn.X5xx);
  assert.deepEqual(parseRetryOn(' 5xx , bogus').unknown, ['bogus']);
  assert.equal(parseRetryOn('5xx,unavailable', true).bits, RetryOn.GrpcUnavailable);

  const d = one('{match: {prefix: /}, route: {cluster: c, retry_policy: {retry_on: "5xx,unavailable"}}}');
  const rp = d.retryPolicy!;
  assert.equal(rp.retryOn, RetryOn.X5xx | RetryOn.GrpcUnavailable);
  assert.equal(rp.numRetries, 1);
  assert.equal(rp.perTryTimeoutMs, 0);
  assert.equal(rp.baseIntervalMs, 25);
  assert.equal(rp.maxIntervalMs, 250);
  assert.equal(rp.hostSelectionRetryMaxAttempts, 1);
  assert.equal(rp.previousHosts, false);

  const v = one('{match: {prefix: /}, route: {cluster: c}}', '  retry_policy: {retry_on: "connect-failure", num_retries: 3}');
  assert.equal(v.retryPolicy!.retryOn, RetryOn.ConnectFailure);
  assert.equal(v.retryPolicy!.numRetries, 3);
  assert.equal(one('{match: {prefix: /}, route: {cluster: c}}').retryPolicy, undefined);

  const f = one(`{match: {prefix: /}, route: {cluster: c, retry_policy: {retry_on: "retriable-status-codes,retriable-headers", num_retries: 0, per_try_timeout: 0.5s, per_try_idle_timeout: 1s,
    retriable_status_codes: [409, 503], retriable_headers: [{name: x-retry, present_match: true}], host_selection_retry_max_attempts: 5,
    retry_host_predicate: [{name: envoy.retry_host_predicates.previous_hosts, typed_config: {"@type": type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate}}],
    retry_back_off: {base_interval: 0.1s, max_interval: 2s}}}}`);
  const fp = f.retryPolicy!;
  assert.equal(fp.numRetries, 0);
  assert.equal(fp.perTryTimeoutMs, 500);
  assert.equal(fp.perTryIdleTimeoutMs, 1000);
  assert.deepEqual(fp.retriableStatusCodes, [409, 503]);
  assert.equal(fp.retriableHeaders[0].matches(req('h', '/', [['x-retry', '1']]).headers), true);
  assert.equal(fp.retriableHeaders[0].test(undefined), false);
  assert.equal(fp.hostSelectionRetryMaxAttempts, 5);
  assert.equal(fp.previousHosts, true);
  assert.equal(fp.baseIntervalMs, 100);
  assert.equal(fp.maxIntervalMs, 2000);
  const only = one('{match: {prefix: /}, route: {cluster: c, retry_policy: {retry_back_off: {base_interval: 0.1s}}}}');
  assert.equal(only.retryPolicy!.maxIntervalMs, 1000);
  const e = errors('virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: c, retry_policy: {retry_back_off: {base_interval: 1s, max_interval: 0.5s}}}}]}]');
  assert.equal(e[0].path, 'virtual_hosts[0].routes[0].route.retry_policy.retry_back_off.max_interval');
});

test('hash policies: header, cookie, source ip, query parameter; combination and terminal', () => {
  assert.equal(xxHash64(''), 0xef46db3751d8e999n);
  assert.equal(xxHash64('abc'), 0x44bc2cf5ad770999n);
  assert.equal(xxHash64('Nobody inspects the spammish repetition'), 0xfbcea83c8a378bf1n);
  const e = one(`{match: {prefix: /}, route: {cluster: c, hash_policy: [
    {header: {header_name: X-User}},
    {cookie: {name: session, ttl: 10s, path: /}},
    {connection_properties: {source_ip: true}, terminal: true},
    {query_parameter: {name: q}}]}}`);
  assert.deepEqual(
    e.hashPolicies.map((p) => p.kind),
    ['header', 'cookie', 'source_ip', 'query_parameter'],
  );
  assert.equal(e.hashPolicies[1].cookieTtlMs, 10000);
  const rot = (h: bigint): bigint => ((h << 1n) | (h >> 63n)) & ((1n << 64n) - 1n);
  // Only the header: its hash alone.
  assert.equal(e.hashKey(req('h', '/', [['x-user', 'alice']])), xxHash64('alice'));
  // Header then cookie.
  assert.equal(e.hashKey(req('h', '/', [['x-user', 'alice'], ['cookie', 'a=1; session="s1"']])), rot(xxHash64('alice')) ^ xxHash64('s1'));
  // Source ip is terminal: the query parameter is not reached.
  assert.equal(e.hashKey(req('h', '/?q=z'), '10.0.0.1'), xxHash64('10.0.0.1'));
  assert.equal(e.hashKey(req('h', '/?q=z')), xxHash64('z'));
  assert.equal(e.hashKey(req('h', '/')), undefined);
  // Multiple header values hash the same in any order.
  const m = one('{match: {prefix: /}, route: {cluster: c, hash_policy: [{header: {header_name: x-k}}]}}');
  assert.equal(m.hashKey(req('h', '/', [['x-k', 'b'], ['x-k', 'a']])), m.hashKey(req('h', '/', [['x-k', 'a'], ['x-k', 'b']])));
});

test('mirror policies: route, else vhost, else route config; runtime fraction', () => {
  const t = table(`
request_mirror_policies: [{cluster: global}]
virtual_hosts:
- name: v
  domains: ["v"]
  request_mirror_policies: [{cluster: vh, runtime_fraction: {default_value: {numerator: 50}}}]
  routes:
  - {match: {prefix: /own}, route: {cluster: c, request_mirror_policies: [{cluster: shadow, runtime_fraction: {default_value: {numerator: 0}}}]}}
  - {match: {prefix: /}, route: {cluster: c}}
- name: w
  domains: ["w"]
  routes: [{match: {prefix: /}, route: {cluster: c}}]
`);
  const own = t.route(req('v', '/own'), 0)!.mirrorPolicies;
  assert.deepEqual(own.map((m) => m.cluster), ['shadow']);
  assert.equal(own[0].sampled(0), false);
  const vh = t.route(req('v', '/'), 0)!.mirrorPolicies;
  assert.deepEqual(vh.map((m) => m.cluster), ['vh']);
  assert.equal(vh[0].sampled(0), true);
  assert.equal(vh[0].sampled(60 / 4294967296), false);
  const g = t.route(req('w', '/'), 0)!.mirrorPolicies;
  assert.deepEqual(g.map((m) => m.cluster), ['global']);
  assert.equal(g[0].sampled(0.999), true);
});

test('upgrade_configs and typed_per_filter_config lookup (route -> vhost -> route config)', () => {
  const t = table(`
typed_per_filter_config:
  f.global: {"@type": type.googleapis.com/google.protobuf.StringValue, value: g}
  f.both: {"@type": type.googleapis.com/google.protobuf.StringValue, value: g-both}
virtual_hosts:
- name: v
  domains: ["*"]
  typed_per_filter_config:
    f.vhost: {"@type": type.googleapis.com/google.protobuf.StringValue, value: vh}
    f.both: {"@type": type.googleapis.com/google.protobuf.StringValue, value: vh-both}
  routes:
  - match: {prefix: /}
    route: {cluster: c, upgrade_configs: [{upgrade_type: WebSocket}, {upgrade_type: CONNECT, enabled: false, connect_config: {}}]}
    typed_per_filter_config:
      f.route: {"@type": type.googleapis.com/google.protobuf.StringValue, value: r}
      f.wrapped: {"@type": type.googleapis.com/envoy.config.route.v3.FilterConfig, config: {"@type": type.googleapis.com/google.protobuf.StringValue, value: inner}}
`);
  const e = t.route(req('h', '/'), 0)!;
  assert.equal(e.upgradeEnabled('websocket'), true);
  assert.equal(e.upgradeEnabled('connect'), false);
  assert.equal(e.upgradeConfigs.get('connect')!.connectConfig, true);
  assert.equal(e.upgradeEnabled('h2c'), undefined);
  const val = (x: unknown): unknown => (x as { value?: unknown } | undefined)?.value;
  assert.equal(val(e.perFilterConfig('f.route')), 'r');
  assert.equal(val(e.perFilterConfig('f.vhost')), 'vh');
  assert.equal(val(e.perFilterConfig('f.global')), 'g');
  assert.equal(val(e.perFilterConfig('f.both')), 'vh-both');
  assert.equal(val(e.perFilterConfig('f.wrapped')), 'inner');
  assert.deepEqual(e.perFilterConfigs('f.both').map(val), ['g-both', 'vh-both']);
  assert.equal(val(e.virtualHost.perFilterConfig('f.global')), 'g');
  const dup = errors('virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: c, upgrade_configs: [{upgrade_type: websocket}, {upgrade_type: WebSocket}]}}]}]');
  assert.equal(dup[0].path, 'virtual_hosts[0].routes[0].route.upgrade_configs[1]');
});
