import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type ComputeHarness, startComputeHarness } from './compute-harness.js';

const ALICE = 'alice:proj-a';
const ADMIN = 'admin:admin-proj';
const REQUIRED = [
  'maxImageMeta',
  'maxPersonality',
  'maxPersonalitySize',
  'maxSecurityGroupRules',
  'maxSecurityGroups',
  'maxServerMeta',
  'maxTotalCores',
  'maxTotalFloatingIps',
  'maxTotalInstances',
  'maxTotalKeypairs',
  'maxTotalRAMSize',
  'totalCoresUsed',
  'totalFloatingIpsUsed',
  'totalInstancesUsed',
  'totalRAMUsed',
  'totalSecurityGroupsUsed',
];

let h: ComputeHarness;
before(async () => {
  h = await startComputeHarness();
});
after(async () => h.close());

async function addInstance(projectId: string, vcpus: number, memoryMb: number, vmState = 'active'): Promise<void> {
  await h.db.kysely
    .insertInto('instances')
    .values({ uuid: randomUUID(), project_id: projectId, user_id: 'alice', vcpus, memory_mb: memoryMb, vm_state: vmState, deleted: 0 })
    .execute();
}

describe('limits', () => {
  test('absolute limits are the Grizzly defaults, used counts zero, rate empty', async () => {
    const r = await h.call('GET', '/v2.1/limits', ALICE);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json.limits).sort(), ['absolute', 'rate']);
    assert.deepEqual(r.json.limits.rate, []);
    const a = r.json.limits.absolute;
    assert.deepEqual(Object.keys(a).sort(), REQUIRED);
    assert.deepEqual(
      [a.maxTotalInstances, a.maxTotalCores, a.maxTotalRAMSize, a.maxTotalKeypairs, a.maxTotalFloatingIps, a.maxServerMeta, a.maxImageMeta],
      [10, 20, 51200, 100, 10, 128, 128],
    );
    assert.deepEqual([a.maxPersonality, a.maxPersonalitySize, a.maxSecurityGroups, a.maxSecurityGroupRules], [5, 10240, 10, 20]);
    assert.deepEqual(
      [a.totalInstancesUsed, a.totalCoresUsed, a.totalRAMUsed, a.totalFloatingIpsUsed, a.totalSecurityGroupsUsed],
      [0, 0, 0, 0, 0],
    );
  });

  test('used counts follow the instances and security groups that exist', async () => {
    await addInstance('proj-a', 2, 2048);
    await addInstance('proj-a', 1, 512);
    await addInstance('proj-a', 4, 4096, 'soft-delete');
    await addInstance('proj-b', 8, 8192);
    await h.db.kysely.insertInto('security_groups').values({ name: 'web', project_id: 'proj-a', user_id: 'alice', deleted: 0 }).execute();
    const a = (await h.call('GET', '/v2.1/limits', ALICE)).json.limits.absolute;
    assert.equal(a.totalInstancesUsed, 2);
    assert.equal(a.totalCoresUsed, 3);
    assert.equal(a.totalRAMUsed, 2560);
    assert.equal(a.totalSecurityGroupsUsed, 1);
    assert.equal((await h.call('GET', '/v2.1/limits?reserved=1', ALICE)).json.limits.absolute.totalInstancesUsed, 2);
  });

  test('a project override shows up as the max; admins may ask about another project', async () => {
    assert.equal((await h.call('PUT', '/v2.1/os-quota-sets/proj-a', ADMIN, { quota_set: { cores: 7 } })).status, 200);
    assert.equal((await h.call('GET', '/v2.1/limits', ALICE)).json.limits.absolute.maxTotalCores, 7);
    const other = (await h.call('GET', '/v2.1/limits?tenant_id=proj-b', ADMIN)).json.limits.absolute;
    assert.equal(other.totalCoresUsed, 8);
    const ignored = (await h.call('GET', '/v2.1/limits?tenant_id=proj-b', ALICE)).json.limits.absolute;
    assert.equal(ignored.totalCoresUsed, 3, 'a member asking about another project gets their own');
  });
});
