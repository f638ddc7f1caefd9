// NameIndex: a lone value is stored as itself, more in a set; a key with none left is gone.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { NameIndex } from '../../../proxy/common/name-index';

test('NameIndex: add, includes, values, delete down to nothing', () => {
  const ix = new NameIndex();
  assert.equal(ix.has('eds'), false);
  assert.deepEqual(ix.values('eds'), []);
  ix.add('eds', 'c1');
  ix.add('eds', 'c1');
  assert.deepEqual(ix.values('eds'), ['c1']);
  ix.add('eds', 'c2');
  assert.deepEqual([...ix.values('eds')].sort(), ['c1', 'c2']);
  assert.ok(ix.includes('eds', 'c2') && !ix.includes('eds', 'c3') && !ix.includes('other', 'c1'));
  // values() is a snapshot: deleting while iterating is safe.
  for (const v of ix.values('eds')) ix.delete('eds', v);
  assert.equal(ix.has('eds'), false);
  ix.add('eds', 'c1');
  ix.add('eds', 'c2');
  ix.delete('eds', 'c1');
  assert.deepEqual(ix.values('eds'), ['c2']);
  ix.delete('eds', 'nope');
  assert.deepEqual(ix.values('eds'), ['c2']);
  ix.delete('eds', 'c2');
  assert.equal(ix.has('eds'), false);
});
