/**
 * The conductor's unshelve_instance (Havana's nova/conductor/manager.py ComputeTaskManager):
 * a SHELVED instance is powered on by its own host; a SHELVED_OFFLOADED one is scheduled
 * to a host first. When no host can take it, the instance stays offloaded, with a fault.
 */

import { stateUpdate } from '../common/states/transitions.js';
import { VmState } from '../common/states/vm-states.js';
import type { ComputeClient } from '../compute/contract.js';
import { faultFromError } from '../compute/manager/faults.js';
import type { RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { instanceFaultCreate } from '../db/api/instance-faults.js';
import { instanceGetByUuid, instanceUpdate } from '../db/api/instances.js';
import type { SchedulerClient } from '../scheduler/contract.js';
import type { InstanceProperties, RequestSpec } from '../scheduler/types.js';

/** What the conductor needs to hand compute tasks on: the scheduler and the compute hosts. */
export interface ComputeTaskClients {
  scheduler: Pick<SchedulerClient, 'call'>;
  compute: Pick<ComputeClient, 'cast'>;
}

export async function unshelveInstance(db: Db, clients: ComputeTaskClients, ctx: RequestContext, uuid: string): Promise<void> {
  const instance = await instanceGetByUuid(db, ctx.elevated(), uuid);
  if (instance.vm_state === VmState.SHELVED && instance.host) {
    await clients.compute.cast(ctx, 'unshelve_instance', { instance, node: null }, { server: instance.host });
    return;
  }
  let host: string;
  try {
    const spec: RequestSpec = {
      instance_properties: { ...instance, uuid } as unknown as InstanceProperties,
      instance_type: {
        memory_mb: instance.memory_mb ?? 0,
        vcpus: instance.vcpus ?? 0,
        root_gb: instance.root_gb ?? 0,
        ephemeral_gb: instance.ephemeral_gb ?? 0,
      },
      instance_uuids: [uuid],
      num_instances: 1,
    };
    const hosts = await clients.scheduler.call(ctx, 'select_hosts', {
      request_spec: spec,
      filter_properties: { project_id: instance.project_id ?? null },
    });
    if (!hosts[0]) throw new Error('No valid host was found for the unshelve');
    host = hosts[0];
  } catch (err) {
    ctx.log.error({ err, instance_uuid: uuid }, 'could not schedule the unshelve');
    await instanceFaultCreate(db, ctx, faultFromError(uuid, err, null));
    const { updates, expectedTaskState } = stateUpdate('unshelve', 'failure', { vm_state: instance.vm_state as VmState });
    await instanceUpdate(db, ctx.elevated(), uuid, updates, expectedTaskState ? { expectedTaskState } : {});
    return;
  }
  await clients.compute.cast(ctx, 'unshelve_instance', { instance, node: null }, { server: host });
}
