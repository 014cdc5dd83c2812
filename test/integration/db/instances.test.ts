import assert from 'node:assert/strict';
import { ConstraintNotMet, InstanceNotFound, MarkerNotFound, UnexpectedTaskStateError } from '../../../src/common/errors.js';
import { RequestContext } from '../../../src/context/context.js';
import type { Db } from '../../../src/db/api/common.js';
import { instanceMetadataGet } from '../../../src/db/api/instance-metadata.js';
import {
  instanceCreate,
  instanceDestroy,
  instanceGetAllByFilters,
  instanceGetByUuid,
  instanceUpdate,
  instanceUpdateAndGetOriginal,
} from '../../../src/db/api/instances.js';
import { forEachEngine } from './engines.js';

const alice = new RequestContext({ userId: 'alice', projectId: 'p1' });
const bob = new RequestContext({ userId: 'bob', projectId: 'p2' });
const admin = new RequestContext({ userId: 'admin', projectId: 'adm', isAdmin: true, roles: ['admin'] });

async function make(db: Db, ctx: RequestContext, name: string, extra: Record<string, unknown> = {}) {
  return instanceCreate(db, ctx, {
    user_id: ctx.userId,
    project_id: ctx.projectId,
    display_name: name,
    hostname: name,
    vm_state: 'building',
    task_state: 'scheduling',
    power_state: 0,
    memory_mb: 512,
    vcpus: 1,
    instance_type_id: 1,
    image_ref: 'img-1',
    security_groups: ['default'],
    ...extra,
  } as Parameters<typeof instanceCreate>[2]);
}

const names = (rows: { display_name: string | null }[]) => rows.map((r) => r.display_name);

