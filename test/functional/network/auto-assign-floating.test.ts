/**
 * auto_assign_floating_ip: a new instance gets a floating IP from the default pool on its
 * first fixed IP, not counted against the project's quota, returned when it is deallocated.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adminContext } from '../../../src/context/context.js';
import { countFloatingIps } from '../../../src/db/api/quotas.js';
import { NoopLinuxNet } from '../../../src/network/linux-net.js';
import { NetworkManager } from '../../../src/network/manager.js';
import { allFixedIps } from '../../../src/virt/network-model.js';
import { type NetworkTestEnv, networkTestEnv } from './harness.js';

let env: NetworkTestEnv;

before(async () => {
  env = await networkTestEnv();
});
after(() => env.close());

test('a new instance gets an auto-assigned floating IP that leaves with it', async () => {
  const admin = adminContext();
  const driver = new NoopLinuxNet();
  const manager = new NetworkManager('nethost', { db: env.db, conf: env.conf({ auto_assign_floating_ip: true }), driver });
  await manager.create_networks(admin, { label: 'auto', cidr: '10.44.0.0/29', bridge: 'br44' });
  await manager.create_floating_ips(admin, { ip_range: '198.51.100.40' });
  const uuid = await env.instance('proj-a', 'cmp1');
  const info = await manager.allocate_for_instance(admin, { instance_id: uuid, project_id: 'proj-a', host: 'cmp1' });
  const [fixed] = allFixedIps(info);
  assert.deepEqual(
    fixed?.floating_ips.map((f) => f.address),
    ['198.51.100.40'],
  );
  const [row] = await manager.get_all_floating_ips(admin, { host: null });
  assert.equal(row?.auto_assigned, true);
  assert.equal(row?.instance_uuid, uuid);
  assert.equal(await countFloatingIps(env.db, null, 'proj-a'), 0, 'auto-assigned addresses are not counted');
  assert.ok(driver.calls.some((c) => c.op === 'addFloatingIp'));
  await manager.deallocate_for_instance(admin, { instance_id: uuid, project_id: 'proj-a', host: 'cmp1' });
  const [after] = await manager.get_all_floating_ips(admin, { host: null });
  assert.deepEqual([after?.project_id, after?.instance_uuid, after?.auto_assigned], [null, null, false]);
});
