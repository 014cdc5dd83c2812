/**
 * A small migration runner in the manner of sqlalchemy-migrate: several repositories
 * (nova, identity, image) share one database and one `migrate_version` table, each row
 * holding a repository's current version. Upgrades only.
 *
 * Concurrent runs (two processes starting at once) serialise on a lock: an advisory
 * lock on PostgreSQL, GET_LOCK on MySQL, a write transaction (BEGIN IMMEDIATE) on
 * SQLite. Migrations run on the locked connection and must not open transactions of
 * their own: on PostgreSQL each migration runs in a transaction, on SQLite the whole
 * run is one, and on MySQL DDL commits implicitly.
 */
import { type RawBuilder, sql } from 'kysely';
import { getLogger } from '../common/log.js';
import type { Database } from './engine.js';
import { DBMigrationError } from './errors.js';

const log = getLogger('nova.db.migrate');

/** Any repository's database: migrations see only the tables they create, so the schema type is open. */
// biome-ignore lint/suspicious/noExplicitAny: each repository has its own schema type
export type AnyDatabase = Database<any>;

export interface Migration {
  version: number;
  name: string;
  up(db: AnyDatabase): Promise<void>;
}

export const VERSION_TABLE = 'migrate_version';
const LOCK_NAME = 'nova-ts-migrate';
const MYSQL_LOCK_WAIT_SECONDS = 600;
const SQLITE_LOCK_POLL_MS = 50;
const SQLITE_LOCK_WAIT_MS = 600_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function bound(db: AnyDatabase, kysely: AnyDatabase['kysely']): AnyDatabase {
  return { kysely, dialect: db.dialect, url: db.url, close: db.close };
}

function isSqliteBusy(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/** Runs `fn` on one connection while holding the database-wide migration lock. */
async function withMigrationLock<T>(db: AnyDatabase, fn: (locked: AnyDatabase) => Promise<T>): Promise<T> {
  return db.kysely.connection().execute(async (conn) => {
    const locked = bound(db, conn);
    if (db.dialect === 'postgres') {
      await sql`select pg_advisory_lock(hashtext(${LOCK_NAME}))`.execute(conn);
      try {
        return await fn(locked);
      } finally {
        await sql`select pg_advisory_unlock(hashtext(${LOCK_NAME}))`.execute(conn);
      }
    }
    if (db.dialect === 'mysql') {
      // GET_LOCK names are server-wide; the database name keeps two databases apart.
      const got = await sql<{
        got: number | null;
      }>`select get_lock(concat(${LOCK_NAME}, ':', database()), ${MYSQL_LOCK_WAIT_SECONDS}) as got`.execute(conn);
      if (Number(got.rows[0]?.got) !== 1) throw new DBMigrationError('Timed out waiting for the migration lock');
      try {
        return await fn(locked);
      } finally {
        await sql`select release_lock(concat(${LOCK_NAME}, ':', database()))`.execute(conn);
      }
    }
    // better-sqlite3 waits for a busy database synchronously, which would freeze this
    // process if the holder is another connection of the same process; poll instead.
    const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(conn);
    const previous = Number(Object.values(busy.rows[0] ?? { t: 30000 })[0]);
    await sql.raw('pragma busy_timeout = 0').execute(conn);
    const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
    try {
      for (;;) {
        try {
          await sql.raw('begin immediate').execute(conn);
          break;
        } catch (err) {
          if (!isSqliteBusy(err) || Date.now() > deadline) throw err;
          await sleep(SQLITE_LOCK_POLL_MS);
        }
      }
    } finally {
      await sql.raw(`pragma busy_timeout = ${Math.max(0, Math.trunc(previous))}`).execute(conn);
    }
    try {
      const result = await fn(locked);
      await sql.raw('commit').execute(conn);
      return result;
    } catch (err) {
      await sql.raw('rollback').execute(conn);
      throw err;
    }
  });
}

async function ensureVersionTable(db: AnyDatabase): Promise<void> {
  const versionType = db.dialect === 'mysql' ? 'INT' : 'INTEGER';
  const q = (n: string) => (db.dialect === 'mysql' ? `\`${n}\`` : `"${n}"`);
  const suffix = db.dialect === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4' : '';
  await sql
    .raw(
      `CREATE TABLE IF NOT EXISTS ${q(VERSION_TABLE)} (${q('repository_id')} VARCHAR(250) NOT NULL PRIMARY KEY, ` +
        `${q('repository_path')} TEXT, ${q('version')} ${versionType})${suffix}`,
    )
    .execute(db.kysely);
}

async function readVersion(db: AnyDatabase, repository: string): Promise<number | null> {
  const row = await db.kysely.selectFrom(VERSION_TABLE).select('version').where('repository_id', '=', repository).executeTakeFirst();
  return row ? Number(row.version) : null;
}

async function versionTableExists(db: AnyDatabase): Promise<boolean> {
  let query: RawBuilder<unknown>;
  if (db.dialect === 'sqlite') query = sql`select name from sqlite_master where type = 'table' and name = ${VERSION_TABLE}`;
  else if (db.dialect === 'postgres')
    query = sql`select tablename from pg_tables where schemaname = current_schema() and tablename = ${VERSION_TABLE}`;
  else query = sql`select table_name from information_schema.tables where table_schema = database() and table_name = ${VERSION_TABLE}`;
  return (await query.execute(db.kysely)).rows.length > 0;
}

/** The repository's version, or null when it has never been migrated. */
export async function currentVersion(db: AnyDatabase, repository: string): Promise<number | null> {
  if (!(await versionTableExists(db))) return null;
  return readVersion(db, repository);
}

function checkMigrations(repository: string, migrations: readonly Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.version === sorted[i - 1]?.version) {
      throw new DBMigrationError(`Repository ${repository} has two migrations numbered ${sorted[i]?.version}`);
    }
  }
  return sorted;
}

