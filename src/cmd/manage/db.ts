import type { Command } from 'commander';
import { archiveDeletedRows } from '../../db/api/archive.js';
import { dbSync, dbVersion } from '../../db/manage.js';
import { type ConfigProvider, ManageError } from './context.js';
import { withDb } from './format.js';

export function registerDbCommands(program: Command, config: ConfigProvider): void {
  const db = program.command('db').description('database schema');
  db.command('sync')
    .description('migrate the database schema to the newest version, or to --version')
    .option('--version <n>', 'schema version to migrate to', (v: string) => {
      if (!/^\d+$/.test(v)) throw new Error(`--version takes a whole number, got ${JSON.stringify(v)}`);
      return Number.parseInt(v, 10);
    })
    .action(async (opts: { version?: number }) => {
      const reached = await dbSync(config(), opts.version);
      process.stdout.write(`${reached}\n`);
    });
  db.command('version')
    .description('print the schema version of the database')
    .action(async () => {
      const version = await dbVersion(config());
      process.stdout.write(`${version ?? 'None'}\n`);
    });
  db.command('archive_deleted_rows')
    .description('move soft-deleted rows into the shadow tables, at most --max_rows of them')
    .option('--max_rows <n>', 'most rows to move', '1000')
    .action(async (opts: { max_rows: string }) => {
      if (!/^-?\d+$/.test(opts.max_rows)) throw new ManageError(`--max_rows takes a whole number, got ${JSON.stringify(opts.max_rows)}`, 2);
      const maxRows = Number(opts.max_rows);
      if (maxRows < 0) throw new ManageError('Must supply a positive value for max_rows', 1);
      await withDb(config(), (database) => archiveDeletedRows(database, maxRows));
    });
}
