/**
 * Dialect-neutral table definitions and their DDL. A repository describes each table
 * once (columns, indexes, unique constraints, foreign keys); `createTableStatements`
 * renders it for SQLite, PostgreSQL or MySQL, the migration tests introspect against the
 * same description, and the kysely row types are derived from it (`TableRow`).
 */
import type { ColumnType } from 'kysely';
import type { Dialect } from './url.js';

export type ColumnKind =
  | 'id' // auto-increment integer primary key
  | 'int'
  | 'bigint'
  | 'float'
  | 'string' // VARCHAR(length)
  | 'text'
  | 'mediumtext' // MEDIUMTEXT on MySQL, TEXT elsewhere
  | 'bool'
  | 'datetime' // naive UTC, microsecond precision where the engine has it
  | 'ip' // INET on PostgreSQL, VARCHAR(39) elsewhere
  | 'cidr'; // INET on PostgreSQL, VARCHAR(43) elsewhere

export type ServerDefault = number | string | boolean;

export interface ColumnSpec {
  readonly kind: ColumnKind;
  readonly length?: number;
  readonly nullable: boolean;
  readonly primaryKey: boolean;
  readonly default?: ServerDefault;
}

/** One column. The type parameters carry its TypeScript value type into `TableRow`. */
export class Column<N extends string = string, T = unknown, Null extends boolean = boolean, Gen extends boolean = boolean> {
  declare readonly __value: T;
  declare readonly __nullable: Null;
  declare readonly __generated: Gen;

  constructor(
    readonly name: N,
    readonly spec: ColumnSpec,
  ) {}

  notNull(): Column<N, T, false, Gen> {
    return new Column(this.name, { ...this.spec, nullable: false });
  }

  /** A server-side default: rows inserted without the column still get a value. */
  default(value: T & ServerDefault): Column<N, T, Null, true> {
    return new Column(this.name, { ...this.spec, default: value });
  }

  /** Part of the primary key (for tables whose key is not an `id` column). */
  primaryKey(): Column<N, T, false, Gen> {
    return new Column(this.name, { ...this.spec, nullable: false, primaryKey: true });
  }
}

function make<T>(kind: ColumnKind, length?: number) {
  return <const N extends string>(name: N): Column<N, T, true, false> =>
    new Column(name, { kind, nullable: true, primaryKey: false, ...(length === undefined ? {} : { length }) });
}

function idColumn(): Column<'id', number, false, true>;
function idColumn<const N extends string>(name: N): Column<N, number, false, true>;
function idColumn(name = 'id'): Column<string, number, false, true> {
  return new Column(name, { kind: 'id', nullable: false, primaryKey: true });
}

/** Column constructors. Every column is nullable until `.notNull()`. */
export const col = {
  id: idColumn,
  int: make<number>('int'),
  bigint: make<number>('bigint'),
  float: make<number>('float'),
  string: <const N extends string>(name: N, length = 255): Column<N, string, true, false> =>
    new Column(name, { kind: 'string', length, nullable: true, primaryKey: false }),
  text: make<string>('text'),
  mediumtext: make<string>('mediumtext'),
  bool: make<boolean>('bool'),
  datetime: make<Date>('datetime'),
  ip: make<string>('ip'),
  cidr: make<string>('cidr'),
};

export type IdType = 'int' | 'string' | 'bool';

type DeletedColumn<K extends IdType> = K extends 'int'
  ? Column<'deleted', number, true, true>
  : K extends 'string'
    ? Column<'deleted', string, true, true>
    : Column<'deleted', boolean, true, true>;

/**
 * Nova's four common columns. `deleted` has the type of the table's id so that a
 * soft-deleted row carries `deleted = id` and UNIQUE(..., deleted) only binds live rows;
 * `volumes`/`snapshots` (string ids) use '' for live rows, the legacy tables a boolean.
 */
export function commonColumns<K extends IdType = 'int'>(
  idType?: K,
): readonly [
  Column<'created_at', Date, true, false>,
  Column<'updated_at', Date, true, false>,
  Column<'deleted_at', Date, true, false>,
  DeletedColumn<K>,
] {
  const kind = idType ?? 'int';
  const deleted =
    kind === 'int'
      ? col.int('deleted').default(0)
      : kind === 'string'
        ? col.string('deleted', 36).default('')
        : col.bool('deleted').default(false);
  return [col.datetime('created_at'), col.datetime('updated_at'), col.datetime('deleted_at'), deleted as DeletedColumn<K>];
}

export interface IndexDef {
  readonly name: string;
  readonly columns: readonly string[];
}

export interface UniqueDef {
  readonly name: string;
  readonly columns: readonly string[];
}

export interface ForeignKeyDef {
  readonly name: string;
  readonly columns: readonly string[];
  readonly table: string;
  readonly references: readonly string[];
}

export interface TableDef<N extends string = string, Cols extends readonly Column[] = readonly Column[]> {
  readonly name: N;
  readonly columns: Cols;
  readonly indexes: readonly IndexDef[];
  readonly uniques: readonly UniqueDef[];
  readonly foreignKeys: readonly ForeignKeyDef[];
}

