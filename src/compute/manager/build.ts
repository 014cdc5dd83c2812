import { InstanceNotFound, UnexpectedTaskStateError } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import { PowerState } from '../../common/states/power-state.js';
import { TaskState } from '../../common/states/task-states.js';
import type { ConductorInstance } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import type { FilterProperties, RequestSpec } from '../../scheduler/types.js';
import { type NetworkInfo, serializeNetworkInfo } from '../../virt/network-model.js';
import { EMPTY_BLOCK_DEVICE_INFO, type ImageMeta, type InjectedFile } from '../../virt/types.js';
import type { BuildRequest } from '../contract.js';
import { imageSourceFor } from '../image-source.js';
import type { Claim } from '../resource-tracker.js';
import { configDriveFor } from './config-drive.js';
import { ComputeResourcesUnavailable, ImageTooLarge } from './errors.js';
import { formatException } from './faults.js';
import type { ComputeHost } from './host.js';

const log = getLogger('nova.compute.manager.build');

export type BuildOutcome = 'active' | 'rescheduled' | 'error' | 'abandoned';

const GiB = 1024 ** 3;

/** What a failed build must undo before it reschedules or errors out. */
interface BuildProgress {
  claim: Claim | null;
  networkAllocated: boolean;
  spawnStarted: boolean;
  networkInfo: NetworkInfo;
}

/**
 * Builds one instance on this host (as Grizzly's nova/compute/manager.py run_instance): claim, network, block
 * devices, spawn. Every state write is a compare-and-swap through the conductor; a failure
 * either sends the request back to the scheduler (retry info with attempts left) or ends
 * in ERROR with a fault. The instance is never left in a task state.
 */
export async function buildInstance(h: ComputeHost, ctx: RequestContext, args: BuildRequest): Promise<BuildOutcome> {
  let instance = args.instance;
  const uuid = instance.uuid as string;
  try {
    instance = await h.transition(ctx, instance, 'create', 'start_building');
  } catch (err) {
    if (err instanceof UnexpectedTaskStateError || err instanceof InstanceNotFound) {
      log.for(ctx).info({ instance_uuid: uuid }, 'instance was deleted or taken over before the build started; nothing to build');
      return 'abandoned';
    }
    throw err;
  }
  const image = (args.request_spec?.image ?? {}) as ImageMeta;
  const imageExtra = image.name ? { image_name: image.name } : {};
  await h.notifyUsage(ctx, instance, 'create.start', { extra: imageExtra });

  const progress: BuildProgress = { claim: null, networkAllocated: false, spawnStarted: false, networkInfo: [] };
  try {
    const tracker = await h.tracker(args.node);
    progress.claim = await tracker.instanceClaim(ctx, instance, args.filter_properties?.limits ?? null);
    instance = await h.conductor.call(ctx, 'instance_get_by_uuid', { instance_uuid: uuid });

    instance = await h.transition(ctx, instance, 'create', 'networking');
    const rxtx = (args.request_spec?.instance_type as { rxtx_factor?: number } | undefined)?.rxtx_factor ?? null;
    const macs = await h.driver.macsForInstance(h.virt(instance));
    progress.networkAllocated = true;
    progress.networkInfo = await h.network.allocateForInstance(
      ctx,
      { uuid, project_id: instance.project_id, host: h.host },
      {
        requestedNetworks: (args.requested_networks ?? []).map(([netUuid, fixedIp]) => ({ uuid: netUuid, fixed_ip: fixedIp })),
        macs: macs ? [...macs] : null,
        rxtxFactor: rxtx,
        vpn: h.vpnImageId !== null && instance.image_ref === h.vpnImageId,
      },
    );
    await h.conductor.call(ctx, 'instance_info_cache_update', {
      instance: { uuid },
      values: { network_info: serializeNetworkInfo(progress.networkInfo) },
    });

    instance = await h.transition(ctx, instance, 'create', 'block_device_mapping');
    const blockDeviceInfo = { ...EMPTY_BLOCK_DEVICE_INFO, root_device_name: instance.root_device_name ?? null };

    instance = await h.transition(ctx, instance, 'create', 'spawning');
    const rootGb = instance.root_gb ?? 0;
    if (rootGb > 0 && typeof image.size === 'number' && image.size > rootGb * GiB) throw new ImageTooLarge(image.size, rootGb);
    const files: InjectedFile[] = (args.injected_files ?? []).map(([path, contents]) => ({
      path,
      contents: Buffer.from(contents, 'latin1'),
    }));
    const configDrive = await configDriveFor(h, ctx, instance, { files, adminPass: args.admin_password });
    progress.spawnStarted = true;
    const images = imageSourceFor(h.images, ctx);
    await h.driver.spawn(h.virt(instance), image, files, args.admin_password, progress.networkInfo, blockDeviceInfo, {
      ...(images ? { images } : {}),
      ...(configDrive ? { configDrive } : {}),
    });

    const power = await powerStateOf(h, instance);
    instance = await h.transition(ctx, instance, 'create', 'success', { power_state: power, launched_at: new Date() });
    (await h.tracker(args.node)).updateInstance(instance);
    await h.notifyUsage(ctx, instance, 'create.end', { networkInfo: progress.networkInfo, extra: imageExtra });
    log.for(ctx).info({ instance_uuid: uuid, host: h.host }, 'instance spawned');
    return 'active';
  } catch (err) {
    return failBuild(h, ctx, args, instance, progress, err);
  }
}

