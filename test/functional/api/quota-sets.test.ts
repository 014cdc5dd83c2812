import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type ComputeHarness, startComputeHarness } from './compute-harness.js';

const ALICE = 'alice:proj-a';
const ADMIN = 'admin:admin-proj';
const RESOURCES = [
  'cores',
  'fixed_ips',
  'floating_ips',
  'injected_file_content_bytes',
  'injected_file_path_bytes',
  'injected_files',
  'instances',
  'key_pairs',
  'metadata_items',
  'ram',
  'security_group_rules',
  'security_groups',
  'server_group_members',
  'server_groups',
];
const DEFAULTS = {
  cores: 20,
  fixed_ips: -1,
  floating_ips: 10,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
  injected_files: 5,
  instances: 10,
  key_pairs: 100,
  metadata_items: 128,
  ram: 51200,
  security_group_rules: 20,
  security_groups: 10,
  server_group_members: 10,
  server_groups: 10,
};

let h: ComputeHarness;
before(async () => {
  h = await startComputeHarness();
});
after(async () => h.close());

describe('os-quota-sets', () => {
  test('show gives id and every resource; members see their own project only', async () => {
    const r = await h.call('GET', '/v2.1/os-quota-sets/proj-a', ALICE);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { quota_set: { id: 'proj-a', ...DEFAULTS } });
    assert.equal((await h.call('GET', '/v2.1/os-quota-sets/proj-b', ALICE)).status, 403);
    assert.equal((await h.call('GET', '/v2.1/os-quota-sets/proj-b', ADMIN)).status, 200);
    assert.equal((await h.call('GET', '/v2.1/os-quota-sets/proj-a?user_id=alice', ALICE)).json.quota_set.ram, 51200);
  });

  test('defaults are the configured defaults', async () => {
    const r = await h.call('GET', '/v2.1/os-quota-sets/proj-a/defaults', ALICE);
    assert.deepEqual(r.json, { quota_set: { id: 'proj-a', ...DEFAULTS } });
  });

  test('admin update returns the new set without id; values may be numeric strings', async () => {
    const r = await h.call('PUT', '/v2.1/os-quota-sets/proj-a', ADMIN, { quota_set: { ram: '5120', instances: 20, force: true } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json.quota_set).sort(), RESOURCES);
    assert.equal(r.json.quota_set.ram, 5120);
    assert.equal(r.json.quota_set.instances, 20);
    assert.equal((await h.call('GET', '/v2.1/os-quota-sets/proj-a', ALICE)).json.quota_set.ram, 5120);
  });

  test('members may not update or delete (403); bad bodies are 400', async () => {
    assert.equal((await h.call('PUT', '/v2.1/os-quota-sets/proj-a', ALICE, { quota_set: { ram: 1 } })).status, 403);
    assert.equal((await h.call('DELETE', '/v2.1/os-quota-sets/proj-a', ALICE)).status, 403);
    for (const quota_set of [{ ram: -2 }, { ram: 'lots' }, { networks: 3 }, { bogus: 1 }, { ram: 1.5 }]) {
      assert.equal((await h.call('PUT', '/v2.1/os-quota-sets/proj-a', ADMIN, { quota_set })).status, 400, JSON.stringify(quota_set));
    }
    assert.equal((await h.call('PUT', '/v2.1/os-quota-sets/proj-a?user_id=alice', ADMIN, { quota_set: { ram: 1 } })).status, 400);
  });

  test('limits above 2^31-1 are 400 and change nothing; 2^31-1 and -1 are accepted', async () => {
    const rows = async () => (await h.db.kysely.selectFrom('quotas').selectAll().execute()).length;
    const before = await rows();
    for (const value of [2147483648, '2147483648', 1e308, '9'.repeat(400), -2]) {
      const r = await h.call('PUT', '/v2.1/os-quota-sets/proj-big', ADMIN, { quota_set: { instances: value } });
      assert.equal(r.status, 400, `${String(value).slice(0, 20)}: ${r.text}`);
    }
    assert.equal(await rows(), before);
    const max = await h.call('PUT', '/v2.1/os-quota-sets/proj-big', ADMIN, { quota_set: { instances: 2147483647, cores: -1 } });
    assert.equal(max.status, 200);
    assert.equal(max.json.quota_set.instances, 2147483647);
    assert.equal(max.json.quota_set.cores, -1);
    const classes = await h.call('PUT', '/v2.1/os-quota-class-sets/gold', ADMIN, { quota_class_set: { ram: 2147483648 } });
    assert.equal(classes.status, 400);
  });

  test('a project id with NUL, CR or LF is 400 and nothing is stored', async () => {
    const rows = async () => (await h.db.kysely.selectFrom('quotas').selectAll().execute()).length;
    const before = await rows();
    for (const id of ['proj%00x', 'proj%0D%0Ax', 'proj%0Ax', 'a%20b']) {
      const put = await h.call('PUT', `/v2.1/os-quota-sets/${id}`, ADMIN, { quota_set: { instances: 3 } });
      assert.equal(put.status, 400, `${id}: ${put.text}`);
      const del = await h.call('DELETE', `/v2.1/os-quota-sets/${id}`, ADMIN);
      assert.equal(del.status, 400, `${id}: ${del.text}`);
    }
    assert.equal(await rows(), before);
  });

  test('without force a limit below what is used is 400; with force it is set', async () => {
    for (let i = 0; i < 2; i++) {
      await h.db.kysely
        .insertInto('instances')
        .values({ uuid: randomUUID(), project_id: 'proj-c', vcpus: 1, memory_mb: 64, vm_state: 'active', deleted: 0 })
        .execute();
    }
    const refused = await h.call('PUT', '/v2.1/os-quota-sets/proj-c', ADMIN, { quota_set: { instances: 1 } });
    assert.equal(refused.status, 400);
    const forced = await h.call('PUT', '/v2.1/os-quota-sets/proj-c', ADMIN, { quota_set: { instances: 1, force: 'True' } });
    assert.equal(forced.status, 200);
    assert.equal(forced.json.quota_set.instances, 1);
    const detail = await h.call('GET', '/v2.1/os-quota-sets/proj-c/detail', ADMIN);
    assert.deepEqual(detail.json.quota_set.instances, { limit: 1, in_use: 2, reserved: 0 });
    assert.deepEqual(detail.json.quota_set.ram, { limit: 51200, in_use: 128, reserved: 0 });
    assert.equal(detail.json.quota_set.id, 'proj-c');
  });

  test('delete (202) puts the project back on the defaults', async () => {
    await h.call('PUT', '/v2.1/os-quota-sets/proj-d', ADMIN, { quota_set: { ram: 1024 } });
    const del = await h.call('DELETE', '/v2.1/os-quota-sets/proj-d', ADMIN);
    assert.equal(del.status, 202);
    assert.equal((await h.call('GET', '/v2.1/os-quota-sets/proj-d', ADMIN)).json.quota_set.ram, 51200);
  });
});

