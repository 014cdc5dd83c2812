import assert from 'node:assert/strict';
import {
  blockDeviceMappingCreate,
  blockDeviceMappingDestroyByInstance,
  blockDeviceMappingGetAllByInstance,
  blockDeviceMappingsForInstances,
} from '../../../src/db/api/block-device-mappings.js';
import { forEachEngine } from './engines.js';
import { insertInstance } from './rows.js';

forEachEngine('block-device-mappings DB API', async (t, { db }) => {
  await t.test('blockDeviceMappingCreate keeps the mapping and defaults delete_on_termination to false', async () => {
    const uuid = await insertInstance(db);
    const root = await blockDeviceMappingCreate(db, null, uuid, { device_name: '/dev/vda', volume_id: 'vol-1', volume_size: 10 });
    assert.equal(root.instance_uuid, uuid);
    assert.equal(root.device_name, '/dev/vda');
    assert.equal(root.volume_size, 10);
    assert.equal(root.delete_on_termination, false);
    const swap = await blockDeviceMappingCreate(db, null, uuid, {
      device_name: '/dev/vdb',
      virtual_name: 'swap',
      delete_on_termination: true,
    });
    assert.equal(swap.delete_on_termination, true);
    assert.deepEqual(
      (await blockDeviceMappingGetAllByInstance(db, null, uuid)).map((b) => b.device_name),
      ['/dev/vda', '/dev/vdb'],
    );
  });

  await t.test('a mapping needs an existing instance', async () => {
    await assert.rejects(blockDeviceMappingCreate(db, null, '00000000-0000-4000-8000-000000000000', { device_name: '/dev/vda' }));
  });

  await t.test('mappings of many instances at once, and soft delete per instance', async () => {
    const a = await insertInstance(db);
    const b = await insertInstance(db);
    const none = await insertInstance(db);
    await blockDeviceMappingCreate(db, null, a, { device_name: '/dev/vda' });
    await blockDeviceMappingCreate(db, null, a, { device_name: '/dev/vdb' });
    await blockDeviceMappingCreate(db, null, b, { device_name: '/dev/vda' });
    const byUuid = await blockDeviceMappingsForInstances(db, [a, b, none]);
    assert.equal(byUuid.get(a)?.length, 2);
    assert.equal(byUuid.get(b)?.length, 1);
    assert.deepEqual(byUuid.get(none), []);

    assert.equal(await blockDeviceMappingDestroyByInstance(db, null, a), 2);
    assert.equal(await blockDeviceMappingDestroyByInstance(db, null, a), 0);
    assert.deepEqual(await blockDeviceMappingGetAllByInstance(db, null, a), []);
    assert.equal((await blockDeviceMappingGetAllByInstance(db, null, b)).length, 1, 'other instances keep theirs');
    const rows = await db.kysely
      .selectFrom('block_device_mapping')
      .select(['id', 'deleted', 'deleted_at'])
      .where('instance_uuid', '=', a)
      .execute();
    assert.ok(
      rows.every((r) => r.deleted === r.id && r.deleted_at instanceof Date),
      'soft delete marks deleted with the row id',
    );
  });
});
