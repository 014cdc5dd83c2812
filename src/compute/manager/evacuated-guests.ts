/**
 * Start-up clean-up after an evacuate (Grizzly's _destroy_evacuated_instances): a host that
 * was down while its instances were re-created elsewhere still has their guests. Each guest
 * whose instance now names another host is destroyed here, its disks kept (on shared storage
 * they are the evacuated instance's own).
 */
import { InstanceNotFound } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import type { ConductorInstance } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import { cachedNetworkInfo } from './actions.js';
import type { ComputeHost } from './host.js';

const log = getLogger('nova.compute.manager.init_host');

export async function destroyEvacuatedGuests(h: ComputeHost, ctx: RequestContext): Promise<void> {
  for (const uuid of await h.driver.listInstanceUuids()) {
    let instance: ConductorInstance;
    try {
      instance = await h.conductor.call(ctx, 'instance_get_by_uuid', { instance_uuid: uuid });
    } catch (err) {
      if (err instanceof InstanceNotFound) continue;
      throw err;
    }
    if (!instance.host || instance.host === h.host) continue;
    log.info({ instance_uuid: uuid, host: instance.host }, 'destroying the local guest of an instance evacuated to another host');
    await h.driver.destroy(h.virt(instance), cachedNetworkInfo(instance), null, false);
  }
}
