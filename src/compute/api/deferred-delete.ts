/**
 * compute.api's deferred delete (Grizzly's soft_delete, restore and force_delete): with
 * `reclaim_instance_interval` > 0 a DELETE only marks the instance SOFT_DELETED on its host,
 * which keeps the guest until the reclaim task (or a forceDelete) deletes it for good. A
 * soft-deleted instance holds no quota (usage is counted over the instances that do), so a
 * restore must find room for it again.
 */
import { OverQuota, UnexpectedTaskStateError } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import type { TaskState } from '../../common/states/task-states.js';
import { checkActionAllowed, stateUpdate } from '../../common/states/transitions.js';
import type { VmState } from '../../common/states/vm-states.js';
import type { RequestContext } from '../../context/context.js';
import { type InstanceRecord, instanceGetByUuid, instanceUpdate } from '../../db/api/instances.js';
import { instanceDeltas, tooManyInstancesError } from '../../quota/instances.js';
import { beginAction, guardInstance, recordInstanceAction } from './actions.js';
import { computeServiceUp, deleteInstance } from './delete.js';
import type { ComputeApiDeps } from './deps.js';

const log = getLogger('nova.compute.api');

function stateOf(instance: InstanceRecord) {
  return { uuid: instance.uuid as string, vm_state: instance.vm_state as VmState, task_state: instance.task_state as TaskState | null };
}

/**
 * DELETE with deferred delete on. Without a host that can keep the guest (none, or its
 * service is down) there is nothing to defer and the instance is deleted at once, as Grizzly does.
 */
export async function softDeleteInstance(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<void> {
  guardInstance(deps, ctx, instance, { policy: 'compute:soft_delete', lock: true, state: 'soft_delete' });
  if (instance.disable_terminate) {
    log.for(ctx).info({ instance_uuid: instance.uuid }, 'instance has disable_terminate set; delete ignored');
    return;
  }
  const host = instance.host;
  if (!host || !(await computeServiceUp(deps, ctx, host))) {
    await deleteInstance(deps, ctx, instance);
    return;
  }
  const { updates } = stateUpdate('soft_delete', 'start', { vm_state: instance.vm_state as VmState });
  let marked: InstanceRecord;
  try {
    marked = await instanceUpdate(
      deps.db,
      ctx,
      instance.uuid as string,
      { ...updates, deleted_at: new Date(), progress: 0 },
      { expectedTaskState: [instance.task_state as TaskState | null] },
    );
  } catch (err) {
    if (err instanceof UnexpectedTaskStateError)
      checkActionAllowed('soft_delete', stateOf(await instanceGetByUuid(deps.db, ctx, instance.uuid as string)));
    throw err;
  }
  await recordInstanceAction(deps, ctx, marked, 'delete');
  await deps.compute.cast(ctx, 'soft_delete_instance', { instance: marked, reservations: null }, { server: host });
}

/** The `restore` action: back to ACTIVE if the project's quota has room for the instance again. */
export async function restoreInstance(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<void> {
  guardInstance(deps, ctx, instance, { policy: 'compute:restore', lock: true, state: 'restore' });
  const sizes = { vcpus: instance.vcpus ?? 0, memoryMb: instance.memory_mb ?? 0 };
  try {
    await deps.quota.checkDeltas(ctx, instance.project_id as string, instanceDeltas(1, sizes));
  } catch (err) {
    if (err instanceof OverQuota) throw tooManyInstancesError(err, instanceDeltas(1, sizes));
    throw err;
  }
  const restoring = await beginAction(deps, ctx, instance, 'restore', { requireHost: false, updates: { deleted_at: null } });
  if (restoring.host) {
    await deps.compute.cast(ctx, 'restore_instance', { instance: restoring }, { server: restoring.host });
    return;
  }
  // No host holds a guest to power on: the instance is simply active again.
  const { updates, expectedTaskState } = stateUpdate('restore', 'success', { vm_state: restoring.vm_state as VmState });
  await instanceUpdate(deps.db, ctx, restoring.uuid as string, updates, expectedTaskState ? { expectedTaskState } : {});
}

/** The `forceDelete` action: a soft-deleted instance is deleted now instead of at reclaim time. */
export async function forceDeleteInstance(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<void> {
  guardInstance(deps, ctx, instance, { policy: 'compute:force_delete', lock: true, state: 'force_delete' });
  await deleteInstance(deps, ctx, instance, { policy: 'compute:force_delete' });
}
