/** Rows the DB contract suites need as parents (foreign keys), written straight to the tables. */
import { randomUUID } from 'node:crypto';
import { type Db, insertReturningId } from '../../../src/db/api/common.js';

/** A live instance row; returns its uuid. */
export async function insertInstance(
  db: Db,
  values: { project_id?: string; host?: string | null; instance_type_id?: number | null } = {},
): Promise<string> {
  const uuid = randomUUID();
  await db.kysely
    .insertInto('instances')
    .values({ uuid, project_id: 'p1', host: 'cmp1', hostname: `vm-${uuid.slice(0, 8)}`, deleted: 0, ...values })
    .execute();
  return uuid;
}

/** An aggregate with hosts and metadata, written as nova-manage/os-aggregates would leave it. */
export async function aggregate(db: Db, name: string, hosts: string[], metadata: Record<string, string>): Promise<number> {
  const id = await insertReturningId(db, 'aggregates', { name, deleted: 0 });
  for (const host of hosts) await insertReturningId(db, 'aggregate_hosts', { aggregate_id: id, host, deleted: 0 });
  for (const [key, value] of Object.entries(metadata)) {
    await insertReturningId(db, 'aggregate_metadata', { aggregate_id: id, key, value, deleted: 0 });
  }
  return id;
}
