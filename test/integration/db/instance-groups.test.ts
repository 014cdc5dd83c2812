import assert from 'node:assert/strict';
import { InstanceGroupNotFound } from '../../../src/common/errors.js';
import { RequestContext } from '../../../src/context/context.js';
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
} from '../../../src/db/api/instance-groups.js';
import { instanceDestroy } from '../../../src/db/api/instances.js';
import { forEachEngine } from './engines.js';
import { insertInstance } from './rows.js';

const alice = new RequestContext({ userId: 'alice', projectId: 'p1', roles: ['member'] });
const bob = new RequestContext({ userId: 'bob', projectId: 'p2', roles: ['member'] });

forEachEngine('instance groups DB API', async (t, { db }) => {
  await t.test('create stores the group with its policy; get, hint (uuid or name) and list find it within its project', async () => {
    const g = await instanceGroupCreate(db, alice, { name: 'web', user_id: 'alice', project_id: 'p1', policies: ['anti-affinity'] });
    assert.deepEqual([g.name, g.policies, g.members, g.metadata], ['web', ['anti-affinity'], [], {}]);
    assert.equal((await instanceGroupGetByUuid(db, alice, g.uuid)).id, g.id);
    await assert.rejects(instanceGroupGetByUuid(db, bob, g.uuid), InstanceGroupNotFound);
    assert.equal((await instanceGroupGetByHint(db, 'p1', g.uuid))?.id, g.id);
    assert.equal((await instanceGroupGetByHint(db, 'p1', 'web'))?.id, g.id);
    assert.equal(await instanceGroupGetByHint(db, 'p2', 'web'), null);
    assert.equal(await instanceGroupGetByHint(db, 'p2', g.uuid), null);
    assert.deepEqual(
      (await instanceGroupGetAll(db, alice, 'p1')).map((x) => x.uuid),
      [g.uuid],
    );
    assert.equal(await instanceGroupCountByProject(db, 'p1'), 1);
  });

  await t.test('members are added once, removed, and leave with their instance; member hosts are of live instances', async () => {
    const g = await instanceGroupCreate(db, alice, { name: 'db', user_id: 'alice', project_id: 'p1', policies: ['affinity'] });
    const a = await insertInstance(db, { host: 'h1' });
    const b = await insertInstance(db, { host: 'h2' });
    await instanceGroupMembersAdd(db, g.id, [a, b]);
    await instanceGroupMembersAdd(db, g.id, [a]);
    assert.deepEqual((await instanceGroupGetByUuid(db, alice, g.uuid)).members.sort(), [a, b].sort());
    assert.deepEqual((await instanceGroupMemberHosts(db, g.id)).sort(), ['h1', 'h2']);
    await instanceDestroy(db, null, b);
    assert.deepEqual((await instanceGroupGetByUuid(db, alice, g.uuid)).members, [a]);
    await instanceGroupMembersRemove(db, g.id, [a]);
    assert.deepEqual((await instanceGroupGetByUuid(db, alice, g.uuid)).members, []);
    assert.deepEqual(await instanceGroupMemberHosts(db, g.id), []);
  });

  await t.test('delete soft-deletes the group; a second delete and another project’s delete are InstanceGroupNotFound', async () => {
    const g = await instanceGroupCreate(db, alice, { name: 'tmp', user_id: 'alice', project_id: 'p1', policies: ['affinity'] });
    await assert.rejects(instanceGroupDelete(db, bob, g.uuid), InstanceGroupNotFound);
    await instanceGroupDelete(db, alice, g.uuid);
    await assert.rejects(instanceGroupGetByUuid(db, alice, g.uuid), InstanceGroupNotFound);
    await assert.rejects(instanceGroupDelete(db, alice, g.uuid), InstanceGroupNotFound);
  });
});
