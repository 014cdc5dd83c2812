import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentIds } from '../../../src/rpc/recent-ids.js';
import { isCompatible } from '../../../src/rpc/version.js';

test('a request is compatible when the major matches and its minor is not above the server', () => {
  assert.equal(isCompatible('2.27', '2.0'), true);
  assert.equal(isCompatible('2.27', '2.5'), true);
  assert.equal(isCompatible('2.27', '2.27'), true);
  assert.equal(isCompatible('2.27', '2.30'), false);
  assert.equal(isCompatible('2.27', '3.0'), false);
  assert.equal(isCompatible('2.27', '1.0'), false);
  assert.equal(isCompatible('2.27', 'two'), false);
});

test('RecentIds rejects an id seen among the last N and forgets older ones', () => {
  const ids = new RecentIds(2);
  assert.equal(ids.add('a'), true);
  assert.equal(ids.add('a'), false);
  assert.equal(ids.add('b'), true);
  assert.equal(ids.add('c'), true);
  assert.equal(ids.add('a'), true, 'a fell out of the window');
  assert.equal(ids.add('c'), false);
});
