/**
 * The DB contract suite's harness: one suite body, run against SQLite, PostgreSQL and
 * MariaDB. Each run gets its own freshly created database (random name) that is
 * dropped afterwards, because test files run concurrently.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Db } from '../../../src/db/api/common.js';
import { openDatabase } from '../../../src/db/engine.js';
import { NOVA_REPOSITORY, novaMigrations } from '../../../src/db/migrations/nova/index.js';
import { migrate } from '../../../src/db/migrator.js';
import { probe, requireExternal } from '../../support/externals.js';

export const PG_HOST = process.env.NOVA_TEST_PG_HOST ?? '127.0.0.1';
export const MYSQL_HOST = process.env.NOVA_TEST_MYSQL_HOST ?? '127.0.0.1';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

export interface Engine {
  name: 'sqlite' | 'postgres' | 'mysql';
  /** Name shown when the server is missing. */
  external: string | null;
  probe(): Promise<string | null>;
  create(): Promise<ScratchDatabase>;
}

function scratchName(): string {
  return `nova_test_${randomBytes(5).toString('hex')}`;
}

const sqliteEngine: Engine = {
  name: 'sqlite',
  external: null,
  probe: async () => null,
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'nova-db-'));
    return { url: `sqlite:///${join(dir, 'nova.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: PG_HOST, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const postgresEngine: Engine = {
  name: 'postgres',
  external: `PostgreSQL at ${PG_HOST}:5432`,
  probe: () => probe(() => pgAdmin((c) => c.query('select 1'))),
  async create() {
    const name = scratchName();
    await pgAdmin((c) => c.query(`create database ${name}`));
    return {
      url: `postgresql://postgres@${PG_HOST}:5432/${name}`,
      drop: () => pgAdmin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
    };
  },
};

async function mysqlAdmin<T>(fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection({ host: MYSQL_HOST, user: 'root', connectTimeout: 3000 });
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

const mysqlEngine: Engine = {
  name: 'mysql',
  external: `MariaDB at ${MYSQL_HOST}:3306`,
  probe: () => probe(() => mysqlAdmin((c) => c.query('select 1'))),
  async create() {
    const name = scratchName();
    await mysqlAdmin((c) => c.query(`create database ${name} character set utf8mb4`));
    return {
      url: `mysql+pymysql://root@${MYSQL_HOST}:3306/${name}`,
      drop: () => mysqlAdmin((c) => c.query(`drop database if exists ${name}`)).then(() => undefined),
    };
  },
};

export const ENGINES: readonly Engine[] = [sqliteEngine, postgresEngine, mysqlEngine];

export interface EngineRun {
  engine: Engine;
  /** The migrated database of this run. */
  db: Db;
  url: string;
  /** Another empty database on the same engine, dropped when the run ends. */
  scratch(): Promise<ScratchDatabase>;
}

/**
 * Registers one top-level test per engine; `body` declares its cases with `t.test`.
 * With `migrated` false the database is left empty.
 */
export function forEachEngine(
  title: string,
  body: (t: TestContext, run: EngineRun) => Promise<void>,
  options: { migrated?: boolean } = {},
): void {
  for (const engine of ENGINES) {
    test(`${title} [${engine.name}]`, async (t) => {
      if (engine.external && !requireExternal(t, engine.external, await engine.probe())) return;
      const cleanups: Array<() => Promise<void>> = [];
      const scratch = async () => {
        const s = await engine.create();
        cleanups.push(s.drop);
        return s;
      };
      try {
        const main = await scratch();
        const db = await openDatabase(main.url);
        cleanups.push(() => db.close());
        if (options.migrated !== false) await migrate(db, NOVA_REPOSITORY, novaMigrations);
        await body(t, { engine, db, url: main.url, scratch });
      } finally {
        for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      }
    });
  }
}
