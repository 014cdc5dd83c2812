/**
 * Helpers every DB API module shares: Nova's soft delete, the read_deleted and
 * project_only filters of model_query, context checks, inserts that return their id on
 * every engine, and transactions that hand a `Database` to the code inside them.
 */
import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import { AdminRequired, NotAuthorized } from '../../common/errors.js';
import type { ReadDeleted, RequestContext } from '../../context/context.js';
import type { Database } from '../engine.js';
import type { NovaDatabase } from '../types.js';

export type { ReadDeleted } from '../../context/context.js';

export type Db = Database<NovaDatabase>;

/** A loosely typed handle, for helpers that take the table name as a value. */
// biome-ignore lint/suspicious/noExplicitAny: table names are runtime values here
export type AnyKysely = Kysely<any>;

/** The current time, as Nova's timeutils.utcnow() (stored naive UTC). */
export function now(): Date {
  return new Date();
}

/** `read_deleted` of a call: the explicit value, else the context's, else 'no'. */
export function readDeletedOf(ctx?: RequestContext | null, explicit?: ReadDeleted): ReadDeleted {
  return explicit ?? ctx?.readDeleted ?? 'no';
}

/**
 * model_query's deleted filter on `<table>.deleted`: 'no' keeps live rows, 'only' keeps
 * soft-deleted ones, 'yes' keeps both (null is returned: nothing to add).
 */
export function deletedFilter(
  table: string,
  readDeleted: ReadDeleted,
  liveValue: number | string | boolean = 0,
): Expression<SqlBool> | null {
  const ref = sql.ref(`${table}.deleted`);
  if (readDeleted === 'no') return sql<SqlBool>`${ref} = ${liveValue}`;
  if (readDeleted === 'only') return sql<SqlBool>`${ref} <> ${liveValue}`;
  return null;
}

export function isUserContext(ctx?: RequestContext | null): boolean {
  return !!ctx && !ctx.isAdmin && ctx.userId !== null && ctx.projectId !== null;
}

/**
 * model_query's project_only: for a user (non-admin) context, rows of the caller's
 * project, plus rows without a project when `allow_none`. Null when nothing is added.
 */
export function projectFilter(
  table: string,
  ctx: RequestContext | null | undefined,
  projectOnly: boolean | 'allow_none',
): Expression<SqlBool> | null {
  if (!projectOnly || !isUserContext(ctx)) return null;
  const ref = sql.ref(`${table}.project_id`);
  const projectId = ctx?.projectId ?? null;
  if (projectOnly === 'allow_none') return sql<SqlBool>`(${ref} = ${projectId} or ${ref} is null)`;
  return sql<SqlBool>`${ref} = ${projectId}`;
}

/** require_admin_context: calls that carry a context must come from an admin. */
export function requireAdmin(ctx?: RequestContext | null): void {
  if (ctx && !ctx.isAdmin) throw new AdminRequired();
}

/** authorize_project_context: a user may only ask about their own project. */
export function authorizeProject(ctx: RequestContext | null | undefined, projectId: string): void {
  if (isUserContext(ctx) && ctx?.projectId !== projectId) throw new NotAuthorized('Not authorized.');
}

/** authorize_user_context: a user may only ask about themselves. */
export function authorizeUser(ctx: RequestContext | null | undefined, userId: string): void {
  if (isUserContext(ctx) && ctx?.userId !== userId) throw new NotAuthorized('Not authorized.');
}

/** The values of a soft delete: `deleted` takes the row's own id so UNIQUE(..., deleted) frees the slot. */
export function softDeleteValues(at: Date = now(), options: { bumpUpdatedAt?: boolean } = {}) {
  return {
    deleted: sql.ref('id'),
    deleted_at: at,
    ...(options.bumpUpdatedAt ? { updated_at: at } : {}),
  };
}

/**
 * Soft-deletes the live rows of `table` that `where` selects, as Query.soft_delete does:
 * one UPDATE, `updated_at` untouched. Returns the number of rows.
 */
export async function softDeleteWhere(db: Db, table: string, where: Record<string, unknown>, at: Date = now()): Promise<number> {
  const k = db.kysely as AnyKysely;
  let q = k.updateTable(table).set(softDeleteValues(at)).where('deleted', '=', 0);
  for (const [column, value] of Object.entries(where)) q = value === null ? q.where(column, 'is', null) : q.where(column, '=', value);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Inserts one row and returns its integer id (RETURNING on PostgreSQL, the insert id elsewhere). */
export async function insertReturningId(db: Db, table: string, values: Record<string, unknown>): Promise<number> {
  const k = db.kysely as AnyKysely;
  if (db.dialect === 'postgres') {
    const row = await k.insertInto(table).values(values).returning('id').executeTakeFirstOrThrow();
    return Number(row.id);
  }
  const result = await k.insertInto(table).values(values).executeTakeFirstOrThrow();
  return Number(result.insertId);
}

/**
 * Runs `fn` in a transaction; the `Database` it receives is bound to it, so DB API
 * functions can be composed inside one. Inside a transaction already, it just runs.
 */
export async function inTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  if (db.kysely.isTransaction) return fn(db);
  return db.kysely.transaction().execute((trx) => fn({ kysely: trx, dialect: db.dialect, url: db.url, close: db.close }));
}