describe('os-quota-class-sets', () => {
  test('admin reads the default class with its id and updates it (no id in the answer)', async () => {
    const r = await h.call('GET', '/v2.1/os-quota-class-sets/default', ADMIN);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { quota_class_set: { id: 'default', ...DEFAULTS } });
    const bumped = Object.fromEntries(Object.entries(DEFAULTS).map(([k, v]) => [k, v + 100]));
    const u = await h.call('PUT', '/v2.1/os-quota-class-sets/default', ADMIN, { quota_class_set: bumped });
    assert.equal(u.status, 200);
    assert.deepEqual(u.json, { quota_class_set: bumped });
    assert.deepEqual((await h.call('GET', '/v2.1/os-quota-class-sets/default', ADMIN)).json.quota_class_set.cores, 120);
  });

  test('members may not read another class or update any (403); bad values 400', async () => {
    assert.equal((await h.call('GET', '/v2.1/os-quota-class-sets/default', ALICE)).status, 403);
    assert.equal((await h.call('PUT', '/v2.1/os-quota-class-sets/default', ALICE, { quota_class_set: { ram: 1 } })).status, 403);
    assert.equal((await h.call('PUT', '/v2.1/os-quota-class-sets/gold', ADMIN, { quota_class_set: { ram: -5 } })).status, 400);
    assert.equal((await h.call('PUT', '/v2.1/os-quota-class-sets/gold', ADMIN, { quota_class_set: { force: true } })).status, 400);
  });
});
