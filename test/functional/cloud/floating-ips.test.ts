/**
 * Floating IPs through the whole cloud over HTTP: pools made by the admin (os-floating-ips-bulk),
 * allocation and release by a project (os-floating-ips, os-floating-ip-pools), association
 * with a server (addFloatingIp / removeFloatingIp), the address in the server's `addresses`,
 * the NAT asked of the network host's driver, notifications and the floating_ips quota.
 */
import assert from 'node:assert/strict';
import type { NoopLinuxNet } from '../../../src/network/linux-net.js';
import type { NetworkManager } from '../../../src/network/manager.js';
import { forEachCloudBackend, type WholeCloud } from '../cloud-harness.js';

interface Fip {
  id: number;
  ip: string;
  pool: string;
  fixed_ip: string | null;
  instance_id: string | null;
}

interface Fault {
  [kind: string]: { code: number; message: string };
}

interface AddressItem {
  addr: string;
  version: number;
  'OS-EXT-IPS:type': string;
}

async function bootServer(c: WholeCloud, name: string): Promise<string> {
  const posted = await c.call<{ server: { id: string } }>('POST', `${c.computeUrl}/servers`, c.demoToken, {
    server: { name, imageRef: c.imageId, flavorRef: '1' },
  });
  assert.equal(posted.status, 202, JSON.stringify(posted.body));
  const id = posted.body.server.id;
  const built = await c.notification(id, ['compute.instance.create.end', 'compute.instance.create.error']);
  assert.equal(built.event_type, 'compute.instance.create.end', JSON.stringify(built.payload));
  return id;
}

function networkDriver(c: WholeCloud): NoopLinuxNet {
  const service = c.cloud.services.find((s) => s.binary === 'nova-network');
  if (!service) throw new Error('the cloud runs no nova-network');
  return (service.manager as NetworkManager).driver as NoopLinuxNet;
}

