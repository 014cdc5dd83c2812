/**
 * The `task_log` table: one row per (task, host, period) recording a periodic audit's
 * progress, as the instance usage audit writes it and os-instance_usage_audit_log reads it.
 */
import { Conflict, NotFound } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { TaskLog } from '../types.js';
import { type Db, insertReturningId, now } from './common.js';

export class TaskAlreadyRunning extends Conflict {}
export class TaskNotRunning extends NotFound {}

export interface TaskKey {
  taskName: string;
  host: string;
  begin: Date;
  end: Date;
}

function keyed(db: Db, key: TaskKey) {
  return db.kysely
    .selectFrom('task_log')
    .selectAll()
    .where('deleted', '=', 0)
    .where('task_name', '=', key.taskName)
    .where('host', '=', key.host)
    .where('period_beginning', '=', key.begin)
    .where('period_ending', '=', key.end);
}

/** The task's row for that host and period, optionally only in `state`. */
export async function taskLogGet(db: Db, _ctx: RequestContext | null, key: TaskKey, state?: string): Promise<TaskLog | null> {
  let q = keyed(db, key);
  if (state !== undefined) q = q.where('state', '=', state);
  return (await q.executeTakeFirst()) ?? null;
}

/** Every row of a task for a period (any host), optionally one host or state. */
export async function taskLogGetAll(
  db: Db,
  _ctx: RequestContext | null,
  taskName: string,
  begin: Date,
  end: Date,
  filter: { host?: string; state?: string } = {},
): Promise<TaskLog[]> {
  let q = db.kysely
    .selectFrom('task_log')
    .selectAll()
    .where('deleted', '=', 0)
    .where('task_name', '=', taskName)
    .where('period_beginning', '=', begin)
    .where('period_ending', '=', end);
  if (filter.host !== undefined) q = q.where('host', '=', filter.host);
  if (filter.state !== undefined) q = q.where('state', '=', filter.state);
  return q.orderBy('id').execute();
}

/** Records the task as RUNNING; TaskAlreadyRunning when a row exists (the UNIQUE key settles races). */
export async function taskLogBeginTask(
  db: Db,
  _ctx: RequestContext | null,
  key: TaskKey,
  values: { taskItems?: number; message?: string } = {},
): Promise<void> {
  if (await keyed(db, key).executeTakeFirst()) throw alreadyRunning(key);
  try {
    await insertReturningId(db, 'task_log', {
      task_name: key.taskName,
      host: key.host,
      period_beginning: key.begin,
      period_ending: key.end,
      state: 'RUNNING',
      task_items: values.taskItems ?? 0,
      message: values.message ?? '',
      errors: 0,
      created_at: now(),
      deleted: 0,
    });
  } catch (err) {
    if (await keyed(db, key).executeTakeFirst()) throw alreadyRunning(key);
    throw err;
  }
}

/** Marks the task DONE with its error count and message; TaskNotRunning when it never began. */
export async function taskLogEndTask(db: Db, _ctx: RequestContext | null, key: TaskKey, errors: number, message: string): Promise<void> {
  const result = await db.kysely
    .updateTable('task_log')
    .set({ state: 'DONE', errors, message, updated_at: now() })
    .where('deleted', '=', 0)
    .where('task_name', '=', key.taskName)
    .where('host', '=', key.host)
    .where('period_beginning', '=', key.begin)
    .where('period_ending', '=', key.end)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) {
    throw new TaskNotRunning(`Task ${key.taskName} is not running on host ${key.host}`, {
      kwargs: { task_name: key.taskName, host: key.host },
    });
  }
}

function alreadyRunning(key: TaskKey): TaskAlreadyRunning {
  return new TaskAlreadyRunning(`Task ${key.taskName} is already running on host ${key.host}`, {
    kwargs: { task_name: key.taskName, host: key.host },
  });
}
