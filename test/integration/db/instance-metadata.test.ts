import assert from 'node:assert/strict';
import {
  instanceMetadataDelete,
  instanceMetadataGet,
  instanceMetadataUpdate,
  instanceSystemMetadataGet,
  instanceSystemMetadataUpdate,
  metadataGetForInstances,
  metadataInsertAll,
} from '../../../src/db/api/instance-metadata.js';
import { forEachEngine } from './engines.js';
import { insertInstance } from './rows.js';

forEachEngine('instance-metadata DB API', async (t, { db }) => {
  const uuid = await insertInstance(db);

  await t.test('an update merges keys; with deleteOthers the result is exactly what was given', async () => {
    assert.deepEqual(await instanceMetadataUpdate(db, null, uuid, { role: 'web', tier: 'front' }, false), { role: 'web', tier: 'front' });
    assert.deepEqual(await instanceMetadataUpdate(db, null, uuid, { role: 'db' }, false), { role: 'db', tier: 'front' });
    assert.deepEqual(await instanceMetadataUpdate(db, null, uuid, { owner: 'ops' }, true), { owner: 'ops' });
    assert.deepEqual(await instanceMetadataGet(db, null, uuid), { owner: 'ops' });
  });

  await t.test('replaced keys are soft-deleted rows, and a changed value updates its row in place', async () => {
    const rows = await db.kysely
      .selectFrom('instance_metadata')
      .select(['key', 'value', 'deleted'])
      .where('instance_uuid', '=', uuid)
      .execute();
    const live = rows.filter((r) => r.deleted === 0);
    assert.deepEqual(
      live.map((r) => r.key),
      ['owner'],
    );
    assert.equal(rows.filter((r) => r.key === 'role').length, 1, 'role was updated, not inserted twice');
    assert.ok(rows.filter((r) => r.key !== 'owner').every((r) => r.deleted !== 0));
  });

  await t.test('instanceMetadataDelete removes one key and says whether it was there', async () => {
    assert.equal(await instanceMetadataDelete(db, null, uuid, 'owner'), true);
    assert.equal(await instanceMetadataDelete(db, null, uuid, 'owner'), false);
    assert.deepEqual(await instanceMetadataGet(db, null, uuid), {});
    assert.deepEqual(
      await instanceMetadataUpdate(db, null, uuid, { owner: 'dev' }, false),
      { owner: 'dev' },
      'a deleted key can be set again',
    );
  });

  await t.test('system metadata is its own table and keeps NULL values', async () => {
    await instanceSystemMetadataUpdate(db, null, uuid, { instance_type_name: 'm1.tiny', instance_type_swap: null }, false);
    assert.deepEqual(await instanceSystemMetadataGet(db, null, uuid), { instance_type_name: 'm1.tiny', instance_type_swap: null });
    assert.deepEqual(await instanceMetadataGet(db, null, uuid), { owner: 'dev' });
  });

  await t.test('metadata of many instances at once: every uuid present, user values never NULL', async () => {
    const other = await insertInstance(db);
    const empty = await insertInstance(db);
    await metadataInsertAll(db, 'instance_metadata', other, { a: '1', b: '' });
    const all = await metadataGetForInstances(db, 'instance_metadata', [uuid, other, empty]);
    assert.deepEqual(all.get(other), { a: '1', b: '' });
    assert.deepEqual(all.get(empty), {});
    assert.deepEqual(all.get(uuid), { owner: 'dev' });
    await metadataInsertAll(db, 'instance_metadata', empty, {});
    assert.deepEqual(await instanceMetadataGet(db, null, empty), {});
  });
});
