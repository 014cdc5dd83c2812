import assert from 'node:assert/strict';
import { AdminRequired } from '../../../src/common/errors.js';
import {
  FloatingIpExists,
  FloatingIpNotFoundForAddress,
  FloatingIpNotFoundForHost,
  FloatingIpNotFoundForId,
  InvalidFloatingIpRange,
  NoMoreFloatingIps,
} from '../../../src/common/network-errors.js';
import { RequestContext } from '../../../src/context/context.js';
import { fixedIpAssociatePool, fixedIpBulkCreate, fixedIpGetByAddress } from '../../../src/db/api/fixed-ips.js';
import {
  floatingIpAllocateAddress,
  floatingIpBulkCreate,
  floatingIpBulkDestroy,
  floatingIpDeallocate,
  floatingIpDisassociate,
  floatingIpFixedIpAssociate,
  floatingIpGet,
  floatingIpGetAll,
  floatingIpGetAllByHost,
  floatingIpGetAllByProject,
  floatingIpGetByAddress,
  floatingIpGetByFixedAddress,
  floatingIpGetByFixedIpIds,
  floatingIpGetPools,
  floatingIpSetHost,
} from '../../../src/db/api/floating-ips.js';
import { networkCreateSafe } from '../../../src/db/api/networks.js';
import { forEachEngine } from './engines.js';
import { insertInstance } from './rows.js';

const row = (address: string, pool = 'public') => ({ address, pool, interface: 'eth0' });

