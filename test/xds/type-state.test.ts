// What a stream knows of one type's subscription: watches are counted per name, and the set the
// server was told is compared, sorted and copied again only when the set (not a count) changed,
// so the ACKs of a 10,000-name EDS subscription do not redo that work each time.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { FetchTimers } from '../../xds-client/fetch-timers';
import { TypeState } from '../../xds-client/type-state';
import { ENDPOINT } from '../../xds-client/type-urls';

const state = (): TypeState => new TypeState(ENDPOINT, new FetchTimers(() => undefined));

test('watches are counted per name and for the wildcard', () => {
  const st = state();
  assert.equal(st.addWatch('a'), 0);
  assert.equal(st.addWatch('a'), 1);
  assert.equal(st.dropWatch('a'), 1);
  assert.ok(st.wants('a'));
  assert.equal(st.dropWatch('a'), 0);
  assert.ok(!st.wants('a'));
  assert.equal(st.dropWatch('a'), -1, 'nothing left to drop');
  assert.equal(st.addWatch('*'), 0);
  assert.ok(st.wildcard && st.wants('anything'));
  assert.equal(st.dropWatch('*'), 0);
  assert.equal(st.dropWatch('*'), -1);
});

test('the subscription counts as changed only when its set of names or wildcard did', () => {
  const st = state();
  st.addWatch('b');
  st.addWatch('a');
  assert.ok(st.subscriptionChanged());
  st.markSent();
  assert.ok(!st.subscriptionChanged());
  st.addWatch('a'); // a second watch of a known name
  assert.ok(!st.subscriptionChanged(), 'a count is not a change');
  st.addWatch('c');
  st.dropWatch('c'); // back to what was sent
  assert.ok(!st.subscriptionChanged(), 'watched and dropped again: the server still knows the set');
  st.addWatch('c');
  assert.ok(st.subscriptionChanged());
  st.markSent();
  assert.deepEqual([...st.sentNames].sort(), ['a', 'b', 'c']);
  st.addWatch('*');
  assert.ok(st.subscriptionChanged(), 'the wildcard is part of the subscription');
  st.markSent();
  assert.ok(st.sentWildcard);
  st.resetStream();
  assert.ok(st.subscriptionChanged(), 'a new stream has been told nothing');
  assert.equal(st.sentNames.size, 0);
});

test('sorted names are one array until the set changes', () => {
  const st = state();
  for (const n of ['c', 'a', 'b']) st.addWatch(n);
  const first = st.sortedNames();
  assert.deepEqual(first, ['a', 'b', 'c']);
  st.addWatch('a');
  assert.equal(st.sortedNames(), first, 'a count changes nothing');
  st.dropWatch('b');
  const second = st.sortedNames();
  assert.notEqual(second, first);
  assert.deepEqual(second, ['a', 'c']);
  assert.deepEqual(first, ['a', 'b', 'c'], 'an array handed out before is never changed');
  assert.throws(() => (second as string[]).push('x'), TypeError);
});
