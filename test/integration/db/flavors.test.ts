import assert from 'node:assert/strict';
import { AdminRequired, FlavorExists, FlavorNotFound, MarkerNotFound } from '../../../src/common/errors.js';
import { RequestContext } from '../../../src/context/context.js';
import type { Db } from '../../../src/db/api/common.js';
import {
  FlavorAccessExists,
  FlavorAccessNotFound,
  FlavorExtraSpecsNotFound,
  FlavorIdExists,
  type FlavorValues,
  flavorAccessAdd,
  flavorAccessGetByFlavorId,
  flavorAccessRemove,
  flavorCreate,
  flavorDestroy,
  flavorExtraSpecsDelete,
  flavorExtraSpecsGet,
  flavorExtraSpecsUpdateOrCreate,
  flavorGet,
  flavorGetAll,
  flavorGetByFlavorId,
  flavorGetByName,
  flavorTableIsEmpty,
} from '../../../src/db/api/flavors.js';
import { forEachEngine } from './engines.js';

const member = new RequestContext({ userId: 'u1', projectId: 'p1', roles: ['member'] });
const other = new RequestContext({ userId: 'u2', projectId: 'p2', roles: ['member'] });

function flavor(name: string, flavorid: string, over: Partial<FlavorValues> = {}): FlavorValues {
  return { name, flavorid, memory_mb: 512, vcpus: 1, root_gb: 1, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: true, ...over };
}

const ids = (rows: { flavorid: string | null }[]) => rows.map((r) => r.flavorid);

async function seed(db: Db): Promise<void> {
  await flavorCreate(db, null, flavor('small', '1', { memory_mb: 512, root_gb: 1 }));
  await flavorCreate(db, null, flavor('medium', '2', { memory_mb: 2048, root_gb: 20, extra_specs: { 'hw:cpu_policy': 'shared' } }));
  await flavorCreate(db, null, flavor('large', '3', { memory_mb: 8192, root_gb: 80 }));
  await flavorCreate(db, null, flavor('private', '10', { is_public: false, memory_mb: 4096 }));
  await flavorCreate(db, null, flavor('retired', '11', { disabled: true }));
}

