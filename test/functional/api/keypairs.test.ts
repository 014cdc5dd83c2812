import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ComputeHarness, startComputeHarness } from './compute-harness.js';

const ALICE = 'alice:proj-a';
const CAROL = 'carol:proj-a';
const KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCxJRk4VfsQKAqISbpgmDvd3enMASu8ZXgj+M8qfUjKtvbshBANFE5CoRSv4ztdRe/01C+pdrvM9fLqPdZ1Cicy+flBhezgdpI0pAVPzpZQajVxfg+u1G0exAYdZU2xy/93B0MOcZKFl4xHnN8mmd5VTHNGYZHawdy5OVxN6H8+Uw== test';
const KEY_FINGERPRINT = 'b8:a2:0b:33:f2:e6:70:3a:fe:aa:b7:67:32:9f:31:c8';
const NAIVE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

let h: ComputeHarness;
before(async () => {
  h = await startComputeHarness({ overrides: { DEFAULT: { quota_key_pairs: 3 } } });
});
after(async () => h.close());

describe('os-keypairs', () => {
  test('create generates a key pair and returns the private key once', async () => {
    const r = await h.call('POST', '/v2.1/os-keypairs', ALICE, { keypair: { name: 'gen' } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json.keypair).sort(), ['fingerprint', 'name', 'private_key', 'public_key', 'user_id']);
    assert.equal(r.json.keypair.user_id, 'alice');
    assert.match(r.json.keypair.private_key, /^-----BEGIN RSA PRIVATE KEY-----/);
    assert.match(r.json.keypair.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    const show = await h.call('GET', '/v2.1/os-keypairs/gen', ALICE);
    assert.equal(show.json.keypair.public_key, r.json.keypair.public_key);
    assert.ok(!('private_key' in show.json.keypair));
  });

  test('import stores the given key with its MD5 fingerprint and no private key', async () => {
    const r = await h.call('POST', '/v2/proj-a/os-keypairs', ALICE, { keypair: { name: 'imported', public_key: KEY } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.keypair, { name: 'imported', public_key: KEY, fingerprint: KEY_FINGERPRINT, user_id: 'alice' });
  });

  test("list has exactly name, public_key and fingerprint per key pair, only the caller's", async () => {
    const r = await h.call('GET', '/v2.1/os-keypairs', ALICE);
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.json.keypairs.map((k: { keypair: { name: string } }) => k.keypair.name),
      ['gen', 'imported'],
    );
    for (const k of r.json.keypairs) assert.deepEqual(Object.keys(k.keypair).sort(), ['fingerprint', 'name', 'public_key']);
    assert.deepEqual((await h.call('GET', '/v2.1/os-keypairs', CAROL)).json, { keypairs: [] });
    assert.equal((await h.call('GET', '/v2.1/os-keypairs/imported', CAROL)).status, 404);
  });

  test('show has the nine keys of the 2.1 schema', async () => {
    const r = await h.call('GET', '/v2.1/os-keypairs/imported', ALICE);
    assert.equal(r.status, 200);
    const k = r.json.keypair;
    assert.deepEqual(Object.keys(k).sort(), [
      'created_at',
      'deleted',
      'deleted_at',
      'fingerprint',
      'id',
      'name',
      'public_key',
      'updated_at',
      'user_id',
    ]);
    assert.equal(typeof k.id, 'number');
    assert.equal(k.deleted, false);
    assert.match(k.created_at, NAIVE_TIME);
    assert.equal(k.updated_at, null);
    assert.equal(k.deleted_at, null);
  });

  test('a duplicate name is 409, a bad name or key 400', async () => {
    const dup = await h.call('POST', '/v2.1/os-keypairs', ALICE, { keypair: { name: 'imported', public_key: KEY } });
    assert.equal(dup.status, 409);
    assert.equal(dup.json.conflictingRequest.message, "Key pair 'imported' already exists.");
    const bad = [
      { name: '' },
      { name: 'k'.repeat(256) },
      { name: 'key_/.\\@:' },
      { name: 'x', public_key: '' },
      { name: 'x', public_key: 'ssh-rsa AAAA' },
      { name: 'x', public_key: `ssh-rsa ${'A'.repeat(2000)}` },
      { name: 'x', extra: 1 },
      {},
    ];
    for (const keypair of bad) {
      const r = await h.call('POST', '/v2.1/os-keypairs', ALICE, { keypair });
      assert.equal(r.status, 400, JSON.stringify(keypair));
    }
  });

  test("the key_pairs quota counts the user's key pairs: 403 with Nova's message", async () => {
    assert.equal((await h.call('POST', '/v2.1/os-keypairs', ALICE, { keypair: { name: 'third', public_key: KEY } })).status, 200);
    const over = await h.call('POST', '/v2.1/os-keypairs', ALICE, { keypair: { name: 'fourth', public_key: KEY } });
    assert.equal(over.status, 403);
    assert.equal(over.json.forbidden.message, 'Quota exceeded, too many key pairs.');
    assert.equal((await h.call('GET', '/v2.1/os-keypairs/fourth', ALICE)).status, 404, 'nothing is left behind');
    assert.equal((await h.call('POST', '/v2.1/os-keypairs', CAROL, { keypair: { name: 'fourth', public_key: KEY } })).status, 200);
  });

  test('concurrent creates never exceed the quota', async () => {
    const results = await Promise.all(
      ['r1', 'r2', 'r3', 'r4', 'r5'].map((name) =>
        h.call('POST', '/v2.1/os-keypairs', 'dave:proj-d', { keypair: { name, public_key: KEY } }),
      ),
    );
    assert.ok(results.every((r) => r.status === 200 || r.status === 403));
    const listed = await h.call('GET', '/v2.1/os-keypairs', 'dave:proj-d');
    assert.ok(listed.json.keypairs.length <= 3);
    assert.equal(listed.json.keypairs.length, results.filter((r) => r.status === 200).length);
  });

  test('delete is 202 and frees the name; an unknown key pair is 404', async () => {
    const del = await h.call('DELETE', '/v2.1/os-keypairs/third', ALICE);
    assert.equal(del.status, 202);
    assert.equal(del.text, '');
    assert.equal((await h.call('GET', '/v2.1/os-keypairs/third', ALICE)).status, 404);
    assert.equal((await h.call('DELETE', '/v2.1/os-keypairs/third', ALICE)).status, 404);
    assert.equal((await h.call('POST', '/v2.1/os-keypairs', ALICE, { keypair: { name: 'third', public_key: KEY } })).status, 200);
  });
});
