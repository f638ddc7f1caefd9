// Route matching: path specifiers, case_sensitive, header and query conditions, runtime_fraction,
// grpc, CONNECT, and first-match-wins order.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { errors, req, routeName, table } from './helpers';

const t = table(`
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - {name: exact, match: {path: /exact}, route: {cluster: c}}
  - {name: exact-ci, match: {path: /Exact-CI, case_sensitive: false}, route: {cluster: c}}
  - {name: sep, match: {path_separated_prefix: /api}, route: {cluster: c}}
  - {name: regex, match: {safe_regex: {regex: "/re/[0-9]+"}}, route: {cluster: c}}
  - {name: prefix-ci, match: {prefix: /CI/, case_sensitive: false}, route: {cluster: c}}
  - {name: prefix, match: {prefix: /p}, route: {cluster: c}}
  - {name: connect, match: {connect_matcher: {}}, route: {cluster: c}}
  - {name: catchall, match: {prefix: /}, route: {cluster: c}}
`);

test('path (exact) ignores the query and is case sensitive by default', () => {
  assert.equal(routeName(t, req('h', '/exact')), 'exact');
  assert.equal(routeName(t, req('h', '/exact?x=1')), 'exact');
  assert.equal(routeName(t, req('h', '/exact#frag')), 'exact');
  assert.equal(routeName(t, req('h', '/exact/')), 'catchall');
  assert.equal(routeName(t, req('h', '/EXACT')), 'catchall');
  assert.equal(routeName(t, req('h', '/exact-ci')), 'exact-ci');
  assert.equal(routeName(t, req('h', '/EXACT-ci?q')), 'exact-ci');
});

test('path_separated_prefix matches the segment boundary only', () => {
  assert.equal(routeName(t, req('h', '/api')), 'sep');
  assert.equal(routeName(t, req('h', '/api/x')), 'sep');
  assert.equal(routeName(t, req('h', '/api?q=1')), 'sep');
  assert.equal(routeName(t, req('h', '/apix')), 'catchall');
});

test('safe_regex must match the whole path without the query', () => {
  assert.equal(routeName(t, req('h', '/re/123')), 'regex');
  assert.equal(routeName(t, req('h', '/re/123?a=b')), 'regex');
  assert.equal(routeName(t, req('h', '/re/123x')), 'catchall');
  assert.equal(routeName(t, req('h', '/x/re/1')), 'catchall');
});

test('prefix, case-insensitive prefix, first match wins', () => {
  assert.equal(routeName(t, req('h', '/ci/abc')), 'prefix-ci');
  assert.equal(routeName(t, req('h', '/Ci/abc')), 'prefix-ci');
  assert.equal(routeName(t, req('h', '/pq')), 'prefix');
  assert.equal(routeName(t, req('h', '/')), 'catchall');
  // The query is not part of the path for prefix matching either.
  assert.equal(routeName(t, req('h', '/?p')), 'catchall');
});

test('connect_matcher matches CONNECT only; CONNECT without a path skips path routes', () => {
  assert.equal(routeName(t, req('h:443', 'h:443', [], 'CONNECT')), 'connect');
  assert.equal(routeName(t, req('h:443', '', [], 'CONNECT')), 'connect');
  const noConnect = table('virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: c}}]}]');
  assert.equal(routeName(noConnect, req('h:443', '', [], 'CONNECT')), undefined);
});

const ht = table(`
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - {name: exact, match: {prefix: /, headers: [{name: x-exact, string_match: {exact: Yes}}]}, route: {cluster: c}}
  - {name: exact-ic, match: {prefix: /, headers: [{name: x-exact-ic, string_match: {exact: yes, ignore_case: true}}]}, route: {cluster: c}}
  - {name: prefix, match: {prefix: /, headers: [{name: x-prefix, string_match: {prefix: ab}}]}, route: {cluster: c}}
  - {name: suffix, match: {prefix: /, headers: [{name: x-suffix, string_match: {suffix: yz}}]}, route: {cluster: c}}
  - {name: contains, match: {prefix: /, headers: [{name: x-contains, string_match: {contains: mid}}]}, route: {cluster: c}}
  - {name: regex, match: {prefix: /, headers: [{name: x-regex, string_match: {safe_regex: {regex: "v[0-9]"}}}]}, route: {cluster: c}}
  - {name: present, match: {prefix: /, headers: [{name: x-present, present_match: true}]}, route: {cluster: c}}
  - {name: range, match: {prefix: /, headers: [{name: x-range, range_match: {start: -10, end: 10}}]}, route: {cluster: c}}
  - {name: inverted, match: {prefix: /, headers: [{name: x-inv, string_match: {exact: bad}, invert_match: true}]}, route: {cluster: c}}
  - {name: missing-empty, match: {prefix: /, headers: [{name: x-empty, string_match: {exact: ""}, treat_missing_header_as_empty: true}, {name: x-gate, present_match: true}]}, route: {cluster: c}}
  - {name: absent, match: {prefix: /, headers: [{name: x-absent, present_match: false}, {name: x-gate2, present_match: true}]}, route: {cluster: c}}
  - {name: legacy-exact, match: {prefix: /, headers: [{name: x-legacy, exact_match: old}]}, route: {cluster: c}}
  - {name: method, match: {prefix: /, headers: [{name: ":method", string_match: {exact: POST}}]}, route: {cluster: c}}
  - {name: all, match: {prefix: /}, route: {cluster: c}}
`);

