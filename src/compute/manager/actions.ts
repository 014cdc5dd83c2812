/**
 * What every instance action of the compute manager does around its own work, as Grizzly's
 * decorators of nova/compute/manager.py do (wrap_instance_event, wrap_instance_fault,
 * reverts_task_state, the error notification): the action event's start and finish, the
 * `compute.instance.<x>.start/.end` pair, and on failure an instance fault, the action's
 * failure state from the state table (never a task left behind) and the ERROR notification
 * named after the method. Each family of actions lives in its own module and builds on these.
 */
import { UnexpectedTaskStateError } from '../../common/errors.js';
import type { PowerState } from '../../common/states/power-state.js';
import type { TaskState } from '../../common/states/task-states.js';
import { type ActionName, actionSpec, type Phase } from '../../common/states/transitions.js';
import type { ConductorInstance, InstanceUpdates } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import { hydrateNetworkInfo, type NetworkInfo } from '../../virt/network-model.js';
import type { ComputeHost } from './host.js';

export interface ActionRun {
  /** The RPC method: the event is `compute_<method>`, the error notification is named after it. */
  method: string;
  /** The state table row whose failure outcome the instance takes when the work fails; null for none. */
  action: ActionName | null;
  /** `compute.instance.<notify>.start` before the work and `.end` after it. */
  notify?: string;
  /** The arguments the error notification carries (keys holding passwords are left out). */
  args?: Record<string, unknown>;
  /** Whether the request recorded an instance action to hang the `compute_<method>` event on; default true. */
  event?: boolean;
  /** The outcome of the state table the instance takes for this error; default `failure`. */
  failureOutcome?: (err: unknown) => Phase;
}

/** The network the instance had when last cached; an unreadable cache is an empty one. */
export function cachedNetworkInfo(instance: ConductorInstance): NetworkInfo {
  try {
    return hydrateNetworkInfo(instance.info_cache?.network_info ?? '[]');
  } catch {
    return [];
  }
}

/** The guest's power state as the hypervisor reports it now. */
export async function currentPowerState(h: ComputeHost, instance: ConductorInstance): Promise<PowerState> {
  return (await h.driver.getInfo(h.virt(instance))).state;
}

/** Writes a phase of the action with the power state the hypervisor reports. */
export async function transitionWithPower(
  h: ComputeHost,
  ctx: RequestContext,
  instance: ConductorInstance,
  action: ActionName,
  phase: Phase,
  extra: InstanceUpdates = {},
): Promise<ConductorInstance> {
  return h.transition(ctx, instance, action, phase, { power_state: await currentPowerState(h, instance), ...extra });
}

/**
 * Runs an action's work on this host. `work` takes the instance from its start state to its
 * success state and returns it; whatever it throws lands the instance in the action's failure
 * state with a fault, and is thrown on (a call's caller gets it; a failed cast is logged).
 */
export async function runAction(
  h: ComputeHost,
  ctx: RequestContext,
  instance: ConductorInstance,
  run: ActionRun,
  work: () => Promise<ConductorInstance>,
): Promise<ConductorInstance> {
  const uuid = instance.uuid as string;
  const event = `compute_${run.method}`;
  const recorded = run.event !== false && (await h.eventStart(ctx, uuid, event));
  try {
    if (run.notify) await h.notifyUsage(ctx, instance, `${run.notify}.start`);
    const done = await work();
    if (run.notify) await h.notifyUsage(ctx, done, `${run.notify}.end`);
    if (recorded) await h.eventFinish(ctx, uuid, event, null);
    return done;
  } catch (err) {
    if (err instanceof UnexpectedTaskStateError) {
      // Another request took the instance over (a delete, a hard reboot); its state is theirs now.
      ctx.log.info({ method: run.method }, 'instance moved on to another task during the action');
      if (recorded) await h.eventFinish(ctx, uuid, event, err);
      throw err;
    }
    ctx.log.error({ err, method: run.method }, 'instance action failed');
    if (run.action) await h.failInstance(ctx, instance, run.action, err, run.failureOutcome?.(err) ?? 'failure');
    else await h.recordFault(ctx, uuid, err);
    await h.notifyMethodError(ctx, run.method, err, { instance, ...run.args });
    if (recorded) await h.eventFinish(ctx, uuid, event, err);
    throw err;
  }
}

/** The actions of this module family that a restart can interrupt, whose own failure outcome then applies. */
const HOST_ACTIONS: readonly ActionName[] = [
  'stop',
  'start',
  'reboot_soft',
  'reboot_hard',
  'pause',
  'unpause',
  'suspend',
  'resume',
  'rescue',
  'unrescue',
  'set_admin_password',
  'snapshot',
  'backup',
  'rebuild',
  'shelve',
  'shelve_offload',
];

/** The single-host action that sets this task_state (at its start or in one of its steps), if any. */
export function actionOwningTask(taskState: TaskState | null): ActionName | null {
  if (taskState === null) return null;
  for (const name of HOST_ACTIONS) {
    const spec = actionSpec(name);
    if (spec.start?.taskState === taskState || spec.steps.some((step) => step.taskState === taskState)) return name;
  }
  return null;
}
