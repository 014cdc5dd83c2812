import assert from 'node:assert/strict';
import { test } from 'node:test';
import { billedHours } from '../../../../src/compute/operators/usage.js';

const at = (s: string) => new Date(`${s}Z`);
const start = at('2013-01-01T00:00:00');
const stop = at('2013-01-02T00:00:00');

test('an instance running through the whole window is billed the window', () => {
  assert.equal(billedHours({ launched_at: at('2012-12-01T00:00:00'), terminated_at: null }, start, stop), 24);
});

test('billing starts at launch and ends at termination inside the window', () => {
  const inst = { launched_at: at('2013-01-01T06:00:00'), terminated_at: at('2013-01-01T18:30:00') };
  assert.equal(billedHours(inst, start, stop), 12.5);
});

test('an instance never launched, or launched after the window, costs nothing', () => {
  assert.equal(billedHours({ launched_at: null, terminated_at: null }, start, stop), 0);
  assert.equal(billedHours({ launched_at: at('2013-01-03T00:00:00'), terminated_at: null }, start, stop), 0);
});

test('database strings are read as naive UTC', () => {
  const inst = { launched_at: '2013-01-01 23:00:00' as unknown as Date, terminated_at: null };
  assert.equal(billedHours(inst, start, stop), 1);
});
