/**
 * What every server action of compute.api does before its RPC, in Nova's order (policy,
 * lock, host, state; nova/compute/api.py's decorators): the guards, the start transition of
 * the state table written as a compare-and-swap on the task_states the action accepts, and
 * the `instance_actions` row the request's events are recorded on. Each family of actions
 * lives in its own module and builds on these.
 */
import { UnexpectedTaskStateError } from '../../common/errors.js';
import type { TaskState } from '../../common/states/task-states.js';
import { type ActionName, actionSpec, checkActionAllowed, stateUpdate } from '../../common/states/transitions.js';
import type { VmState } from '../../common/states/vm-states.js';
import type { RequestContext } from '../../context/context.js';
import { actionStart } from '../../db/api/instance-actions.js';
import { type InstanceRecord, type InstanceUpdateValues, instanceGetByUuid, instanceUpdate } from '../../db/api/instances.js';
import type { ComputeApiDeps } from './deps.js';
import { InstanceIsLocked, InstanceNotReady } from './errors.js';
import { instanceTarget } from './get.js';

export interface InstanceGuard {
  /** The `compute:<method>` rule, enforced with the instance as target. */
  policy: string;
  /** Refuse a locked instance to a non-admin caller. */
  lock?: boolean;
  /** Refuse an instance without a compute host (InstanceNotReady). */
  host?: boolean;
  /** Check the instance's vm_state and task_state against this action's row of the state table. */
  state?: ActionName;
}

function stateFields(instance: InstanceRecord): { uuid: string; vm_state: VmState; task_state: TaskState | null } {
  return { uuid: instance.uuid as string, vm_state: instance.vm_state as VmState, task_state: instance.task_state as TaskState | null };
}

/** The guards of an action, in Nova's order: policy, lock, host, state. */
export function guardInstance(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord, guard: InstanceGuard): void {
  deps.policy.enforce(ctx, guard.policy, instanceTarget(instance));
  if (guard.lock && instance.locked && !ctx.isAdmin) throw new InstanceIsLocked(instance.uuid as string);
  if (guard.host && !instance.host) throw new InstanceNotReady(instance.uuid as string);
  if (guard.state) checkActionAllowed(guard.state, stateFields(instance));
}

/** Records the request's `instance_actions` row, on which the compute host records its events. */
export async function recordInstanceAction(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  action: string,
): Promise<void> {
  await actionStart(deps.db, ctx, {
    action,
    instance_uuid: instance.uuid as string,
    request_id: ctx.requestId,
    user_id: ctx.userId,
    project_id: ctx.projectId,
  });
}

export interface BeginActionOptions {
  /** The policy rule; default `compute:<action>`. */
  policy?: string;
  /** Columns written with the start transition (image_ref, progress, ...). */
  updates?: InstanceUpdateValues;
  /**
   * Refuse an instance without a compute host (default true: the action is sent to that
   * host, and a request to no host would only time out).
   */
  requireHost?: boolean;
}

/**
 * Guards an action by the state table's row for it, writes its start transition guarded by
 * the task_states it accepts, and records its instance action. When another request changed
 * the instance between the read and the write, the caller gets the same 409 the state check
 * gives for the state the instance is in now.
 */
export async function beginAction(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  action: ActionName,
  options: BeginActionOptions = {},
): Promise<InstanceRecord> {
  const spec = actionSpec(action);
  guardInstance(deps, ctx, instance, {
    policy: options.policy ?? `compute:${action}`,
    lock: spec.checksLock,
    host: spec.checksHost || options.requireHost !== false,
    state: action,
  });
  let updated = instance;
  if (spec.start) {
    const { updates, expectedTaskState } = stateUpdate(action, 'start', { vm_state: instance.vm_state as VmState });
    try {
      updated = await instanceUpdate(
        deps.db,
        ctx,
        instance.uuid as string,
        { ...options.updates, ...updates },
        expectedTaskState ? { expectedTaskState } : {},
      );
    } catch (err) {
      if (err instanceof UnexpectedTaskStateError) {
        const now = await instanceGetByUuid(deps.db, ctx, instance.uuid as string);
        checkActionAllowed(action, stateFields(now));
      }
      throw err;
    }
  }
  if (spec.instanceAction) await recordInstanceAction(deps, ctx, updated, spec.instanceAction);
  return updated;
}
