import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AdminRequired, NetworkNotFound } from '../../../src/common/errors.js';
import {
  DuplicateVlan,
  FixedIpAlreadyInUse,
  FixedIpInvalid,
  FixedIpNotFoundForInstance,
  FixedIpNotFoundForNetwork,
  NetworkInUse,
  NetworkNotFoundForCidr,
  NetworkNotFoundForProject,
  NetworkNotFoundForUUID,
  NoMoreFixedIps,
  NoMoreNetworks,
} from '../../../src/common/network-errors.js';
import { RequestContext } from '../../../src/context/context.js';
import type { Db } from '../../../src/db/api/common.js';
import {
  fixedIpAssociate,
  fixedIpAssociatePool,
  fixedIpBulkCreate,
  fixedIpDisassociate,
  fixedIpDisassociateAllByTimeout,
  fixedIpGetByAddress,
  fixedIpGetByInstance,
  fixedIpGetByNetwork,
  fixedIpUpdate,
} from '../../../src/db/api/fixed-ips.js';
import {
  networkAssociate,
  networkCreateSafe,
  networkDeleteSafe,
  networkGet,
  networkGetAll,
  networkGetAllByUuids,
  networkGetByCidr,
  networkGetByUuid,
  networkSetHost,
} from '../../../src/db/api/networks.js';
import {
  virtualInterfaceCreate,
  virtualInterfaceDeleteByInstance,
  virtualInterfaceGetByInstance,
} from '../../../src/db/api/virtual-interfaces.js';
import { DBDuplicateEntry } from '../../../src/db/errors.js';
import { forEachEngine } from './engines.js';

async function makeInstance(db: Db, projectId = 'p1', host: string | null = 'cmp1'): Promise<string> {
  const uuid = randomUUID();
  await db.kysely
    .insertInto('instances')
    .values({ uuid, project_id: projectId, host, hostname: `vm-${uuid.slice(0, 4)}`, deleted: 0 })
    .execute();
  return uuid;
}

const addresses = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

