/**
 * compute.api resize, cold migrate, confirmResize and revertResize (Grizzly's
 * nova/compute/api.py resize, confirm_resize, revert_resize). A resize asks the scheduler
 * for a destination (prep_resize); the hosts take it from there (compute/manager/resize.ts).
 * Quota is counted from rows, so a resize checks the growth of cores and ram up front and
 * a revert or confirm needs no reservation.
 */
import { InvalidRequest, OverQuota } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { InstanceRecord } from '../../db/api/instances.js';
import { type Migration, migrationGetByInstanceAndStatus, migrationUpdate } from '../../db/api/migrations.js';
import { tooManyInstancesError } from '../../quota/instances.js';
import type { InstanceType } from '../../scheduler/types.js';
import { computeApiOpts } from '../api-opts.js';
import { beginAction, guardInstance } from './actions.js';
import type { ComputeApiDeps, FlavorInfo } from './deps.js';

/** Nova's CannotResizeToSameFlavor. */
export class CannotResizeToSameFlavor extends InvalidRequest {
  constructor() {
    super('When resizing, instances must change flavor!');
  }
}

/** Nova's MigrationNotFoundByStatus, answered 400 "Instance has not been resized." by the API. */
export class InstanceNotResized extends InvalidRequest {
  constructor() {
    super('Instance has not been resized.');
  }
}

function toInstanceType(flavor: FlavorInfo): InstanceType {
  return { ...flavor };
}

/**
 * Resizes the instance to the flavor `flavorId`, or migrates it to another host at its
 * own flavor when `flavorId` is null (the admin's migrate action).
 */
export async function resize(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord, flavorId: string | null): Promise<void> {
  const action = flavorId === null ? 'migrate' : 'resize';
  guardInstance(deps, ctx, instance, { policy: 'compute:resize', lock: true, host: true, state: action });
  const current = await deps.flavors.getById(ctx, instance.instance_type_id as number);
  const next = flavorId === null ? current : await deps.flavors.getByFlavorId(ctx, flavorId);
  if (flavorId !== null && next.flavorid === current.flavorid) throw new CannotResizeToSameFlavor();

  const deltas = { cores: next.vcpus - current.vcpus, ram: next.memory_mb - current.memory_mb };
  const growing = Object.fromEntries(Object.entries(deltas).filter(([, d]) => d > 0));
  if (Object.keys(growing).length > 0) {
    try {
      await deps.quota.checkDeltas(ctx, instance.project_id as string, growing);
    } catch (err) {
      if (err instanceof OverQuota) throw tooManyInstancesError(err, growing);
      throw err;
    }
  }

  const started = await beginAction(deps, ctx, instance, action, { policy: 'compute:resize', updates: { progress: 0 } });
  const sameHost = deps.conf.get(computeApiOpts).allow_resize_to_same_host;
  const instanceType = toInstanceType(next);
  await deps.scheduler.cast(ctx, 'prep_resize', {
    instance: started,
    instance_type: instanceType,
    image: null,
    request_spec: {
      instance_properties: {
        uuid: started.uuid as string,
        project_id: started.project_id,
        user_id: started.user_id,
        os_type: started.os_type,
        architecture: started.architecture,
        vm_mode: started.vm_mode,
        availability_zone: started.availability_zone,
        image_ref: started.image_ref,
        memory_mb: next.memory_mb,
        vcpus: next.vcpus,
        root_gb: next.root_gb,
        ephemeral_gb: next.ephemeral_gb,
      },
      instance_type: instanceType,
      instance_uuids: [started.uuid as string],
      num_instances: 1,
    },
    filter_properties: sameHost ? {} : { ignore_hosts: [started.host as string] },
  });
}

async function finishedMigration(deps: ComputeApiDeps, instance: InstanceRecord): Promise<Migration> {
  const migration = await migrationGetByInstanceAndStatus(deps.db, instance.uuid as string, 'finished');
  if (!migration) throw new InstanceNotResized();
  return migration;
}

/** Keeps the resize: the source host cleans up and the instance is ACTIVE on the destination. */
export async function confirmResize(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<void> {
  guardInstance(deps, ctx, instance, { policy: 'compute:confirm_resize', lock: true, host: true, state: 'confirm_resize' });
  const migration = await finishedMigration(deps, instance);
  const started = await beginAction(deps, ctx, instance, 'confirm_resize');
  const confirming = await migrationUpdate(deps.db, migration.id, { status: 'confirming' });
  await deps.compute.cast(
    ctx,
    'confirm_resize',
    { instance: started, migration: confirming },
    { server: confirming.source_compute as string },
  );
}

/** Undoes the resize: the destination drops its copy and the source brings the old flavor back. */
export async function revertResize(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<void> {
  guardInstance(deps, ctx, instance, { policy: 'compute:revert_resize', lock: true, host: true, state: 'revert_resize' });
  const migration = await finishedMigration(deps, instance);
  const started = await beginAction(deps, ctx, instance, 'revert_resize');
  const reverting = await migrationUpdate(deps.db, migration.id, { status: 'reverting' });
  await deps.compute.cast(ctx, 'revert_resize', { instance: started, migration: reverting }, { server: reverting.dest_compute as string });
}
