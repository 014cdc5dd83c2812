import { sql } from 'kysely';
import { columnSql, quoteIdent, type TableDef } from '../../columns.js';
import type { AnyDatabase, Migration } from '../../migrator.js';

/**
 * Columns Havana added that today's clients show an operator: why a service was disabled
 * (Havana's migration 190, `PUT /os-services/disable-log-reason`) and the address of a
 * compute node (migration 200, `host_ip` in os-hypervisors). Each table's shadow copy
 * gets the column too, so archiving keeps working.
 */
export const ADDED_COLUMNS: ReadonlyArray<{ table: string; column: string }> = [
  { table: 'services', column: 'disabled_reason' },
  { table: 'compute_nodes', column: 'host_ip' },
];

function added(table: string): Set<string> {
  const bare = table.startsWith('shadow_') ? table.slice('shadow_'.length) : table;
  return new Set(ADDED_COLUMNS.filter((c) => c.table === bare).map((c) => c.column));
}

/** A table as Grizzly's baseline creates it: without the columns added later. */
export function withoutAddedColumns(table: TableDef): TableDef {
  const drop = added(table.name);
  return drop.size === 0 ? table : { ...table, columns: table.columns.filter((c) => !drop.has(c.name)) };
}

export function operatorColumnsMigration(tables: readonly TableDef[]): Migration {
  return {
    version: 164,
    name: 'operator_columns',
    async up(db: AnyDatabase): Promise<void> {
      for (const table of tables) {
        for (const column of table.columns.filter((c) => added(table.name).has(c.name))) {
          const ddl = `ALTER TABLE ${quoteIdent(db.dialect, table.name)} ADD COLUMN ${columnSql(db.dialect, column, false)}`;
          await sql.raw(ddl).execute(db.kysely);
        }
      }
    },
  };
}
