import { InstanceNotFound } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import type { ConductorInstance } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import { hydrateNetworkInfo, type NetworkInfo } from '../../virt/network-model.js';
import type { ComputeHost } from './host.js';

const log = getLogger('nova.compute.manager.delete');

function cachedNetworkInfo(instance: ConductorInstance): NetworkInfo {
  try {
    return hydrateNetworkInfo(instance.info_cache?.network_info ?? '[]');
  } catch {
    return [];
  }
}

/**
 * Deletes an instance on this host (as Grizzly's nova/compute/manager.py terminate_instance): the guest in the
 * driver, its network, its block device mappings, then the rows (soft delete). Quota needs
 * no commit: usage is counted from the rows, so their going releases it. A failure ends in
 * ERROR with a fault.
 */
export async function deleteInstance(h: ComputeHost, ctx: RequestContext, given: ConductorInstance): Promise<'deleted' | 'error' | 'gone'> {
  const uuid = given.uuid as string;
  let instance: ConductorInstance;
  try {
    instance = await h.conductor.call(ctx, 'instance_get_by_uuid', { instance_uuid: uuid });
  } catch (err) {
    if (err instanceof InstanceNotFound) return 'gone';
    throw err;
  }
  const systemMetadata = { ...(instance.system_metadata ?? {}) };
  await h.notifyUsage(ctx, instance, 'delete.start');
  try {
    const networkInfo = cachedNetworkInfo(instance);
    await h.notifyUsage(ctx, instance, 'shutdown.start');
    await h.driver.destroy(h.virt(instance), networkInfo, null, true);
    await h.network.deallocateForInstance(ctx, { uuid, project_id: instance.project_id, host: instance.host ?? h.host });
    await h.notifyUsage(ctx, instance, 'shutdown.end');
    await h.conductor.call(ctx, 'instance_info_cache_delete', { instance: { uuid } });
    await h.conductor.call(ctx, 'block_device_mapping_destroy', { bdms: null, instance: { uuid }, volume_id: null, device_name: null });
    instance = await h.transition(ctx, instance, 'delete', 'success', { terminated_at: new Date() });
    const destroyed = await h.conductor.call(ctx, 'instance_destroy', { instance: { uuid } });
    instance = { ...instance, ...destroyed, vm_state: instance.vm_state, task_state: null };
    await (await h.tracker(instance.node ?? null)).dropInstance(ctx, uuid);
    await h.notifyUsage(ctx, instance, 'delete.end', { systemMetadata });
    log.for(ctx).info({ instance_uuid: uuid }, 'instance deleted');
    return 'deleted';
  } catch (err) {
    if (err instanceof InstanceNotFound) return 'gone';
    log.for(ctx).error({ instance_uuid: uuid, err }, 'delete failed');
    await h.failInstance(ctx, instance, 'delete', err);
    return 'error';
  }
}
