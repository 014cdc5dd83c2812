import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { BoundedRegex } from '../common/bounded-regex.js';
import { formatUtcDatetime, parseUtcDatetime } from './values.js';

type Converter = (value: unknown) => unknown;

function toSqliteParam(value: unknown): unknown {
  if (value instanceof Date) return formatUtcDatetime(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

const toBoolean: Converter = (v) => (v === null || v === undefined ? v : v !== 0 && v !== '0');
const toDate: Converter = (v) => (typeof v === 'string' ? parseUtcDatetime(v) : v);

/**
 * SQLite keeps the declared type of a column (BOOLEAN, DATETIME) but returns 0/1 and
 * text; the declared type is read from the prepared statement so that result columns
 * come back as booleans and Dates, as on the server engines.
 */
function converterFor(declared: string | null): Converter | undefined {
  if (!declared) return undefined;
  const t = declared.toUpperCase();
  if (t === 'BOOLEAN') return toBoolean;
  if (t === 'DATETIME' || t === 'TIMESTAMP') return toDate;
  return undefined;
}

class NormalisingStatement implements SqliteStatement {
  #plan: Array<[string, Converter]> | null = null;

  constructor(private readonly stmt: BetterSqlite3.Statement) {}

  get reader(): boolean {
    return this.stmt.reader;
  }

  #convert(row: unknown): unknown {
    if (this.#plan === null) {
      this.#plan = [];
      for (const col of this.stmt.columns()) {
        const conv = converterFor(col.type);
        if (conv) this.#plan.push([col.name, conv]);
      }
    }
    if (this.#plan.length === 0 || row === null || typeof row !== 'object') return row;
    const r = row as Record<string, unknown>;
    for (const [name, conv] of this.#plan) if (name in r) r[name] = conv(r[name]);
    return r;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.stmt.all(...parameters.map(toSqliteParam)).map((row) => this.#convert(row));
  }

  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.stmt.run(...parameters.map(toSqliteParam));
  }

  *iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    for (const row of this.stmt.iterate(...parameters.map(toSqliteParam))) yield this.#convert(row);
  }
}

/** The better-sqlite3 handle as Kysely sees it, with values normalised both ways. */
export class NormalisingSqliteDatabase implements SqliteDatabase {
  constructor(readonly raw: BetterSqlite3) {}

  close(): void {
    if (this.raw.open) this.raw.close();
  }

  prepare(sql: string): SqliteStatement {
    return new NormalisingStatement(this.raw.prepare(sql));
  }
}

const regexCache = new Map<string, BoundedRegex>();

/**
 * SQLite's `x REGEXP y` calls regexp(y, x): an unanchored search, as Python's re.search was
 * for Nova. The pattern comes from a user, so it runs on the linear-time matcher: a
 * backtracking engine would let one filter stall the whole process.
 */
export function sqliteRegexp(pattern: unknown, value: unknown): number | null {
  if (pattern === null || value === null || pattern === undefined || value === undefined) return null;
  const key = String(pattern);
  let re = regexCache.get(key);
  if (!re) {
    re = new BoundedRegex(key);
    if (regexCache.size > 500) regexCache.clear();
    regexCache.set(key, re);
  }
  return re.test(String(value)) ? 1 : 0;
}
