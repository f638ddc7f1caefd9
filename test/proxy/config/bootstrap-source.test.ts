import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadBootstrap } from '../../../proxy/config/bootstrap-source';
import { envoySchema } from '../../../proxy/config/schema/schema';
import { formatIssue } from '../../../proxy/config/result';
import { Canonical } from '../../../proxy/config/canonical';

const schema = envoySchema();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsenvoy-bootstrap-'));
const write = (name: string, text: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};

const BASE = {
  admin: { address: { socket_address: { address: '127.0.0.1', port_value: 15000 } } },
  static_resources: { clusters: [{ name: 'a', connect_timeout: '1s' }] },
};

test('the file extension picks the parser: .json, .yaml, .yml', () => {
  for (const [name, text] of [['b.json', JSON.stringify(BASE)], ['b.yaml', 'admin: {address: {socket_address: {address: 127.0.0.1, port_value: 15000}}}'], ['b.yml', 'node: {id: x}']]) {
    const r = loadBootstrap(schema, { configPath: write(name, text) });
    assert.ok(r.ok, name);
  }
  const bad = loadBootstrap(schema, { configPath: write('b.txt', '{}') });
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.errors[0].message, /unsupported config file extension '\.txt'.*use \.json, \.yaml or \.yml/);
  const yamlAsJson = loadBootstrap(schema, { configPath: write('y.json', 'node: {id: x}') });
  assert.match(yamlAsJson.ok ? '' : yamlAsJson.errors[0].message, /invalid JSON/);
});

test('--config-yaml merges over -c as protobuf MergeFrom: scalars replace, messages merge, lists append', () => {
  const r = loadBootstrap(schema, {
    configPath: write('m.json', JSON.stringify(BASE)),
    // A partial document: the address without its host is fine once merged.
    configYaml: '{admin: {address: {socket_address: {port_value: 9901}}}, static_resources: {clusters: [{name: b, connect_timeout: 2s}]}}',
  });
  if (!r.ok) assert.fail(r.errors.map(formatIssue).join('\n'));
  const sock = ((r.value.admin as Canonical).address as Canonical).socket_address as Canonical;
  assert.equal(sock.address, '127.0.0.1');
  assert.equal(sock.port_value, 9901);
  const names = ((r.value.static_resources as Canonical).clusters as Canonical[]).map((c) => c.name);
  assert.deepEqual(names, ['a', 'b']);
});

test('the merged result is what gets the required-field checks', () => {
  const r = loadBootstrap(schema, { configYaml: '{static_resources: {clusters: [{connect_timeout: 2s}]}}' });
  assert.equal(r.ok, false);
  assert.deepEqual(r.ok ? [] : r.errors.map(formatIssue), ['static_resources.clusters[0].name: value must not be empty']);
});

test('a missing file says what to check', () => {
  const r = loadBootstrap(schema, { configPath: path.join(dir, 'nope.yaml') });
  assert.match(r.ok ? '' : r.errors[0].message, /cannot read config file .*nope\.yaml: ENOENT; check the path given to -c/);
});
