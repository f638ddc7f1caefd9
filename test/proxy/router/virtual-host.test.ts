// Virtual host selection: Envoy's exact > longest suffix wildcard > longest prefix wildcard > '*'.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { errors, table, vhostName } from './helpers';
import { stripMatchingPort, stripPort } from '../../../proxy/router/host-port';

const ROUTES = 'routes: [{match: {prefix: /}, route: {cluster: c}}]';
const vh = (name: string, domains: string[]): string => `  - name: ${name}\n    domains: [${domains.map((d) => JSON.stringify(d)).join(', ')}]\n    ${ROUTES}\n`;

const t = table(
  'name: rc\nvirtual_hosts:\n' +
    vh('exact', ['api.foo.com', 'API2.Foo.com']) +
    vh('suffix-short', ['*.foo.com']) +
    vh('suffix-long', ['*-bar.foo.com']) +
    vh('prefix-short', ['api.*']) +
    vh('prefix-long', ['api.foo.*']) +
    vh('with-port', ['svc.ns:8080']) +
    vh('default', ['*']),
);

test('exact domains win, case-insensitively', () => {
  assert.equal(vhostName(t, 'api.foo.com'), 'exact');
  assert.equal(vhostName(t, 'API.FOO.COM'), 'exact');
  assert.equal(vhostName(t, 'api2.foo.com'), 'exact');
});

test('the longest suffix wildcard wins over shorter ones and over prefix wildcards', () => {
  assert.equal(vhostName(t, 'x.foo.com'), 'suffix-short');
  assert.equal(vhostName(t, 'foo-bar.foo.com'), 'suffix-long');
  // api.foo.co... would be prefix; a host matching both a suffix and a prefix wildcard takes the suffix.
  assert.equal(vhostName(t, 'api.x.foo.com'), 'suffix-short');
});

test('the longest prefix wildcard wins; then the default', () => {
  assert.equal(vhostName(t, 'api.foo.org'), 'prefix-long');
  assert.equal(vhostName(t, 'api.bar'), 'prefix-short');
  assert.equal(vhostName(t, 'other.org'), 'default');
});

test("'*' never matches an empty part", () => {
  // '.foo.com' would need '*' to match nothing.
  assert.equal(vhostName(t, '.foo.com'), 'default');
  assert.equal(vhostName(t, '-bar.foo.com'), 'suffix-short');
  assert.equal(vhostName(t, 'api.'), 'default');
});

test('the port is part of the host unless ignore_port_in_host_matching', () => {
  assert.equal(vhostName(t, 'svc.ns:8080'), 'with-port');
  assert.equal(vhostName(t, 'svc.ns'), 'default');
  assert.equal(vhostName(t, 'api.foo.com:80'), 'prefix-long');
  const ig = table('ignore_port_in_host_matching: true\nvirtual_hosts:\n' + vh('a', ['api.foo.com']) + vh('d', ['*']));
  assert.equal(vhostName(ig, 'api.foo.com:80'), 'a');
  assert.equal(vhostName(ig, '[::1]:80'), 'd');
});

test('a table with only a default host answers every authority', () => {
  const d = table('virtual_hosts:\n' + vh('only', ['*']));
  assert.equal(vhostName(d, ''), 'only');
  assert.equal(vhostName(d, 'anything:1'), 'only');
});

test('no matching vhost and no default gives no route', () => {
  const n = table('virtual_hosts:\n' + vh('a', ['a.com']));
  assert.equal(vhostName(n, 'b.com'), undefined);
  assert.equal(n.route({ method: 'GET', authority: 'b.com', path: '/', scheme: 'http', headers: { get: () => undefined, getAll: () => [] } }, 0), undefined);
});

test('duplicate domains across virtual hosts are errors naming the field', () => {
  const e = errors('name: rc\nvirtual_hosts:\n' + vh('a', ['x.com', '*.y.com']) + vh('b', ['X.com']) + vh('c', ['*.Y.com']));
  assert.deepEqual(
    e.map((i) => i.path),
    ['virtual_hosts[1].domains[0]', 'virtual_hosts[2].domains[0]'],
  );
  assert.match(e[0].message, /Duplicate entry of domain x\.com in route rc/);
  const w = errors('name: rc\nvirtual_hosts:\n' + vh('a', ['*']) + vh('b', ['*']));
  assert.equal(w[0].path, 'virtual_hosts[1].domains[0]');
  assert.match(w[0].message, /Only a single wildcard domain/);
});

test('port helpers for the connection manager', () => {
  assert.equal(stripPort('a.com:80'), 'a.com');
  assert.equal(stripPort('[::1]:443'), '[::1]');
  assert.equal(stripPort('[::1]'), '[::1]');
  assert.equal(stripMatchingPort('a.com:8080', 8080), 'a.com');
  assert.equal(stripMatchingPort('a.com:8080', 80), 'a.com:8080');
});