async function powerStateOf(h: ComputeHost, instance: ConductorInstance): Promise<PowerState> {
  try {
    return (await h.driver.getInfo(h.virt(instance))).state;
  } catch (err) {
    if (err instanceof InstanceNotFound) return PowerState.NOSTATE;
    throw err;
  }
}

/** Undoes what the build did on this host: the guest, the network allocation, the claim. */
async function cleanUp(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance, progress: BuildProgress): Promise<void> {
  const uuid = instance.uuid as string;
  if (progress.spawnStarted) {
    try {
      await h.notifyUsage(ctx, instance, 'shutdown.start');
      await h.driver.destroy(h.virt(instance), progress.networkInfo);
      await h.notifyUsage(ctx, instance, 'shutdown.end');
    } catch (err) {
      log.for(ctx).error({ instance_uuid: uuid, err }, 'could not destroy the guest of a failed build');
    }
  }
  if (progress.networkAllocated) {
    try {
      await h.network.deallocateForInstance(ctx, { uuid, project_id: instance.project_id, host: h.host });
    } catch (err) {
      log.for(ctx).error({ instance_uuid: uuid, err }, 'could not deallocate the network of a failed build');
    }
  }
  try {
    await progress.claim?.abort(ctx);
  } catch (err) {
    log.for(ctx).error({ instance_uuid: uuid, err }, 'could not release the resource claim of a failed build');
  }
}

/** Whether a delete took the instance over; when the conductor cannot say, the build fails as usual. */
async function isBeingDeleted(h: ComputeHost, ctx: RequestContext, uuid: string): Promise<boolean> {
  try {
    const current = await h.conductor.call(ctx, 'instance_get_by_uuid', { instance_uuid: uuid });
    return current.task_state === TaskState.DELETING || current.vm_state === 'deleted';
  } catch (err) {
    if (err instanceof InstanceNotFound) return true;
    log.for(ctx).error({ instance_uuid: uuid, err }, 'could not read the instance after a failed build');
    return false;
  }
}

function canReschedule(h: ComputeHost, args: BuildRequest): boolean {
  const retry = args.filter_properties?.retry;
  return !!retry && !!args.request_spec && retry.num_attempts < h.maxAttempts;
}

async function failBuild(
  h: ComputeHost,
  ctx: RequestContext,
  args: BuildRequest,
  instance: ConductorInstance,
  progress: BuildProgress,
  err: unknown,
): Promise<BuildOutcome> {
  const uuid = instance.uuid as string;
  await cleanUp(h, ctx, instance, progress);
  if (await isBeingDeleted(h, ctx, uuid)) {
    log.for(ctx).info({ instance_uuid: uuid }, 'instance was deleted during the build; the delete finishes it');
    return 'abandoned';
  }
  log.for(ctx).warn({ instance_uuid: uuid, err }, 'build failed');
  if (canReschedule(h, args)) {
    try {
      await reschedule(h, ctx, args, instance, err);
      return 'rescheduled';
    } catch (rescheduleErr) {
      log.for(ctx).error({ instance_uuid: uuid, err: rescheduleErr }, 'could not re-schedule the build');
    }
  }
  // The fault goes first, so whoever sees ERROR can also read why.
  await h.failInstance(ctx, instance, 'create', err);
  await h.notifyUsage(ctx, instance, 'create.error', {
    extra: {
      message: err instanceof Error ? err.message : String(err),
      code: err instanceof ComputeResourcesUnavailable ? 500 : undefined,
    },
  });
  return 'error';
}

/** Sends the build back to the scheduler with this host in `retry.hosts` and the error in `retry.exc`. */
async function reschedule(
  h: ComputeHost,
  ctx: RequestContext,
  args: BuildRequest,
  instance: ConductorInstance,
  err: unknown,
): Promise<void> {
  const uuid = instance.uuid as string;
  const props: FilterProperties = structuredClone(args.filter_properties ?? {});
  const retry = props.retry ?? { num_attempts: 1, hosts: [] };
  retry.exc = formatException(err);
  props.retry = retry;
  const spec: RequestSpec = { ...(args.request_spec as RequestSpec), instance_uuids: [uuid] };
  await h.transition(ctx, instance, 'create', 'rescheduled');
  await h.scheduler.cast(ctx, 'run_instance', {
    request_spec: spec,
    admin_password: args.admin_password,
    injected_files: args.injected_files ?? [],
    requested_networks: args.requested_networks,
    is_first_time: false,
    filter_properties: props,
  });
  log.for(ctx).info({ instance_uuid: uuid, attempt: retry.num_attempts }, 'build re-scheduled');
}
