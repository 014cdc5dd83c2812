/** The database half of `nova-manage db sync|version`. */
import type { Config } from '../config/config.js';
import { type Database, type OpenDatabaseOptions, openDatabase } from './engine.js';
import { NOVA_REPOSITORY, novaMigrations } from './migrations/nova/index.js';
import { currentVersion, migrate } from './migrator.js';
import { databaseOpts } from './opts.js';

/** Opens the database nova.conf names, with its pool and retry settings. */
export function openConfiguredDatabase(conf: Config, overrides: OpenDatabaseOptions = {}): Promise<Database> {
  const o = conf.get(databaseOpts);
  const url = o.connection;
  if (!url) throw new Error('[database] connection is not set');
  return openDatabase(url, {
    maxPoolSize: o.max_pool_size ?? 5,
    idleTimeout: o.idle_timeout ?? 3600,
    maxRetries: o.max_retries ?? 10,
    retryInterval: o.retry_interval ?? 10,
    debug: (o.connection_debug ?? 0) >= 50,
    ...overrides,
  });
}

/**
 * Migrates Nova's tables to `version` (default: newest) and returns the version reached.
 * An operator command: it tries the server once instead of retrying, and creates the
 * directory of a SQLite file.
 */
export async function dbSync(conf: Config, version?: number): Promise<number> {
  const db = await openConfiguredDatabase(conf, { maxRetries: 0, createDirectory: true });
  try {
    return await migrate(db, NOVA_REPOSITORY, novaMigrations, version);
  } finally {
    await db.close();
  }
}

/** Nova's schema version, or null for a database never synced. */
export async function dbVersion(conf: Config): Promise<number | null> {
  const db = await openConfiguredDatabase(conf, { maxRetries: 0 });
  try {
    return await currentVersion(db, NOVA_REPOSITORY);
  } finally {
    await db.close();
  }
}