test('header string matchers: exact, ignore_case, prefix, suffix, contains, safe_regex (whole value)', () => {
  assert.equal(routeName(ht, req('h', '/', [['x-exact', 'Yes']])), 'exact');
  assert.equal(routeName(ht, req('h', '/', [['x-exact', 'yes']])), 'all');
  assert.equal(routeName(ht, req('h', '/', [['x-exact-ic', 'YES']])), 'exact-ic');
  assert.equal(routeName(ht, req('h', '/', [['x-prefix', 'abc']])), 'prefix');
  assert.equal(routeName(ht, req('h', '/', [['x-suffix', 'xyz']])), 'suffix');
  assert.equal(routeName(ht, req('h', '/', [['x-contains', 'amidst']])), 'contains');
  assert.equal(routeName(ht, req('h', '/', [['x-regex', 'v1']])), 'regex');
  assert.equal(routeName(ht, req('h', '/', [['x-regex', 'v12']])), 'all');
  assert.equal(routeName(ht, req('h', '/', [['x-legacy', 'old']])), 'legacy-exact');
  assert.equal(routeName(ht, req('h', '/', [], 'POST')), 'method');
});

test('present, range, invert, missing headers', () => {
  assert.equal(routeName(ht, req('h', '/', [['x-present', '']])), 'present');
  assert.equal(routeName(ht, req('h', '/', [['x-range', '-10']])), 'range');
  assert.equal(routeName(ht, req('h', '/', [['x-range', '9']])), 'range');
  assert.equal(routeName(ht, req('h', '/', [['x-range', '10']])), 'all');
  assert.equal(routeName(ht, req('h', '/', [['x-range', '1.5']])), 'all');
  assert.equal(routeName(ht, req('h', '/', [['x-inv', 'good']])), 'inverted');
  assert.equal(routeName(ht, req('h', '/', [['x-inv', 'bad']])), 'all');
  // A missing header fails a value matcher even when inverted.
  assert.equal(routeName(ht, req('h', '/')), 'all');
  assert.equal(routeName(ht, req('h', '/', [['x-gate', '1']])), 'missing-empty');
  assert.equal(routeName(ht, req('h', '/', [['x-gate2', '1']])), 'absent');
  assert.equal(routeName(ht, req('h', '/', [['x-gate2', '1'], ['x-absent', '1']])), 'all');
});

test('repeated header values are joined with "," before matching', () => {
  assert.equal(routeName(ht, req('h', '/', [['x-exact', 'Y'], ['x-exact', 'es']])), 'all');
  assert.equal(routeName(ht, req('h', '/', [['x-contains', 'a'], ['x-contains', 'mid']])), 'contains');
  assert.equal(routeName(ht, req('h', '/', [['x-suffix', 'a'], ['x-suffix', 'b,yz']])), 'suffix');
  assert.equal(routeName(ht, req('h', '/', [['x-exact-ic', 'yes'], ['x-exact-ic', 'yes']])), 'all');
});

test('query_parameters: string_match and present; first value wins; not decoded', () => {
  const q = table(`
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - {name: debug, match: {prefix: /, query_parameters: [{name: debug, string_match: {exact: "1"}}]}, route: {cluster: c}}
  - {name: present, match: {prefix: /, query_parameters: [{name: flag, present_match: true}]}, route: {cluster: c}}
  - {name: both, match: {prefix: /, query_parameters: [{name: a, string_match: {prefix: x}}, {name: b, string_match: {safe_regex: {regex: "[0-9]+"}}}]}, route: {cluster: c}}
  - {name: all, match: {prefix: /}, route: {cluster: c}}
`);
  assert.equal(routeName(q, req('h', '/p?debug=1')), 'debug');
  assert.equal(routeName(q, req('h', '/p?x=2&debug=1&debug=2')), 'debug');
  assert.equal(routeName(q, req('h', '/p?debug=2&debug=1')), 'all');
  assert.equal(routeName(q, req('h', '/p?debug=%31')), 'all');
  assert.equal(routeName(q, req('h', '/p?flag')), 'present');
  assert.equal(routeName(q, req('h', '/p?flag=')), 'present');
  assert.equal(routeName(q, req('h', '/p?flagx=1')), 'all');
  assert.equal(routeName(q, req('h', '/p?a=xy&b=12')), 'both');
  assert.equal(routeName(q, req('h', '/p?a=xy&b=1x')), 'all');
  assert.equal(routeName(q, req('h', '/p')), 'all');
});

