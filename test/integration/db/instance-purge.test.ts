import assert from 'node:assert/strict';
import { RequestContext } from '../../../src/context/context.js';
import { blockDeviceMappingCreate } from '../../../src/db/api/block-device-mappings.js';
import type { AnyKysely, Db } from '../../../src/db/api/common.js';
import { actionEventStart, actionStart } from '../../../src/db/api/instance-actions.js';
import { instanceFaultCreate } from '../../../src/db/api/instance-faults.js';
import { instancesPurge } from '../../../src/db/api/instance-purge.js';
import { instanceCreate } from '../../../src/db/api/instances.js';
import { forEachEngine } from './engines.js';

const alice = new RequestContext({ userId: 'alice', projectId: 'p1' });

/** An instance with a row in every table that refers to one. */
async function makeWithChildren(db: Db, name: string): Promise<string> {
  const instance = await instanceCreate(db, alice, {
    user_id: 'alice',
    project_id: 'p1',
    display_name: name,
    hostname: name,
    vm_state: 'building',
    task_state: 'scheduling',
    power_state: 0,
    memory_mb: 512,
    vcpus: 1,
    instance_type_id: 1,
    image_ref: 'img-1',
    metadata: { role: 'web' },
    system_metadata: { image_kernel_id: '' },
    security_groups: ['default'],
  } as Parameters<typeof instanceCreate>[2]);
  const uuid = instance.uuid as string;
  await actionStart(db, alice, { action: 'create', instance_uuid: uuid, request_id: `req-${name}`, user_id: 'alice', project_id: 'p1' });
  await actionEventStart(db, alice, { instance_uuid: uuid, request_id: `req-${name}`, event: 'schedule' });
  await instanceFaultCreate(db, alice, { instance_uuid: uuid, code: 500, message: 'boom' });
  await blockDeviceMappingCreate(db, alice, uuid, { device_name: 'vdb', virtual_name: 'ephemeral0' });
  return uuid;
}

/** How many rows each instance-related table holds for these instances. */
async function rowCounts(db: Db, uuids: string[]): Promise<Record<string, number>> {
  const k = db.kysely as AnyKysely;
  const byUuid = async (table: string, column: 'instance_uuid' | 'uuid') =>
    (await k.selectFrom(table).select('id').where(column, 'in', uuids).execute()).length;
  const actionIds = (await k.selectFrom('instance_actions').select('id').where('instance_uuid', 'in', uuids).execute()).map(
    (r: { id: number }) => r.id,
  );
  const events = actionIds.length
    ? (await k.selectFrom('instance_actions_events').select('id').where('action_id', 'in', actionIds).execute()).length
    : 0;
  return {
    instances: await byUuid('instances', 'uuid'),
    instance_id_mappings: await byUuid('instance_id_mappings', 'uuid'),
    instance_actions: actionIds.length,
    instance_actions_events: events,
    instance_faults: await byUuid('instance_faults', 'instance_uuid'),
    block_device_mapping: await byUuid('block_device_mapping', 'instance_uuid'),
    security_group_instance_association: await byUuid('security_group_instance_association', 'instance_uuid'),
    instance_info_caches: await byUuid('instance_info_caches', 'instance_uuid'),
    instance_metadata: await byUuid('instance_metadata', 'instance_uuid'),
    instance_system_metadata: await byUuid('instance_system_metadata', 'instance_uuid'),
  };
}

forEachEngine('instancesPurge DB API', async (t, { db }) => {
  const doomed = await makeWithChildren(db, 'doomed');
  const kept = await makeWithChildren(db, 'kept');

  await t.test('every table starts with the rows of both instances', async () => {
    for (const [table, n] of Object.entries(await rowCounts(db, [doomed, kept]))) assert.equal(n, 2, table);
  });

  await t.test('instancesPurge removes the instance and every row that names it', async () => {
    await instancesPurge(db, [doomed]);
    for (const [table, n] of Object.entries(await rowCounts(db, [doomed]))) assert.equal(n, 0, table);
  });

  await t.test('instancesPurge leaves other instances whole', async () => {
    for (const [table, n] of Object.entries(await rowCounts(db, [kept]))) assert.equal(n, 1, table);
  });

  await t.test('instancesPurge of no uuids or unknown uuids changes nothing', async () => {
    await instancesPurge(db, []);
    await instancesPurge(db, ['00000000-0000-0000-0000-000000000000']);
    for (const [table, n] of Object.entries(await rowCounts(db, [kept]))) assert.equal(n, 1, table);
  });
});
