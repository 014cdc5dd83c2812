/**
 * The scheduler's live migration (Grizzly's schedule_live_migration, nova/scheduler/driver.py):
 * the source check (guest running, source compute service up), the destination check
 * (another host, its compute service up, enough free memory), the common check (same
 * hypervisor type, a version no older) and the compute hosts' own checks; then the move is
 * cast to the source host. A refused check ends the instance ACTIVE with the task cleared
 * and a fault, and reaches the caller (Grizzly put an unknown host or too little memory
 * in ERROR too; a refused request changes nothing here); any other failure ends it in ERROR.
 */
import { Invalid, NotFound, UnexpectedTaskStateError } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { PowerState } from '../common/states/power-state.js';
import { stateUpdate } from '../common/states/transitions.js';
import { VmState } from '../common/states/vm-states.js';
import type { ComputeClient } from '../compute/contract.js';
import { faultFromError } from '../compute/manager/faults.js';
import type { RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { instanceFaultCreate } from '../db/api/instance-faults.js';
import { type InstanceRecord, instanceUpdate } from '../db/api/instances.js';
import { type ServiceWithComputeNodes, serviceGetByComputeHost } from '../db/api/services.js';
import { serviceIsUp } from '../servicegroup/db-driver.js';
import { InstanceNotRunning } from '../virt/errors.js';
import {
  ComputeServiceUnavailable,
  DestinationHypervisorTooOld,
  InvalidHypervisorType,
  LiveMigrationLackOfMemory,
  UnableToMigrateToSelf,
} from './errors.js';

const log = getLogger('nova.scheduler.live_migration');

export interface LiveMigrationArgs {
  instance: InstanceRecord;
  dest: string;
  block_migration: boolean;
  disk_over_commit: boolean;
}

export interface LiveMigrationDeps {
  db: Db;
  compute: Pick<ComputeClient, 'call' | 'cast'>;
  /** service_down_time, seconds. */
  serviceDownTime: number;
  /** The scheduler's host, named on the faults it records. */
  host: string;
}

function firstNode(service: ServiceWithComputeNodes) {
  return service.compute_node[0] ?? null;
}

async function upComputeService(deps: LiveMigrationDeps, ctx: RequestContext, host: string): Promise<ServiceWithComputeNodes> {
  const service = await serviceGetByComputeHost(deps.db, ctx, host);
  if (!serviceIsUp(service, deps.serviceDownTime)) throw new ComputeServiceUnavailable(host);
  return service;
}

async function checkAndCast(deps: LiveMigrationDeps, ctx: RequestContext, args: LiveMigrationArgs): Promise<void> {
  const { instance, dest } = args;
  const uuid = instance.uuid as string;
  if (instance.power_state !== PowerState.RUNNING) throw new InstanceNotRunning(uuid);
  const source = instance.host as string;
  const src = await upComputeService(deps, ctx, source);

  const dst = await upComputeService(deps, ctx, dest);
  if (dest === source) throw new UnableToMigrateToSelf(uuid, dest);
  const dstNode = firstNode(dst);
  const avail = dstNode?.free_ram_mb ?? 0;
  const memInst = Number(instance.memory_mb ?? 0);
  if (!memInst || avail <= memInst) throw new LiveMigrationLackOfMemory(uuid, dest, avail, memInst);

  const srcNode = firstNode(src);
  if (srcNode?.hypervisor_type !== dstNode?.hypervisor_type) throw new InvalidHypervisorType();
  if ((srcNode?.hypervisor_version ?? 0) > (dstNode?.hypervisor_version ?? 0)) throw new DestinationHypervisorTooOld();

  const migrateData = await deps.compute.call(
    ctx,
    'check_can_live_migrate_destination',
    { instance, block_migration: args.block_migration, disk_over_commit: args.disk_over_commit },
    { server: dest },
  );
  await deps.compute.cast(
    ctx,
    'live_migration',
    { instance, dest, block_migration: args.block_migration, migrate_data: migrateData },
    { server: source },
  );
}

/** A check said no (bad target, host down, driver pre-check): the instance stays where and as it was. */
function refused(err: unknown): boolean {
  return err instanceof Invalid || err instanceof NotFound;
}

/** Runs the checks and starts the move; a refusal is thrown on after the instance is put back. */
export async function scheduleLiveMigration(deps: LiveMigrationDeps, ctx: RequestContext, args: LiveMigrationArgs): Promise<void> {
  const admin = ctx.elevated();
  try {
    await checkAndCast(deps, admin, args);
  } catch (err) {
    const uuid = args.instance.uuid as string;
    log.for(ctx).warn({ instance_uuid: uuid, err }, 'live migration refused');
    await instanceFaultCreate(deps.db, admin, faultFromError(uuid, err, deps.host)).catch((faultErr: unknown) =>
      log.for(ctx).error({ instance_uuid: uuid, err: faultErr }, 'could not record the instance fault'),
    );
    const { updates, expectedTaskState } = stateUpdate('live_migrate', refused(err) ? 'failure' : 'error', {
      vm_state: VmState.ACTIVE,
    });
    await instanceUpdate(deps.db, admin, uuid, updates, expectedTaskState ? { expectedTaskState } : {}).catch((updateErr: unknown) => {
      if (!(updateErr instanceof UnexpectedTaskStateError)) throw updateErr;
    });
    throw err;
  }
}
