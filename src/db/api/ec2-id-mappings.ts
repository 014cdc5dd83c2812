/**
 * The EC2 numeric ids of images, instances, volumes and snapshots (`s3_images`,
 * `instance_id_mappings`, `volume_id_mappings`, `snapshot_id_mappings`): a row's
 * autoincrement id is the number in `ami-0000000a`. Rows are created the first time a
 * uuid is shown and never removed, so ids stay stable across restarts; should two
 * callers race to create one, the lowest id wins for both.
 */
import type { Db } from './common.js';
import { now } from './common.js';

export type Ec2MappingTable = 's3_images' | 'instance_id_mappings' | 'volume_id_mappings' | 'snapshot_id_mappings';

async function lowestIds(db: Db, table: Ec2MappingTable, uuids: readonly string[]): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (uuids.length === 0) return found;
  const rows = await db.kysely
    .selectFrom(table)
    .select(['id', 'uuid'])
    .where('uuid', 'in', [...uuids])
    .orderBy('id')
    .execute();
  for (const row of rows) if (!found.has(row.uuid)) found.set(row.uuid, row.id);
  return found;
}

/** The EC2 ids of the uuids, creating the missing rows. */
export async function ec2IdsGetOrCreate(db: Db, table: Ec2MappingTable, uuids: readonly string[]): Promise<Map<string, number>> {
  const unique = [...new Set(uuids)];
  const found = await lowestIds(db, table, unique);
  const missing = unique.filter((u) => !found.has(u));
  if (missing.length === 0) return found;
  const at = now();
  await db.kysely
    .insertInto(table)
    .values(missing.map((uuid) => ({ uuid, created_at: at, deleted: 0 })))
    .execute();
  for (const [uuid, id] of await lowestIds(db, table, missing)) found.set(uuid, id);
  return found;
}

/** The uuid an EC2 id stands for, or null. */
export async function ec2IdToUuid(db: Db, table: Ec2MappingTable, id: number): Promise<string | null> {
  const row = await db.kysely.selectFrom(table).select('uuid').where('id', '=', id).executeTakeFirst();
  return row?.uuid ?? null;
}
