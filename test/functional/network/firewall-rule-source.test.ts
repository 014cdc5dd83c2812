/**
 * What a compute host's firewall is given for an instance (through the conductor): the rules
 * of its groups, source-group rules resolved to the fixed IPs of that group's members.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConductorManager } from '../../../src/conductor/manager.js';
import { adminContext } from '../../../src/context/context.js';
import { instanceAddSecurityGroup, securityGroupCreate, securityGroupRuleCreate } from '../../../src/db/api/security-groups.js';
import { type NetworkTestEnv, networkTestEnv } from './harness.js';

let env: NetworkTestEnv;

before(async () => {
  env = await networkTestEnv();
});
after(() => env.close());

async function memberWithAddress(groupId: number, address: string): Promise<string> {
  const uuid = await env.instance('proj-a', 'cmp1');
  await env.db.kysely
    .insertInto('fixed_ips')
    .values({ address, instance_uuid: uuid, allocated: true, leased: false, reserved: false, deleted: 0 })
    .execute();
  await env.db.kysely.insertInto('instance_info_caches').values({ instance_uuid: uuid, network_info: '[]', deleted: 0 }).execute();
  await instanceAddSecurityGroup(env.db, null, uuid, groupId);
  return uuid;
}

test('the conductor hands a host the rules of an instance, source groups resolved to member addresses', async () => {
  const ctx = adminContext();
  const web = await securityGroupCreate(env.db, ctx, { name: 'web', description: 'w', user_id: 'u', project_id: 'proj-a' });
  const dbGroup = await securityGroupCreate(env.db, ctx, { name: 'db', description: 'd', user_id: 'u', project_id: 'proj-a' });
  await securityGroupRuleCreate(env.db, ctx, web.id, { protocol: 'tcp', from_port: 22, to_port: 22, cidr: '0.0.0.0/0', group_id: null });
  await securityGroupRuleCreate(env.db, ctx, web.id, { protocol: 'tcp', from_port: 5432, to_port: 5432, cidr: null, group_id: dbGroup.id });
  const webServer = await memberWithAddress(web.id, '10.0.0.5');
  await memberWithAddress(dbGroup.id, '10.0.0.7');
  await memberWithAddress(dbGroup.id, '10.0.0.8');

  const conductor = new ConductorManager('cond', env.db, { enableNewServices: true });
  const rules = await conductor.security_group_rules_for_instance(ctx, { instance: { uuid: webServer } });
  assert.deepEqual(rules, [
    { protocol: 'tcp', from_port: 22, to_port: 22, cidr: '0.0.0.0/0', grantee_ips: null },
    { protocol: 'tcp', from_port: 5432, to_port: 5432, cidr: null, grantee_ips: ['10.0.0.7', '10.0.0.8'] },
  ]);
  assert.deepEqual(await conductor.provider_fw_rule_get_all(ctx), []);
});
