/**
 * UNIQUE keys added to Nova's tables after Grizzly. Each migration first clears the rows
 * that already break the key (a database written before it may have some), drops the
 * index the key makes redundant, then adds the key.
 */
import { sql } from 'kysely';
import { addUniqueStatement, dropIndexStatement, quoteIdent, type TableDef, type UniqueDef } from '../../columns.js';
import type { AnyDatabase, Migration } from '../../migrator.js';

export interface AddedUnique {
  table: TableDef;
  unique: UniqueDef;
  /** A non-unique index on the same columns that the key replaces. */
  replacesIndex?: string;
  /**
   * What happens to duplicates: `soft-delete-older` keeps the newest row and soft-deletes
   * the rest (Havana's drop_old_duplicate_entries_from_table), `delete-newer` keeps the
   * oldest row, the one every reader already got, and deletes the rest.
   */
  duplicates: 'soft-delete-older' | 'delete-newer';
}

/** `(select keep from (select max|min(id) as keep from t group by cols) as kept)`: the rows to keep. */
function keptIds(db: AnyDatabase, change: AddedUnique) {
  const q = (n: string) => quoteIdent(db.dialect, n);
  const pick = change.duplicates === 'soft-delete-older' ? 'max' : 'min';
  const groups = change.unique.columns.map(q).join(', ');
  // The extra derived table lets MySQL read the table it is changing.
  return sql`(select keep from (select ${sql.raw(`${pick}(${q('id')})`)} as keep from ${sql.table(change.table.name)} group by ${sql.raw(groups)}) as kept)`;
}

async function clearDuplicates(db: AnyDatabase, change: AddedUnique): Promise<void> {
  if (change.duplicates === 'soft-delete-older') {
    await db.kysely
      .updateTable(change.table.name)
      .set({ deleted: sql.ref('id'), deleted_at: new Date() })
      .where('id', 'not in', keptIds(db, change))
      .execute();
  } else {
    await db.kysely.deleteFrom(change.table.name).where('id', 'not in', keptIds(db, change)).execute();
  }
}

export function uniqueKeysMigration(version: number, name: string, changes: readonly AddedUnique[]): Migration {
  return {
    version,
    name,
    async up(db: AnyDatabase): Promise<void> {
      for (const change of changes) {
        await clearDuplicates(db, change);
        if (change.replacesIndex) await sql.raw(dropIndexStatement(db.dialect, change.table, change.replacesIndex)).execute(db.kysely);
        await sql.raw(addUniqueStatement(db.dialect, change.table, change.unique)).execute(db.kysely);
      }
    },
  };
}

/**
 * A table as it stands after `changes`: the keys added, the indexes they replace gone.
 * What the schema test holds a migrated database to.
 */
export function withAddedUniques(table: TableDef, changes: readonly AddedUnique[]): TableDef {
  const mine = changes.filter((c) => c.table.name === table.name);
  if (mine.length === 0) return table;
  const dropped = new Set(mine.map((c) => c.replacesIndex));
  return {
    ...table,
    uniques: [...table.uniques, ...mine.map((c) => c.unique)],
    indexes: table.indexes.filter((ix) => !dropped.has(ix.name)),
  };
}
