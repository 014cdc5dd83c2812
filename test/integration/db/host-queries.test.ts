import assert from 'node:assert/strict';
import { blockDeviceMappingCreate, blockDeviceMappingGetAllByInstance } from '../../../src/db/api/block-device-mappings.js';
import { softDeleteWhere } from '../../../src/db/api/common.js';
import { aggregateMetadataByHost, blockDeviceMappingDestroyWhere, instanceTypeIdsByHost } from '../../../src/db/api/host-queries.js';
import { forEachEngine } from './engines.js';
import { aggregate, insertInstance } from './rows.js';

forEachEngine('host-queries DB API', async (t, { db }) => {
  await t.test('aggregateMetadataByHost gathers every value of each key over the live aggregates of a host', async () => {
    await aggregate(db, 'a', ['h1', 'h2'], { ssd: 'true', availability_zone: 'az1' });
    await aggregate(db, 'b', ['h1'], { ssd: 'false', gpu: 'k80' });
    await aggregate(db, 'c', ['h1'], { ssd: 'true' });
    const gone = await aggregate(db, 'd', ['h1'], { retired: 'yes' });
    await softDeleteWhere(db, 'aggregates', { id: gone });
    const byHost = await aggregateMetadataByHost(db, null);
    assert.deepEqual(byHost.get('h1'), { ssd: ['true', 'false'], availability_zone: ['az1'], gpu: ['k80'] });
    assert.deepEqual(byHost.get('h2'), { ssd: ['true'], availability_zone: ['az1'] });
    assert.equal(byHost.has('h3'), false);
  });

  await t.test('instanceTypeIdsByHost lists each flavor of the live instances of a host once', async () => {
    await insertInstance(db, { host: 'h1', instance_type_id: 1 });
    await insertInstance(db, { host: 'h1', instance_type_id: 1 });
    await insertInstance(db, { host: 'h1', instance_type_id: 2 });
    await insertInstance(db, { host: 'h2', instance_type_id: 3 });
    await insertInstance(db, { host: null, instance_type_id: 4 });
    const deleted = await insertInstance(db, { host: 'h2', instance_type_id: 5 });
    await softDeleteWhere(db, 'instances', { uuid: deleted });
    const byHost = await instanceTypeIdsByHost(db, null);
    assert.deepEqual(byHost.get('h1')?.sort(), [1, 2]);
    assert.deepEqual(byHost.get('h2'), [3]);
    assert.equal(byHost.size, 2);
  });

  await t.test('blockDeviceMappingDestroyWhere soft-deletes by ids, or by instance narrowed by volume or device', async () => {
    const uuid = await insertInstance(db);
    const vda = await blockDeviceMappingCreate(db, null, uuid, { device_name: '/dev/vda' });
    await blockDeviceMappingCreate(db, null, uuid, { device_name: '/dev/vdb', volume_id: 'vol-b' });
    await blockDeviceMappingCreate(db, null, uuid, { device_name: '/dev/vdc', volume_id: 'vol-c' });
    await blockDeviceMappingCreate(db, null, uuid, { device_name: '/dev/vdd' });
    const left = async () => (await blockDeviceMappingGetAllByInstance(db, null, uuid)).map((b) => b.device_name);

    assert.equal(await blockDeviceMappingDestroyWhere(db, null, {}), 0, 'an empty selector deletes nothing');
    assert.equal(await blockDeviceMappingDestroyWhere(db, null, { ids: [vda.id] }), 1);
    assert.equal(await blockDeviceMappingDestroyWhere(db, null, { instanceUuid: uuid, volumeId: 'vol-b' }), 1);
    assert.equal(await blockDeviceMappingDestroyWhere(db, null, { instanceUuid: uuid, deviceName: '/dev/vdc' }), 1);
    assert.deepEqual(await left(), ['/dev/vdd']);
    assert.equal(await blockDeviceMappingDestroyWhere(db, null, { ids: [vda.id] }), 0, 'a deleted mapping is not deleted twice');
    assert.equal(await blockDeviceMappingDestroyWhere(db, null, { instanceUuid: uuid }), 1);
    assert.deepEqual(await left(), []);
  });
});
