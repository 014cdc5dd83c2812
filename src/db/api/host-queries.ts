/**
 * Queries the compute hosts' side needs that belong to no table family of their own: what
 * the scheduler's host states are built from (aggregate metadata and flavors per host) and
 * the block device mapping deletions the conductor performs for compute hosts.
 */
import { sql } from 'kysely';
import type { RequestContext } from '../../context/context.js';
import { type AnyKysely, type Db, softDeleteValues } from './common.js';

/** Per host, per metadata key, every value across the live aggregates containing the host. */
export async function aggregateMetadataByHost(db: Db, _ctx: RequestContext | null): Promise<Map<string, Record<string, string[]>>> {
  const rows = await db.kysely
    .selectFrom('aggregate_hosts')
    .innerJoin('aggregates', 'aggregates.id', 'aggregate_hosts.aggregate_id')
    .innerJoin('aggregate_metadata', 'aggregate_metadata.aggregate_id', 'aggregates.id')
    .select(['aggregate_hosts.host as host', 'aggregate_metadata.key as key', 'aggregate_metadata.value as value'])
    .where('aggregate_hosts.deleted', '=', 0)
    .where('aggregates.deleted', '=', 0)
    .where('aggregate_metadata.deleted', '=', 0)
    .orderBy('aggregate_metadata.id')
    .execute();
  const out = new Map<string, Record<string, string[]>>();
  for (const row of rows) {
    if (!row.host) continue;
    const md = out.get(row.host) ?? {};
    const values = md[row.key] ?? [];
    if (!values.includes(row.value)) values.push(row.value);
    md[row.key] = values;
    out.set(row.host, md);
  }
  return out;
}

/** Per host, the distinct flavor ids of its live instances. */
export async function instanceTypeIdsByHost(db: Db, _ctx: RequestContext | null): Promise<Map<string, number[]>> {
  const rows = await db.kysely
    .selectFrom('instances')
    .select(['host', 'instance_type_id'])
    .distinct()
    .where('deleted', '=', 0)
    .where('host', 'is not', null)
    .where('instance_type_id', 'is not', null)
    .execute();
  const out = new Map<string, number[]>();
  for (const row of rows) {
    if (row.host === null || row.instance_type_id === null) continue;
    const list = out.get(row.host) ?? [];
    list.push(row.instance_type_id);
    out.set(row.host, list);
  }
  return out;
}

export interface BdmDestroySelector {
  ids?: readonly number[];
  instanceUuid?: string;
  volumeId?: string;
  deviceName?: string;
}

/**
 * Soft-deletes block device mappings by id, or those of an instance (optionally only the
 * one with a volume id or device name). Returns how many.
 */
export async function blockDeviceMappingDestroyWhere(db: Db, _ctx: RequestContext | null, sel: BdmDestroySelector): Promise<number> {
  if (!sel.ids?.length && !sel.instanceUuid) return 0;
  let q = (db.kysely as AnyKysely).updateTable('block_device_mapping').set(softDeleteValues()).where('deleted', '=', 0);
  if (sel.ids?.length) q = q.where('id', 'in', [...sel.ids]);
  if (sel.instanceUuid) q = q.where('instance_uuid', '=', sel.instanceUuid);
  if (sel.volumeId) q = q.where('volume_id', '=', sel.volumeId);
  if (sel.deviceName) q = q.where(sql`device_name`, '=', sel.deviceName);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}