test('runtime_fraction uses the random value (random % denominator < numerator)', () => {
  const r = table(`
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - {name: canary, match: {prefix: /, runtime_fraction: {default_value: {numerator: 25, denominator: HUNDRED}, runtime_key: k}}, route: {cluster: c}}
  - {name: rest, match: {prefix: /}, route: {cluster: c}}
`);
  let canary = 0;
  const n = 10000;
  for (let i = 0; i < n; i++) if (routeName(r, req('h', '/'), Math.random()) === 'canary') canary++;
  assert.ok(Math.abs(canary / n - 0.25) < 0.02, `canary share ${canary / n}`);
  // Deterministic: integer 0 -> 0 % 100 < 25.
  assert.equal(routeName(r, req('h', '/'), 0), 'canary');
  assert.equal(routeName(r, req('h', '/'), 50 / 4294967296), 'rest');
});

test('grpc matches application/grpc and application/grpc+proto only', () => {
  const g = table(`
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - {name: grpc, match: {prefix: /, grpc: {}}, route: {cluster: c}}
  - {name: rest, match: {prefix: /}, route: {cluster: c}}
`);
  assert.equal(routeName(g, req('h', '/svc/M', [['content-type', 'application/grpc']])), 'grpc');
  assert.equal(routeName(g, req('h', '/svc/M', [['content-type', 'application/grpc+proto']])), 'grpc');
  assert.equal(routeName(g, req('h', '/svc/M', [['content-type', 'application/grpc-web']])), 'rest');
  assert.equal(routeName(g, req('h', '/svc/M', [])), 'rest');
});

test('RE2: a pattern that backtracks catastrophically in JS runs in linear time', () => {
  const re = table(`
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - {name: evil, match: {safe_regex: {regex: "/(a+)+b"}}, route: {cluster: c}}
`);
  const path = '/' + 'a'.repeat(100000);
  const start = process.hrtime.bigint();
  assert.equal(routeName(re, req('h', path)), undefined);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  assert.ok(ms < 1000, `took ${ms} ms`);
});

test('config errors name the field path', () => {
  const e = errors(`
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - {match: {prefix: /}, route: {cluster: c}}
  - {match: {safe_regex: {regex: "/(unclosed"}}, route: {cluster: c}}
  - {match: {prefix: /, headers: [{name: x, string_match: {safe_regex: {regex: "a)"}}}]}, route: {cluster: c}}
  - {match: {path_separated_prefix: /api/}, route: {cluster: c}}
  - {match: {prefix: /}}
  - {match: {path_match_policy: {name: x, typed_config: {"@type": type.googleapis.com/google.protobuf.Empty}}}, route: {cluster: c}}
`);
  const paths = e.map((i) => i.path);
  assert.deepEqual(paths, [
    'virtual_hosts[0].routes[1].match.safe_regex.regex',
    'virtual_hosts[0].routes[2].match.headers[0].string_match.safe_regex.regex',
    'virtual_hosts[0].routes[3].match.path_separated_prefix',
    'virtual_hosts[0].routes[4]',
    'virtual_hosts[0].routes[5].match.path_match_policy',
  ]);
  assert.match(e[0].message, /invalid regex '\/\(unclosed'/);
});

test('regex literal-prefix prefilter never changes the result', async () => {
  const { literalPrefix, compileRegex } = await import('../../../proxy/router/route-regex');
  assert.equal(literalPrefix('/users/[0-9]+/orders'), '/users/');
  assert.equal(literalPrefix('^/api\\.v1/x*'), '/api.v1/');
  assert.equal(literalPrefix('/a|/b'), '');
  assert.equal(literalPrefix('(?i)/abc'), '');
  assert.equal(literalPrefix('/ab?c'), '/a');
  assert.equal(literalPrefix('/a{2}'), '/');
  assert.equal(literalPrefix('\\d+'), '');
  const cases: [string, string, boolean][] = [
    ['/users/[0-9]+/orders', '/users/12/orders', true],
    ['/users/[0-9]+/orders', '/Users/12/orders', false],
    ['/ab?c', '/ac', true],
    ['/a{2}', '/aa', true],
    ['/a{0}b', '/b', true],
  ];
  for (const [re, input, want] of cases) {
    const c = compileRegex(re);
    assert.ok(c.ok);
    assert.equal(c.regex.fullMatch(input), want, `${re} ~ ${input}`);
  }
});
