import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type Expression,
  Kysely,
  type Dialect as KyselyDialect,
  type LogEvent,
  MysqlDialect,
  PostgresDialect,
  type RawBuilder,
  type SqlBool,
  SqliteDialect,
  sql,
} from 'kysely';
import type mysql from 'mysql2';
import type pg from 'pg';
import { BoundedRegex, RegexSyntaxError } from '../common/bounded-regex.js';
import { InvalidInput } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { DBConnectionError, redactDatabaseUrl } from './errors.js';
import { NormalisingSqliteDatabase, sqliteRegexp } from './sqlite-driver.js';
import type { NovaDatabase } from './types.js';
import { type Dialect, parseDatabaseUrl, type ServerTarget } from './url.js';
import { formatUtcDatetime, parseUtcDatetime } from './values.js';

export type { Dialect } from './url.js';

const log = getLogger('nova.db');

/**
 * One open database. `kysely` is typed by the schema of whoever opened it: Nova's
 * tables by default, `Database<TheirSchema>` for the identity and image stores.
 */
export interface Database<DB = NovaDatabase> {
  readonly kysely: Kysely<DB>;
  readonly dialect: Dialect;
  /** The connection URL as given (it may contain a password: log redactDatabaseUrl(url)). */
  readonly url: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Connections per pool on PostgreSQL / MySQL (`[database] max_pool_size`). */
  maxPoolSize?: number;
  /** Seconds an idle pooled connection is kept (`[database] idle_timeout`). */
  idleTimeout?: number;
  /** Extra attempts to reach the server at open (`[database] max_retries`; -1 = forever). */
  maxRetries?: number;
  /** Seconds between those attempts (`[database] retry_interval`). */
  retryInterval?: number;
  /** Log every statement at debug level (`[database] connection_debug` >= 50). */
  debug?: boolean;
  /** Milliseconds a SQLite statement waits for a lock held by another connection. */
  sqliteBusyTimeout?: number;
  /** Create the directory of a SQLite file when it is missing. */
  createDirectory?: boolean;
}

const DEFAULT_SQLITE_BUSY_MS = 30_000;

// ---------------------------------------------------------------------------
// SQLite

function sqliteDialect(filename: string, options: OpenDatabaseOptions): { dialect: KyselyDialect; raw: BetterSqlite3 } {
  if (filename !== ':memory:' && options.createDirectory) mkdirSync(dirname(filename), { recursive: true });
  const raw = new BetterSqlite3(filename, { timeout: options.sqliteBusyTimeout ?? DEFAULT_SQLITE_BUSY_MS });
  try {
    if (filename !== ':memory:') {
      raw.pragma('journal_mode = WAL');
      raw.pragma('synchronous = NORMAL');
    }
    // The server engines enforce foreign keys; SQLite only does when asked.
    raw.pragma('foreign_keys = ON');
    raw.function('regexp', { deterministic: true }, sqliteRegexp);
  } catch (err) {
    raw.close();
    throw err;
  }
  return { dialect: new SqliteDialect({ database: new NormalisingSqliteDatabase(raw) }), raw };
}

// ---------------------------------------------------------------------------
// PostgreSQL

const PG_TIMESTAMP = 1114;
const PG_INT8 = 20;
const PG_NUMERIC = 1700;

function pgTypesFor(pgModule: typeof pg) {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
      if (oid === PG_TIMESTAMP) return parseUtcDatetime;
      // COUNT() and SUM() of integers are bigint/numeric; Nova's counts fit in a double.
      if (oid === PG_INT8 || oid === PG_NUMERIC) return Number;
      return pgModule.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
    },
  };
}

/** pg would format a Date in the process's local zone; the columns are naive UTC. */
function toPgParam(value: unknown): unknown {
  return value instanceof Date ? formatUtcDatetime(value) : value;
}

function postgresDialect(pg: typeof import('pg').default, target: ServerTarget, options: OpenDatabaseOptions): KyselyDialect {
  const pool = new pg.Pool({
    host: target.params.host ?? target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    max: options.maxPoolSize ?? 5,
    idleTimeoutMillis: (options.idleTimeout ?? 3600) * 1000,
    connectionTimeoutMillis: 10_000,
    types: pgTypesFor(pg) as unknown as pg.CustomTypesConfig,
  });
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle PostgreSQL connection failed'));
  const wrapped = {
    async connect() {
      const client = await pool.connect();
      return {
        query: (text: string, params?: unknown[]) => client.query(text, params?.map(toPgParam)),
        release: () => client.release(),
      };
    },
    end: () => pool.end(),
  };
  return new PostgresDialect({
    pool: wrapped as unknown as ConstructorParameters<typeof PostgresDialect>[0]['pool'],
    onCreateConnection: async (conn) => {
      await conn.executeQuery(CompiledQuery.raw("SET TIME ZONE 'UTC'"));
    },
  });
}

