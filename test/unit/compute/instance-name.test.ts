import assert from 'node:assert/strict';
import { test } from 'node:test';
import { instanceName } from '../../../src/compute/instance-name.js';

test('instanceName applies instance_name_template to the id, or to named keys', () => {
  assert.equal(instanceName('instance-%08x', { id: 42, uuid: 'u' }), 'instance-0000002a');
  assert.equal(instanceName('vm-%(uuid)s', { id: 42, uuid: 'abc' }), 'vm-abc');
  assert.equal(instanceName('vm-%(nope)s', { id: 42, uuid: 'abc' }), 'abc');
});
