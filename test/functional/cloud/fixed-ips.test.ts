/**
 * os-fixed-ips and os-tenant-networks through the whole cloud over HTTP: a booted server's
 * fixed IP shown with its network and instance, reserved and unreserved by an admin,
 * refused to a member; the project's networks listed.
 */
import assert from 'node:assert/strict';
import { forEachCloudBackend } from '../cloud-harness.js';

type Fault = Record<string, { code: number; message: string }>;

forEachCloudBackend('fixed IPs and tenant networks over HTTP', async (t, c) => {
  const url = c.computeUrl;
  let address = '';
  let serverId = '';

  await t.test('a server boots with a fixed IP', async () => {
    const posted = await c.call<{ server: { id: string } }>('POST', `${url}/servers`, c.demoToken, {
      server: { name: 'fixed-1', imageRef: c.imageId, flavorRef: '1' },
    });
    assert.equal(posted.status, 202);
    serverId = posted.body.server.id;
    const built = await c.notification(serverId, ['compute.instance.create.end', 'compute.instance.create.error']);
    assert.equal(built.event_type, 'compute.instance.create.end');
    const server = await c.call<{ server: { addresses: Record<string, { addr: string }[]> } }>(
      'GET',
      `${url}/servers/${serverId}`,
      c.demoToken,
    );
    address = Object.values(server.body.server.addresses).flat()[0]?.addr ?? '';
    assert.ok(address);
  });

  await t.test('os-fixed-ips shows the address with its network cidr, instance hostname and host', async () => {
    const shown = await c.call<{ fixed_ip: Record<string, unknown> }>('GET', `${url}/os-fixed-ips/${address}`, c.adminToken);
    assert.equal(shown.status, 200, JSON.stringify(shown.body));
    const computeHost = c.cloud.services.find((s) => s.binary === 'nova-compute')?.host;
    assert.deepEqual(Object.keys(shown.body.fixed_ip).sort(), ['address', 'cidr', 'host', 'hostname']);
    assert.equal(shown.body.fixed_ip.address, address);
    assert.equal(shown.body.fixed_ip.hostname, 'fixed-1');
    assert.equal(shown.body.fixed_ip.host, computeHost);
    assert.match(shown.body.fixed_ip.cidr as string, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
  });

  await t.test('os-fixed-ips refuses a member (403), a bad address (400) and an unknown one (404)', async () => {
    assert.equal((await c.call<Fault>('GET', `${url}/os-fixed-ips/${address}`, c.demoToken)).status, 403);
    assert.equal((await c.call<Fault>('GET', `${url}/os-fixed-ips/not-an-ip`, c.adminToken)).status, 400);
    assert.equal((await c.call<Fault>('GET', `${url}/os-fixed-ips/192.0.2.254`, c.adminToken)).status, 404);
    assert.equal((await c.call<Fault>('POST', `${url}/os-fixed-ips/192.0.2.254/action`, c.adminToken, { reserve: null })).status, 404);
    assert.equal((await c.call<Fault>('POST', `${url}/os-fixed-ips/${address}/action`, c.adminToken, { explode: null })).status, 400);
  });

  await t.test('reserve and unreserve take the address out of the pool and back', async () => {
    const unused = address.replace(/\.(\d+)$/, (_m, last: string) => `.${Number(last) + 5}`);
    assert.equal((await c.call('POST', `${url}/os-fixed-ips/${unused}/action`, c.adminToken, { reserve: null })).status, 202);
    const reserved = await c.call<{ fixed_ip: { reserved: boolean } }>('GET', `${url}/os-fixed-ips/${unused}`, c.adminToken);
    assert.equal(reserved.status, 200);
    // Nova reads only the action's key; Tempest sends the string "None" as its value.
    assert.equal((await c.call('POST', `${url}/os-fixed-ips/${unused}/action`, c.adminToken, { unreserve: 'None' })).status, 202);
    const row = await c.db.kysely.selectFrom('fixed_ips').select('reserved').where('address', '=', unused).executeTakeFirstOrThrow();
    assert.equal(!!row.reserved, false);
  });

  await t.test('os-tenant-networks lists the networks the project may use, and shows one', async () => {
    const listed = await c.call<{ networks: { id: string; cidr: string; label: string }[] }>(
      'GET',
      `${url}/os-tenant-networks`,
      c.demoToken,
    );
    assert.equal(listed.status, 200);
    assert.ok(listed.body.networks.length >= 1);
    const first = listed.body.networks[0] as { id: string; cidr: string; label: string };
    assert.deepEqual(Object.keys(first).sort(), ['cidr', 'id', 'label']);
    const shown = await c.call<{ network: unknown }>('GET', `${url}/os-tenant-networks/${first.id}`, c.demoToken);
    assert.deepEqual(shown.body.network, first);
    assert.equal((await c.call('GET', `${url}/os-tenant-networks/00000000-0000-0000-0000-000000000000`, c.demoToken)).status, 404);
  });

  await t.test('multinic: addFixedIp gives the server an address on another network, removeFixedIp takes it away', async () => {
    const created = await c.call<{ network: { id: string } }>('POST', `${url}/os-networks`, c.adminToken, {
      network: { label: 'second', cidr: '10.123.0.0/28', bridge: 'br123' },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const added = await c.call('POST', `${url}/servers/${serverId}/action`, c.demoToken, {
      addFixedIp: { networkId: created.body.network.id },
    });
    assert.equal(added.status, 202, JSON.stringify(added.body));
    const shown = await c.call<{ server: { addresses: Record<string, { addr: string }[]> } }>(
      'GET',
      `${url}/servers/${serverId}`,
      c.demoToken,
    );
    const second = shown.body.server.addresses.second?.[0]?.addr;
    assert.match(second ?? '', /^10\.123\.0\.\d+$/, JSON.stringify(shown.body.server.addresses));
    assert.equal(
      (
        await c.call('POST', `${url}/servers/${serverId}/action`, c.demoToken, {
          addFixedIp: { networkId: '00000000-0000-0000-0000-000000000000' },
        })
      ).status,
      404,
    );
    assert.equal(
      (await c.call('POST', `${url}/servers/${serverId}/action`, c.demoToken, { removeFixedIp: { address: '10.123.0.99' } })).status,
      400,
    );
    const removed = await c.call('POST', `${url}/servers/${serverId}/action`, c.demoToken, { removeFixedIp: { address: second } });
    assert.equal(removed.status, 202, JSON.stringify(removed.body));
    const after = await c.call<{ server: { addresses: Record<string, { addr: string }[]> } }>(
      'GET',
      `${url}/servers/${serverId}`,
      c.demoToken,
    );
    assert.deepEqual(
      Object.keys(after.body.server.addresses),
      Object.keys(shown.body.server.addresses).filter((k) => k !== 'second'),
    );
  });
});
