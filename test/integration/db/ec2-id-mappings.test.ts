import assert from 'node:assert/strict';
import { ec2InstanceIdGetOrCreate, s3ImageIdGetOrCreate } from '../../../src/db/api/ec2-ids.js';
import { forEachEngine } from './engines.js';

const UUID_A = '11111111-1111-4111-8111-111111111111';
const UUID_B = '22222222-2222-4222-8222-222222222222';

forEachEngine('ec2 id mappings DB API', async (t, { db }) => {
  await t.test('an instance uuid gets one id on first sight and the same id afterwards', async () => {
    const first = await ec2InstanceIdGetOrCreate(db, UUID_A);
    assert.ok(Number.isInteger(first) && first > 0);
    assert.equal(await ec2InstanceIdGetOrCreate(db, UUID_A), first);
    assert.notEqual(await ec2InstanceIdGetOrCreate(db, UUID_B), first, 'another uuid gets another id');
  });

  await t.test('racing first uses of one image uuid all get the same id', async () => {
    const ids = await Promise.all([s3ImageIdGetOrCreate(db, UUID_B), s3ImageIdGetOrCreate(db, UUID_B), s3ImageIdGetOrCreate(db, UUID_B)]);
    assert.equal(new Set(ids).size, 1);
    assert.equal(await s3ImageIdGetOrCreate(db, UUID_B), ids[0]);
  });

  await t.test('image and instance ids are kept in separate tables', async () => {
    const image = await s3ImageIdGetOrCreate(db, UUID_A);
    const instance = await ec2InstanceIdGetOrCreate(db, UUID_A);
    assert.equal(await s3ImageIdGetOrCreate(db, UUID_A), image);
    assert.equal(await ec2InstanceIdGetOrCreate(db, UUID_A), instance);
  });
});
