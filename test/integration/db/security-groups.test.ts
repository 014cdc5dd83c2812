import assert from 'node:assert/strict';
import { SecurityGroupNotFoundForProject } from '../../../src/common/errors.js';
import { RequestContext } from '../../../src/context/context.js';
import { insertReturningId, softDeleteWhere } from '../../../src/db/api/common.js';
import {
  instanceAddSecurityGroup,
  instanceSecurityGroupsRemoveAll,
  securityGroupEnsureDefault,
  securityGroupGetByInstance,
  securityGroupGetByName,
  securityGroupGetByNames,
  securityGroupsForInstances,
} from '../../../src/db/api/security-groups.js';
import { forEachEngine } from './engines.js';
import { insertInstance } from './rows.js';

const alice = new RequestContext({ userId: 'alice', projectId: 'p1', roles: ['member'] });

forEachEngine('security-groups DB API', async (t, { db }) => {
  await t.test('securityGroupEnsureDefault creates the default group once, with the default rules copied in', async () => {
    await insertReturningId(db, 'security_group_default_rules', {
      protocol: 'tcp',
      from_port: 22,
      to_port: 22,
      cidr: '0.0.0.0/0',
      deleted: 0,
    });
    const gone = await insertReturningId(db, 'security_group_default_rules', { protocol: 'udp', from_port: 53, to_port: 53, deleted: 0 });
    await softDeleteWhere(db, 'security_group_default_rules', { id: gone });

    const first = await securityGroupEnsureDefault(db, alice);
    assert.equal(first.existed, false);
    assert.equal(first.group.name, 'default');
    assert.equal(first.group.project_id, 'p1');
    assert.equal(first.group.user_id, 'alice');
    const rules = await db.kysely.selectFrom('security_group_rules').selectAll().where('parent_group_id', '=', first.group.id).execute();
    assert.deepEqual(
      rules.map((r) => [r.protocol, r.from_port, r.to_port, r.cidr]),
      [['tcp', 22, 22, '0.0.0.0/0']],
    );

    const second = await securityGroupEnsureDefault(db, alice);
    assert.deepEqual([second.existed, second.group.id], [true, first.group.id]);
    assert.equal((await securityGroupEnsureDefault(db, alice, 'p2')).existed, false, 'each project has its own');
  });

  await t.test('groups are found by name within a project, in the order asked', async () => {
    await insertReturningId(db, 'security_groups', { name: 'web', project_id: 'p1', deleted: 0 });
    const names = await securityGroupGetByNames(db, alice, 'p1', ['web', 'default']);
    assert.deepEqual(
      names.map((g) => g.name),
      ['web', 'default'],
    );
    await assert.rejects(securityGroupGetByName(db, alice, 'p2', 'web'), SecurityGroupNotFoundForProject);
    await assert.rejects(securityGroupGetByNames(db, alice, 'p1', ['default', 'db']), (err: Error) => {
      assert.ok(err instanceof SecurityGroupNotFoundForProject);
      assert.equal(err.message, 'Security group db not found for project p1.');
      return true;
    });
  });

  await t.test('instances are associated with groups; deleted groups and removed associations drop out', async () => {
    const a = await insertInstance(db);
    const b = await insertInstance(db);
    const web = await securityGroupGetByName(db, alice, 'p1', 'web');
    const def = await securityGroupGetByName(db, alice, 'p1', 'default');
    await instanceAddSecurityGroup(db, null, a, web.id);
    await instanceAddSecurityGroup(db, null, a, def.id);
    await instanceAddSecurityGroup(db, null, b, web.id);
    assert.deepEqual(
      (await securityGroupGetByInstance(db, null, a)).map((g) => g.name),
      ['default', 'web'],
    );
    const byUuid = await securityGroupsForInstances(db, [a, b, await insertInstance(db)]);
    assert.deepEqual(
      [...byUuid.values()].map((groups) => groups.map((g) => g.name)),
      [['default', 'web'], ['web'], []],
    );

    await softDeleteWhere(db, 'security_groups', { id: web.id });
    assert.deepEqual(
      (await securityGroupGetByInstance(db, null, a)).map((g) => g.name),
      ['default'],
    );
    await instanceSecurityGroupsRemoveAll(db, a);
    assert.deepEqual(await securityGroupGetByInstance(db, null, a), []);
    const live = await db.kysely
      .selectFrom('security_group_instance_association')
      .select('id')
      .where('deleted', '=', 0)
      .where('instance_uuid', '=', a)
      .execute();
    assert.equal(live.length, 0);
  });
});
