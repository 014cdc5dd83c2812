/**
 * compute.api evacuate (Grizzly's): an instance whose compute host is down is re-created on
 * another host. Accepted only while the source host's compute service is down; the task
 * `rebuilding` is set by compare-and-swap and the target host's rebuild_instance re-creates
 * the guest there (recreate), from the disk it finds on shared storage or from the image.
 * An unknown target host is ComputeHostNotFound (404).
 */
import { Invalid } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { InstanceRecord } from '../../db/api/instances.js';
import { serviceGetByComputeHost } from '../../db/api/services.js';
import { beginAction, guardInstance } from './actions.js';
import { computeServiceUp } from './delete.js';
import type { ComputeApiDeps } from './deps.js';

/** The source host still heartbeats: evacuating would run the guest twice (nova/exception.py ComputeServiceInUse). */
export class ComputeServiceInUse extends Invalid {
  constructor(host: string) {
    super(`Compute service of ${host} is still in use.`, { kwargs: { host } });
  }
}

/** The target host's compute service is down too (nova/exception.py ComputeServiceUnavailable). */
export class TargetComputeServiceUnavailable extends Invalid {
  constructor(host: string) {
    super(`Compute service of ${host} is unavailable at this time.`, { kwargs: { host } });
  }
}

export interface EvacuateRequest {
  /** The compute host to re-create the instance on. */
  host: string;
  onSharedStorage: boolean;
  /** The guest's new admin password; null on shared storage, where the disk keeps its own. */
  adminPassword: string | null;
}

export async function evacuate(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  request: EvacuateRequest,
): Promise<InstanceRecord> {
  await serviceGetByComputeHost(deps.db, ctx.elevated(), request.host);
  // Evacuate has no `compute:` rule of its own in Grizzly; the extension rule guards it.
  guardInstance(deps, ctx, instance, { policy: 'compute:get', host: true, state: 'evacuate' });
  const source = instance.host as string;
  if (await computeServiceUp(deps, ctx, source)) throw new ComputeServiceInUse(source);
  // A cast to a host that is down would leave the instance `rebuilding` until that host returns.
  if (!(await computeServiceUp(deps, ctx, request.host))) throw new TargetComputeServiceUnavailable(request.host);
  const started = await beginAction(deps, ctx, instance, 'evacuate', { policy: 'compute:get' });
  await deps.compute.cast(
    ctx,
    'rebuild_instance',
    {
      instance: started,
      new_pass: request.adminPassword,
      injected_files: [],
      image_ref: started.image_ref as string,
      orig_image_ref: started.image_ref as string | null,
      orig_sys_metadata: { ...(started.system_metadata ?? {}) },
      bdms: [],
      recreate: true,
      on_shared_storage: request.onSharedStorage,
    },
    { server: request.host },
  );
  return started;
}
