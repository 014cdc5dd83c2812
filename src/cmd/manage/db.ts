import type { Command } from 'commander';
import { dbSync, dbVersion } from '../../db/manage.js';
import type { ConfigProvider } from './context.js';

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
}