forEachEngine('flavors DB API', async (t, { db }) => {
  await t.test('flavorTableIsEmpty is true on a new database and false once a flavor exists', async () => {
    assert.equal(await flavorTableIsEmpty(db), true);
    await seed(db);
    assert.equal(await flavorTableIsEmpty(db), false);
  });

  await t.test('flavorCreate stores the columns and extra specs, and refuses a live name or flavorid twice', async () => {
    const medium = await flavorGetByFlavorId(db, null, '2');
    assert.equal(medium.name, 'medium');
    assert.equal(medium.memory_mb, 2048);
    assert.equal(medium.is_public, true);
    assert.equal(medium.disabled, false);
    assert.deepEqual(medium.extra_specs, { 'hw:cpu_policy': 'shared' });
    assert.equal((await flavorGet(db, null, medium.id)).flavorid, '2');
    assert.equal((await flavorGetByName(db, null, 'medium')).id, medium.id);
    await assert.rejects(flavorCreate(db, null, flavor('medium', '99')), FlavorExists);
    await assert.rejects(flavorCreate(db, null, flavor('medium-2', '2')), FlavorIdExists);
    await assert.rejects(flavorCreate(db, member, flavor('mine', '98')), AdminRequired);
    await assert.rejects(flavorGetByName(db, null, 'nope'), FlavorNotFound);
  });

  await t.test('flavorGetAll filters by RAM, disk, disabled and visibility, and sorts', async () => {
    assert.deepEqual(ids(await flavorGetAll(db, null)), ['1', '10', '11', '2', '3'], 'flavorid is compared as text');
    assert.deepEqual(ids(await flavorGetAll(db, null, { filters: { minMemoryMb: 2048 } })), ['10', '2', '3']);
    assert.deepEqual(ids(await flavorGetAll(db, null, { filters: { minRootGb: 20 } })), ['2', '3']);
    assert.deepEqual(ids(await flavorGetAll(db, null, { filters: { disabled: true } })), ['11']);
    assert.deepEqual(ids(await flavorGetAll(db, null, { filters: { isPublic: false } })), ['10']);
    assert.deepEqual(ids(await flavorGetAll(db, null, { sortKey: 'memory_mb', sortDir: 'desc' })), ['3', '10', '2', '11', '1']);
  });

  await t.test('flavorGetAll pages after a marker and refuses an unknown one', async () => {
    const page = await flavorGetAll(db, null, { sortKey: 'memory_mb', sortDir: 'asc', marker: '1', limit: 2 });
    assert.deepEqual(ids(page), ['11', '2'], 'equal memory_mb values are ordered by id after the marker');
    await assert.rejects(flavorGetAll(db, null, { marker: 'no-such-flavor' }), MarkerNotFound);
  });

  await t.test('a user sees public enabled flavors and the private ones shared with the project', async () => {
    assert.deepEqual(ids(await flavorGetAll(db, member)), ['1', '2', '3']);
    await assert.rejects(flavorGetByFlavorId(db, member, '10'), FlavorNotFound);
    await flavorAccessAdd(db, null, '10', 'p1');
    assert.deepEqual(ids(await flavorGetAll(db, member)), ['1', '10', '2', '3']);
    assert.equal((await flavorGetByFlavorId(db, member, '10')).name, 'private');
    await assert.rejects(flavorGetByFlavorId(db, other, '10'), FlavorNotFound);
  });

  await t.test('flavor access: listed per flavor, added once, removed once', async () => {
    await flavorAccessAdd(db, null, '10', 'p3');
    assert.deepEqual(await flavorAccessGetByFlavorId(db, null, '10'), [
      { flavor_id: '10', project_id: 'p1' },
      { flavor_id: '10', project_id: 'p3' },
    ]);
    await assert.rejects(flavorAccessAdd(db, null, '10', 'p1'), FlavorAccessExists);
    await flavorAccessRemove(db, null, '10', 'p3');
    await assert.rejects(flavorAccessRemove(db, null, '10', 'p3'), FlavorAccessNotFound);
    await flavorAccessAdd(db, null, '10', 'p3');
    assert.equal((await flavorAccessGetByFlavorId(db, null, '10')).length, 2, 'a removed grant can be given again');
    await assert.rejects(flavorAccessAdd(db, member, '10', 'p9'), AdminRequired);
  });

  await t.test('extra specs: update in place, add new keys, delete one key', async () => {
    await flavorExtraSpecsUpdateOrCreate(db, null, '2', { 'hw:cpu_policy': 'dedicated', 'quota:cpu_shares': '512' });
    assert.deepEqual(await flavorExtraSpecsGet(db, null, '2'), { 'hw:cpu_policy': 'dedicated', 'quota:cpu_shares': '512' });
    const rows = await db.kysely.selectFrom('instance_type_extra_specs').select('key').where('deleted', '=', 0).execute();
    assert.equal(rows.filter((r) => r.key === 'hw:cpu_policy').length, 1, 'an update does not add a row');
    await flavorExtraSpecsDelete(db, null, '2', 'quota:cpu_shares');
    assert.deepEqual(await flavorExtraSpecsGet(db, null, '2'), { 'hw:cpu_policy': 'dedicated' });
    await assert.rejects(flavorExtraSpecsDelete(db, null, '2', 'quota:cpu_shares'), FlavorExtraSpecsNotFound);
    await assert.rejects(flavorExtraSpecsUpdateOrCreate(db, member, '2', { a: 'b' }), AdminRequired);
  });

  await t.test('flavorDestroy soft-deletes: gone from lists, found with read_deleted, name and flavorid reusable', async () => {
    const before = await flavorGetByFlavorId(db, null, '3');
    await flavorDestroy(db, null, '3');
    await assert.rejects(flavorGetByFlavorId(db, null, '3'), FlavorNotFound);
    await assert.rejects(flavorDestroy(db, null, '3'), FlavorNotFound);
    assert.ok(!ids(await flavorGetAll(db, null)).includes('3'));
    assert.ok(ids(await flavorGetAll(db, null, { inactive: true })).includes('3'));
    assert.equal((await flavorGet(db, null, before.id)).name, 'large', 'instances keep reading a deleted flavor by id');

    const again = await flavorCreate(db, null, flavor('large', '3', { memory_mb: 16384 }));
    assert.notEqual(again.id, before.id);
    assert.equal((await flavorGetByFlavorId(db, null, '3', 'yes')).id, again.id, 'with read_deleted the live row wins');
    assert.equal((await flavorGetByFlavorId(db, null, '3', 'only')).id, before.id);
  });
});
