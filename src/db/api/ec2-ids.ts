/**
 * EC2's integer ids for things Nova names by uuid: instances (`instance_id_mappings`) and
 * images (`s3_images`). A mapping is made on first use and never changes, so an id a
 * client saw keeps naming the same thing. Two racing first uses may both insert; the
 * lowest id wins for everyone, so every caller still gets the same answer.
 */
import { type Db, now } from './common.js';

type MappingTable = 'instance_id_mappings' | 's3_images';

async function lowestId(db: Db, table: MappingTable, uuid: string): Promise<number | null> {
  const row = await db.kysely.selectFrom(table).select('id').where('uuid', '=', uuid).orderBy('id').executeTakeFirst();
  return row ? row.id : null;
}

async function getOrCreate(db: Db, table: MappingTable, uuid: string): Promise<number> {
  const existing = await lowestId(db, table, uuid);
  if (existing !== null) return existing;
  await db.kysely.insertInto(table).values({ uuid, created_at: now(), deleted: 0 }).execute();
  return (await lowestId(db, table, uuid)) as number;
}

/** The EC2 integer id of an instance (`i-%08x`). */
export function ec2InstanceIdGetOrCreate(db: Db, instanceUuid: string): Promise<number> {
  return getOrCreate(db, 'instance_id_mappings', instanceUuid);
}

/** The EC2 integer id of an image (`ami-`/`aki-`/`ari-%08x`). */
export function s3ImageIdGetOrCreate(db: Db, imageUuid: string): Promise<number> {
  return getOrCreate(db, 's3_images', imageUuid);
}
