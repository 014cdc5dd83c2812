import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidInput } from '../../../src/common/errors.js';
import { DEFAULT_FLAVORS, flavorValuesFrom, validateInteger } from '../../../src/compute/flavors.js';

const BASE = { name: 'f', memoryMb: 64, vcpus: 1, rootGb: 0 };

describe('flavor values', () => {
  test('the default flavors are m1.tiny..m1.xlarge with flavorids 1-5 as Grizzly seeded them', () => {
    assert.deepEqual(
      DEFAULT_FLAVORS.map((f) => [f.flavorid, f.name, f.memory_mb, f.vcpus, f.root_gb]),
      [
        ['1', 'm1.tiny', 512, 1, 0],
        ['2', 'm1.small', 2048, 1, 20],
        ['3', 'm1.medium', 4096, 2, 40],
        ['4', 'm1.large', 8192, 4, 80],
        ['5', 'm1.xlarge', 16384, 8, 160],
      ],
    );
    assert.ok(DEFAULT_FLAVORS.every((f) => f.swap === 0 && f.rxtx_factor === 1 && f.is_public && f.ephemeral_gb === 0));
  });

  test('fills defaults and generates a UUID flavorid for null, undefined or "auto"', () => {
    for (const flavorId of [null, undefined, 'auto'] as const) {
      const v = flavorValuesFrom({ ...BASE, flavorId });
      assert.match(v.flavorid, /^[0-9a-f-]{36}$/);
      assert.equal(v.swap, 0);
      assert.equal(v.ephemeral_gb, 0);
      assert.equal(v.rxtx_factor, 1);
      assert.equal(v.is_public, true);
    }
  });

  test('accepts numeric strings and integer ids', () => {
    const v = flavorValuesFrom({ ...BASE, memoryMb: '1024', rxtxFactor: '1.5', flavorId: 42 });
    assert.equal(v.memory_mb, 1024);
    assert.equal(v.rxtx_factor, 1.5);
    assert.equal(v.flavorid, '42');
  });

  test('rejects out-of-range and malformed values with InvalidInput', () => {
    const bad = [
      { memoryMb: 0 },
      { vcpus: 0 },
      { rootGb: -1 },
      { ephemeralGb: -1 },
      { swap: '1.5' },
      { rxtxFactor: 0 },
      { rxtxFactor: 'fast' },
      { memoryMb: 2147483648 },
      { name: ' lead' },
      { name: 'trail ' },
      { name: 'semi;colon' },
      { name: '' },
      { flavorId: 'has/slash' },
      { flavorId: '' },
      { flavorId: '.' },
      { flavorId: '..' },
    ];
    for (const change of bad) assert.throws(() => flavorValuesFrom({ ...BASE, ...change }), InvalidInput, JSON.stringify(change));
  });

  test('validateInteger names the field and bound in its message', () => {
    assert.throws(() => validateInteger(0, 'memory_mb', 1), { message: 'Invalid input received: memory_mb must be >= 1' });
    assert.throws(() => validateInteger('x', 'vcpus', 1), { message: 'Invalid input received: vcpus must be an integer' });
  });
});
