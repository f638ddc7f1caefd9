// request/response header mutations: Envoy's level order (weighted cluster, route, vhost, route
// config; reversed by most_specific_header_mutations_wins), append actions, removals before
// additions, keep_empty_value, formatter values, and the errors for pseudo-headers and Host.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { errors, headers, req, table } from './helpers';
import { StreamInfo } from '../../../proxy/http/stream-info';
import type { DownstreamConnectionInfo } from '../../../proxy/http/stream-info';

const conn: DownstreamConnectionInfo = {
  id: 1,
  remoteAddress: '10.1.2.3:5555',
  remoteIp: '10.1.2.3',
  remotePort: 5555,
  localAddress: '10.0.0.1:80',
  localIp: '10.0.0.1',
  localPort: 80,
  directRemoteAddress: '10.1.2.3:5555',
  requestedServerName: '',
  secure: false,
};

function levels(mostSpecificWins: boolean): string {
  return `
most_specific_header_mutations_wins: ${mostSpecificWins}
request_headers_to_add: [{header: {key: x-level, value: config}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}, {header: {key: x-list, value: config}}]
response_headers_to_add: [{header: {key: x-level, value: config}, append: false}]
virtual_hosts:
- name: v
  domains: ["*"]
  request_headers_to_add: [{header: {key: x-level, value: vhost}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}, {header: {key: x-list, value: vhost}}]
  response_headers_to_add: [{header: {key: x-level, value: vhost}, append: false}]
  routes:
  - match: {prefix: /}
    request_headers_to_add: [{header: {key: x-level, value: route}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}, {header: {key: x-list, value: route}}]
    response_headers_to_add: [{header: {key: x-level, value: route}, append: false}]
    route:
      weighted_clusters:
        clusters:
        - name: a
          weight: 1
          request_headers_to_add: [{header: {key: x-level, value: cluster}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}, {header: {key: x-list, value: cluster}}]
          response_headers_to_add: [{header: {key: x-level, value: cluster}, append: false}]
`;
}

test('levels apply weighted cluster -> route -> vhost -> config: the outer level wins', () => {
  const e = table(levels(false)).route(req('h', '/'), 0)!;
  const h = headers();
  e.applyRequestHeaders(h, undefined);
  assert.equal(h.get('x-level'), 'config');
  assert.deepEqual(h.getAll('x-list'), ['cluster', 'route', 'vhost', 'config']);
  const r = headers();
  e.applyResponseHeaders(r, undefined);
  assert.equal(r.get('x-level'), 'config');
});

test('most_specific_header_mutations_wins reverses route/vhost/config (weighted cluster still first)', () => {
  const e = table(levels(true)).route(req('h', '/'), 0)!;
  const h = headers();
  e.applyRequestHeaders(h, undefined);
  assert.equal(h.get('x-level'), 'route');
  assert.deepEqual(h.getAll('x-list'), ['cluster', 'config', 'vhost', 'route']);
  const r = headers();
  e.applyResponseHeaders(r, undefined);
  assert.equal(r.get('x-level'), 'route');
});

const ACTIONS = table(`
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - match: {prefix: /}
    route: {cluster: c}
    request_headers_to_remove: [x-remove, x-append]
    request_headers_to_add:
    - {header: {key: x-append, value: new}}
    - {header: {key: x-legacy-append, value: new}, append: true}
    - {header: {key: x-if-absent, value: new}, append_action: ADD_IF_ABSENT}
    - {header: {key: x-if-absent-missing, value: new}, append_action: ADD_IF_ABSENT}
    - {header: {key: x-overwrite, value: new}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
    - {header: {key: x-overwrite-missing, value: new}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
    - {header: {key: x-if-exists, value: new}, append_action: OVERWRITE_IF_EXISTS}
    - {header: {key: x-if-exists-missing, value: new}, append_action: OVERWRITE_IF_EXISTS}
    - {header: {key: x-empty, value: ""}}
    - {header: {key: x-keep-empty, value: ""}, keep_empty_value: true}
    - {header: {key: X-Client, value: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"}}
    - {header: {key: x-client-full, value: "ip=%DOWNSTREAM_REMOTE_ADDRESS% 100%%"}}
    - {header: {key: x-copy, value: "%REQ(x-overwrite)%"}}
    - {header: {key: x-unset, value: "%REQ(x-nope)%"}}
`);

test('append actions, removals first, empty values', () => {
  const e = ACTIONS.route(req('h', '/'), 0)!;
  const h = headers([
    ['x-remove', '1'],
    ['x-append', 'old'],
    ['x-legacy-append', 'old'],
    ['x-if-absent', 'old'],
    ['x-overwrite', 'old1'],
    ['x-overwrite', 'old2'],
    ['x-if-exists', 'old'],
  ]);
  e.applyRequestHeaders(h, undefined);
  assert.equal(h.has('x-remove'), false);
  assert.deepEqual(h.getAll('x-append'), ['new']);
  assert.deepEqual(h.getAll('x-legacy-append'), ['old', 'new']);
  assert.deepEqual(h.getAll('x-if-absent'), ['old']);
  assert.deepEqual(h.getAll('x-if-absent-missing'), ['new']);
  assert.deepEqual(h.getAll('x-overwrite'), ['new']);
  assert.deepEqual(h.getAll('x-overwrite-missing'), ['new']);
  assert.deepEqual(h.getAll('x-if-exists'), ['new']);
  assert.equal(h.has('x-if-exists-missing'), false);
  assert.equal(h.has('x-empty'), false);
  assert.deepEqual(h.getAll('x-keep-empty'), ['']);
});

test('formatter values: %DOWNSTREAM_REMOTE_ADDRESS%, %REQ()% read before this level adds, unset is omitted', () => {
  const e = ACTIONS.route(req('h', '/'), 0)!;
  const h = headers([['x-overwrite', 'orig']]);
  const info = new StreamInfo(conn);
  info.requestHeaders = h;
  e.applyRequestHeaders(h, info);
  assert.equal(h.get('x-client'), '10.1.2.3');
  assert.equal(h.get('x-client-full'), 'ip=10.1.2.3:5555 100%');
  // Values are formatted against the headers as they were before this level's additions.
  assert.equal(h.get('x-copy'), 'orig');
  assert.equal(h.has('x-unset'), false);
});

test('pseudo-headers, host, unknown formatters and append+append_action are rejected with paths', () => {
  const e = errors(`
request_headers_to_add: [{header: {key: ":path", value: /x}}]
virtual_hosts:
- name: v
  domains: ["*"]
  request_headers_to_remove: [host]
  response_headers_to_add: [{header: {key: x-a, value: "%NOT_A_COMMAND%"}}]
  routes:
  - match: {prefix: /}
    route: {cluster: c}
    request_headers_to_add: [{header: {key: x-b, value: b}, append: true, append_action: ADD_IF_ABSENT}]
`);
  assert.deepEqual(
    e.map((i) => i.path),
    [
      'request_headers_to_add[0].header.key',
      'virtual_hosts[0].request_headers_to_remove[0]',
      'virtual_hosts[0].response_headers_to_add[0].header.value',
      'virtual_hosts[0].routes[0].request_headers_to_add[0]',
    ],
  );
  assert.match(e[0].message, /may not be modified/);
});
