import assert from 'node:assert/strict';
import { AdminRequired, MigrationNotFound } from '../../../src/common/errors.js';
import { RequestContext } from '../../../src/context/context.js';
import { softDeleteWhere } from '../../../src/db/api/common.js';
import {
  migrationCreate,
  migrationGet,
  migrationGetAllByFilters,
  migrationGetByInstanceAndStatus,
  migrationGetUnconfirmedByDestCompute,
  migrationUpdate,
} from '../../../src/db/api/migrations.js';
import { forEachEngine } from './engines.js';
import { insertInstance } from './rows.js';

const move = (instance_uuid: string, source: string, dest: string, status = 'migrating') => ({
  instance_uuid,
  source_compute: source,
  source_node: `${source}-node`,
  dest_compute: dest,
  dest_node: `${dest}-node`,
  dest_host: '192.168.0.20',
  old_instance_type_id: 1,
  new_instance_type_id: 2,
  status,
});

forEachEngine('migrations DB API', async (t, { db }) => {
  const inst = await insertInstance(db);
  const other = await insertInstance(db);
  const aToB = await migrationCreate(db, move(inst, 'cmpA', 'cmpB'));
  const bToC = await migrationCreate(db, move(other, 'cmpB', 'cmpC', 'finished'));
  const cToD = await migrationCreate(db, move(other, 'cmpC', 'cmpD', 'error'));

  await t.test('migrationCreate returns the live row with every value and a creation time', () => {
    assert.deepEqual(
      [aToB.instance_uuid, aToB.source_compute, aToB.source_node, aToB.dest_compute, aToB.dest_node, aToB.dest_host],
      [inst, 'cmpA', 'cmpA-node', 'cmpB', 'cmpB-node', '192.168.0.20'],
    );
    assert.deepEqual([aToB.old_instance_type_id, aToB.new_instance_type_id, aToB.status, aToB.deleted], [1, 2, 'migrating', 0]);
    assert.ok(aToB.created_at instanceof Date);
    assert.equal(aToB.updated_at, null);
  });

  await t.test('migrationGet finds a live migration and raises MigrationNotFound otherwise', async () => {
    assert.equal((await migrationGet(db, bToC.id)).dest_compute, 'cmpC');
    await assert.rejects(migrationGet(db, 999999), MigrationNotFound);
  });

  await t.test('migrationUpdate changes only the given values and stamps updated_at; unknown ids are MigrationNotFound', async () => {
    const updated = await migrationUpdate(db, aToB.id, { status: 'post-migrating' });
    assert.deepEqual([updated.status, updated.dest_compute, updated.source_compute], ['post-migrating', 'cmpB', 'cmpA']);
    assert.ok(updated.updated_at instanceof Date);
    await assert.rejects(migrationUpdate(db, 999999, { status: 'x' }), MigrationNotFound);
  });

  await t.test('migrationGetAllByFilters matches a host at either end, status and source, in id order', async () => {
    const ids = async (f: Parameters<typeof migrationGetAllByFilters>[2]) => (await migrationGetAllByFilters(db, null, f)).map((m) => m.id);
    assert.deepEqual(await ids({}), [aToB.id, bToC.id, cToD.id]);
    assert.deepEqual(await ids({ host: 'cmpB' }), [aToB.id, bToC.id]);
    assert.deepEqual(await ids({ host: 'cmpC' }), [bToC.id, cToD.id]);
    assert.deepEqual(await ids({ status: 'finished' }), [bToC.id]);
    assert.deepEqual(await ids({ source_compute: 'cmpC' }), [cToD.id]);
    assert.deepEqual(await ids({ host: 'cmpB', status: 'error' }), []);
    const user = new RequestContext({ userId: 'u', projectId: 'p' });
    await assert.rejects(migrationGetAllByFilters(db, user, {}), AdminRequired);
  });

  await t.test('migrationGetByInstanceAndStatus returns the newest matching migration, or null', async () => {
    const second = await migrationCreate(db, move(other, 'cmpD', 'cmpE', 'finished'));
    assert.equal((await migrationGetByInstanceAndStatus(db, other, 'finished'))?.id, second.id);
    assert.equal((await migrationGetByInstanceAndStatus(db, other, 'error'))?.id, cToD.id);
    assert.equal(await migrationGetByInstanceAndStatus(db, inst, 'finished'), null);
    await softDeleteWhere(db, 'migrations', { id: second.id });
    assert.equal((await migrationGetByInstanceAndStatus(db, other, 'finished'))?.id, bToC.id);
  });

  await t.test('a soft-deleted migration is invisible to reads, listings and updates', async () => {
    await softDeleteWhere(db, 'migrations', { id: cToD.id });
    await assert.rejects(migrationGet(db, cToD.id), MigrationNotFound);
    await assert.rejects(migrationUpdate(db, cToD.id, { status: 'reverted' }), MigrationNotFound);
    assert.deepEqual(
      (await migrationGetAllByFilters(db, null, { host: 'cmpC' })).map((m) => m.id),
      [bToC.id],
    );
  });

  await t.test(
    'migrationGetUnconfirmedByDestCompute returns finished resizes on the host untouched for the window, deleted or not',
    async () => {
      const at = new Date(Date.UTC(2013, 3, 4, 12, 0, 0));
      const stale = await migrationCreate(db, move(inst, 'cmpA', 'cmpZ', 'finished'));
      const fresh = await migrationCreate(db, move(inst, 'cmpA', 'cmpZ', 'finished'));
      const running = await migrationCreate(db, move(inst, 'cmpA', 'cmpZ', 'migrating'));
      const elsewhere = await migrationCreate(db, move(inst, 'cmpA', 'cmpY', 'finished'));
      const never = await migrationCreate(db, move(inst, 'cmpA', 'cmpZ', 'finished'));
      const touch = (id: number, updated_at: Date) =>
        db.kysely.updateTable('migrations').set({ updated_at }).where('id', '=', id).execute();
      await touch(stale.id, new Date(at.getTime() - 3600_000));
      await touch(fresh.id, new Date(at.getTime() - 60_000));
      await touch(running.id, new Date(at.getTime() - 3600_000));
      await touch(elsewhere.id, new Date(at.getTime() - 3600_000));
      assert.deepEqual(
        (await migrationGetUnconfirmedByDestCompute(db, 600, 'cmpZ', at)).map((m) => m.id),
        [stale.id],
      );
      assert.deepEqual(
        (await migrationGetUnconfirmedByDestCompute(db, 30, 'cmpZ', at)).map((m) => m.id),
        [stale.id, fresh.id],
      );
      assert.ok(!(await migrationGetUnconfirmedByDestCompute(db, 0, 'cmpZ', at)).some((m) => m.id === never.id));
      // Nova reads this with read_deleted="yes" (nova/db/sqlalchemy/api.py), so a deleted row still counts.
      await softDeleteWhere(db, 'migrations', { id: stale.id });
      assert.deepEqual(
        (await migrationGetUnconfirmedByDestCompute(db, 600, 'cmpZ', at)).map((m) => m.id),
        [stale.id],
      );
    },
  );
});
