import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seedDefaultFlavors } from '../../../src/compute/flavors.js';
import { type ComputeHarness, startComputeHarness } from './compute-harness.js';

const ADMIN = 'admin:admin-proj';
const ALICE = 'alice:proj-a';
const BOB = 'bob:proj-b';
const DETAIL_KEYS = [
  'OS-FLV-DISABLED:disabled',
  'OS-FLV-EXT-DATA:ephemeral',
  'disk',
  'id',
  'links',
  'name',
  'os-flavor-access:is_public',
  'ram',
  'rxtx_factor',
  'swap',
  'vcpus',
].sort();

let h: ComputeHarness;

before(async () => {
  h = await startComputeHarness();
  await seedDefaultFlavors(h.db);
});
after(async () => h.close());

function names(body: { flavors: { name: string }[] }): string[] {
  return body.flavors.map((f) => f.name);
}

describe('flavor listing', () => {
  test('lists the seeded m1 flavors by flavorid with id, name and self/bookmark links', async () => {
    const r = await h.call('GET', '/v2.1/flavors', ALICE);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), ['flavors']);
    const tiny = r.json.flavors.find((f: { id: string }) => f.id === '1');
    assert.deepEqual(tiny, {
      id: '1',
      name: 'm1.tiny',
      links: [
        { rel: 'self', href: `${h.url}/v2.1/flavors/1` },
        { rel: 'bookmark', href: `${h.url}/flavors/1` },
      ],
    });
    assert.deepEqual(
      r.json.flavors.filter((f: { id: string }) => ['1', '2', '3', '4', '5'].includes(f.id)).map((f: { name: string }) => f.name),
      ['m1.tiny', 'm1.small', 'm1.medium', 'm1.large', 'm1.xlarge'],
    );
  });

  test('detail carries exactly the 2.1 keys, swap "" when zero', async () => {
    const r = await h.call('GET', '/v2/proj-a/flavors/detail', ALICE);
    assert.equal(r.status, 200);
    const small = r.json.flavors.find((f: { id: string }) => f.id === '2');
    assert.deepEqual(Object.keys(small).sort(), DETAIL_KEYS);
    assert.equal(small.ram, 2048);
    assert.equal(small.disk, 20);
    assert.equal(small.vcpus, 1);
    assert.equal(small.swap, '');
    assert.equal(small.rxtx_factor, 1);
    assert.equal(small['OS-FLV-EXT-DATA:ephemeral'], 0);
    assert.equal(small['os-flavor-access:is_public'], true);
    assert.equal(small.links[0].href, `${h.url}/v2/proj-a/flavors/2`);
  });

  test('minRam and minDisk filter, bad values are 400', async () => {
    const r = await h.call('GET', '/v2.1/flavors/detail?minRam=4096&minDisk=80', ALICE);
    assert.deepEqual(
      r.json.flavors.map((f: { id: string }) => f.id).filter((id: string) => ['1', '2', '3', '4', '5'].includes(id)),
      ['4', '5'],
    );
    const bad = await h.call('GET', '/v2.1/flavors?minRam=lots', ALICE);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.badRequest.message, 'Invalid minRam filter [lots]');
    assert.equal((await h.call('GET', '/v2.1/flavors?minDisk=1.5', ALICE)).status, 400);
  });

  test('sort_key/sort_dir order the list; an unknown sort key is 400', async () => {
    const r = await h.call('GET', '/v2.1/flavors/detail?sort_key=memory_mb&sort_dir=desc&minRam=512', ALICE);
    const rams = r.json.flavors.map((f: { ram: number }) => f.ram);
    assert.deepEqual(
      rams,
      [...rams].sort((a: number, b: number) => b - a),
    );
    assert.equal((await h.call('GET', '/v2.1/flavors?sort_key=bogus', ALICE)).status, 400);
    assert.equal((await h.call('GET', '/v2.1/flavors?sort_dir=up', ALICE)).status, 400);
  });

  test('limit and marker page through with a next link; an unknown marker is 400', async () => {
    const first = await h.call('GET', '/v2.1/flavors?limit=2', ALICE);
    assert.deepEqual(
      first.json.flavors.map((f: { id: string }) => f.id),
      ['1', '2'],
    );
    assert.equal(first.json.flavors_links[0].rel, 'next');
    assert.equal(first.json.flavors_links[0].href, `${h.url}/v2.1/flavors?limit=2&marker=2`);
    const second = await h.call('GET', '/v2.1/flavors?limit=2&marker=2', ALICE);
    assert.deepEqual(
      second.json.flavors.map((f: { id: string }) => f.id),
      ['3', '4'],
    );
    const bad = await h.call('GET', '/v2.1/flavors?marker=nope', ALICE);
    assert.equal(bad.status, 400);
    assert.equal((await h.call('GET', '/v2.1/flavors?limit=-1', ALICE)).status, 400);
  });

  test('show returns one flavor; an unknown one is 404', async () => {
    const r = await h.call('GET', '/v2.1/flavors/3', ALICE);
    assert.equal(r.status, 200);
    assert.equal(r.json.flavor.name, 'm1.medium');
    assert.deepEqual(Object.keys(r.json.flavor).sort(), DETAIL_KEYS);
    const missing = await h.call('GET', '/v2.1/flavors/9999', ALICE);
    assert.equal(missing.status, 404);
    assert.equal(missing.json.itemNotFound.message, 'Flavor 9999 could not be found.');
  });
});

