/** Resize and migration records (`migrations`): one row per resize, cold or live migration of an instance. */
import { MigrationNotFound } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { Migration } from '../types.js';
import { type Db, insertReturningId, now, requireAdmin } from './common.js';

export type { Migration } from '../types.js';

export interface MigrationFilters {
  /** Either end of the migration: source_compute or dest_compute. */
  host?: string;
  status?: string;
  source_compute?: string;
}

export interface MigrationValues {
  instance_uuid: string;
  source_compute: string | null;
  source_node: string | null;
  dest_compute: string | null;
  dest_node: string | null;
  dest_host: string | null;
  old_instance_type_id: number | null;
  new_instance_type_id: number | null;
  status: string;
}

/** Live migrations, newest last, matching every filter given (admin only). */
export async function migrationGetAllByFilters(db: Db, ctx: RequestContext | null, filters: MigrationFilters): Promise<Migration[]> {
  requireAdmin(ctx);
  let q = db.kysely.selectFrom('migrations').selectAll().where('deleted', '=', 0);
  if (filters.status !== undefined) q = q.where('status', '=', filters.status);
  if (filters.source_compute !== undefined) q = q.where('source_compute', '=', filters.source_compute);
  if (filters.host !== undefined) {
    const host = filters.host;
    q = q.where((eb) => eb.or([eb('source_compute', '=', host), eb('dest_compute', '=', host)]));
  }
  return q.orderBy('id').execute();
}

export async function migrationCreate(db: Db, values: MigrationValues): Promise<Migration> {
  const id = await insertReturningId(db, 'migrations', { ...values, created_at: now(), deleted: 0 });
  return migrationGet(db, id);
}

export async function migrationGet(db: Db, id: number): Promise<Migration> {
  const row = await db.kysely.selectFrom('migrations').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
  if (!row) throw new MigrationNotFound(`Migration ${id} could not be found.`, { kwargs: { migration_id: id } });
  return row;
}

export async function migrationUpdate(db: Db, id: number, values: Partial<MigrationValues>): Promise<Migration> {
  const result = await db.kysely
    .updateTable('migrations')
    .set({ ...values, updated_at: now() })
    .where('id', '=', id)
    .where('deleted', '=', 0)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0)
    throw new MigrationNotFound(`Migration ${id} could not be found.`, { kwargs: { migration_id: id } });
  return migrationGet(db, id);
}

/** The instance's migration in the given status (the newest one), or null. */
export async function migrationGetByInstanceAndStatus(db: Db, instanceUuid: string, status: string): Promise<Migration | null> {
  const row = await db.kysely
    .selectFrom('migrations')
    .selectAll()
    .where('deleted', '=', 0)
    .where('instance_uuid', '=', instanceUuid)
    .where('status', '=', status)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row ?? null;
}

/** Finished resizes on `destCompute` untouched for `windowSeconds` (the auto-confirm periodic task's). */
export async function migrationGetUnconfirmedByDestCompute(
  db: Db,
  windowSeconds: number,
  destCompute: string,
  at: Date,
): Promise<Migration[]> {
  const cutoff = new Date(at.getTime() - windowSeconds * 1000);
  return db.kysely
    .selectFrom('migrations')
    .selectAll()
    .where('status', '=', 'finished')
    .where('dest_compute', '=', destCompute)
    .where('updated_at', '<=', cutoff)
    .orderBy('id')
    .execute();
}