forEachEngine('instances DB API', async (t, { db }) => {
  // Created a second apart, in this order: the default sort is newest first.
  const second = (n: number) => new Date(Date.UTC(2013, 3, 4, 12, 0, n));
  const a1 = await make(db, alice, 'web-1', { metadata: { role: 'web' }, host: 'h1', created_at: second(1) });
  const a2 = await make(db, alice, 'web-2', { metadata: { role: 'db' }, created_at: second(2) });
  const a3 = await make(db, alice, 'db-1', { vm_state: 'active', task_state: null, created_at: second(3) });
  const b1 = await make(db, bob, 'web-9', { created_at: second(3) });

  await t.test('instanceCreate writes metadata, default security group, info cache and EC2 id mapping', async () => {
    assert.deepEqual(a1.metadata, { role: 'web' });
    assert.deepEqual(
      a1.security_groups.map((g) => g.name),
      ['default'],
    );
    assert.equal(a1.info_cache?.network_info, '[]');
    const mapping = await db.kysely
      .selectFrom('instance_id_mappings')
      .select('id')
      .where('uuid', '=', a1.uuid as string)
      .executeTakeFirst();
    assert.ok(mapping);
    assert.equal(a1.security_groups[0]?.id, a2.security_groups[0]?.id, 'one default group per project');
  });

  await t.test("instanceGetByUuid hides another project's instance from a user", async () => {
    await assert.rejects(instanceGetByUuid(db, bob, a1.uuid as string), InstanceNotFound);
    assert.equal((await instanceGetByUuid(db, admin, a1.uuid as string)).uuid, a1.uuid);
    await assert.rejects(instanceGetByUuid(db, admin, 'not-a-uuid'), InstanceNotFound);
  });

  await t.test('filters: regex on columns, exact matches, lists, metadata, project scoping', async () => {
    assert.deepEqual(names(await instanceGetAllByFilters(db, alice, { display_name: '^web' }, { sortDirs: ['asc'] })), ['web-1', 'web-2']);
    assert.deepEqual(names(await instanceGetAllByFilters(db, alice, { display_name: '-1' }, { sortDirs: ['asc'] })), ['web-1', 'db-1']);
    assert.deepEqual(names(await instanceGetAllByFilters(db, alice, { vm_state: ['active'] })), ['db-1']);
    assert.deepEqual(names(await instanceGetAllByFilters(db, alice, { task_state: null })), ['db-1']);
    assert.deepEqual(names(await instanceGetAllByFilters(db, alice, { host: 'h1' })), ['web-1']);
    assert.deepEqual(names(await instanceGetAllByFilters(db, alice, { metadata: { role: 'db' } })), ['web-2']);
    assert.deepEqual(names(await instanceGetAllByFilters(db, alice, { uuid: [] })), []);
    assert.deepEqual(names(await instanceGetAllByFilters(db, bob, {})), ['web-9']);
    assert.equal((await instanceGetAllByFilters(db, admin, { display_name: '^web' })).length, 3);
    assert.deepEqual(names(await instanceGetAllByFilters(db, admin, { project_id: 'p2' })), ['web-9']);
    assert.deepEqual(names(await instanceGetAllByFilters(db, alice, { no_such_column: 'x' }, { sortDirs: ['asc'] })), [
      'web-1',
      'web-2',
      'db-1',
    ]);
  });

  await t.test('changes-since keeps rows touched at or after the time', async () => {
    const future = new Date(Date.now() + 3600_000);
    assert.deepEqual(await instanceGetAllByFilters(db, alice, { 'changes-since': future }), []);
    assert.equal((await instanceGetAllByFilters(db, alice, { 'changes-since': new Date(0) })).length, 3);
  });

  await t.test('sorts by the given keys with created_at and id as tie-breakers, pages after the marker', async () => {
    const all = await instanceGetAllByFilters(db, alice, {}, { sortKeys: ['display_name'], sortDirs: ['asc'] });
    assert.deepEqual(names(all), ['db-1', 'web-1', 'web-2']);
    const page = await instanceGetAllByFilters(db, alice, {}, { sortKeys: ['display_name'], sortDirs: ['asc'], marker: a3.uuid, limit: 1 });
    assert.deepEqual(names(page), ['web-1']);
    const newestFirst = await instanceGetAllByFilters(db, alice, {}, { marker: a3.uuid });
    assert.deepEqual(names(newestFirst), ['web-2', 'web-1']);
    await assert.rejects(instanceGetAllByFilters(db, alice, {}, { marker: '00000000-0000-4000-8000-000000000000' }), MarkerNotFound);
    assert.deepEqual(await instanceGetAllByFilters(db, alice, {}, { limit: 0 }), []);
  });

  await t.test('compare-and-swap: the update applies only from an expected task_state', async () => {
    const [before, after] = await instanceUpdateAndGetOriginal(
      db,
      alice,
      a2.uuid as string,
      { task_state: 'deleting' },
      { expectedTaskState: ['scheduling', null] },
    );
    assert.equal(before.task_state, 'scheduling');
    assert.equal(after.task_state, 'deleting');
    await assert.rejects(
      instanceUpdate(db, alice, a2.uuid as string, { vm_state: 'active', task_state: null }, { expectedTaskState: 'spawning' }),
      (err: unknown) =>
        err instanceof UnexpectedTaskStateError &&
        /Expected: \{'task_state': \[spawning\]\}. Actual: \{'task_state': deleting\}/.test(err.message),
    );
    const unchanged = await instanceGetByUuid(db, alice, a2.uuid as string);
    assert.equal(unchanged.vm_state, 'building');
    assert.equal(unchanged.task_state, 'deleting');
    await instanceUpdate(db, alice, a3.uuid as string, { progress: 10 }, { expectedTaskState: null });
    await assert.rejects(instanceUpdate(db, bob, a3.uuid as string, { progress: 20 }), InstanceNotFound);
  });

  await t.test('two racing writers: exactly one wins the swap', async () => {
    const racer = await make(db, alice, 'racer');
    const results = await Promise.allSettled(
      ['networking', 'deleting'].map((task) =>
        instanceUpdate(db, alice, racer.uuid as string, { task_state: task }, { expectedTaskState: 'scheduling' }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal(results.filter((r) => r.status === 'rejected' && r.reason instanceof UnexpectedTaskStateError).length, 1);
  });

  await t.test('metadata in an update replaces the whole set', async () => {
    await instanceUpdate(db, alice, a1.uuid as string, { metadata: { env: 'prod' } });
    assert.deepEqual(await instanceMetadataGet(db, alice, a1.uuid as string), { env: 'prod' });
  });

  await t.test('instanceDestroy soft-deletes the row and its relations; deleted filter selects it', async () => {
    await assert.rejects(instanceDestroy(db, alice, b1.uuid as string), InstanceNotFound);
    await assert.rejects(instanceDestroy(db, admin, b1.uuid as string, { vmStates: ['active'] }), ConstraintNotMet);
    const gone = await instanceDestroy(db, admin, b1.uuid as string);
    assert.equal(gone.display_name, 'web-9');
    await assert.rejects(instanceGetByUuid(db, bob, b1.uuid as string), InstanceNotFound);
    assert.deepEqual(names(await instanceGetAllByFilters(db, bob, { deleted: true })), ['web-9']);
    assert.deepEqual(names(await instanceGetAllByFilters(db, bob, { deleted: false })), []);
    assert.deepEqual(names(await instanceGetAllByFilters(db, bob, {})), ['web-9'], 'no deleted filter: deleted rows included');
    const assoc = await db.kysely
      .selectFrom('security_group_instance_association')
      .select('deleted')
      .where('instance_uuid', '=', b1.uuid as string)
      .executeTakeFirstOrThrow();
    assert.notEqual(assoc.deleted, 0);
  });
});
