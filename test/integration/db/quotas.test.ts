import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { NotAuthorized, ProjectQuotaNotFound, QuotaClassNotFound } from '../../../src/common/errors.js';
import { RequestContext } from '../../../src/context/context.js';
import { type Db, insertReturningId, softDeleteWhere } from '../../../src/db/api/common.js';
import {
  countFixedIps,
  countFloatingIps,
  countInstances,
  countKeyPairs,
  countNetworks,
  countSecurityGroupRules,
  countSecurityGroups,
  quotaClassCreateOrUpdate,
  quotaClassDestroyAllByName,
  quotaClassGet,
  quotaClassGetAllByName,
  quotaCreateOrUpdate,
  quotaDestroyAllByProject,
  quotaGet,
  quotaGetAllByProject,
} from '../../../src/db/api/quotas.js';
import { forEachEngine } from './engines.js';

async function instance(
  db: Db,
  project: string,
  values: { vcpus: number; memory_mb: number; vm_state?: string },
): Promise<{ id: number; uuid: string }> {
  const uuid = randomUUID();
  const id = await insertReturningId(db, 'instances', { uuid, project_id: project, vm_state: 'active', ...values });
  return { id, uuid };
}

forEachEngine('quotas DB API', async (t, { db }) => {
  await t.test('project quotas: create, update, read all, destroy', async () => {
    await quotaCreateOrUpdate(db, null, 'p1', 'instances', 5);
    await quotaCreateOrUpdate(db, null, 'p1', 'cores', 10);
    await quotaCreateOrUpdate(db, null, 'p1', 'instances', 7);
    await quotaCreateOrUpdate(db, null, 'p2', 'ram', null);
    assert.deepEqual(await quotaGetAllByProject(db, null, 'p1'), { instances: 7, cores: 10 });
    assert.deepEqual(await quotaGetAllByProject(db, null, 'p2'), { ram: null });
    assert.equal((await quotaGet(db, null, 'p1', 'instances')).hard_limit, 7);
    const rows = await db.kysely
      .selectFrom('quotas')
      .selectAll()
      .where('project_id', '=', 'p1')
      .where('resource', '=', 'instances')
      .execute();
    assert.equal(rows.length, 1, 'an update does not add a row');
    await quotaDestroyAllByProject(db, null, 'p1');
    assert.deepEqual(await quotaGetAllByProject(db, null, 'p1'), {});
    await assert.rejects(quotaGet(db, null, 'p1', 'instances'), ProjectQuotaNotFound);
    await quotaCreateOrUpdate(db, null, 'p1', 'instances', 3);
    assert.deepEqual(await quotaGetAllByProject(db, null, 'p1'), { instances: 3 });
  });

  await t.test('a user may read only their own project quotas', async () => {
    const user = new RequestContext({ userId: 'u1', projectId: 'p1' });
    assert.deepEqual(await quotaGetAllByProject(db, user, 'p1'), { instances: 3 });
    await assert.rejects(quotaGetAllByProject(db, user, 'p2'), NotAuthorized);
  });

  await t.test('quota classes: create, update, read all, destroy', async () => {
    await quotaClassCreateOrUpdate(db, null, 'gold', 'instances', 50);
    await quotaClassCreateOrUpdate(db, null, 'gold', 'instances', 60);
    await quotaClassCreateOrUpdate(db, null, 'gold', 'cores', -1);
    assert.deepEqual(await quotaClassGetAllByName(db, null, 'gold'), { instances: 60, cores: -1 });
    assert.equal((await quotaClassGet(db, null, 'gold', 'cores')).hard_limit, -1);
    await assert.rejects(quotaClassGet(db, null, 'silver', 'cores'), QuotaClassNotFound);
    await quotaClassDestroyAllByName(db, null, 'gold');
    assert.deepEqual(await quotaClassGetAllByName(db, null, 'gold'), {});
  });

  await t.test('countInstances counts live instances, not deleted or soft-deleted ones', async () => {
    const a = await instance(db, 'proj-i', { vcpus: 2, memory_mb: 2048 });
    await instance(db, 'proj-i', { vcpus: 1, memory_mb: 512 });
    await instance(db, 'proj-i', { vcpus: 4, memory_mb: 8192, vm_state: 'soft-delete' });
    const gone = await instance(db, 'proj-i', { vcpus: 8, memory_mb: 16384 });
    await softDeleteWhere(db, 'instances', { id: gone.id });
    await instance(db, 'other', { vcpus: 16, memory_mb: 32768 });
    assert.deepEqual(await countInstances(db, null, 'proj-i'), { instances: 2, cores: 3, ram: 2560 });
    assert.deepEqual(await countInstances(db, null, 'proj-i', { excludeUuid: a.uuid }), { instances: 1, cores: 1, ram: 512 });
    assert.deepEqual(await countInstances(db, null, 'empty'), { instances: 0, cores: 0, ram: 0 });
  });

  await t.test('countSecurityGroups and countSecurityGroupRules count live rows', async () => {
    const g = await insertReturningId(db, 'security_groups', { name: 'default', project_id: 'proj-s' });
    const g2 = await insertReturningId(db, 'security_groups', { name: 'web', project_id: 'proj-s' });
    await softDeleteWhere(db, 'security_groups', { id: g2 });
    await insertReturningId(db, 'security_group_rules', { parent_group_id: g, protocol: 'tcp', from_port: 22, to_port: 22 });
    const r = await insertReturningId(db, 'security_group_rules', { parent_group_id: g, protocol: 'tcp', from_port: 80, to_port: 80 });
    await insertReturningId(db, 'security_group_rules', { parent_group_id: g, protocol: 'icmp', from_port: -1, to_port: -1 });
    await softDeleteWhere(db, 'security_group_rules', { id: r });
    assert.equal(await countSecurityGroups(db, null, 'proj-s'), 1);
    assert.equal(await countSecurityGroupRules(db, null, g), 2);
  });

  await t.test('countKeyPairs counts a user live key pairs', async () => {
    await insertReturningId(db, 'key_pairs', { name: 'k1', user_id: 'kp-user' });
    const k2 = await insertReturningId(db, 'key_pairs', { name: 'k2', user_id: 'kp-user' });
    await insertReturningId(db, 'key_pairs', { name: 'k3', user_id: 'kp-user' });
    await softDeleteWhere(db, 'key_pairs', { id: k2 });
    assert.equal(await countKeyPairs(db, null, 'kp-user'), 2);
    await assert.rejects(countKeyPairs(db, new RequestContext({ userId: 'someone', projectId: 'p' }), 'kp-user'), NotAuthorized);
  });

  await t.test('countFloatingIps skips auto-assigned and deleted addresses', async () => {
    await insertReturningId(db, 'floating_ips', { address: '172.24.4.1', project_id: 'proj-f', auto_assigned: false });
    await insertReturningId(db, 'floating_ips', { address: '172.24.4.2', project_id: 'proj-f', auto_assigned: true });
    const gone = await insertReturningId(db, 'floating_ips', { address: '172.24.4.3', project_id: 'proj-f', auto_assigned: false });
    await softDeleteWhere(db, 'floating_ips', { id: gone });
    assert.equal(await countFloatingIps(db, null, 'proj-f'), 1);
  });

  await t.test('countFixedIps counts fixed IPs of the project live instances', async () => {
    const live = await instance(db, 'proj-x', { vcpus: 1, memory_mb: 512 });
    const dead = await instance(db, 'proj-x', { vcpus: 1, memory_mb: 512 });
    const foreign = await instance(db, 'proj-y', { vcpus: 1, memory_mb: 512 });
    await insertReturningId(db, 'fixed_ips', { address: '10.0.0.2', instance_uuid: live.uuid, allocated: true });
    await insertReturningId(db, 'fixed_ips', { address: '10.0.0.3', instance_uuid: live.uuid, allocated: true });
    await insertReturningId(db, 'fixed_ips', { address: '10.0.0.4', instance_uuid: dead.uuid, allocated: true });
    await insertReturningId(db, 'fixed_ips', { address: '10.0.0.5', instance_uuid: foreign.uuid, allocated: true });
    await insertReturningId(db, 'fixed_ips', { address: '10.0.0.6' });
    await softDeleteWhere(db, 'instances', { id: dead.id });
    assert.equal(await countFixedIps(db, null, 'proj-x'), 2);
  });

  await t.test('countNetworks counts the project live networks', async () => {
    await insertReturningId(db, 'networks', { label: 'n1', project_id: 'proj-n', vlan: 201 });
    const n2 = await insertReturningId(db, 'networks', { label: 'n2', project_id: 'proj-n', vlan: 202 });
    await insertReturningId(db, 'networks', { label: 'shared', project_id: null, vlan: 203 });
    await softDeleteWhere(db, 'networks', { id: n2 });
    assert.equal(await countNetworks(db, null, 'proj-n'), 1);
  });
});
