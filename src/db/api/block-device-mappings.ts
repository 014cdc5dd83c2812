/** Block device mappings of instances (`block_device_mapping`, the legacy Grizzly shape). */
import type { RequestContext } from '../../context/context.js';
import type { BlockDeviceMapping, NewRow } from '../types.js';
import { type AnyKysely, type Db, insertReturningId, now, softDeleteValues } from './common.js';

export type BlockDeviceMappingValues = Omit<NewRow<'block_device_mapping'>, 'id' | 'instance_uuid'>;

export async function blockDeviceMappingCreate(
  db: Db,
  _ctx: RequestContext | null,
  instanceUuid: string,
  values: BlockDeviceMappingValues,
): Promise<BlockDeviceMapping> {
  const id = await insertReturningId(db, 'block_device_mapping', {
    delete_on_termination: false,
    ...values,
    instance_uuid: instanceUuid,
    created_at: now(),
    deleted: 0,
  });
  return db.kysely.selectFrom('block_device_mapping').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export async function blockDeviceMappingGetAllByInstance(
  db: Db,
  _ctx: RequestContext | null,
  instanceUuid: string,
): Promise<BlockDeviceMapping[]> {
  return db.kysely
    .selectFrom('block_device_mapping')
    .selectAll()
    .where('deleted', '=', 0)
    .where('instance_uuid', '=', instanceUuid)
    .orderBy('id')
    .execute();
}

/** Live mappings of many instances, by instance uuid (each uuid present, maybe empty). */
export async function blockDeviceMappingsForInstances(db: Db, uuids: readonly string[]): Promise<Map<string, BlockDeviceMapping[]>> {
  const out = new Map<string, BlockDeviceMapping[]>(uuids.map((u) => [u, []]));
  for (let i = 0; i < uuids.length; i += 500) {
    const rows = await db.kysely
      .selectFrom('block_device_mapping')
      .selectAll()
      .where('deleted', '=', 0)
      .where('instance_uuid', 'in', uuids.slice(i, i + 500))
      .orderBy('id')
      .execute();
    for (const r of rows) if (r.instance_uuid) out.get(r.instance_uuid)?.push(r);
  }
  return out;
}

/** Soft-deletes every mapping of an instance; returns how many. */
export async function blockDeviceMappingDestroyByInstance(db: Db, _ctx: RequestContext | null, instanceUuid: string): Promise<number> {
  const r = await (db.kysely as AnyKysely)
    .updateTable('block_device_mapping')
    .set(softDeleteValues())
    .where('deleted', '=', 0)
    .where('instance_uuid', '=', instanceUuid)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
