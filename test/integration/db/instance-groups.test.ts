import assert from 'node:assert/strict';
import { InstanceGroupNotFound, NotAuthorized } from '../../../src/common/errors.js';
import { RequestContext } from '../../../src/context/context.js';
import { insertReturningId, softDeleteWhere } from '../../../src/db/api/common.js';
import {
  instanceGroupCountByProject,
  instanceGroupCreate,
  instanceGroupDelete,
  instanceGroupGetAll,
  instanceGroupGetByHint,
  instanceGroupGetByUuid,
  instanceGroupMemberHosts,
  instanceGroupMembersAdd,
  instanceGroupMembersRemove,
  legacyGroupHosts,
} from '../../../src/db/api/instance-groups.js';
import { forEachEngine } from './engines.js';
import { insertInstance } from './rows.js';

const group = (name: string, project_id: string, policies: string[] = ['anti-affinity']) => ({
  name,
  user_id: 'u1',
  project_id,
  policies,
});

forEachEngine('instance-groups DB API', async (t, { db }) => {
  const p1 = new RequestContext({ userId: 'u1', projectId: 'p1' });
  const p2 = new RequestContext({ userId: 'u2', projectId: 'p2' });
  const admin = new RequestContext({ userId: 'a', projectId: 'admin', isAdmin: true });
  const web = await instanceGroupCreate(db, p1, group('web', 'p1', ['anti-affinity', 'affinity']));
  const db1 = await instanceGroupCreate(db, p1, group('db', 'p1', []));
  const other = await instanceGroupCreate(db, p2, group('web', 'p2'));

  await t.test('instanceGroupCreate returns the group with a fresh uuid, its policies in order, no members', () => {
    assert.match(web.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual(
      [web.name, web.user_id, web.project_id, web.policies, web.members, web.metadata],
      ['web', 'u1', 'p1', ['anti-affinity', 'affinity'], [], {}],
    );
    assert.ok(web.created_at instanceof Date);
    assert.deepEqual(db1.policies, []);
    assert.notEqual(web.uuid, other.uuid);
  });

  await t.test("a user may not create a group in another project's name", async () => {
    await assert.rejects(instanceGroupCreate(db, p2, group('sneaky', 'p1')), NotAuthorized);
    assert.equal(await instanceGroupCountByProject(db, 'p1'), 2);
  });

  await t.test("instanceGroupGetByUuid finds the caller's own groups, any group for an admin, else InstanceGroupNotFound", async () => {
    assert.equal((await instanceGroupGetByUuid(db, p1, web.uuid)).id, web.id);
    assert.equal((await instanceGroupGetByUuid(db, admin, other.uuid)).project_id, 'p2');
    assert.equal((await instanceGroupGetByUuid(db, null, other.uuid)).project_id, 'p2');
    await assert.rejects(instanceGroupGetByUuid(db, p1, other.uuid), InstanceGroupNotFound);
    await assert.rejects(instanceGroupGetByUuid(db, admin, '00000000-0000-0000-0000-000000000000'), InstanceGroupNotFound);
  });

  await t.test('instanceGroupGetByHint resolves a uuid, else a name within the project, else null', async () => {
    assert.equal((await instanceGroupGetByHint(db, 'p1', web.uuid))?.id, web.id);
    assert.equal((await instanceGroupGetByHint(db, null, other.uuid))?.id, other.id);
    assert.equal(await instanceGroupGetByHint(db, 'p1', other.uuid), null);
    assert.equal((await instanceGroupGetByHint(db, 'p1', 'web'))?.id, web.id);
    assert.equal((await instanceGroupGetByHint(db, 'p2', 'web'))?.id, other.id);
    assert.equal(await instanceGroupGetByHint(db, null, 'web'), null);
    assert.equal(await instanceGroupGetByHint(db, 'p1', 'nosuch'), null);
  });

  await t.test('instanceGroupGetAll lists a project, or every project, in creation order, with limit and offset', async () => {
    const ids = (rows: { id: number }[]) => rows.map((g) => g.id);
    assert.deepEqual(ids(await instanceGroupGetAll(db, p1, 'p1')), [web.id, db1.id]);
    assert.deepEqual(ids(await instanceGroupGetAll(db, admin, null)), [web.id, db1.id, other.id]);
    assert.deepEqual(ids(await instanceGroupGetAll(db, admin, null, { limit: 2 })), [web.id, db1.id]);
    assert.deepEqual(ids(await instanceGroupGetAll(db, admin, null, { offset: 1 })), [db1.id, other.id]);
    assert.deepEqual(ids(await instanceGroupGetAll(db, admin, null, { limit: 1, offset: 1 })), [db1.id]);
    assert.deepEqual(await instanceGroupGetAll(db, p1, 'p1', { offset: 5 }), []);
    await assert.rejects(instanceGroupGetAll(db, p1, 'p2'), NotAuthorized);
    const listed = (await instanceGroupGetAll(db, admin, 'p1'))[0];
    assert.deepEqual(listed?.policies, ['anti-affinity', 'affinity']);
  });

  await t.test('members are added once each, removed by uuid, and listed in the order they joined', async () => {
    const a = await insertInstance(db, { host: 'cmp1' });
    const b = await insertInstance(db, { host: 'cmp2' });
    const c = await insertInstance(db, { host: 'cmp1' });
    await instanceGroupMembersAdd(db, web.id, [a, b]);
    await instanceGroupMembersAdd(db, web.id, [b, c]);
    assert.deepEqual((await instanceGroupGetByUuid(db, p1, web.uuid)).members, [a, b, c]);
    await instanceGroupMembersRemove(db, web.id, [b]);
    await instanceGroupMembersRemove(db, web.id, []);
    assert.deepEqual((await instanceGroupGetByUuid(db, p1, web.uuid)).members, [a, c]);
    assert.deepEqual((await instanceGroupGetByUuid(db, p1, db1.uuid)).members, []);
    await instanceGroupMembersAdd(db, web.id, [b]);
    assert.deepEqual((await instanceGroupGetByUuid(db, p1, web.uuid)).members, [a, c, b]);
  });

  await t.test('instanceGroupMemberHosts gives each host of a live, placed member once', async () => {
    const unplaced = await insertInstance(db, { host: null });
    const gone = await insertInstance(db, { host: 'cmp9' });
    await instanceGroupMembersAdd(db, db1.id, [unplaced, gone]);
    await softDeleteWhere(db, 'instances', { uuid: gone });
    assert.deepEqual(await instanceGroupMemberHosts(db, db1.id), []);
    assert.deepEqual((await instanceGroupMemberHosts(db, web.id)).sort(), ['cmp1', 'cmp2']);
  });

  await t.test('legacyGroupHosts gives the hosts of live instances whose system metadata names the group', async () => {
    const tag = async (uuid: string, value: string) =>
      insertReturningId(db, 'instance_system_metadata', { instance_uuid: uuid, key: 'group', value, deleted: 0 });
    const x = await insertInstance(db, { host: 'cmp5' });
    const y = await insertInstance(db, { host: 'cmp5' });
    const z = await insertInstance(db, { host: 'cmp6' });
    const gone = await insertInstance(db, { host: 'cmp7' });
    const unplaced = await insertInstance(db, { host: null });
    for (const uuid of [x, y, z, gone, unplaced]) await tag(uuid, 'legacy');
    await tag(await insertInstance(db, { host: 'cmp8' }), 'another');
    await softDeleteWhere(db, 'instances', { uuid: gone });
    assert.deepEqual((await legacyGroupHosts(db, 'legacy')).sort(), ['cmp5', 'cmp6']);
    await softDeleteWhere(db, 'instance_system_metadata', { instance_uuid: z });
    assert.deepEqual(await legacyGroupHosts(db, 'legacy'), ['cmp5']);
    assert.deepEqual(await legacyGroupHosts(db, 'nosuch'), []);
  });

  await t.test('group metadata rows are read back as a map', async () => {
    await insertReturningId(db, 'instance_group_metadata', { group_id: other.id, key: 'tier', value: 'front', deleted: 0 });
    assert.deepEqual((await instanceGroupGetByUuid(db, p2, other.uuid)).metadata, { tier: 'front' });
  });

  await t.test('instanceGroupDelete soft-deletes the group and its children; it is then not found anywhere', async () => {
    const member = await insertInstance(db, { host: 'cmp3' });
    await instanceGroupMembersAdd(db, other.id, [member]);
    await assert.rejects(instanceGroupDelete(db, p1, other.uuid), InstanceGroupNotFound);
    await instanceGroupDelete(db, p2, other.uuid);
    await assert.rejects(instanceGroupGetByUuid(db, admin, other.uuid), InstanceGroupNotFound);
    assert.equal(await instanceGroupGetByHint(db, 'p2', 'web'), null);
    assert.equal(await instanceGroupGetByHint(db, null, other.uuid), null);
    assert.equal(await instanceGroupCountByProject(db, 'p2'), 0);
    assert.deepEqual(
      (await instanceGroupGetAll(db, admin, null)).map((g) => g.id),
      [web.id, db1.id],
    );
    for (const table of ['instance_group_policy', 'instance_group_member', 'instance_group_metadata'] as const) {
      const live = await db.kysely.selectFrom(table).select('id').where('group_id', '=', other.id).where('deleted', '=', 0).execute();
      assert.deepEqual(live, [], `${table} rows left live`);
    }
    await assert.rejects(instanceGroupDelete(db, p2, other.uuid), InstanceGroupNotFound);
  });

  await t.test('instanceGroupCountByProject counts live groups of one project', async () => {
    assert.equal(await instanceGroupCountByProject(db, 'p1'), 2);
    assert.equal(await instanceGroupCountByProject(db, 'nobody'), 0);
  });
});
