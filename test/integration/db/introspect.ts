/** What a live database actually contains, read from each engine's catalog. */
import { sql } from 'kysely';
import type { Database } from '../../../src/db/engine.js';

export interface TableShape {
  columns: Map<string, { nullable: boolean }>;
  /** Column lists of UNIQUE constraints and unique indexes (primary keys excluded). */
  uniques: string[][];
  /** Names of non-unique indexes. */
  indexes: Set<string>;
}

type Rows = Record<string, unknown>[];

async function rows<DB>(db: Database<DB>, query: ReturnType<typeof sql>): Promise<Rows> {
  return (await query.execute(db.kysely)).rows as Rows;
}

function shape(out: Map<string, TableShape>, table: string): TableShape {
  let s = out.get(table);
  if (!s) {
    s = { columns: new Map(), uniques: [], indexes: new Set() };
    out.set(table, s);
  }
  return s;
}

export async function introspect<DB>(db: Database<DB>): Promise<Map<string, TableShape>> {
  const out = new Map<string, TableShape>();
  if (db.dialect === 'sqlite') {
    const tables = await rows(db, sql`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`);
    for (const { name } of tables) {
      const table = String(name);
      const s = shape(out, table);
      for (const c of await rows(db, sql`select name, "notnull" as nn from pragma_table_info(${table})`)) {
        s.columns.set(String(c.name), { nullable: Number(c.nn) === 0 });
      }
      for (const ix of await rows(db, sql`select name, "unique" as u, origin from pragma_index_list(${table})`)) {
        if (ix.origin === 'pk') continue;
        const cols = (await rows(db, sql`select name from pragma_index_info(${String(ix.name)}) order by seqno`)).map((r) =>
          String(r.name),
        );
        if (Number(ix.u) === 1) s.uniques.push(cols);
        else s.indexes.add(String(ix.name));
      }
    }
    return out;
  }
  if (db.dialect === 'postgres') {
    for (const c of await rows(
      db,
      sql`select table_name as t, column_name as c, is_nullable as n from information_schema.columns where table_schema = current_schema()`,
    )) {
      shape(out, String(c.t)).columns.set(String(c.c), { nullable: c.n === 'YES' });
    }
    const indexes = await rows(
      db,
      sql`select t.relname as t, i.relname as i, ix.indisunique as u, ix.indisprimary as p,
                 string_agg(a.attname, ',' order by k.ord) as cols
          from pg_index ix
          join pg_class t on t.oid = ix.indrelid
          join pg_class i on i.oid = ix.indexrelid
          join pg_namespace n on n.oid = t.relnamespace
          cross join lateral unnest(ix.indkey) with ordinality as k(attnum, ord)
          join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
          where n.nspname = current_schema()
          group by t.relname, i.relname, ix.indisunique, ix.indisprimary`,
    );
    for (const ix of indexes) {
      if (ix.p === true) continue;
      const s = shape(out, String(ix.t));
      if (ix.u === true) s.uniques.push(String(ix.cols).split(','));
      else s.indexes.add(String(ix.i));
    }
    return out;
  }
  for (const c of await rows(
    db,
    sql`select table_name as t, column_name as c, is_nullable as n from information_schema.columns where table_schema = database()`,
  )) {
    shape(out, String(c.t)).columns.set(String(c.c), { nullable: c.n === 'YES' });
  }
  const stats = await rows(
    db,
    sql`select table_name as t, index_name as i, non_unique as nu, column_name as c
        from information_schema.statistics where table_schema = database() order by table_name, index_name, seq_in_index`,
  );
  const grouped = new Map<string, { t: string; unique: boolean; cols: string[] }>();
  for (const r of stats) {
    if (r.i === 'PRIMARY') continue;
    const key = `${r.t}\u0000${r.i}`;
    const g = grouped.get(key) ?? { t: String(r.t), unique: Number(r.nu) === 0, cols: [] };
    g.cols.push(String(r.c));
    grouped.set(key, g);
  }
  for (const [key, g] of grouped) {
    const s = shape(out, g.t);
    if (g.unique) s.uniques.push(g.cols);
    else s.indexes.add(key.split('\u0000')[1] as string);
  }
  return out;
}