// ---------------------------------------------------------------------------
// MySQL / MariaDB

interface MysqlField {
  type: string;
  length: number;
  string(): string | null;
}

/** TINYINT(1) is how MySQL spells BOOLEAN; read it back as one. */
function mysqlTypeCast(field: MysqlField, next: () => unknown): unknown {
  if (field.type === 'TINY' && field.length === 1) {
    const v = field.string();
    return v === null ? null : v !== '0';
  }
  return next();
}

function mysqlDialect(mysql: typeof import('mysql2'), target: ServerTarget, options: OpenDatabaseOptions): KyselyDialect {
  const pool = mysql.createPool({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ...(target.params.unix_socket ? { socketPath: target.params.unix_socket } : {}),
    connectionLimit: options.maxPoolSize ?? 5,
    maxIdle: options.maxPoolSize ?? 5,
    idleTimeout: (options.idleTimeout ?? 3600) * 1000,
    connectTimeout: 10_000,
    charset: 'UTF8MB4_GENERAL_CI',
    // Dates are written and read as UTC, like the naive UTC values Nova stores.
    timezone: 'Z',
    dateStrings: false,
    decimalNumbers: true,
    supportBigNumbers: true,
    typeCast: mysqlTypeCast as unknown as mysql.TypeCast,
  });
  return new MysqlDialect({
    pool: pool as unknown as ConstructorParameters<typeof MysqlDialect>[0]['pool'],
    onCreateConnection: async (conn) => {
      await conn.executeQuery(CompiledQuery.raw("SET time_zone = '+00:00'"));
    },
  });
}

// ---------------------------------------------------------------------------

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function logQuery(event: LogEvent): void {
  if (event.level === 'error') log.debug({ sql: event.query.sql, err: (event.error as Error)?.message }, 'query failed');
  else log.debug({ sql: event.query.sql, ms: event.queryDurationMillis }, 'query');
}

/**
 * Opens the database a URL names and checks that it answers, so that a wrong URL or
 * a server that is down fails here, with one line, rather than on the first request.
 */
export async function openDatabase<DB = NovaDatabase>(url: string, options: OpenDatabaseOptions = {}): Promise<Database<DB>> {
  const target = parseDatabaseUrl(url);
  const attempts = options.maxRetries === undefined ? 1 : options.maxRetries < 0 ? Number.POSITIVE_INFINITY : options.maxRetries + 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let kysely: Kysely<DB> | undefined;
    try {
      let dialect: KyselyDialect;
      if (target.dialect === 'sqlite') dialect = sqliteDialect(target.filename, options).dialect;
      // The server drivers are loaded only when used: the embedded cloud starts faster without them.
      else if (target.dialect === 'postgres') dialect = postgresDialect((await import('pg')).default, target, options);
      else dialect = mysqlDialect(await import('mysql2'), target, options);
      kysely = new Kysely<DB>({ dialect, ...(options.debug ? { log: logQuery } : {}) });
      await sql`select 1`.execute(kysely);
      const opened = kysely;
      log.debug({ url: redactDatabaseUrl(url) }, 'database opened');
      return { kysely: opened, dialect: target.dialect, url, close: () => opened.destroy() };
    } catch (err) {
      lastError = err;
      await kysely?.destroy().catch(() => undefined);
      if (attempt < attempts) {
        log.warn({ url: redactDatabaseUrl(url), err: (err as Error).message, attempt }, 'database not reachable, retrying');
        await sleep((options.retryInterval ?? 10) * 1000);
      }
    }
  }
  throw new DBConnectionError(url, lastError);
}

/**
 * Patterns reach three SQL engines, so only the syntax they all read alike (and the
 * linear-time matcher SQLite runs) is accepted: InvalidInput (400) otherwise.
 */
function checkUserRegex(pattern: string): void {
  try {
    new BoundedRegex(pattern);
  } catch (err) {
    if (err instanceof RegexSyntaxError) throw new InvalidInput(`Invalid regular expression ${JSON.stringify(pattern)}: ${err.message}`);
    throw err;
  }
}

/**
 * `column` matches the regular expression `pattern` (unanchored search): `~` on
 * PostgreSQL (the column is cast to text so it works on inet and integer columns),
 * REGEXP on MySQL and SQLite. Nova's instance list filters use it.
 */
export function regexpMatch(dialect: Dialect, column: string | Expression<unknown>, pattern: string): RawBuilder<SqlBool> {
  checkUserRegex(pattern);
  const ref = typeof column === 'string' ? sql.ref(column) : column;
  if (dialect === 'postgres') return sql<SqlBool>`cast(${ref} as text) ~ ${pattern}`;
  return sql<SqlBool>`${ref} REGEXP ${pattern}`;
}
