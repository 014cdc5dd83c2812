import { InstanceNotFound, NovaError, UnexpectedTaskStateError } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import { PowerState } from '../../common/states/power-state.js';
import { TaskState } from '../../common/states/task-states.js';
import { VmState } from '../../common/states/vm-states.js';
import type { ConductorInstance } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import { actionOwningTask } from './actions.js';
import { deleteInstance } from './delete.js';
import { destroyEvacuatedGuests } from './evacuated-guests.js';
import type { ComputeHost } from './host.js';

const log = getLogger('nova.compute.manager.init_host');

const BUILD_TASKS: readonly (string | null)[] = [
  TaskState.SCHEDULING,
  TaskState.NETWORKING,
  TaskState.BLOCK_DEVICE_MAPPING,
  TaskState.SPAWNING,
];

/** The fault of a build a restart interrupted. */
export class InstanceLeftInTransition extends NovaError {
  constructor() {
    super('Instance was left in a transitional state by a restart');
  }
}

/**
 * Start-up reconciliation: what a crash left mid-build goes to ERROR (the guest, if any,
 * is destroyed), what it left mid-delete is deleted, what it left in the middle of another
 * action takes that action's failure outcome with a fault, and every other instance of the
 * host gets the power state the hypervisor reports. Guests of instances evacuated while
 * this host was down go first.
 */
export async function reconcileHost(h: ComputeHost, ctx: RequestContext): Promise<void> {
  await destroyEvacuatedGuests(h, ctx).catch((err: unknown) => log.error({ err }, 'could not clean up evacuated guests'));
  const instances = await h.conductor.call(ctx, 'instance_get_all_by_host', { host: h.host, node: null, columns_to_join: null });
  for (const instance of instances) {
    const uuid = instance.uuid as string;
    try {
      if (instance.task_state === TaskState.DELETING) {
        log.info({ instance_uuid: uuid }, 'finishing a delete interrupted by a restart');
        await deleteInstance(h, ctx, instance);
      } else if (instance.vm_state === VmState.BUILDING || BUILD_TASKS.includes(instance.task_state)) {
        await failInterruptedBuild(h, ctx, instance);
      } else {
        const interrupted = actionOwningTask(instance.task_state as TaskState | null);
        if (interrupted) {
          log.warn({ instance_uuid: uuid, task_state: instance.task_state }, `${interrupted} interrupted by a restart; ending it`);
          await h.failInstance(ctx, instance, interrupted, new InstanceLeftInTransition());
        }
        await syncPowerState(h, ctx, instance);
      }
    } catch (err) {
      log.error({ instance_uuid: uuid, err }, 'could not reconcile instance at start-up');
    }
  }
}

async function failInterruptedBuild(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<void> {
  const uuid = instance.uuid as string;
  log.warn({ instance_uuid: uuid, task_state: instance.task_state }, 'build interrupted by a restart; setting ERROR');
  try {
    await h.driver.destroy(h.virt(instance), []);
  } catch (err) {
    log.warn({ instance_uuid: uuid, err }, 'could not destroy the guest of an interrupted build');
  }
  try {
    await h.network.deallocateForInstance(ctx, { uuid, project_id: instance.project_id, host: h.host });
  } catch (err) {
    log.warn({ instance_uuid: uuid, err }, 'could not deallocate the network of an interrupted build');
  }
  await h.recordFault(ctx, uuid, new InstanceLeftInTransition());
  try {
    await h.transition(ctx, instance, 'create', 'failure', { power_state: PowerState.NOSTATE });
  } catch (err) {
    if (!(err instanceof UnexpectedTaskStateError)) throw err;
  }
}

async function syncPowerState(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<void> {
  let power: PowerState;
  try {
    power = (await h.driver.getInfo(h.virt(instance))).state;
  } catch (err) {
    if (!(err instanceof InstanceNotFound)) throw err;
    power = PowerState.NOSTATE;
  }
  if (power !== instance.power_state) {
    await h.conductor.call(ctx, 'instance_update', {
      instance_uuid: instance.uuid as string,
      updates: { power_state: power },
      service: 'conductor',
    });
  }
}
