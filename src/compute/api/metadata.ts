/**
 * compute.api instance metadata: reads, and writes that check lock, state and the
 * metadata_items limit before the DB write, then tell the instance's compute host.
 */
import { InstanceInvalidState, NotFound } from '../../common/errors.js';
import { VmState } from '../../common/states/vm-states.js';
import type { RequestContext } from '../../context/context.js';
import { instanceMetadataDelete, instanceMetadataGet, instanceMetadataUpdate, type Metadata } from '../../db/api/instance-metadata.js';
import type { InstanceRecord } from '../../db/api/instances.js';
import type { MetadataDiff } from '../contract.js';
import { checkMetadataQuota } from './create.js';
import { checkLocked } from './delete.js';
import type { ComputeApiDeps } from './deps.js';
import { instanceTarget } from './get.js';
import { instanceMetadataChanged } from './metadata-events.js';

const WRITABLE_VM_STATES: readonly string[] = [VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED];

export class MetadataItemNotFound extends NotFound {
  constructor() {
    super('Metadata item was not found');
  }
}

function checkWritable(instance: InstanceRecord, method: string): void {
  const vm = instance.vm_state ?? 'None';
  if (!WRITABLE_VM_STATES.includes(vm)) {
    throw new InstanceInvalidState(`Cannot '${method}' instance ${instance.uuid} while it is in vm_state ${vm}`, {
      kwargs: { attr: 'vm_state', state: vm, method, instance_uuid: instance.uuid },
    });
  }
}

export async function getInstanceMetadata(deps: ComputeApiDeps, ctx: RequestContext, instance: InstanceRecord): Promise<Metadata> {
  deps.policy.enforce(ctx, 'compute:get_instance_metadata', instanceTarget(instance));
  return instanceMetadataGet(deps.db, ctx, instance.uuid as string);
}

/** Merges (or with `replace`, replaces) the metadata; returns the whole set after. */
export async function updateInstanceMetadata(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  metadata: Metadata,
  replace: boolean,
): Promise<Metadata> {
  deps.policy.enforce(ctx, 'compute:update_instance_metadata', instanceTarget(instance));
  checkLocked(ctx, instance);
  checkWritable(instance, 'update_metadata');
  const uuid = instance.uuid as string;
  const before = await instanceMetadataGet(deps.db, ctx, uuid);
  const after = replace ? { ...metadata } : { ...before, ...metadata };
  await checkMetadataQuota(deps, ctx, after);
  const result = await instanceMetadataUpdate(deps.db, ctx, uuid, after, true);
  instanceMetadataChanged(uuid);
  const diff: MetadataDiff = {};
  for (const [k, v] of Object.entries(result)) if (before[k] !== v) diff[k] = ['+', v];
  for (const k of Object.keys(before)) if (!(k in result)) diff[k] = ['-'];
  if (instance.host && Object.keys(diff).length) {
    await deps.compute.cast(ctx, 'change_instance_metadata', { instance, diff }, { server: instance.host });
  }
  return result;
}

export async function deleteInstanceMetadataKey(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  key: string,
): Promise<void> {
  deps.policy.enforce(ctx, 'compute:delete_instance_metadata', instanceTarget(instance));
  checkLocked(ctx, instance);
  checkWritable(instance, 'delete_instance_metadata');
  const existed = await instanceMetadataDelete(deps.db, ctx, instance.uuid as string, key);
  if (!existed) throw new MetadataItemNotFound();
  instanceMetadataChanged(instance.uuid as string);
  if (instance.host)
    await deps.compute.cast(ctx, 'change_instance_metadata', { instance, diff: { [key]: ['-'] } }, { server: instance.host });
}