forEachCloudBackend('floating IPs over HTTP', async (t, c) => {
  const url = c.computeUrl;
  let serverA = '';
  let serverB = '';
  let fip: Fip | null = null;

  await t.test('the admin creates a pool from a CIDR; its host addresses are listed in bulk', async () => {
    const created = await c.call<{ floating_ips_bulk_create: Record<string, string> }>(
      'POST',
      `${url}/os-floating-ips-bulk`,
      c.adminToken,
      {
        floating_ips_bulk_create: { ip_range: '203.0.113.0/29', pool: 'public', interface: 'eth9' },
      },
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(created.body.floating_ips_bulk_create, { ip_range: '203.0.113.0/29', pool: 'public', interface: 'eth9' });
    const listed = await c.call<{ floating_ip_info: { address: string; pool: string; project_id: null }[] }>(
      'GET',
      `${url}/os-floating-ips-bulk`,
      c.adminToken,
    );
    assert.deepEqual(
      listed.body.floating_ip_info.map((f) => f.address),
      ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5', '203.0.113.6'],
    );
    assert.ok(listed.body.floating_ip_info.every((f) => f.pool === 'public' && f.project_id === null));
  });

  await t.test('bulk create refuses an existing address (409), a bad range (400) and a member (403)', async () => {
    const dup = await c.call<Fault>('POST', `${url}/os-floating-ips-bulk`, c.adminToken, {
      floating_ips_bulk_create: { ip_range: '203.0.113.3' },
    });
    assert.equal(dup.status, 409, JSON.stringify(dup.body));
    const bad = await c.call<Fault>('POST', `${url}/os-floating-ips-bulk`, c.adminToken, {
      floating_ips_bulk_create: { ip_range: '203.0.113.0/31' },
    });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    const garbage = await c.call<Fault>('POST', `${url}/os-floating-ips-bulk`, c.adminToken, {
      floating_ips_bulk_create: { ip_range: 'not-an-ip' },
    });
    assert.equal(garbage.status, 400);
    const member = await c.call<Fault>('POST', `${url}/os-floating-ips-bulk`, c.demoToken, {
      floating_ips_bulk_create: { ip_range: '198.51.100.7' },
    });
    assert.equal(member.status, 403);
    const memberList = await c.call<Fault>('GET', `${url}/os-floating-ips-bulk`, c.demoToken);
    assert.equal(memberList.status, 403);
  });

  await t.test('os-floating-ip-pools lists the pool names', async () => {
    const pools = await c.call<{ floating_ip_pools: { name: string }[] }>('GET', `${url}/os-floating-ip-pools`, c.demoToken);
    assert.equal(pools.status, 200);
    assert.deepEqual(pools.body.floating_ip_pools, [{ name: 'public' }]);
  });

  await t.test('a member allocates from the pool, sees it listed and shown, and an unknown pool is 404', async () => {
    const posted = await c.call<{ floating_ip: Fip }>('POST', `${url}/os-floating-ips`, c.demoToken, { pool: 'public' });
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    fip = posted.body.floating_ip;
    assert.deepEqual(Object.keys(fip).sort(), ['fixed_ip', 'id', 'instance_id', 'ip', 'pool']);
    assert.equal(fip.ip, '203.0.113.1');
    assert.equal(fip.pool, 'public');
    assert.equal(fip.fixed_ip, null);
    assert.equal(fip.instance_id, null);
    const listed = await c.call<{ floating_ips: Fip[] }>('GET', `${url}/os-floating-ips`, c.demoToken);
    assert.deepEqual(listed.body.floating_ips, [fip]);
    const shown = await c.call<{ floating_ip: Fip }>('GET', `${url}/os-floating-ips/${fip.id}`, c.demoToken);
    assert.deepEqual(shown.body.floating_ip, fip);
    const none = await c.call<Fault>('POST', `${url}/os-floating-ips`, c.demoToken, { pool: 'nowhere' });
    assert.equal(none.status, 404);
    assert.match(none.body.itemNotFound?.message ?? '', /No more floating ips in pool nowhere/);
    const badId = await c.call<Fault>('GET', `${url}/os-floating-ips/abc`, c.demoToken);
    assert.equal(badId.status, 400);
    const missing = await c.call<Fault>('GET', `${url}/os-floating-ips/99999`, c.demoToken);
    assert.equal(missing.status, 404);
  });

  await t.test("another project's floating IP is not found by a member", async () => {
    const adminFip = await c.call<{ floating_ip: Fip }>('POST', `${url}/os-floating-ips`, c.adminToken, { pool: 'public' });
    assert.equal(adminFip.status, 200);
    const seen = await c.call<Fault>('GET', `${url}/os-floating-ips/${adminFip.body.floating_ip.id}`, c.demoToken);
    assert.equal(seen.status, 404);
    const released = await c.call<Fault>('DELETE', `${url}/os-floating-ips/${adminFip.body.floating_ip.id}`, c.demoToken);
    assert.equal(released.status, 404);
    serverA = await bootServer(c, 'fip-a');
    const stolen = await c.call<Fault>('POST', `${url}/servers/${serverA}/action`, c.demoToken, {
      addFloatingIp: { address: adminFip.body.floating_ip.ip },
    });
    assert.equal(stolen.status, 404, JSON.stringify(stolen.body));
    const back = await c.call('DELETE', `${url}/os-floating-ips/${adminFip.body.floating_ip.id}`, c.adminToken);
    assert.equal(back.status, 202);
  });

  await t.test('addFloatingIp associates it: NAT on the network host, floating in addresses, a notification', async () => {
    const f = fip as Fip;
    const added = await c.call('POST', `${url}/servers/${serverA}/action`, c.demoToken, { addFloatingIp: { address: f.ip } });
    assert.equal(added.status, 202, JSON.stringify(added.body));
    const shown = await c.call<{ floating_ip: Fip }>('GET', `${url}/os-floating-ips/${f.id}`, c.demoToken);
    assert.equal(shown.body.floating_ip.instance_id, serverA);
    assert.ok(shown.body.floating_ip.fixed_ip, 'the fixed address it points at');
    const server = await c.call<{ server: { addresses: Record<string, AddressItem[]> } }>('GET', `${url}/servers/${serverA}`, c.demoToken);
    const items = Object.values(server.body.server.addresses).flat();
    assert.deepEqual(
      items.map((i) => [i.addr, i['OS-EXT-IPS:type']]),
      [
        [shown.body.floating_ip.fixed_ip, 'fixed'],
        [f.ip, 'floating'],
      ],
    );
    const plumbing = networkDriver(c).calls.filter((call) => call.op === 'addFloatingIp');
    assert.deepEqual(plumbing.at(-1), { op: 'addFloatingIp', floating: f.ip, fixed: shown.body.floating_ip.fixed_ip, interface: 'eth9' });
    const note = await c.notification(serverA, ['network.floating_ip.associate']);
    assert.equal(note.payload.floating_ip, f.ip);
    const again = await c.call('POST', `${url}/servers/${serverA}/action`, c.demoToken, { addFloatingIp: { address: f.ip } });
    assert.equal(again.status, 202, 'associating it where it already is changes nothing');
  });

  await t.test('an address already on another server is refused with 400; a missing address is 404', async () => {
    serverB = await bootServer(c, 'fip-b');
    const taken = await c.call<Fault>('POST', `${url}/servers/${serverB}/action`, c.demoToken, {
      addFloatingIp: { address: (fip as Fip).ip },
    });
    assert.equal(taken.status, 400, JSON.stringify(taken.body));
    const missing = await c.call<Fault>('POST', `${url}/servers/${serverB}/action`, c.demoToken, {
      addFloatingIp: { address: '192.0.2.200' },
    });
    assert.equal(missing.status, 404);
    const wrongFixed = await c.call<Fault>('POST', `${url}/servers/${serverB}/action`, c.demoToken, {
      addFloatingIp: { address: (fip as Fip).ip, fixed_address: '10.255.255.1' },
    });
    assert.equal(wrongFixed.status, 400);
    const noBody = await c.call<Fault>('POST', `${url}/servers/${serverB}/action`, c.demoToken, { addFloatingIp: {} });
    assert.equal(noBody.status, 400);
    const notHere = await c.call<Fault>('POST', `${url}/servers/${serverB}/action`, c.demoToken, {
      removeFloatingIp: { address: (fip as Fip).ip },
    });
    assert.equal(notHere.status, 409, 'removing it from a server it is not on');
  });

  await t.test('removeFloatingIp takes it off: NAT removed, addresses fixed only', async () => {
    const f = fip as Fip;
    const removed = await c.call('POST', `${url}/servers/${serverA}/action`, c.demoToken, { removeFloatingIp: { address: f.ip } });
    assert.equal(removed.status, 202, JSON.stringify(removed.body));
    const shown = await c.call<{ floating_ip: Fip }>('GET', `${url}/os-floating-ips/${f.id}`, c.demoToken);
    assert.equal(shown.body.floating_ip.instance_id, null);
    assert.equal(shown.body.floating_ip.fixed_ip, null);
    const server = await c.call<{ server: { addresses: Record<string, AddressItem[]> } }>('GET', `${url}/servers/${serverA}`, c.demoToken);
    assert.deepEqual(
      Object.values(server.body.server.addresses)
        .flat()
        .map((i) => i['OS-EXT-IPS:type']),
      ['fixed'],
    );
    assert.equal(
      networkDriver(c)
        .calls.filter((call) => call.op === 'removeFloatingIp')
        .at(-1)?.floating,
      f.ip,
    );
    const twice = await c.call<Fault>('POST', `${url}/servers/${serverA}/action`, c.demoToken, { removeFloatingIp: { address: f.ip } });
    assert.equal(twice.status, 409);
  });

  await t.test('releasing an associated address unhooks it first; released, it is gone from the list', async () => {
    const f = fip as Fip;
    const added = await c.call('POST', `${url}/servers/${serverB}/action`, c.demoToken, { addFloatingIp: { address: f.ip } });
    assert.equal(added.status, 202);
    const released = await c.call('DELETE', `${url}/os-floating-ips/${f.id}`, c.demoToken);
    assert.equal(released.status, 202);
    const listed = await c.call<{ floating_ips: Fip[] }>('GET', `${url}/os-floating-ips`, c.demoToken);
    assert.deepEqual(listed.body.floating_ips, []);
    const bulk = await c.call<{ floating_ip_info: { address: string; project_id: string | null; instance_uuid: string | null }[] }>(
      'GET',
      `${url}/os-floating-ips-bulk`,
      c.adminToken,
    );
    const row = bulk.body.floating_ip_info.find((x) => x.address === f.ip);
    assert.deepEqual([row?.project_id, row?.instance_uuid], [null, null]);
  });

  await t.test('the floating_ips quota refuses a second address with 403', async () => {
    const projectId = c.cloud.bootstrap.demo.projectId;
    const set = await c.call('PUT', `${url}/os-quota-sets/${projectId}`, c.adminToken, { quota_set: { floating_ips: 1 } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const first = await c.call<{ floating_ip: Fip }>('POST', `${url}/os-floating-ips`, c.demoToken, { pool: 'public' });
    assert.equal(first.status, 200);
    const second = await c.call<Fault>('POST', `${url}/os-floating-ips`, c.demoToken, { pool: 'public' });
    assert.equal(second.status, 403, JSON.stringify(second.body));
    const listed = await c.call<{ floating_ips: Fip[] }>('GET', `${url}/os-floating-ips`, c.demoToken);
    assert.equal(listed.body.floating_ips.length, 1, 'the refused request left nothing behind');
  });

  await t.test('bulk delete frees the range; another id than "delete" is 404', async () => {
    const wrong = await c.call<Fault>('PUT', `${url}/os-floating-ips-bulk/remove`, c.adminToken, { ip_range: '203.0.113.0/29' });
    assert.equal(wrong.status, 404);
    const deleted = await c.call<{ floating_ips_bulk_delete: string }>('PUT', `${url}/os-floating-ips-bulk/delete`, c.adminToken, {
      ip_range: '203.0.113.0/29',
    });
    assert.equal(deleted.status, 200);
    assert.equal(deleted.body.floating_ips_bulk_delete, '203.0.113.0/29');
    const listed = await c.call<{ floating_ip_info: unknown[] }>('GET', `${url}/os-floating-ips-bulk`, c.adminToken);
    assert.deepEqual(listed.body.floating_ip_info, []);
  });
});
