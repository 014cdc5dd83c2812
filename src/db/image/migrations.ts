import { sql } from 'kysely';
import { createTableStatements } from '../columns.js';
import type { Database } from '../engine.js';
import type { Migration } from '../migrator.js';
import { imageTables } from './schema.js';

export const IMAGE_REPOSITORY = 'image';

async function createTables(db: Database<unknown>): Promise<void> {
  for (const table of imageTables) {
    for (const statement of createTableStatements(db.dialect, table)) await sql.raw(statement).execute(db.kysely);
  }
}

/** The image repository's migrations, oldest first. */
export const imageMigrations: readonly Migration[] = [{ version: 1, name: 'initial image schema', up: createTables }];
