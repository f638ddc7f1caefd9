// The schema read lazily from the generated file's text answers exactly as the fully parsed file.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../../../proxy/common/package-root';
import { envoySchema, Schema } from '../../../../proxy/config/schema/schema';
import type { SchemaFile } from '../../../../proxy/config/schema/schema-format';

const text = fs.readFileSync(path.join(packageRoot(), 'generated', 'envoy-schema.json'), 'utf8');
const file = JSON.parse(text) as SchemaFile;

function same(a: Schema, b: Schema, names: readonly string[]): void {
  for (const name of names) {
    assert.equal(a.hasMessage(name), b.hasMessage(name), name);
    assert.deepEqual(a.message(name), b.message(name), name);
  }
  for (const name of Object.keys(file.enums)) {
    assert.equal(a.isEnum(name), b.isEnum(name), name);
    assert.deepEqual(a.enumInfo(name), b.enumInfo(name), name);
  }
}

test('every message and enum reads the same from the text as from the parsed file', () => {
  const eager = new Schema(file);
  const lazy = Schema.fromText(text);
  same(lazy, eager, [...Object.keys(file.messages), 'no.such.Message', 'envoy.config.cluster.v3', '']);
  assert.ok(envoySchema().hasMessage('envoy.config.bootstrap.v3.Bootstrap'));
});

test('key order and whitespace other than the generator writes still load (parsed whole)', () => {
  const reordered = JSON.stringify({ enums: file.enums, format: file.format, messages: file.messages });
  const spaced = JSON.stringify(file, null, 1);
  const names = ['envoy.config.listener.v3.Listener', 'google.protobuf.Duration', 'envoy.type.matcher.v3.StringMatcher'];
  same(Schema.fromText(reordered), new Schema(file), names);
  same(Schema.fromText(spaced), new Schema(file), names);
});

test('a file of another format is refused either way', () => {
  assert.throws(() => Schema.fromText(text.replace('"format":1', '"format":99')), /format 99/);
  assert.throws(() => Schema.fromText(JSON.stringify({ ...file, format: 99 }, null, 1)), /format 99/);
});

test('a truncated file fails as JSON.parse fails, without hanging', () => {
  for (const cut of [20, 30, text.length / 2, text.length - 3]) {
    assert.throws(() => Schema.fromText(text.slice(0, cut)), SyntaxError, `cut at ${cut}`);
  }
});
