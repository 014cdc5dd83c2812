/** A migrated SQLite database in a temp dir, a Config, and helpers to make instance rows. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '../../../src/config/config.js';
import '../../../src/cmd/all-opts.js';
import type { Db } from '../../../src/db/api/common.js';
import { openDatabase } from '../../../src/db/engine.js';
import { NOVA_REPOSITORY, novaMigrations } from '../../../src/db/migrations/nova/index.js';
import { migrate } from '../../../src/db/migrator.js';

export interface NetworkTestEnv {
  dir: string;
  db: Db;
  url: string;
  conf(overrides?: Record<string, unknown>): Config;
  instance(projectId?: string, host?: string | null): Promise<string>;
  close(): Promise<void>;
}

export async function networkTestEnv(): Promise<NetworkTestEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'nova-network-'));
  const url = `sqlite:///${join(dir, 'nova.sqlite')}`;
  const db = await openDatabase(url);
  await migrate(db, NOVA_REPOSITORY, novaMigrations);
  return {
    dir,
    db,
    url,
    conf: (overrides = {}) => Config.load({ overrides: { DEFAULT: { state_path: dir, ...overrides }, database: { connection: url } } }),
    async instance(projectId = 'proj-a', host: string | null = 'cmp1') {
      const uuid = randomUUID();
      await db.kysely
        .insertInto('instances')
        .values({ uuid, project_id: projectId, host, hostname: `vm-${uuid.slice(0, 8)}`, deleted: 0 })
        .execute();
      return uuid;
    },
    async close() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