forEachEngine('networks / fixed_ips / virtual_interfaces DB API', async (t, { db }) => {
  const net = await networkCreateSafe(db, null, {
    label: 'private',
    cidr: '10.1.0.0/29',
    netmask: '255.255.255.248',
    gateway: '10.1.0.1',
    broadcast: '10.1.0.7',
    dhcp_start: '10.1.0.2',
    bridge: 'br100',
    cidr_v6: 'fd00:1::/64',
    netmask_v6: '64',
  });
  await fixedIpBulkCreate(
    db,
    null,
    addresses('10.1.0.', 0, 7).map((address, i) => ({ network_id: net.id, address, reserved: i < 2 || i === 7 })),
  );

  await t.test('networkCreateSafe gives each network a uuid and Nova defaults', () => {
    assert.match(net.uuid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(net.injected, false);
    assert.equal(net.multi_host, false);
    assert.equal(net.cidr, '10.1.0.0/29');
  });

  await t.test('networks are found by id, uuid and cidr (v4 or v6)', async () => {
    assert.equal((await networkGet(db, null, net.id)).uuid, net.uuid);
    assert.equal((await networkGetByUuid(db, null, net.uuid as string)).id, net.id);
    assert.equal((await networkGetByCidr(db, null, '10.1.0.0/29')).id, net.id);
    assert.equal((await networkGetByCidr(db, null, 'fd00:1::/64')).id, net.id);
    await assert.rejects(networkGet(db, null, 99999), NetworkNotFound);
    await assert.rejects(networkGetByUuid(db, null, randomUUID()), NetworkNotFoundForUUID);
    await assert.rejects(networkGetByCidr(db, null, '10.9.0.0/24'), NetworkNotFoundForCidr);
  });

  await t.test('networkCreateSafe refuses a second live network on the same VLAN', async () => {
    const a = await networkCreateSafe(db, null, { label: 'v1', vlan: 200 });
    await assert.rejects(networkCreateSafe(db, null, { label: 'v2', vlan: 200 }), DuplicateVlan);
    await networkDeleteSafe(db, null, a.id);
  });

  await t.test('networkGetAllByUuids keeps the order asked and names the missing uuid', async () => {
    const other = await networkCreateSafe(db, null, { label: 'other', project_id: 'p2' });
    const rows = await networkGetAllByUuids(db, null, [other.uuid as string, net.uuid as string]);
    assert.deepEqual(
      rows.map((r) => r.id),
      [other.id, net.id],
    );
    const missing = randomUUID();
    await assert.rejects(networkGetAllByUuids(db, null, [net.uuid as string, missing]), (err: Error) => {
      assert.ok(err instanceof NetworkNotFound);
      assert.match(err.message, new RegExp(missing));
      return true;
    });
    const user = new RequestContext({ userId: 'u', projectId: 'p1' });
    await assert.rejects(networkGetAllByUuids(db, user, [other.uuid as string], { projectOnly: true }), NetworkNotFoundForProject);
    const visible = await networkGetAll(db, user, { projectOnly: 'allow_none' });
    assert.ok(visible.every((n) => n.project_id === null || n.project_id === 'p1'));
    await networkDeleteSafe(db, null, other.id);
  });

  await t.test('fixedIpAssociatePool skips reserved addresses and hands out the lowest free one', async () => {
    const inst = await makeInstance(db);
    const address = await fixedIpAssociatePool(db, null, net.id, { instanceUuid: inst });
    assert.equal(address, '10.1.0.2');
    const rows = await fixedIpGetByInstance(db, null, inst);
    assert.deepEqual(
      rows.map((r) => r.address),
      ['10.1.0.2'],
    );
    await fixedIpDisassociate(db, null, address);
    await assert.rejects(fixedIpGetByInstance(db, null, inst), FixedIpNotFoundForInstance);
  });

  await t.test('fixedIpAssociate claims a named address once and refuses it while in use', async () => {
    const a = await makeInstance(db);
    const b = await makeInstance(db);
    assert.equal(await fixedIpAssociate(db, null, '10.1.0.5', a, { networkId: net.id }), '10.1.0.5');
    await assert.rejects(fixedIpAssociate(db, null, '10.1.0.5', b, { networkId: net.id }), FixedIpAlreadyInUse);
    await assert.rejects(fixedIpAssociate(db, null, '10.1.0.1', b, { networkId: net.id }), FixedIpNotFoundForNetwork);
    await assert.rejects(fixedIpAssociate(db, null, '10.1.9.9', b, { networkId: net.id }), FixedIpNotFoundForNetwork);
    await assert.rejects(fixedIpAssociate(db, null, 'nonsense', b, { networkId: net.id }), FixedIpInvalid);
    await fixedIpDisassociate(db, null, '10.1.0.5');
  });

  await t.test('concurrent pool claims never hand one address to two instances', async () => {
    const instances = await Promise.all(Array.from({ length: 5 }, () => makeInstance(db)));
    const got = await Promise.all(instances.map((i) => fixedIpAssociatePool(db, null, net.id, { instanceUuid: i })));
    assert.equal(new Set(got).size, 5);
    assert.deepEqual([...got].sort(), addresses('10.1.0.', 2, 6));
    await assert.rejects(fixedIpAssociatePool(db, null, net.id, { instanceUuid: await makeInstance(db) }), NoMoreFixedIps);
    for (const a of got) await fixedIpDisassociate(db, null, a);
  });

  await t.test('fixedIpDisassociateAllByTimeout frees only released addresses older than the cut-off on networks of the host', async () => {
    await networkSetHost(db, null, net.id, 'nethost');
    const inst = await makeInstance(db);
    const address = await fixedIpAssociatePool(db, null, net.id, { instanceUuid: inst });
    await fixedIpUpdate(db, null, address, { allocated: false, updated_at: new Date(Date.now() - 3_600_000) });
    assert.equal(await fixedIpDisassociateAllByTimeout(db, null, 'otherhost', new Date()), 0);
    assert.equal(await fixedIpDisassociateAllByTimeout(db, null, 'nethost', new Date(Date.now() - 7_200_000)), 0);
    assert.equal(await fixedIpDisassociateAllByTimeout(db, null, 'nethost', new Date()), 1);
    assert.equal((await fixedIpGetByAddress(db, null, address)).instance_uuid, null);
  });

  await t.test('networkSetHost keeps the first host that claimed the network', async () => {
    assert.equal(await networkSetHost(db, null, net.id, 'latecomer'), 'nethost');
  });

  await t.test('virtual interfaces: MACs are unique across the table and deleted per instance', async () => {
    const inst = await makeInstance(db);
    const vif = await virtualInterfaceCreate(db, null, { address: 'fa:16:3e:00:00:01', instance_uuid: inst, network_id: net.id });
    assert.match(vif.uuid ?? '', /^[0-9a-f-]{36}$/);
    await assert.rejects(
      virtualInterfaceCreate(db, null, { address: 'fa:16:3e:00:00:01', instance_uuid: inst, network_id: net.id }),
      DBDuplicateEntry,
    );
    assert.equal((await virtualInterfaceGetByInstance(db, null, inst)).length, 1);
    assert.equal(await virtualInterfaceDeleteByInstance(db, null, inst), 1);
    assert.equal((await virtualInterfaceGetByInstance(db, null, inst)).length, 0);
  });

  await t.test(
    'networkDeleteSafe refuses a network with an allocated address, then removes it and soft-deletes its addresses',
    async () => {
      const inst = await makeInstance(db);
      const address = await fixedIpAssociatePool(db, null, net.id, { instanceUuid: inst });
      await fixedIpUpdate(db, null, address, { allocated: true });
      await assert.rejects(networkDeleteSafe(db, null, net.id), NetworkInUse);
      await fixedIpUpdate(db, null, address, { allocated: false, instance_uuid: null });
      await networkDeleteSafe(db, null, net.id);
      await assert.rejects(networkGet(db, null, net.id), NetworkNotFound);
      assert.equal((await fixedIpGetByNetwork(db, null, net.id)).length, 0);
      const softDeleted = await db.kysely.selectFrom('fixed_ips').select('deleted').where('network_id', '=', net.id).execute();
      assert.equal(softDeleted.length, 8);
      assert.ok(softDeleted.every((r) => r.deleted !== 0));
    },
  );

  await t.test('networkAssociate gives a project its own network or the first free one', async () => {
    const free = await networkCreateSafe(db, null, { label: 'free', vlan: 300 });
    const got = await networkAssociate(db, null, 'pvlan');
    assert.equal(got.id, free.id);
    assert.equal((await networkAssociate(db, null, 'pvlan')).id, free.id);
    await assert.rejects(networkAssociate(db, null, 'another'), NoMoreNetworks);
  });

  await t.test('writes need an admin context', async () => {
    const user = new RequestContext({ userId: 'u', projectId: 'p1' });
    await assert.rejects(networkCreateSafe(db, user, { label: 'x' }), AdminRequired);
    await assert.rejects(fixedIpAssociatePool(db, user, 1, {}), AdminRequired);
  });
});