export interface TableExtras {
  indexes?: readonly IndexDef[];
  uniques?: readonly UniqueDef[];
  foreignKeys?: readonly ForeignKeyDef[];
}

export function defineTable<const N extends string, const Cols extends readonly Column[]>(
  name: N,
  columns: Cols,
  extras: TableExtras = {},
): TableDef<N, Cols> {
  const names = new Set(columns.map((c) => c.name));
  if (names.size !== columns.length) throw new Error(`table ${name}: duplicate column`);
  for (const group of [...(extras.indexes ?? []), ...(extras.uniques ?? []), ...(extras.foreignKeys ?? [])]) {
    for (const c of group.columns) if (!names.has(c)) throw new Error(`table ${name}: ${group.name} names unknown column ${c}`);
  }
  return { name, columns, indexes: extras.indexes ?? [], uniques: extras.uniques ?? [], foreignKeys: extras.foreignKeys ?? [] };
}

// ---------------------------------------------------------------------------
// Row types

type KyselyColumn<C> =
  C extends Column<string, infer T, infer Null, infer Gen>
    ? Gen extends true
      ? ColumnType<Null extends true ? T | null : T, (Null extends true ? T | null : T) | undefined, Null extends true ? T | null : T>
      : Null extends true
        ? T | null
        : T
    : never;

/** The kysely table interface of a definition. */
export type TableRow<D> = D extends TableDef<string, infer Cols> ? { [C in Cols[number] as C['name']]: KyselyColumn<C> } : never;

/** The kysely database interface of a list of definitions. */
export type SchemaOf<Defs extends readonly TableDef[]> = { [D in Defs[number] as D['name']]: TableRow<D> };

// ---------------------------------------------------------------------------
// DDL

export function quoteIdent(dialect: Dialect, name: string): string {
  return dialect === 'mysql' ? `\`${name.replace(/`/g, '``')}\`` : `"${name.replace(/"/g, '""')}"`;
}

/** The SQL type of a column on one engine. */
export function sqlType(dialect: Dialect, spec: ColumnSpec): string {
  switch (spec.kind) {
    case 'id':
      return dialect === 'postgres' ? 'SERIAL' : dialect === 'mysql' ? 'INT' : 'INTEGER';
    case 'int':
      return dialect === 'mysql' ? 'INT' : 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'float':
      // MySQL's FLOAT is single precision: 1.1 would come back as 1.100000023841858.
      return dialect === 'postgres' ? 'DOUBLE PRECISION' : dialect === 'mysql' ? 'DOUBLE' : 'FLOAT';
    case 'string':
      return `VARCHAR(${spec.length ?? 255})`;
    case 'text':
      return 'TEXT';
    case 'mediumtext':
      return dialect === 'mysql' ? 'MEDIUMTEXT' : 'TEXT';
    case 'bool':
      return dialect === 'mysql' ? 'TINYINT(1)' : 'BOOLEAN';
    case 'datetime':
      return dialect === 'postgres' ? 'TIMESTAMP WITHOUT TIME ZONE' : dialect === 'mysql' ? 'DATETIME(6)' : 'DATETIME';
    case 'ip':
      return dialect === 'postgres' ? 'INET' : 'VARCHAR(39)';
    case 'cidr':
      return dialect === 'postgres' ? 'INET' : 'VARCHAR(43)';
  }
}

function literal(dialect: Dialect, value: ServerDefault): string {
  if (typeof value === 'boolean') return dialect === 'postgres' ? (value ? 'true' : 'false') : value ? '1' : '0';
  if (typeof value === 'number') return String(value);
  return `'${value.replace(/'/g, "''")}'`;
}

export function columnSql(dialect: Dialect, c: Column, inlinePrimaryKey: boolean): string {
  const q = quoteIdent(dialect, c.name);
  const { spec } = c;
  if (spec.kind === 'id') {
    if (dialect === 'sqlite') return `${q} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL`;
    if (dialect === 'mysql') return `${q} INT NOT NULL AUTO_INCREMENT${inlinePrimaryKey ? ' PRIMARY KEY' : ''}`;
    return `${q} SERIAL NOT NULL${inlinePrimaryKey ? ' PRIMARY KEY' : ''}`;
  }
  let out = `${q} ${sqlType(dialect, spec)}`;
  if (spec.default !== undefined) out += ` DEFAULT ${literal(dialect, spec.default)}`;
  out += spec.nullable ? ' NULL' : ' NOT NULL';
  if (spec.kind === 'bool' && dialect === 'sqlite') out += ` CHECK (${q} IN (0, 1))`;
  return out;
}

/** InnoDB's limit on the bytes of one index key (DYNAMIC row format); utf8mb4 takes 4 bytes a character. */
const MYSQL_MAX_KEY_BYTES = 3072;
const MYSQL_PREFIX_CHARS = 100;

