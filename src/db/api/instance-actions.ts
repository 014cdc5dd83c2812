/**
 * Instance actions (one row per user request on an instance, keyed by request id) and
 * their events (one row per step a service ran for it).
 */
import { NotFound } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { InstanceAction, InstanceActionEvent } from '../types.js';
import { type Db, insertReturningId, now } from './common.js';

export class InstanceActionNotFound extends NotFound {
  constructor(requestId: string, instanceUuid: string) {
    super(`Action for request_id ${requestId} on instance ${instanceUuid} not found`, {
      kwargs: { request_id: requestId, instance_uuid: instanceUuid },
    });
  }
}

export interface ActionStartValues {
  action: string;
  instance_uuid: string;
  request_id: string;
  user_id: string | null;
  project_id: string | null;
  start_time?: Date;
  message?: string | null;
}

export async function actionStart(db: Db, _ctx: RequestContext | null, values: ActionStartValues): Promise<InstanceAction> {
  const id = await insertReturningId(db, 'instance_actions', {
    ...values,
    start_time: values.start_time ?? now(),
    created_at: now(),
    deleted: 0,
  });
  return db.kysely.selectFrom('instance_actions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export async function actionGetByRequestId(
  db: Db,
  _ctx: RequestContext | null,
  instanceUuid: string,
  requestId: string,
): Promise<InstanceAction | null> {
  const row = await db.kysely
    .selectFrom('instance_actions')
    .selectAll()
    .where('deleted', '=', 0)
    .where('instance_uuid', '=', instanceUuid)
    .where('request_id', '=', requestId)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row ?? null;
}

/** Sets finish_time (and message) of the action of this request; InstanceActionNotFound. */
export async function actionFinish(
  db: Db,
  ctx: RequestContext | null,
  values: { instance_uuid: string; request_id: string; finish_time?: Date; message?: string | null },
): Promise<InstanceAction> {
  const action = await actionGetByRequestId(db, ctx, values.instance_uuid, values.request_id);
  if (!action) throw new InstanceActionNotFound(values.request_id, values.instance_uuid);
  await db.kysely
    .updateTable('instance_actions')
    .set({
      finish_time: values.finish_time ?? now(),
      updated_at: now(),
      ...(values.message === undefined ? {} : { message: values.message }),
    })
    .where('id', '=', action.id)
    .execute();
  return db.kysely.selectFrom('instance_actions').selectAll().where('id', '=', action.id).executeTakeFirstOrThrow();
}

/** Every action of an instance, newest first. */
export async function actionsGet(db: Db, _ctx: RequestContext | null, instanceUuid: string): Promise<InstanceAction[]> {
  return db.kysely
    .selectFrom('instance_actions')
    .selectAll()
    .where('deleted', '=', 0)
    .where('instance_uuid', '=', instanceUuid)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Records the start of an event of the request's action; InstanceActionNotFound. */
export async function actionEventStart(
  db: Db,
  ctx: RequestContext | null,
  values: { instance_uuid: string; request_id: string; event: string; start_time?: Date },
): Promise<InstanceActionEvent> {
  const action = await actionGetByRequestId(db, ctx, values.instance_uuid, values.request_id);
  if (!action) throw new InstanceActionNotFound(values.request_id, values.instance_uuid);
  const id = await insertReturningId(db, 'instance_actions_events', {
    event: values.event,
    action_id: action.id,
    start_time: values.start_time ?? now(),
    created_at: now(),
    deleted: 0,
  });
  return db.kysely.selectFrom('instance_actions_events').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Records the end of an event: result `Success` or `Error` and, on error, a traceback. */
export async function actionEventFinish(
  db: Db,
  ctx: RequestContext | null,
  values: { instance_uuid: string; request_id: string; event: string; result: string; traceback?: string | null; finish_time?: Date },
): Promise<InstanceActionEvent> {
  const action = await actionGetByRequestId(db, ctx, values.instance_uuid, values.request_id);
  if (!action) throw new InstanceActionNotFound(values.request_id, values.instance_uuid);
  const event = await db.kysely
    .selectFrom('instance_actions_events')
    .selectAll()
    .where('deleted', '=', 0)
    .where('action_id', '=', action.id)
    .where('event', '=', values.event)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!event)
    throw new NotFound(`Event ${values.event} not found for action id ${action.id}`, {
      kwargs: { event: values.event, action_id: action.id },
    });
  await db.kysely
    .updateTable('instance_actions_events')
    .set({ finish_time: values.finish_time ?? now(), result: values.result, traceback: values.traceback ?? null, updated_at: now() })
    .where('id', '=', event.id)
    .execute();
  return db.kysely.selectFrom('instance_actions_events').selectAll().where('id', '=', event.id).executeTakeFirstOrThrow();
}

export async function actionEventsGet(db: Db, _ctx: RequestContext | null, actionId: number): Promise<InstanceActionEvent[]> {
  return db.kysely
    .selectFrom('instance_actions_events')
    .selectAll()
    .where('deleted', '=', 0)
    .where('action_id', '=', actionId)
    .orderBy('id')
    .execute();
}
