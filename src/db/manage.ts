/** The database half of `nova-manage db sync|version`. */

import { InvalidConfig } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import type { Config } from '../config/config.js';
import { type Database, type OpenDatabaseOptions, openDatabase } from './engine.js';
import { redactDatabaseUrl } from './errors.js';
import { NOVA_REPOSITORY, novaMigrations } from './migrations/nova/index.js';
import { currentVersion, migrate } from './migrator.js';
import { databaseOpts } from './opts.js';

const log = getLogger('nova.db');

/** Opens the database nova.conf names, with its pool and retry settings. */
export function openConfiguredDatabase(conf: Config, overrides: OpenDatabaseOptions = {}): Promise<Database> {
  const o = conf.get(databaseOpts);
  const url = o.connection;
  if (!url) throw new InvalidConfig('[database] connection is not set');
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

/**
 * Opens the database of a service that keeps its tables beside Nova's (identity, image)
 * unless nova.conf gives it a URL of its own.
 */
export async function openServiceDatabase<DB>(conf: Config, ownUrl: string | null, service: string): Promise<Database<DB>> {
  const o = conf.get(databaseOpts);
  const url = ownUrl ?? o.connection;
  if (url === null) {
    throw new InvalidConfig(`No database configured for the ${service} service ([${service}] connection or [database] connection).`);
  }
  const db = await openDatabase<DB>(url, { createDirectory: true, maxPoolSize: o.max_pool_size ?? 5 });
  log.info({ url: redactDatabaseUrl(url) }, `${service} database opened`);
  return db;
}
