import assert from 'node:assert/strict';
import { softDeleteWhere } from '../../../src/db/api/common.js';
import { instanceFaultCreate, instanceFaultGetByInstanceUuids } from '../../../src/db/api/instance-faults.js';
import { forEachEngine } from './engines.js';
import { insertInstance } from './rows.js';

forEachEngine('instance-faults DB API', async (t, { db }) => {
  await t.test('instanceFaultCreate keeps code, message, details and host, cutting the message to 255 characters', async () => {
    const uuid = await insertInstance(db);
    const fault = await instanceFaultCreate(db, null, {
      instance_uuid: uuid,
      code: 500,
      message: 'x'.repeat(300),
      details: 'Traceback …\n'.repeat(2000),
      host: 'cmp1',
    });
    assert.equal(fault.code, 500);
    assert.equal(fault.message?.length, 255);
    assert.equal(fault.details?.length, 'Traceback …\n'.length * 2000, 'details keep their full length');
    assert.equal(fault.host, 'cmp1');
    assert.ok(fault.created_at instanceof Date);
  });

  await t.test('faults come back per instance, newest first, each uuid present, soft-deleted ones left out', async () => {
    const a = await insertInstance(db);
    const b = await insertInstance(db);
    const none = await insertInstance(db);
    const first = await instanceFaultCreate(db, null, { instance_uuid: a, code: 500, message: 'first' });
    await instanceFaultCreate(db, null, { instance_uuid: a, code: 404, message: 'second' });
    await instanceFaultCreate(db, null, { instance_uuid: b, code: 409, message: 'other' });
    const byUuid = await instanceFaultGetByInstanceUuids(db, null, [a, b, none]);
    assert.deepEqual(
      byUuid.get(a)?.map((f) => f.message),
      ['second', 'first'],
    );
    assert.deepEqual(
      byUuid.get(b)?.map((f) => f.code),
      [409],
    );
    assert.deepEqual(byUuid.get(none), []);
    await softDeleteWhere(db, 'instance_faults', { id: first.id });
    assert.deepEqual(
      (await instanceFaultGetByInstanceUuids(db, null, [a])).get(a)?.map((f) => f.message),
      ['second'],
    );
  });

  await t.test('many instances at once are read in chunks without losing any', async () => {
    const uuids = await Promise.all(Array.from({ length: 520 }, () => insertInstance(db)));
    const last = uuids[uuids.length - 1] as string;
    await instanceFaultCreate(db, null, { instance_uuid: last, code: 500, message: 'in the second chunk' });
    const byUuid = await instanceFaultGetByInstanceUuids(db, null, uuids);
    assert.equal(byUuid.size, 520);
    assert.equal(byUuid.get(last)?.[0]?.message, 'in the second chunk');
  });
});
