/**
 * Archiving soft-deleted rows (Grizzly's db.archive_deleted_rows): each row whose
 * `deleted` differs from its live value moves to the table's `shadow_` copy, children
 * before parents so that foreign keys hold, up to `maxRows` rows in all.
 */
import { sql } from 'kysely';
import type { TableDef } from '../columns.js';
import { LEGACY_TABLES, MODEL_TABLES } from '../migrations/nova/schema.js';
import { type AnyKysely, type Db, inTransaction } from './common.js';

/** Tables with an archive copy and an integer `id`, children first. */
function archivable(): TableDef[] {
  return [...MODEL_TABLES, ...LEGACY_TABLES]
    .filter((t) => t.name !== 'security_group_default_rules')
    .filter((t) => t.columns.some((c) => c.name === 'id') && t.columns.some((c) => c.name === 'deleted'))
    .reverse();
}

/** The value `deleted` has on a live row: 0, '' or false by the column's type. */
function liveDeletedValue(table: TableDef): number | string | boolean {
  const spec = table.columns.find((c) => c.name === 'deleted')?.spec;
  return spec?.default ?? 0;
}

/** Moves up to `maxRows` soft-deleted rows into the shadow tables; returns how many moved, per table. */
export async function archiveDeletedRows(db: Db, maxRows: number): Promise<Map<string, number>> {
  const moved = new Map<string, number>();
  let left = maxRows;
  for (const table of archivable()) {
    if (left <= 0) break;
    const count = await inTransaction(db, async (tx) => {
      const k = tx.kysely as AnyKysely;
      const ids = (
        await k.selectFrom(table.name).select('id').where('deleted', '!=', liveDeletedValue(table)).orderBy('id').limit(left).execute()
      ).map((r: { id: number }) => r.id);
      if (ids.length === 0) return 0;
      const columns = table.columns.map((c) => sql.ref(c.name));
      const list = sql.join(columns);
      await sql`insert into ${sql.table(`shadow_${table.name}`)} (${list}) select ${list} from ${sql.table(table.name)} where ${sql.ref('id')} in (${sql.join(ids)})`.execute(
        tx.kysely,
      );
      await k.deleteFrom(table.name).where('id', 'in', ids).execute();
      return ids.length;
    });
    if (count > 0) moved.set(table.name, count);
    left -= count;
  }
  return moved;
}