describe('flavor create and delete (os-flavor-manage)', () => {
  test('admin creates with a given int id, string ram, and all extension keys', async () => {
    const r = await h.call('POST', '/v2.1/flavors', ADMIN, {
      flavor: {
        name: 'custom.one',
        id: 1001,
        ram: '1024',
        vcpus: 2,
        disk: 10,
        'OS-FLV-EXT-DATA:ephemeral': 5,
        swap: 512,
        rxtx_factor: 2.5,
        'os-flavor-access:is_public': 'True',
      },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json.flavor).sort(), DETAIL_KEYS);
    assert.equal(r.json.flavor.id, '1001');
    assert.equal(r.json.flavor.ram, 1024);
    assert.equal(r.json.flavor.swap, 512);
    assert.equal(r.json.flavor.rxtx_factor, 2.5);
    assert.equal(r.json.flavor['OS-FLV-EXT-DATA:ephemeral'], 5);
    assert.equal(r.json.flavor['os-flavor-access:is_public'], true);
  });

  test('an absent or null id becomes a generated UUID and defaults apply', async () => {
    const r = await h.call('POST', '/v2.1/flavors', ADMIN, { flavor: { name: 'auto.id', id: null, ram: 64, vcpus: 1, disk: 0 } });
    assert.equal(r.status, 200);
    assert.match(r.json.flavor.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(r.json.flavor.swap, '');
    assert.equal(r.json.flavor.rxtx_factor, 1);
    assert.equal(r.json.flavor['OS-FLV-EXT-DATA:ephemeral'], 0);
  });

  test('a member may not create or delete flavors (403)', async () => {
    const c = await h.call('POST', '/v2.1/flavors', ALICE, { flavor: { name: 'mine', ram: 64, vcpus: 1, disk: 0 } });
    assert.equal(c.status, 403);
    assert.equal(c.json.forbidden.message, "Policy doesn't allow compute_extension:flavormanage to be performed.");
    assert.equal((await h.call('DELETE', '/v2.1/flavors/1', ALICE)).status, 403);
  });

  test('bad values are 400', async () => {
    const bodies = [
      { name: 'x', ram: 0, vcpus: 1, disk: 0 },
      { name: 'x', ram: -1, vcpus: 1, disk: 0 },
      { name: 'x', ram: 64, vcpus: 0, disk: 0 },
      { name: 'x', ram: 64, vcpus: 1, disk: -1 },
      { name: 'x', ram: 'lots', vcpus: 1, disk: 0 },
      { name: 'x', ram: 64, vcpus: 1, disk: 0, swap: -1 },
      { name: 'x', ram: 64, vcpus: 1, disk: 0, rxtx_factor: 0 },
      { name: 'x', ram: 64, vcpus: 1, disk: 0, 'os-flavor-access:is_public': 'maybe' },
      { name: '', ram: 64, vcpus: 1, disk: 0 },
      { name: 'n'.repeat(256), ram: 64, vcpus: 1, disk: 0 },
      { name: ' padded ', ram: 64, vcpus: 1, disk: 0 },
      { name: 'bad~name', ram: 64, vcpus: 1, disk: 0 },
      { name: 'x', id: ' spaced', ram: 64, vcpus: 1, disk: 0 },
      { name: 'x', ram: 3000000000, vcpus: 1, disk: 0 },
      { name: 'x', ram: 64, vcpus: 1, disk: 0, surprise: true },
      { ram: 64, vcpus: 1, disk: 0 },
    ];
    for (const flavor of bodies) {
      const r = await h.call('POST', '/v2.1/flavors', ADMIN, { flavor });
      assert.equal(r.status, 400, `expected 400 for ${JSON.stringify(flavor)}, got ${r.status} ${r.text}`);
      assert.equal(r.json.badRequest.code, 400);
    }
  });

  test('the ids "." and ".." are refused: a client normalising the URL could never reach them', async () => {
    const count = async () => (await h.db.kysely.selectFrom('instance_types').selectAll().execute()).length;
    const before = await count();
    for (const id of ['.', '..']) {
      const r = await h.call('POST', '/v2.1/flavors', ADMIN, { flavor: { name: `dots${id.length}`, id, ram: 64, vcpus: 1, disk: 0 } });
      assert.equal(r.status, 400, r.text);
    }
    assert.equal(await count(), before);
    const dotted = await h.call('POST', '/v2.1/flavors', ADMIN, { flavor: { name: 'dotted', id: 'a.b', ram: 64, vcpus: 1, disk: 0 } });
    assert.equal(dotted.status, 200, dotted.text);
  });

  test('a duplicate name or id is 409', async () => {
    const dupName = await h.call('POST', '/v2.1/flavors', ADMIN, { flavor: { name: 'm1.tiny', ram: 64, vcpus: 1, disk: 0 } });
    assert.equal(dupName.status, 409);
    assert.equal(dupName.json.conflictingRequest.message, 'Flavor with name m1.tiny already exists.');
    const dupId = await h.call('POST', '/v2.1/flavors', ADMIN, { flavor: { name: 'other', id: '1', ram: 64, vcpus: 1, disk: 0 } });
    assert.equal(dupId.status, 409);
    assert.equal(dupId.json.conflictingRequest.message, 'Flavor with ID 1 already exists.');
  });

  test('delete is 202; the flavor leaves the list but stays showable; deleting again is 404', async () => {
    await h.call('POST', '/v2.1/flavors', ADMIN, { flavor: { name: 'doomed', id: 'doomed-1', ram: 64, vcpus: 1, disk: 0 } });
    const del = await h.call('DELETE', '/v2.1/flavors/doomed-1', ADMIN);
    assert.equal(del.status, 202);
    assert.equal(del.text, '');
    assert.ok(!names((await h.call('GET', '/v2.1/flavors', ADMIN)).json).includes('doomed'));
    const show = await h.call('GET', '/v2.1/flavors/doomed-1', ADMIN);
    assert.equal(show.status, 200);
    assert.equal(show.json.flavor.name, 'doomed');
    assert.equal((await h.call('DELETE', '/v2.1/flavors/doomed-1', ADMIN)).status, 404);
    const again = await h.call('POST', '/v2.1/flavors', ADMIN, { flavor: { name: 'doomed', id: 'doomed-1', ram: 64, vcpus: 1, disk: 0 } });
    assert.equal(again.status, 200, 'name and id of a deleted flavor are free again');
  });
});

describe('private flavors and os-flavor-access', () => {
  before(async () => {
    const r = await h.call('POST', '/v2.1/flavors', ADMIN, {
      flavor: { name: 'secret', id: 'secret-1', ram: 128, vcpus: 1, disk: 1, 'os-flavor-access:is_public': false },
    });
    assert.equal(r.status, 200);
    assert.equal(r.json.flavor['os-flavor-access:is_public'], false);
  });

  test('a project without access neither lists nor shows a private flavor', async () => {
    assert.ok(!names((await h.call('GET', '/v2.1/flavors/detail', ALICE)).json).includes('secret'));
    assert.equal((await h.call('GET', '/v2.1/flavors/secret-1', ALICE)).status, 404);
  });

  test('admin sees private flavors with is_public=false or none, not by default', async () => {
    assert.ok(!names((await h.call('GET', '/v2.1/flavors', ADMIN)).json).includes('secret'));
    for (const v of ['f', 'false', 'no', '0']) {
      const r = await h.call('GET', `/v2.1/flavors?is_public=${v}`, ADMIN);
      assert.ok(names(r.json).includes('secret'), `is_public=${v}`);
      assert.ok(!names(r.json).includes('m1.tiny'), `is_public=${v} lists only private flavors`);
    }
    const all = await h.call('GET', '/v2.1/flavors?is_public=None', ADMIN);
    assert.ok(names(all.json).includes('secret') && names(all.json).includes('m1.tiny'));
    assert.equal((await h.call('GET', '/v2.1/flavors?is_public=perhaps', ADMIN)).status, 400);
  });

  test('a member cannot widen the listing with is_public', async () => {
    const r = await h.call('GET', '/v2.1/flavors?is_public=none', ALICE);
    assert.ok(!names(r.json).includes('secret'));
  });

  test('addTenantAccess shares it with one project only; removeTenantAccess takes it back', async () => {
    const add = await h.call('POST', '/v2.1/flavors/secret-1/action', ADMIN, { addTenantAccess: { tenant: 'proj-a' } });
    assert.equal(add.status, 200);
    assert.deepEqual(add.json, { flavor_access: [{ flavor_id: 'secret-1', tenant_id: 'proj-a' }] });
    assert.ok(names((await h.call('GET', '/v2.1/flavors/detail', ALICE)).json).includes('secret'));
    assert.equal((await h.call('GET', '/v2.1/flavors/secret-1', ALICE)).status, 200);
    assert.ok(!names((await h.call('GET', '/v2.1/flavors/detail', BOB)).json).includes('secret'));

    const list = await h.call('GET', '/v2.1/flavors/secret-1/os-flavor-access', ADMIN);
    assert.deepEqual(list.json, { flavor_access: [{ flavor_id: 'secret-1', tenant_id: 'proj-a' }] });

    const dup = await h.call('POST', '/v2.1/flavors/secret-1/action', ADMIN, { addTenantAccess: { tenant: 'proj-a' } });
    assert.equal(dup.status, 409);

    const remove = await h.call('POST', '/v2.1/flavors/secret-1/action', ADMIN, { removeTenantAccess: { tenant: 'proj-a' } });
    assert.equal(remove.status, 200);
    assert.deepEqual(remove.json, { flavor_access: [] });
    assert.equal((await h.call('GET', '/v2.1/flavors/secret-1', ALICE)).status, 404);
    const gone = await h.call('POST', '/v2.1/flavors/secret-1/action', ADMIN, { removeTenantAccess: { tenant: 'proj-a' } });
    assert.equal(gone.status, 404);
  });

  test('members may not grant or revoke access (403)', async () => {
    assert.equal((await h.call('POST', '/v2.1/flavors/secret-1/action', ALICE, { addTenantAccess: { tenant: 'proj-a' } })).status, 403);
    assert.equal((await h.call('POST', '/v2.1/flavors/secret-1/action', ALICE, { removeTenantAccess: { tenant: 'proj-a' } })).status, 403);
  });

  test('access of a public flavor is 404 with Nova message; unknown flavor 404; bad body 400', async () => {
    const r = await h.call('GET', '/v2.1/flavors/1/os-flavor-access', ADMIN);
    assert.equal(r.status, 404);
    assert.equal(r.json.itemNotFound.message, 'Access list not available for public flavors.');
    assert.equal((await h.call('GET', '/v2.1/flavors/nope/os-flavor-access', ADMIN)).status, 404);
    assert.equal((await h.call('POST', '/v2.1/flavors/nope/action', ADMIN, { addTenantAccess: { tenant: 'x' } })).status, 404);
    assert.equal((await h.call('POST', '/v2.1/flavors/secret-1/action', ADMIN, { addTenantAccess: {} })).status, 400);
    assert.equal((await h.call('POST', '/v2.1/flavors/secret-1/action', ADMIN, { frobnicate: {} })).status, 400);
  });
});

describe('flavor extra specs', () => {
  test('admin sets, reads, updates and unsets extra specs; members read them', async () => {
    const set = await h.call('POST', '/v2.1/flavors/2/os-extra_specs', ADMIN, { extra_specs: { key1: 'value1', 'hw:cpu': 'dedicated' } });
    assert.equal(set.status, 200);
    assert.deepEqual(set.json, { extra_specs: { key1: 'value1', 'hw:cpu': 'dedicated' } });
    assert.deepEqual((await h.call('GET', '/v2.1/flavors/2/os-extra_specs', ALICE)).json, {
      extra_specs: { key1: 'value1', 'hw:cpu': 'dedicated' },
    });
    const put = await h.call('PUT', '/v2.1/flavors/2/os-extra_specs/key1', ADMIN, { key1: 'value2' });
    assert.equal(put.status, 200);
    assert.deepEqual(put.json, { key1: 'value2' });
    assert.deepEqual((await h.call('GET', '/v2.1/flavors/2/os-extra_specs/key1', ALICE)).json, { key1: 'value2' });
    const del = await h.call('DELETE', '/v2.1/flavors/2/os-extra_specs/key1', ADMIN);
    assert.equal(del.status, 200);
    assert.equal(del.text, '');
    assert.equal((await h.call('GET', '/v2.1/flavors/2/os-extra_specs/key1', ALICE)).status, 404);
    assert.deepEqual((await h.call('GET', '/v2.1/flavors/2/os-extra_specs', ALICE)).json, { extra_specs: { 'hw:cpu': 'dedicated' } });
  });

  test('numbers are accepted and stored as text', async () => {
    await h.call('POST', '/v2.1/flavors/3/os-extra_specs', ADMIN, { extra_specs: { count: 4 } });
    assert.deepEqual((await h.call('GET', '/v2.1/flavors/3/os-extra_specs/count', ADMIN)).json, { count: '4' });
  });

  test('members may not write extra specs (403)', async () => {
    assert.equal((await h.call('POST', '/v2.1/flavors/2/os-extra_specs', ALICE, { extra_specs: { a: 'b' } })).status, 403);
    assert.equal((await h.call('PUT', '/v2.1/flavors/2/os-extra_specs/a', ALICE, { a: 'b' })).status, 403);
    assert.equal((await h.call('DELETE', '/v2.1/flavors/2/os-extra_specs/hw:cpu', ALICE)).status, 403);
  });

  test('mismatched or oversized update bodies are 400; unknown flavor or key is 404', async () => {
    assert.equal((await h.call('PUT', '/v2.1/flavors/2/os-extra_specs/a', ADMIN, { b: 'c' })).status, 400);
    assert.equal((await h.call('PUT', '/v2.1/flavors/2/os-extra_specs/a', ADMIN, { a: 'b', c: 'd' })).status, 400);
    assert.equal((await h.call('POST', '/v2.1/flavors/2/os-extra_specs', ADMIN, {})).status, 400);
    assert.equal((await h.call('POST', '/v2.1/flavors/2/os-extra_specs', ADMIN, { extra_specs: { 'bad/key': 'x' } })).status, 400);
    assert.equal((await h.call('GET', '/v2.1/flavors/nope/os-extra_specs', ADMIN)).status, 404);
    assert.equal((await h.call('POST', '/v2.1/flavors/nope/os-extra_specs', ADMIN, { extra_specs: { a: 'b' } })).status, 404);
    assert.equal((await h.call('DELETE', '/v2.1/flavors/2/os-extra_specs/missing', ADMIN)).status, 404);
  });
});
