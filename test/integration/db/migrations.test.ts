import assert from 'node:assert/strict';
import { AdminRequired, MigrationNotFound } from '../../../src/common/errors.js';
import { adminContext, RequestContext } from '../../../src/context/context.js';
import {
  migrationCreate,
  migrationGet,
  migrationGetAllByFilters,
  migrationGetByInstanceAndStatus,
  migrationGetUnconfirmedByDestCompute,
  migrationUpdate,
} from '../../../src/db/api/migrations.js';
import { forEachEngine } from './engines.js';

const values = (instance_uuid: string, source_compute: string, dest_compute: string, status: string) => ({
  instance_uuid,
  source_compute,
  dest_compute,
  status,
  source_node: null,
  dest_node: null,
  dest_host: null,
  old_instance_type_id: 1,
  new_instance_type_id: 2,
});

forEachEngine('migrations DB API', async (t, { db }) => {
  await t.test('create, get, update; filters by either host and by status; admin only', async () => {
    const m1 = await migrationCreate(db, values('u1', 'h1', 'h2', 'migrating'));
    await migrationCreate(db, values('u2', 'h2', 'h3', 'confirmed'));
    assert.equal((await migrationGet(db, m1.id)).instance_uuid, 'u1');
    assert.equal((await migrationUpdate(db, m1.id, { status: 'finished' })).status, 'finished');
    await assert.rejects(migrationGet(db, 99999), MigrationNotFound);
    const admin = adminContext();
    assert.deepEqual(
      (await migrationGetAllByFilters(db, admin, { host: 'h2' })).map((m) => m.instance_uuid),
      ['u1', 'u2'],
    );
    assert.deepEqual(
      (await migrationGetAllByFilters(db, admin, { host: 'h2', status: 'finished' })).map((m) => m.instance_uuid),
      ['u1'],
    );
    await assert.rejects(migrationGetAllByFilters(db, new RequestContext({ userId: 'u', projectId: 'p', roles: [] }), {}), AdminRequired);
    assert.equal((await migrationGetByInstanceAndStatus(db, 'u1', 'finished'))?.id, m1.id);
    assert.equal(await migrationGetByInstanceAndStatus(db, 'u1', 'reverted'), null);
  });

  await t.test('unconfirmed: finished migrations to the host untouched for the window', async () => {
    const m = await migrationCreate(db, values('u3', 'h1', 'h9', 'finished'));
    const updated = await migrationUpdate(db, m.id, { status: 'finished' });
    const touched = updated.updated_at as Date;
    assert.deepEqual(await migrationGetUnconfirmedByDestCompute(db, 60, 'h9', new Date(touched.getTime() + 30_000)), []);
    assert.deepEqual(
      (await migrationGetUnconfirmedByDestCompute(db, 60, 'h9', new Date(touched.getTime() + 61_000))).map((x) => x.id),
      [m.id],
    );
  });
});
