import assert from 'node:assert/strict';
import { AdminRequired } from '../../../src/common/errors.js';
import { FixedIpInvalid, FixedIpNotFoundForAddress, FixedIpNotFoundForNetworkHost } from '../../../src/common/network-errors.js';
import { RequestContext } from '../../../src/context/context.js';
import { softDeleteWhere } from '../../../src/db/api/common.js';
import {
  fixedIpAssociatePool,
  fixedIpBulkCreate,
  fixedIpGetAllAllocated,
  fixedIpGetByAddress,
  fixedIpGetByNetwork,
  fixedIpGetByNetworkHost,
  fixedIpGetByVirtualInterface,
  fixedIpUpdate,
} from '../../../src/db/api/fixed-ips.js';
import { networkCreateSafe } from '../../../src/db/api/networks.js';
import { virtualInterfaceCreate } from '../../../src/db/api/virtual-interfaces.js';
import { forEachEngine } from './engines.js';
import { insertInstance } from './rows.js';

forEachEngine('fixed-ips DB API', async (t, { db }) => {
  const net = await networkCreateSafe(db, null, { label: 'big', cidr: '10.8.0.0/23', cidr_v6: 'fd00:8::/64' });

  await t.test('fixedIpBulkCreate writes more rows than one statement takes, with Nova defaults', async () => {
    const rows = Array.from({ length: 510 }, (_, i) => ({ network_id: net.id, address: `10.8.${Math.floor(i / 256)}.${i % 256}` }));
    await fixedIpBulkCreate(db, null, rows);
    const all = await fixedIpGetByNetwork(db, null, net.id);
    assert.equal(all.length, 510);
    const first = all[0];
    assert.deepEqual([first?.allocated, first?.leased, first?.reserved, first?.instance_uuid], [false, false, false, null]);
    await fixedIpBulkCreate(db, null, []);
    await assert.rejects(fixedIpBulkCreate(db, new RequestContext({ userId: 'u', projectId: 'p' }), rows), AdminRequired);
  });

  await t.test('addresses are matched in canonical form; text that is no address is FixedIpInvalid', async () => {
    await fixedIpBulkCreate(db, null, [{ network_id: net.id, address: 'fd00:8::a' }]);
    assert.equal((await fixedIpGetByAddress(db, null, 'fd00:0008:0000::000a')).address, 'fd00:8::a');
    await assert.rejects(fixedIpGetByAddress(db, null, '10.8.9.9'), FixedIpNotFoundForAddress);
    await assert.rejects(fixedIpGetByAddress(db, null, '10.8.0.300'), FixedIpInvalid);
  });

  await t.test('a soft-deleted address is found only when the context reads deleted rows', async () => {
    const row = await fixedIpGetByAddress(db, null, '10.8.1.253');
    await softDeleteWhere(db, 'fixed_ips', { id: row.id });
    await assert.rejects(fixedIpGetByAddress(db, null, '10.8.1.253'), FixedIpNotFoundForAddress);
    const reader = new RequestContext({ userId: 'a', projectId: 'p', isAdmin: true, readDeleted: 'yes' });
    assert.equal((await fixedIpGetByAddress(db, reader, '10.8.1.253')).id, row.id);
  });

  await t.test("a network host's own address is found by network and host", async () => {
    const address = await fixedIpAssociatePool(db, null, net.id, { host: 'nethost' });
    assert.equal((await fixedIpGetByNetworkHost(db, null, net.id, 'nethost')).address, address);
    await assert.rejects(fixedIpGetByNetworkHost(db, null, net.id, 'elsewhere'), FixedIpNotFoundForNetworkHost);
  });

  await t.test('allocated addresses are those of an instance bound to an interface', async () => {
    const inst = await insertInstance(db);
    const vif = await virtualInterfaceCreate(db, null, { address: 'fa:16:3e:08:00:01', instance_uuid: inst, network_id: net.id });
    const bound = await fixedIpAssociatePool(db, null, net.id, { instanceUuid: inst });
    const unbound = await fixedIpAssociatePool(db, null, net.id, { instanceUuid: inst });
    await fixedIpUpdate(db, null, bound, { allocated: true, virtual_interface_id: vif.id });
    assert.deepEqual(
      (await fixedIpGetByVirtualInterface(db, null, vif.id)).map((r) => r.address),
      [bound],
    );
    assert.deepEqual(
      (await fixedIpGetAllAllocated(db, null)).map((r) => r.address),
      [bound],
    );
    assert.equal((await fixedIpGetByAddress(db, null, unbound)).virtual_interface_id, null);
  });

  await t.test('fixedIpUpdate sets updated_at unless told the time', async () => {
    const then = new Date(Date.UTC(2013, 3, 4));
    const old = await fixedIpUpdate(db, null, '10.8.0.9', { leased: true, updated_at: then });
    assert.equal(old.updated_at?.getTime(), then.getTime());
    const touched = await fixedIpUpdate(db, null, '10.8.0.9', { leased: false });
    assert.ok((touched.updated_at as Date).getTime() > then.getTime());
  });
});
