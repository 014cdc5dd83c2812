/**
 * The EC2 numeric ids of things Nova names by uuid: images (`s3_images`), instances
 * (`instance_id_mappings`), volumes and snapshots (`volume_id_mappings`,
 * `snapshot_id_mappings`). A row's autoincrement id is the number in `ami-0000000a` or
 * `i-0000000a`, which the EC2 API and the metadata service show. A row is created the
 * first time a uuid is shown and never removed, so an id stays the same across restarts.
 * Each table has a UNIQUE key on uuid (migration 163): racing first sights insert at
 * most one row, and everyone reads that row's id.
 */
import type { Db } from './common.js';
import { now } from './common.js';

export type Ec2MappingTable = 's3_images' | 'instance_id_mappings' | 'volume_id_mappings' | 'snapshot_id_mappings';

async function idsOf(db: Db, table: Ec2MappingTable, uuids: readonly string[]): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (uuids.length === 0) return found;
  const rows = await db.kysely
    .selectFrom(table)
    .select(['id', 'uuid'])
    .where('uuid', 'in', [...uuids])
    .execute();
  for (const row of rows) found.set(row.uuid, row.id);
  return found;
}

/** Inserts rows for the uuids; one another caller inserted meanwhile is left as it is. */
async function insertMissing(db: Db, table: Ec2MappingTable, uuids: readonly string[]): Promise<void> {
  const at = now();
  const insert = db.kysely.insertInto(table).values(uuids.map((uuid) => ({ uuid, created_at: at, deleted: 0 })));
  if (db.dialect === 'mysql') await insert.ignore().execute();
  else await insert.onConflict((oc) => oc.column('uuid').doNothing()).execute();
}

/** The EC2 ids of the uuids, creating the rows of those that have none. */
export async function ec2IdsGetOrCreate(db: Db, table: Ec2MappingTable, uuids: readonly string[]): Promise<Map<string, number>> {
  const unique = [...new Set(uuids)];
  const found = await idsOf(db, table, unique);
  const missing = unique.filter((u) => !found.has(u));
  if (missing.length === 0) return found;
  await insertMissing(db, table, missing);
  for (const [uuid, id] of await idsOf(db, table, missing)) found.set(uuid, id);
  return found;
}

/** The EC2 id of one uuid, created on first sight. */
export async function ec2IdGetOrCreate(db: Db, table: Ec2MappingTable, uuid: string): Promise<number> {
  return (await ec2IdsGetOrCreate(db, table, [uuid])).get(uuid) as number;
}

/** The uuid an EC2 id stands for, or null. */
export async function ec2IdToUuid(db: Db, table: Ec2MappingTable, id: number): Promise<string | null> {
  const row = await db.kysely.selectFrom(table).select('uuid').where('id', '=', id).executeTakeFirst();
  return row?.uuid ?? null;
}

/** EC2 integer ids of instances and images from their mapping tables, made on first use (metadata/source.ts's Ec2IdLookup). */
export function dbEc2IdLookup(db: Db): { instanceIntId(uuid: string): Promise<number>; imageIntId(uuid: string): Promise<number> } {
  return {
    instanceIntId: (uuid) => ec2IdGetOrCreate(db, 'instance_id_mappings', uuid),
    imageIntId: (uuid) => ec2IdGetOrCreate(db, 's3_images', uuid),
  };
}
