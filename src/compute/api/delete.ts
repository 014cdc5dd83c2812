/**
 * compute.api delete: lock and state checks, task_state `deleting` written as a
 * compare-and-swap, the `delete` instance action, then either terminate_instance on the
 * instance's compute host or, when there is no host or its service is down, the local
 * delete (local-delete.ts).
 */
import { ComputeHostNotFound, UnexpectedTaskStateError } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import type { TaskState } from '../../common/states/task-states.js';
import { checkActionAllowed, stateUpdate } from '../../common/states/transitions.js';
import type { VmState } from '../../common/states/vm-states.js';
import type { RequestContext } from '../../context/context.js';
import { blockDeviceMappingGetAllByInstance } from '../../db/api/block-device-mappings.js';
import { actionStart } from '../../db/api/instance-actions.js';
import { type InstanceRecord, instanceGetByUuid, instanceUpdate } from '../../db/api/instances.js';
import { serviceGetByComputeHost } from '../../db/api/services.js';
import { serviceOpts } from '../../service/opts.js';
import { serviceIsUp } from '../../servicegroup/db-driver.js';
import type { ComputeApiDeps } from './deps.js';
import { InstanceIsLocked } from './errors.js';
import { instanceTarget } from './get.js';
import { localDelete } from './local-delete.js';

const log = getLogger('nova.compute.api');

/** Refuses an action on a locked instance unless the caller is an admin. */
export function checkLocked(ctx: RequestContext, instance: InstanceRecord): void {
  if (instance.locked && !ctx.isAdmin) throw new InstanceIsLocked(instance.uuid ?? '');
}

/** Whether the compute service of `host` is up (an unknown host's is not). */
export async function computeServiceUp(deps: ComputeApiDeps, ctx: RequestContext, host: string): Promise<boolean> {
  try {
    const service = await serviceGetByComputeHost(deps.db, ctx.elevated(), host);
    return serviceIsUp(service, deps.conf.get(serviceOpts).service_down_time ?? 60);
  } catch (err) {
    if (err instanceof ComputeHostNotFound) return false;
    throw err;
  }
}

/** Marks the instance `deleting`, retrying when another writer changed task_state in between. */
async function markDeleting(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<InstanceRecord> {
  let current = instance;
  for (let attempt = 0; ; attempt++) {
    const { updates } = stateUpdate('delete', 'start', { vm_state: current.vm_state as VmState });
    try {
      return await instanceUpdate(
        deps.db,
        ctx,
        current.uuid as string,
        { ...updates, progress: 0 },
        {
          expectedTaskState: [current.task_state as TaskState | null],
        },
      );
    } catch (err) {
      if (!(err instanceof UnexpectedTaskStateError) || attempt >= 2) throw err;
      current = await instanceGetByUuid(deps.db, ctx, current.uuid as string);
    }
  }
}

export async function deleteInstance(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  options: { policy?: string } = {},
): Promise<void> {
  deps.policy.enforce(ctx, options.policy ?? 'compute:delete', instanceTarget(instance));
  checkLocked(ctx, instance);
  checkActionAllowed('delete', {
    uuid: instance.uuid as string,
    vm_state: instance.vm_state as VmState,
    task_state: instance.task_state as TaskState | null,
  });
  if (instance.disable_terminate) {
    log.for(ctx).info({ instance_uuid: instance.uuid }, 'instance has disable_terminate set; delete ignored');
    return;
  }
  const deleting = await markDeleting(deps, ctx, instance);
  await actionStart(deps.db, ctx, {
    action: 'delete',
    instance_uuid: deleting.uuid as string,
    request_id: ctx.requestId,
    user_id: ctx.userId,
    project_id: deleting.project_id,
  });
  const host = deleting.host;
  if (!host || !(await computeServiceUp(deps, ctx, host))) {
    if (host) log.for(ctx).warn({ instance_uuid: deleting.uuid, host }, 'compute service is down; deleting the instance locally');
    await localDelete(deps, ctx, deleting);
    return;
  }
  const bdms = await blockDeviceMappingGetAllByInstance(deps.db, ctx, deleting.uuid as string);
  await deps.compute.cast(ctx, 'terminate_instance', { instance: deleting, bdms, reservations: null }, { server: host });
}
