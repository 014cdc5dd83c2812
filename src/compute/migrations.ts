/** The migration records the admin API lists (`os-migrations`). */
import type { RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { type Migration, type MigrationFilters, migrationGetAllByFilters } from '../db/api/migrations.js';

export type { Migration, MigrationFilters } from '../db/api/migrations.js';

export class MigrationAPI {
  constructor(private readonly db: Db) {}

  /** Every live record matching the filters; the caller's admin rights are checked by the database layer. */
  list(ctx: RequestContext, filters: MigrationFilters): Promise<Migration[]> {
    return migrationGetAllByFilters(this.db, ctx, filters);
  }
}
