/**
 * User metadata (`instance_metadata`) and system metadata (`instance_system_metadata`) of
 * instances: both are key/value rows per instance, read and written as plain objects.
 */
import type { RequestContext } from '../../context/context.js';
import { type AnyKysely, type Db, inTransaction, now, softDeleteValues } from './common.js';

export type MetadataTable = 'instance_metadata' | 'instance_system_metadata';
export type Metadata = Record<string, string>;
/** System metadata keeps NULL values (flavor fields Nova stored as None). */
export type SystemMetadata = Record<string, string | null>;

/** Key/value pairs of many instances at once, by instance uuid (each uuid present, maybe empty). */
export async function metadataGetForInstances(
  db: Db,
  table: MetadataTable,
  uuids: readonly string[],
): Promise<Map<string, SystemMetadata>> {
  const out = new Map<string, SystemMetadata>(uuids.map((u) => [u, {}]));
  const k = db.kysely as AnyKysely;
  for (let i = 0; i < uuids.length; i += 500) {
    const chunk = uuids.slice(i, i + 500);
    const rows = (await k
      .selectFrom(table)
      .select(['instance_uuid', 'key', 'value'])
      .where('deleted', '=', 0)
      .where('instance_uuid', 'in', chunk)
      .orderBy('id')
      .execute()) as { instance_uuid: string; key: string; value: string | null }[];
    for (const r of rows) {
      const md = out.get(r.instance_uuid);
      if (md) md[r.key] = table === 'instance_metadata' ? (r.value ?? '') : r.value;
    }
  }
  return out;
}

async function getOne(db: Db, table: MetadataTable, uuid: string): Promise<SystemMetadata> {
  return (await metadataGetForInstances(db, table, [uuid])).get(uuid) ?? {};
}

/**
 * Upserts `metadata` into an instance's rows; with `deleteOthers`, keys not in it are
 * soft-deleted, so the result is exactly `metadata`. Returns the instance's metadata after.
 */
async function update(
  db: Db,
  table: MetadataTable,
  uuid: string,
  metadata: SystemMetadata,
  deleteOthers: boolean,
): Promise<SystemMetadata> {
  return inTransaction(db, async (tx) => {
    const k = tx.kysely as AnyKysely;
    const at = now();
    const current = await getOne(tx, table, uuid);
    if (deleteOthers) {
      const gone = Object.keys(current).filter((key) => !(key in metadata));
      if (gone.length) {
        await k
          .updateTable(table)
          .set(softDeleteValues(at))
          .where('deleted', '=', 0)
          .where('instance_uuid', '=', uuid)
          .where('key', 'in', gone)
          .execute();
      }
    }
    for (const [key, value] of Object.entries(metadata)) {
      if (key in current) {
        if (current[key] !== value) {
          await k
            .updateTable(table)
            .set({ value, updated_at: at })
            .where('deleted', '=', 0)
            .where('instance_uuid', '=', uuid)
            .where('key', '=', key)
            .execute();
        }
      } else {
        await k.insertInto(table).values({ instance_uuid: uuid, key, value, created_at: at, deleted: 0 }).execute();
      }
    }
    return getOne(tx, table, uuid);
  });
}

export async function instanceMetadataGet(db: Db, _ctx: RequestContext | null, uuid: string): Promise<Metadata> {
  return (await getOne(db, 'instance_metadata', uuid)) as Metadata;
}

export async function instanceMetadataUpdate(
  db: Db,
  _ctx: RequestContext | null,
  uuid: string,
  metadata: Metadata,
  deleteOthers: boolean,
): Promise<Metadata> {
  return (await update(db, 'instance_metadata', uuid, metadata, deleteOthers)) as Metadata;
}

/** Soft-deletes one key; returns whether a live row existed. */
export async function instanceMetadataDelete(db: Db, _ctx: RequestContext | null, uuid: string, key: string): Promise<boolean> {
  const k = db.kysely as AnyKysely;
  const r = await k
    .updateTable('instance_metadata')
    .set(softDeleteValues())
    .where('deleted', '=', 0)
    .where('instance_uuid', '=', uuid)
    .where('key', '=', key)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export function instanceSystemMetadataGet(db: Db, _ctx: RequestContext | null, uuid: string): Promise<SystemMetadata> {
  return getOne(db, 'instance_system_metadata', uuid);
}

export function instanceSystemMetadataUpdate(
  db: Db,
  _ctx: RequestContext | null,
  uuid: string,
  metadata: SystemMetadata,
  deleteOthers: boolean,
): Promise<SystemMetadata> {
  return update(db, 'instance_system_metadata', uuid, metadata, deleteOthers);
}

/** Inserts the rows of a new instance (no existing rows to reconcile). */
export async function metadataInsertAll(
  db: Db,
  table: MetadataTable,
  uuid: string,
  metadata: SystemMetadata,
  at: Date = now(),
): Promise<void> {
  const rows = Object.entries(metadata).map(([key, value]) => ({ instance_uuid: uuid, key, value, created_at: at, deleted: 0 }));
  if (rows.length === 0) return;
  await (db.kysely as AnyKysely).insertInto(table).values(rows).execute();
}
