/**
 * compute.api shelve, shelveOffload and unshelve (Havana's nova/compute/api.py): shelve
 * creates the image the guest's disk is uploaded into (`<name>-shelved`) and asks the host to
 * snapshot and power the guest off; shelveOffload asks the host to drop the guest; unshelve
 * hands the instance to the conductor, which powers it on in place or schedules it anew.
 */
import { BadRequest } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { InstanceRecord } from '../../db/api/instances.js';
import { beginAction, guardInstance } from './actions.js';
import type { ComputeApiDeps } from './deps.js';

/** shelve: the id of the image the guest's disk goes to. */
export async function shelve(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<string> {
  guardInstance(deps, ctx, instance, { policy: 'compute:shelve', lock: true, host: true, state: 'shelve' });
  if (!deps.imageStore) throw new BadRequest('Shelving is not available: there is no image service to keep the guest in.');
  const images = deps.imageStore;
  const image = await images.create(ctx, {
    name: `${instance.display_name ?? instance.uuid}-shelved`,
    is_public: false,
    properties: { instance_uuid: instance.uuid as string, user_id: String(ctx.userId), image_type: 'snapshot' },
  });
  let started: InstanceRecord;
  try {
    started = await beginAction(deps, ctx, instance, 'shelve');
  } catch (err) {
    await images.delete(ctx, image.id).catch(() => undefined);
    throw err;
  }
  await deps.compute.cast(ctx, 'shelve_instance', { instance: started, image_id: image.id }, { server: started.host as string });
  return image.id;
}

/** shelveOffload: the guest of a SHELVED instance is destroyed and its host's resources freed. */
export async function shelveOffload(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<void> {
  const started = await beginAction(deps, ctx, instance, 'shelve_offload');
  await deps.compute.cast(ctx, 'shelve_offload_instance', { instance: started }, { server: started.host as string });
}

/** unshelve: through the conductor, which schedules an offloaded instance to a host. */
export async function unshelve(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<void> {
  if (!deps.conductorTasks) throw new BadRequest('Unshelving is not available: this API has no conductor to schedule with.');
  const started = await beginAction(deps, ctx, instance, 'unshelve', { requireHost: false });
  await deps.conductorTasks.cast(ctx, 'unshelve_instance', { instance_uuid: started.uuid as string });
}