/**
 * Upgrades `repository` to `targetVersion` (default: its newest migration) and returns
 * the version it is at afterwards. Asking for a version below the current one is an
 * error: there are no downgrades.
 */
export async function migrate(
  db: AnyDatabase,
  repository: string,
  migrations: readonly Migration[],
  targetVersion?: number,
): Promise<number> {
  const sorted = checkMigrations(repository, migrations);
  const newest = sorted.at(-1)?.version ?? 0;
  const target = targetVersion ?? newest;
  if (targetVersion !== undefined && targetVersion !== 0 && !sorted.some((m) => m.version === targetVersion)) {
    throw new DBMigrationError(`Repository ${repository} has no migration ${targetVersion} (newest is ${newest})`);
  }
  return withMigrationLock(db, async (locked) => {
    await ensureVersionTable(locked);
    let version = await readVersion(locked, repository);
    if (version === null) {
      await locked.kysely
        .insertInto(VERSION_TABLE)
        .values({ repository_id: repository, repository_path: repository, version: 0 })
        .execute();
      version = 0;
    }
    if (target < version) {
      throw new DBMigrationError(`Repository ${repository} is at version ${version}; downgrading to ${target} is not supported`);
    }
    for (const m of sorted) {
      if (m.version <= version || m.version > target) continue;
      log.info({ repository, version: m.version, name: m.name }, 'applying migration');
      const apply = async () => {
        await m.up(locked);
        await locked.kysely.updateTable(VERSION_TABLE).set({ version: m.version }).where('repository_id', '=', repository).execute();
      };
      if (db.dialect === 'postgres') {
        await sql.raw('begin').execute(locked.kysely);
        try {
          await apply();
          await sql.raw('commit').execute(locked.kysely);
        } catch (err) {
          await sql.raw('rollback').execute(locked.kysely);
          throw err;
        }
      } else {
        await apply();
      }
      version = m.version;
    }
    return version;
  });
}