forEachEngine('floating-ips DB API', async (t, { db }) => {
  const user = new RequestContext({ userId: 'u', projectId: 'p1' });
  await floatingIpBulkCreate(db, null, [row('172.24.4.1'), row('172.24.4.2'), row('172.24.4.3'), row('2001:db8:0::00a', 'v6')]);

  await t.test('floatingIpBulkCreate stores canonical addresses, free, in id order', async () => {
    const all = await floatingIpGetAll(db, null);
    assert.deepEqual(
      all.map((f) => f.address),
      ['172.24.4.1', '172.24.4.2', '172.24.4.3', '2001:db8::a'],
    );
    const first = all[0];
    assert.deepEqual(
      [first?.pool, first?.interface, first?.project_id, first?.host, first?.fixed_ip_id, first?.auto_assigned],
      ['public', 'eth0', null, null, null, false],
    );
    assert.deepEqual([first?.fixed_address, first?.instance_uuid], [null, null]);
  });

  await t.test(
    'an address already live is FloatingIpExists and nothing of the batch is written; bad text is InvalidFloatingIpRange',
    async () => {
      await assert.rejects(floatingIpBulkCreate(db, null, [row('172.24.4.9'), row('2001:db8::a', 'v6')]), FloatingIpExists);
      await assert.rejects(floatingIpGetByAddress(db, null, '172.24.4.9'), FloatingIpNotFoundForAddress);
      await assert.rejects(floatingIpBulkCreate(db, null, [row('172.24.4.300')]), InvalidFloatingIpRange);
      await assert.rejects(floatingIpBulkCreate(db, user, [row('172.24.4.10')]), AdminRequired);
      await floatingIpBulkCreate(db, null, []);
      assert.equal((await floatingIpGetAll(db, null)).length, 4);
    },
  );

  await t.test('floatingIpGet and floatingIpGetByAddress find live rows and raise typed not-found errors', async () => {
    const byAddress = await floatingIpGetByAddress(db, null, '2001:0db8:0000::000a');
    assert.equal(byAddress.address, '2001:db8::a');
    assert.equal((await floatingIpGet(db, null, byAddress.id)).address, '2001:db8::a');
    await assert.rejects(floatingIpGet(db, null, 999999), FloatingIpNotFoundForId);
    await assert.rejects(floatingIpGetByAddress(db, null, '10.9.9.9'), FloatingIpNotFoundForAddress);
    await assert.rejects(floatingIpGetByAddress(db, null, 'not-an-address'), FloatingIpNotFoundForAddress);
  });

  await t.test('floatingIpGetPools lists each live pool once, sorted', async () => {
    await floatingIpBulkCreate(db, null, [row('10.50.0.1', 'abc'), row('10.50.0.2', 'abc')]);
    assert.deepEqual(await floatingIpGetPools(db, null), ['abc', 'public', 'v6']);
    await floatingIpBulkDestroy(db, null, ['10.50.0.1', '10.50.0.2']);
    assert.deepEqual(await floatingIpGetPools(db, null), ['public', 'v6']);
  });

  await t.test('floatingIpAllocateAddress hands out the first free address of the pool until none is left', async () => {
    assert.equal(await floatingIpAllocateAddress(db, null, 'p1', 'public'), '172.24.4.1');
    assert.equal(await floatingIpAllocateAddress(db, null, 'p1', 'public', { autoAssigned: true }), '172.24.4.2');
    assert.equal((await floatingIpGetByAddress(db, null, '172.24.4.2')).auto_assigned, true);
    assert.equal(await floatingIpAllocateAddress(db, null, 'p2', 'public'), '172.24.4.3');
    await assert.rejects(floatingIpAllocateAddress(db, null, 'p2', 'public'), NoMoreFloatingIps);
    await assert.rejects(floatingIpAllocateAddress(db, null, 'p2', 'nosuchpool'), NoMoreFloatingIps);
  });

  await t.test("floatingIpGetAllByProject lists the project's own addresses, not auto-assigned ones", async () => {
    assert.deepEqual(
      (await floatingIpGetAllByProject(db, null, 'p1')).map((f) => f.address),
      ['172.24.4.1'],
    );
    assert.deepEqual(
      (await floatingIpGetAllByProject(db, null, 'p2')).map((f) => f.address),
      ['172.24.4.3'],
    );
    assert.deepEqual(await floatingIpGetAllByProject(db, null, 'p3'), []);
  });

  await t.test('floatingIpDeallocate returns an address to its pool', async () => {
    await floatingIpSetHost(db, null, '172.24.4.2', 'net1');
    await floatingIpDeallocate(db, null, '172.24.4.2');
    const freed = await floatingIpGetByAddress(db, null, '172.24.4.2');
    assert.deepEqual([freed.project_id, freed.host, freed.auto_assigned], [null, null, false]);
    assert.equal(await floatingIpAllocateAddress(db, null, 'p3', 'public'), '172.24.4.2');
  });

  await t.test('association joins the fixed address and instance; disassociation returns the fixed address', async () => {
    const net = await networkCreateSafe(db, null, { label: 'priv', cidr: '10.0.0.0/29' });
    await fixedIpBulkCreate(db, null, [
      { network_id: net.id, address: '10.0.0.2' },
      { network_id: net.id, address: '10.0.0.3' },
    ]);
    const inst = await insertInstance(db);
    const fixed = await fixedIpAssociatePool(db, null, net.id, { instanceUuid: inst });
    const fixedRow = await fixedIpGetByAddress(db, null, fixed);
    await floatingIpFixedIpAssociate(db, null, '172.24.4.1', fixedRow.id, 'net1');
    const linked = await floatingIpGetByAddress(db, null, '172.24.4.1');
    assert.deepEqual([linked.fixed_ip_id, linked.fixed_address, linked.instance_uuid, linked.host], [fixedRow.id, fixed, inst, 'net1']);
    assert.deepEqual(
      (await floatingIpGetByFixedAddress(db, null, fixed)).map((f) => f.address),
      ['172.24.4.1'],
    );
    assert.deepEqual(await floatingIpGetByFixedAddress(db, null, '10.0.0.3'), []);
    assert.deepEqual(
      (await floatingIpGetByFixedIpIds(db, null, [fixedRow.id, 999999])).map((f) => f.address),
      ['172.24.4.1'],
    );
    assert.deepEqual(await floatingIpGetByFixedIpIds(db, null, []), []);
    await assert.rejects(floatingIpFixedIpAssociate(db, null, '172.24.4.99', fixedRow.id, 'net1'), FloatingIpNotFoundForAddress);

    assert.equal(await floatingIpDisassociate(db, null, '172.24.4.1'), fixed);
    const unlinked = await floatingIpGetByAddress(db, null, '172.24.4.1');
    assert.deepEqual([unlinked.fixed_ip_id, unlinked.fixed_address, unlinked.host, unlinked.project_id], [null, null, null, 'p1']);
    assert.equal(await floatingIpDisassociate(db, null, '172.24.4.1'), null);
    await assert.rejects(floatingIpDisassociate(db, null, '172.24.4.99'), FloatingIpNotFoundForAddress);
  });

  await t.test('floatingIpGetAllByHost lists what a network host carries; none is FloatingIpNotFoundForHost', async () => {
    await floatingIpSetHost(db, null, '172.24.4.3', 'net2');
    await floatingIpSetHost(db, null, '2001:db8::a', 'net2');
    assert.deepEqual(
      (await floatingIpGetAllByHost(db, null, 'net2')).map((f) => f.address),
      ['172.24.4.3', '2001:db8::a'],
    );
    await floatingIpSetHost(db, null, '2001:db8::a', null);
    assert.deepEqual(
      (await floatingIpGetAllByHost(db, null, 'net2')).map((f) => f.address),
      ['172.24.4.3'],
    );
    await assert.rejects(floatingIpGetAllByHost(db, null, 'net9'), FloatingIpNotFoundForHost);
    await assert.rejects(floatingIpGetAllByHost(db, user, 'net2'), AdminRequired);
    await assert.rejects(floatingIpGetAll(db, user), AdminRequired);
  });

  await t.test('floatingIpBulkDestroy soft-deletes live rows, counts them, and frees the addresses for re-creation', async () => {
    assert.equal(await floatingIpBulkDestroy(db, null, ['172.24.4.3', '2001:0db8::a', '192.0.2.1']), 2);
    assert.equal(await floatingIpBulkDestroy(db, null, ['172.24.4.3']), 0);
    await assert.rejects(floatingIpGetByAddress(db, null, '172.24.4.3'), FloatingIpNotFoundForAddress);
    await assert.rejects(floatingIpGetAllByHost(db, null, 'net2'), FloatingIpNotFoundForHost);
    assert.deepEqual(
      (await floatingIpGetAllByProject(db, null, 'p2')).map((f) => f.address),
      [],
    );
    assert.deepEqual(await floatingIpGetPools(db, null), ['public']);
    await floatingIpBulkCreate(db, null, [row('172.24.4.3')]);
    assert.equal((await floatingIpGetByAddress(db, null, '172.24.4.3')).project_id, null);
    await assert.rejects(floatingIpBulkDestroy(db, user, ['172.24.4.3']), AdminRequired);
  });

  await t.test('more addresses than one IN list or INSERT takes are created and destroyed in one call', async () => {
    const many = Array.from({ length: 600 }, (_, i) => `10.60.${Math.floor(i / 256)}.${i % 256}`);
    await floatingIpBulkCreate(
      db,
      null,
      many.map((a) => row(a, 'bulk')),
    );
    assert.equal((await floatingIpGetAll(db, null)).filter((f) => f.pool === 'bulk').length, 600);
    await assert.rejects(floatingIpBulkCreate(db, null, [row('10.60.9.9', 'bulk'), row(many[599] as string, 'bulk')]), FloatingIpExists);
    assert.equal(await floatingIpBulkDestroy(db, null, many), 600);
    assert.equal((await floatingIpGetAll(db, null)).filter((f) => f.pool === 'bulk').length, 0);
  });

  await t.test('projects racing for the last free addresses each get a different one', async () => {
    await floatingIpBulkCreate(db, null, [row('10.70.0.1', 'race'), row('10.70.0.2', 'race'), row('10.70.0.3', 'race')]);
    const got = await Promise.allSettled(['r1', 'r2', 'r3', 'r4'].map((p) => floatingIpAllocateAddress(db, null, p, 'race')));
    const addresses = got.filter((g) => g.status === 'fulfilled').map((g) => (g as PromiseFulfilledResult<string>).value);
    assert.deepEqual([...addresses].sort(), ['10.70.0.1', '10.70.0.2', '10.70.0.3']);
    const failed = got.filter((g) => g.status === 'rejected');
    assert.equal(failed.length, 1);
    assert.ok((failed[0] as PromiseRejectedResult).reason instanceof NoMoreFloatingIps);
  });
});
