import { sql } from 'kysely';
import { createTableStatements } from '../columns.js';
import type { Database } from '../engine.js';
import type { Migration } from '../migrator.js';
import { identityTables } from './schema.js';

export const IDENTITY_REPOSITORY = 'identity';

async function createTables(db: Database<unknown>): Promise<void> {
  for (const table of identityTables) {
    for (const statement of createTableStatements(db.dialect, table)) await sql.raw(statement).execute(db.kysely);
  }
}

/** The identity repository's migrations, oldest first. */
export const identityMigrations: readonly Migration[] = [{ version: 1, name: 'initial identity schema', up: createTables }];
