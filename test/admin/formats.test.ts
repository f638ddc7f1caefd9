import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatG, formatShortest } from '../../admin/number-format';
import { prettyJson } from '../../admin/pretty-json';
import { trimJson } from '../../admin/field-mask';
import { QueryParams } from '../../admin/query-params';

test('formatG is printf %g', () => {
  const cases: [number, string][] = [
    [-1, '-1'], [0, '0'], [100, '100'], [87.123456789, '87.1235'], [99.9999, '99.9999'], [99.99999, '100'],
    [0.0001, '0.0001'], [0.00001234, '1.234e-05'], [1234567, '1.23457e+06'], [123456, '123456'], [1.5, '1.5'],
    [1e100, '1e+100'],
  ];
  for (const [x, s] of cases) assert.equal(formatG(x), s, String(x));
});

test("formatShortest is fmt's {} for doubles", () => {
  const cases: [number, string][] = [
    [-1, '-1'], [0, '0'], [100, '100'], [99.5, '99.5'], [0.1, '0.1'], [0.0001, '0.0001'], [0.00001, '1e-05'],
    [1e15, '1000000000000000'], [1e16, '1e+16'], [123.456, '123.456'], [-0.5, '-0.5'],
  ];
  for (const [x, s] of cases) assert.equal(formatShortest(x), s, String(x));
});

test('prettyJson in pieces equals JSON.stringify(v, null, 1) plus a newline', () => {
  const values: unknown[] = [
    {}, [], { a: [] , b: {}, c: null }, { configs: [{ '@type': 't', x: [1, 'two', { y: [[], [3]] }], z: undefined }] },
    [1, [2, [3, [4, [5, { deep: { deeper: [6] } }]]]]], 'str', 42, { k: 'line\nbreak "q"' },
  ];
  for (const v of values) {
    for (const depth of [0, 1, 2, 4]) {
      assert.equal([...prettyJson(v, depth)].join(''), JSON.stringify(v, null, 1) + '\n', JSON.stringify(v));
    }
  }
});

test('field mask: a path covers its subtree, the shorter of overlapping paths wins, @type stays', () => {
  const obj = { '@type': 't', a: { b: 1, c: { d: 2, e: 3 } }, f: 4, g: [1] };
  assert.deepEqual(trimJson(obj, ['a.c.d', 'f']), { '@type': 't', a: { c: { d: 2 } }, f: 4 });
  assert.deepEqual(trimJson(obj, ['a.c.d', 'a']), { '@type': 't', a: obj.a });
  assert.deepEqual(trimJson(obj, ['a', 'a.c.d']), { '@type': 't', a: obj.a });
  assert.deepEqual(trimJson(obj, ['a.b']), { '@type': 't', a: { b: 1 } });
  assert.deepEqual(trimJson(obj, ['a.x']), { '@type': 't', a: {} });
});

test('query params: first value wins, bare keys are "", % decoded, + kept in URLs only', () => {
  const q = QueryParams.fromUrl('/stats?usedonly&filter=a.%2Bb&filter=second&x=1+2');
  assert.equal(q.first('usedonly'), '');
  assert.equal(q.nonEmpty('usedonly'), undefined);
  assert.equal(q.first('filter'), 'a.+b');
  assert.equal(q.first('x'), '1+2');
  assert.equal(q.first('missing'), undefined);
  assert.equal(QueryParams.fromUrl('/x?bad=%zz%41').first('bad'), '%zzA');
  assert.equal(QueryParams.parse('a=1+2&b', true).first('a'), '1 2');
  assert.equal(QueryParams.fromUrl('/ready').size, 0);
});
