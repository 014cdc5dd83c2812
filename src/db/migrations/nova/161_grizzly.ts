import { sql } from 'kysely';
import { createTableStatements } from '../../columns.js';
import type { Database } from '../../engine.js';
import type { Migration } from '../../migrator.js';
import { withoutAddedColumns } from './164_operator_columns.js';
import { NOVA_TABLES } from './schema.js';

/**
 * The whole schema as Grizzly's migrations 133–161 leave it, in one step, so that a new
 * database reports version 161 like a real Grizzly one. Flavors are not seeded here.
 */
export const grizzlyBaseline: Migration = {
  version: 161,
  name: 'grizzly',
  async up(db: Database<unknown>): Promise<void> {
    for (const table of NOVA_TABLES) {
      for (const statement of createTableStatements(db.dialect, withoutAddedColumns(table))) await sql.raw(statement).execute(db.kysely);
    }
  },
};
