import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyNameTemplate,
  checkMetadataItems,
  flavorSystemMetadata,
  generateReservationId,
  imageSystemMetadata,
  sanitizeHostname,
} from '../../../../src/compute/api/create.js';
import { InvalidMetadata, InvalidMetadataSize } from '../../../../src/compute/api/errors.js';

test('sanitizeHostname turns spaces and underscores into dashes, drops other symbols, lowercases and trims dashes and dots', () => {
  assert.equal(sanitizeHostname('My Server_01'), 'my-server-01');
  assert.equal(sanitizeHostname('..web!!@#1--'), 'web1');
  assert.equal(sanitizeHostname('ünïcode'), 'ünïcode'.toLowerCase().replace(/[^\w.-]+/g, ''));
  assert.equal(sanitizeHostname('x'.repeat(80)).length, 63);
});

test('applyNameTemplate fills name, uuid and count like a Python %-template', () => {
  assert.equal(applyNameTemplate('%(name)s-%(uuid)s', { name: 'vm', uuid: 'u1', count: 2 }), 'vm-u1');
  assert.equal(applyNameTemplate('%(name)s-%(count)d', { name: 'vm', uuid: 'u1', count: 2 }), 'vm-2');
});

test('generateReservationId gives r- and eight lowercase alphanumerics', () => {
  for (let i = 0; i < 20; i++) assert.match(generateReservationId(), /^r-[0-9a-z]{8}$/);
});

test('flavorSystemMetadata records every instance_type_* key, keeping a null vcpu_weight', () => {
  const sm = flavorSystemMetadata({
    id: 6,
    flavorid: '42',
    name: 'm1.x',
    memory_mb: 64,
    vcpus: 1,
    root_gb: 0,
    ephemeral_gb: 0,
    swap: 0,
    rxtx_factor: 1,
    vcpu_weight: null,
    disabled: false,
    is_public: true,
  });
  assert.deepEqual(Object.keys(sm).sort(), [
    'instance_type_ephemeral_gb',
    'instance_type_flavorid',
    'instance_type_id',
    'instance_type_memory_mb',
    'instance_type_name',
    'instance_type_root_gb',
    'instance_type_rxtx_factor',
    'instance_type_swap',
    'instance_type_vcpu_weight',
    'instance_type_vcpus',
  ]);
  assert.equal(sm.instance_type_vcpu_weight, null);
  assert.equal(sm.instance_type_flavorid, '42');
});

test('imageSystemMetadata prefixes properties with image_ and remembers the base image', () => {
  const sm = imageSystemMetadata({ id: 'img', status: 'active', min_ram: 128, properties: { os_type: 'linux', hw: { a: 1 } } });
  assert.equal(sm.image_os_type, 'linux');
  assert.equal(sm.image_hw, '{"a":1}');
  assert.equal(sm.image_min_ram, '128');
  assert.equal(sm.image_base_image_ref, 'img');
  assert.deepEqual(imageSystemMetadata(null), {});
});

test('checkMetadataItems rejects blank keys and keys or values over 255 characters', () => {
  assert.throws(() => checkMetadataItems({ '': 'x' }), InvalidMetadata);
  assert.throws(() => checkMetadataItems({ ['k'.repeat(256)]: 'x' }), InvalidMetadataSize);
  assert.throws(() => checkMetadataItems({ k: 'v'.repeat(256) }), InvalidMetadataSize);
  checkMetadataItems({ k: 'v' });
});
