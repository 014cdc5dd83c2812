import assert from 'node:assert/strict';
import { ec2IdGetOrCreate, ec2IdsGetOrCreate, ec2IdToUuid } from '../../../src/db/api/ec2-id-mappings.js';
import { forEachEngine } from './engines.js';

const UUID_A = '11111111-1111-4111-8111-111111111111';
const UUID_B = '22222222-2222-4222-8222-222222222222';
const UUID_C = '33333333-3333-4333-8333-333333333333';

forEachEngine('ec2 id mappings DB API', async (t, { db }) => {
  await t.test('an instance uuid gets one id on first sight and the same id afterwards', async () => {
    const first = await ec2IdGetOrCreate(db, 'instance_id_mappings', UUID_A);
    assert.ok(Number.isInteger(first) && first > 0);
    assert.equal(await ec2IdGetOrCreate(db, 'instance_id_mappings', UUID_A), first);
    assert.notEqual(await ec2IdGetOrCreate(db, 'instance_id_mappings', UUID_B), first, 'another uuid gets another id');
    assert.equal(await ec2IdToUuid(db, 'instance_id_mappings', first), UUID_A);
  });

  await t.test('racing first sights of one image uuid, alone and in batches, all get the same id and leave one row', async () => {
    const results = await Promise.all([
      ec2IdGetOrCreate(db, 's3_images', UUID_B),
      ec2IdsGetOrCreate(db, 's3_images', [UUID_C, UUID_B]).then((m) => m.get(UUID_B) as number),
      ec2IdGetOrCreate(db, 's3_images', UUID_B),
      ec2IdsGetOrCreate(db, 's3_images', [UUID_B, UUID_B]).then((m) => m.get(UUID_B) as number),
    ]);
    assert.equal(new Set(results).size, 1);
    const rows = await db.kysely.selectFrom('s3_images').select('id').where('uuid', '=', UUID_B).execute();
    assert.deepEqual(
      rows.map((r) => r.id),
      [results[0]],
    );
  });

  await t.test('a batch answers every uuid, known and new', async () => {
    const known = await ec2IdGetOrCreate(db, 'volume_id_mappings', UUID_A);
    const ids = await ec2IdsGetOrCreate(db, 'volume_id_mappings', [UUID_A, UUID_C]);
    assert.equal(ids.get(UUID_A), known);
    assert.ok((ids.get(UUID_C) ?? 0) > 0 && ids.get(UUID_C) !== known);
    assert.deepEqual(await ec2IdsGetOrCreate(db, 'volume_id_mappings', []), new Map());
  });

  await t.test('each kind has its own table; an id never given out maps to no uuid', async () => {
    const image = await ec2IdGetOrCreate(db, 's3_images', UUID_A);
    const snapshot = await ec2IdGetOrCreate(db, 'snapshot_id_mappings', UUID_A);
    assert.equal(await ec2IdToUuid(db, 's3_images', image), UUID_A);
    assert.equal(await ec2IdToUuid(db, 'snapshot_id_mappings', snapshot), UUID_A);
    assert.equal(await ec2IdToUuid(db, 'snapshot_id_mappings', 987_654), null);
  });
});
