import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidFloatingIpRange } from '../../../src/common/network-errors.js';
import { addressesOfRange } from '../../../src/network/floating-range.js';

test('a bare address is itself', () => {
  assert.deepEqual(addressesOfRange('192.0.2.7'), ['192.0.2.7']);
  assert.deepEqual(addressesOfRange('192.0.2.7/32'), ['192.0.2.7']);
});

test('a CIDR means its host addresses, without network and broadcast', () => {
  assert.deepEqual(addressesOfRange('192.0.2.8/29'), ['192.0.2.9', '192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13', '192.0.2.14']);
});

test('a /31 is refused: it should be given as single addresses', () => {
  assert.throws(() => addressesOfRange('192.0.2.0/31'), InvalidFloatingIpRange);
});

test('a million addresses or more are refused', () => {
  assert.throws(() => addressesOfRange('10.0.0.0/8'), /Too many IP addresses/);
  assert.equal(addressesOfRange('10.0.0.0/13').length, 2 ** 19 - 2);
});

test('garbage is refused', () => {
  assert.throws(() => addressesOfRange('nope'), InvalidFloatingIpRange);
  assert.throws(() => addressesOfRange('192.0.2.0/33'), InvalidFloatingIpRange);
});