function mysqlKeyBytes(spec: ColumnSpec): number {
  switch (spec.kind) {
    case 'string':
      return (spec.length ?? 255) * 4 + 2;
    case 'ip':
      return 39 * 4 + 2;
    case 'cidr':
      return 43 * 4 + 2;
    case 'bigint':
    case 'datetime':
    case 'float':
      return 8;
    default:
      return 4;
  }
}

/**
 * Index column list; on MySQL, an index whose key would exceed InnoDB's limit indexes
 * the first 100 characters of its long VARCHAR columns instead (Nova does the same for
 * the migrations indexes).
 */
function indexColumnsSql(dialect: Dialect, table: TableDef, columns: readonly string[], unique: boolean): string {
  const specs = columns.map((name) => {
    const c = table.columns.find((x) => x.name === name);
    if (!c) throw new Error(`table ${table.name}: unknown index column ${name}`);
    return c;
  });
  const tooLong = dialect === 'mysql' && specs.reduce((n, c) => n + mysqlKeyBytes(c.spec), 0) > MYSQL_MAX_KEY_BYTES;
  if (tooLong && unique) throw new Error(`table ${table.name}: unique key on ${columns.join(', ')} exceeds MySQL's key length limit`);
  return specs
    .map((c) => {
      const q = quoteIdent(dialect, c.name);
      if (tooLong && (c.spec.kind === 'string' || c.spec.kind === 'text') && (c.spec.length ?? 255) > MYSQL_PREFIX_CHARS) {
        return `${q}(${MYSQL_PREFIX_CHARS})`;
      }
      if (dialect === 'mysql' && (c.spec.kind === 'text' || c.spec.kind === 'mediumtext')) return `${q}(${MYSQL_PREFIX_CHARS})`;
      return q;
    })
    .join(', ');
}

/** CREATE TABLE and CREATE INDEX statements for one table, in execution order. */
export function createTableStatements(dialect: Dialect, table: TableDef): string[] {
  const q = (n: string) => quoteIdent(dialect, n);
  const pkColumns = table.columns.filter((c) => c.spec.primaryKey);
  const inlinePk = pkColumns.length === 1 && pkColumns[0]?.spec.kind === 'id';
  const parts = table.columns.map((c) => columnSql(dialect, c, inlinePk));
  if (!inlinePk && pkColumns.length > 0) parts.push(`PRIMARY KEY (${pkColumns.map((c) => q(c.name)).join(', ')})`);
  for (const u of table.uniques) parts.push(`CONSTRAINT ${q(u.name)} UNIQUE (${indexColumnsSql(dialect, table, u.columns, true)})`);
  for (const fk of table.foreignKeys) {
    parts.push(
      `CONSTRAINT ${q(fk.name)} FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${q(fk.table)} (${fk.references.map(q).join(', ')})`,
    );
  }
  let create = `CREATE TABLE ${q(table.name)} (\n  ${parts.join(',\n  ')}\n)`;
  if (dialect === 'mysql') create += ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci';
  const statements = [create];
  for (const ix of table.indexes) {
    statements.push(`CREATE INDEX ${q(ix.name)} ON ${q(table.name)} (${indexColumnsSql(dialect, table, ix.columns, false)})`);
  }
  return statements;
}

/**
 * Adds a UNIQUE constraint to an existing table: ALTER TABLE where the engine can, a
 * unique index on SQLite (which cannot add constraints to a table it has).
 */
export function addUniqueStatement(dialect: Dialect, table: TableDef, unique: UniqueDef): string {
  const q = (n: string) => quoteIdent(dialect, n);
  const columns = indexColumnsSql(dialect, table, unique.columns, true);
  if (dialect === 'sqlite') return `CREATE UNIQUE INDEX ${q(unique.name)} ON ${q(table.name)} (${columns})`;
  return `ALTER TABLE ${q(table.name)} ADD CONSTRAINT ${q(unique.name)} UNIQUE (${columns})`;
}

/** Drops a (non-unique) index; MySQL names the table too. */
export function dropIndexStatement(dialect: Dialect, table: TableDef, index: string): string {
  const q = (n: string) => quoteIdent(dialect, n);
  return dialect === 'mysql' ? `DROP INDEX ${q(index)} ON ${q(table.name)}` : `DROP INDEX ${q(index)}`;
}

/**
 * The archive copy of a table (Nova's `shadow_<table>`): the same columns and primary
 * key, no auto-increment (archived rows keep their ids), no defaults, indexes,
 * unique constraints or foreign keys.
 */
export function shadowTable<const N extends string, const Cols extends readonly Column[]>(
  table: TableDef<N, Cols>,
): TableDef<`shadow_${N}`, Cols> {
  const columns = table.columns.map((c) => {
    const { default: _ignored, ...spec } = c.spec;
    return new Column(c.name, spec.kind === 'id' ? { ...spec, kind: 'int' } : spec);
  }) as unknown as Cols;
  return { name: `shadow_${table.name}`, columns, indexes: [], uniques: [], foreignKeys: [] };
}
