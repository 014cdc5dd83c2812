/**
 * The delete the API finishes itself when the instance has no compute host or its host's
 * service is down (Grizzly's nova/compute/api.py _local_delete): nobody else would release
 * what the instance holds, so this does what terminate_instance would have done short of
 * the hypervisor — the cached network info, its fixed IPs and interfaces, its block device
 * mappings, then the rows — with the delete.start/end notifications. Quota needs no commit:
 * usage is counted from what exists.
 */
import { getLogger } from '../../common/log.js';
import { stateUpdate } from '../../common/states/transitions.js';
import type { VmState } from '../../common/states/vm-states.js';
import { commonOpts } from '../../config/common-opts.js';
import type { RequestContext } from '../../context/context.js';
import { blockDeviceMappingDestroyByInstance } from '../../db/api/block-device-mappings.js';
import { instanceFaultCreate } from '../../db/api/instance-faults.js';
import { instanceSystemMetadataGet } from '../../db/api/instance-metadata.js';
import { type InstanceRecord, instanceDestroy, instanceInfoCacheDelete, instanceUpdate } from '../../db/api/instances.js';
import { notifyAboutInstanceUsage } from '../../notifications/instance-payload.js';
import { silentNotifier } from '../../notifications/notifier.js';
import { faultFromError } from '../manager/faults.js';
import type { ComputeApiDeps } from './deps.js';

const log = getLogger('nova.compute.api');

export async function localDelete(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<void> {
  const uuid = instance.uuid as string;
  const elevated = ctx.elevated();
  const notifier = deps.notifier ?? silentNotifier();
  const host = deps.conf.get(commonOpts).host ?? 'localhost';
  const vmState = instance.vm_state as VmState;
  await instanceInfoCacheDelete(deps.db, elevated, uuid);
  await notifyAboutInstanceUsage(notifier, ctx, instance, 'delete.start', { host });
  try {
    await deps.networkRelease.deallocateForInstance(elevated, { uuid, project_id: instance.project_id, host: instance.host });
  } catch (err) {
    // The rows stay, so that the addresses are not orphaned: the instance ends in ERROR and a
    // later delete tries again.
    log.for(ctx).error({ instance_uuid: uuid, err }, 'could not release the network of a locally deleted instance');
    await instanceFaultCreate(deps.db, elevated, faultFromError(uuid, err, null));
    const { updates } = stateUpdate('delete', 'failure', { vm_state: vmState });
    await instanceUpdate(deps.db, elevated, uuid, updates);
    throw err;
  }
  const systemMetadata = await instanceSystemMetadataGet(deps.db, elevated, uuid);
  await blockDeviceMappingDestroyByInstance(deps.db, ctx, uuid);
  const { updates, expectedTaskState } = stateUpdate('delete', 'success', { vm_state: vmState });
  const deleted = await instanceUpdate(
    deps.db,
    ctx,
    uuid,
    { ...updates, terminated_at: new Date() },
    expectedTaskState ? { expectedTaskState } : {},
  );
  await instanceDestroy(deps.db, ctx, uuid);
  await notifyAboutInstanceUsage(notifier, ctx, deleted, 'delete.end', { host, systemMetadata });
}
