/** compute.api reads of an instance's actions and their events (os-instance-actions). */
import type { RequestContext } from '../../context/context.js';
import { actionEventsGet, actionGetByRequestId, actionsGet } from '../../db/api/instance-actions.js';
import type { InstanceRecord } from '../../db/api/instances.js';
import type { InstanceAction, InstanceActionEvent } from '../../db/types.js';
import type { ComputeApiDeps } from './deps.js';

export type { InstanceAction, InstanceActionEvent } from '../../db/types.js';

/** Every action of the instance, newest first. */
export function instanceActions(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<InstanceAction[]> {
  return actionsGet(deps.db, ctx, instance.uuid as string);
}

/** The action of one request on the instance with its events, or null when there is none. */
export async function instanceAction(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  requestId: string,
): Promise<{ action: InstanceAction; events: InstanceActionEvent[] } | null> {
  const action = await actionGetByRequestId(deps.db, ctx, instance.uuid as string, requestId);
  if (!action) return null;
  return { action, events: await actionEventsGet(deps.db, ctx, action.id) };
}
