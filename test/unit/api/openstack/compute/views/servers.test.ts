import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { hostId } from '../../../../../../src/api/openstack/compute/views/servers.js';

test('hostId is sha224 of project and host, empty without a host', () => {
  assert.equal(hostId('p1', null), '');
  assert.equal(hostId('p1', 'h1'), createHash('sha224').update('p1h1').digest('hex'));
});
