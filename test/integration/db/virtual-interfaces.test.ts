import assert from 'node:assert/strict';
import { VirtualInterfaceCreateException } from '../../../src/common/network-errors.js';
import { networkCreateSafe } from '../../../src/db/api/networks.js';
import {
  virtualInterfaceCreate,
  virtualInterfaceDeleteByInstance,
  virtualInterfaceGet,
  virtualInterfaceGetAll,
  virtualInterfaceGetByAddress,
  virtualInterfaceGetByInstance,
  virtualInterfaceGetByInstanceAndNetwork,
  virtualInterfaceGetByUuid,
} from '../../../src/db/api/virtual-interfaces.js';
import { DBDuplicateEntry } from '../../../src/db/errors.js';
import { forEachEngine } from './engines.js';
import { insertInstance } from './rows.js';

forEachEngine('virtual-interfaces DB API', async (t, { db }) => {
  const netA = await networkCreateSafe(db, null, { label: 'a', cidr: '10.20.0.0/24' });
  const netB = await networkCreateSafe(db, null, { label: 'b', cidr: '10.21.0.0/24' });
  const inst = await insertInstance(db);

  await t.test('an interface is found by id, MAC, uuid, instance and (instance, network)', async () => {
    const a = await virtualInterfaceCreate(db, null, { address: 'fa:16:3e:20:00:01', instance_uuid: inst, network_id: netA.id });
    const b = await virtualInterfaceCreate(db, null, {
      address: 'fa:16:3e:20:00:02',
      instance_uuid: inst,
      network_id: netB.id,
      uuid: '5a5a5a5a-0000-4000-8000-000000000002',
    });
    assert.equal((await virtualInterfaceGet(db, null, a.id))?.address, 'fa:16:3e:20:00:01');
    assert.equal((await virtualInterfaceGetByAddress(db, null, 'fa:16:3e:20:00:02'))?.id, b.id);
    assert.equal((await virtualInterfaceGetByUuid(db, null, '5a5a5a5a-0000-4000-8000-000000000002'))?.id, b.id);
    assert.equal((await virtualInterfaceGetByInstanceAndNetwork(db, null, inst, netB.id))?.id, b.id);
    assert.deepEqual(
      (await virtualInterfaceGetByInstance(db, null, inst)).map((v) => v.id),
      [a.id, b.id],
    );
    assert.equal(await virtualInterfaceGet(db, null, 999_999), null);
    assert.equal(await virtualInterfaceGetByAddress(db, null, 'fa:16:3e:ff:ff:ff'), null);
    assert.equal(await virtualInterfaceGetByInstanceAndNetwork(db, null, await insertInstance(db), netA.id), null);
  });

  await t.test('a MAC in use anywhere is DBDuplicateEntry; any other failure is VirtualInterfaceCreateException', async () => {
    const other = await insertInstance(db);
    await assert.rejects(
      virtualInterfaceCreate(db, null, { address: 'fa:16:3e:20:00:01', instance_uuid: other, network_id: netA.id }),
      DBDuplicateEntry,
    );
    await assert.rejects(
      virtualInterfaceCreate(db, null, {
        address: 'fa:16:3e:20:00:09',
        instance_uuid: '00000000-0000-4000-8000-000000000000',
        network_id: netA.id,
      }),
      VirtualInterfaceCreateException,
    );
  });

  await t.test('deleting an instance interfaces removes the rows for good and frees their MACs', async () => {
    const other = await insertInstance(db);
    await virtualInterfaceCreate(db, null, { address: 'fa:16:3e:20:00:03', instance_uuid: other, network_id: netA.id });
    assert.equal(await virtualInterfaceDeleteByInstance(db, null, inst), 2);
    assert.equal(await virtualInterfaceDeleteByInstance(db, null, inst), 0);
    assert.deepEqual(
      (await virtualInterfaceGetAll(db, null)).map((v) => v.address),
      ['fa:16:3e:20:00:03'],
    );
    const again = await virtualInterfaceCreate(db, null, { address: 'fa:16:3e:20:00:01', instance_uuid: other, network_id: netB.id });
    assert.equal(again.instance_uuid, other);
  });
});
