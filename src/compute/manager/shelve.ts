/**
 * The compute manager's shelve_instance, shelve_offload_instance and unshelve_instance (Havana's
 * nova/compute/manager.py) and the `_poll_shelved_instances` periodic task. Shelving uploads
 * the guest's disk into the image the API made and powers the guest off; offloading destroys
 * the guest and gives the host's resources back; unshelving powers the guest on where it is,
 * or spawns it from the shelved image on the host the conductor scheduled, then deletes the image.
 */
import { Readable } from 'node:stream';
import { PowerState } from '../../common/states/power-state.js';
import type { TaskState } from '../../common/states/task-states.js';
import { VmState } from '../../common/states/vm-states.js';
import type { ConductorInstance } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import type { ShelveRequest, UnshelveRequest } from '../contract.js';
import { imageSourceFor } from '../image-source.js';
import { cachedNetworkInfo, runAction, transitionWithPower } from './actions.js';
import type { ComputeHost } from './host.js';

const SHELVED_KEYS = ['shelved_at', 'shelved_image_id', 'shelved_host'];

/** The driver's snapshot steps, named after the image task states, mapped onto the shelve row's steps. */
const SHELVE_STEPS: Readonly<Partial<Record<TaskState, string>>> = {
  image_pending_upload: 'image_pending_upload',
  image_uploading: 'image_uploading',
};

function systemMetadata(instance: ConductorInstance, changes: Record<string, string | null>): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...(instance.system_metadata ?? {}), ...changes })) {
    if (value !== null && value !== undefined) merged[key] = value;
  }
  return merged;
}

/** Shelves the guest; with `offloadNow` (shelved_offload_time 0) it is offloaded at once. */
export async function shelveInstance(
  h: ComputeHost,
  ctx: RequestContext,
  args: ShelveRequest,
  offloadNow: boolean,
  now: Date,
): Promise<ConductorInstance> {
  let instance = args.instance;
  const shelved = await runAction(
    h,
    ctx,
    instance,
    { method: 'shelve_instance', action: 'shelve', notify: 'shelve', args: { image_id: args.image_id } },
    async () => {
      const images = h.images;
      if (!images) throw new Error('this compute host has no image service to shelve into');
      try {
        await h.driver.snapshot(h.virt(instance), args.image_id, {
          updateTaskState: async (taskState: TaskState) => {
            const step = SHELVE_STEPS[taskState];
            if (step) instance = await h.transition(ctx, instance, 'shelve', step);
          },
          upload: async (meta, data) => {
            const stream = Buffer.isBuffer(data) ? Readable.from([data]) : data;
            await images.update(
              ctx,
              args.image_id,
              { disk_format: meta.disk_format, container_format: meta.container_format },
              { purgeProps: false, data: stream },
            );
          },
        });
      } catch (err) {
        await images.delete(ctx, args.image_id).catch(() => undefined);
        throw err;
      }
      await h.driver.powerOff(h.virt(instance));
      return transitionWithPower(h, ctx, instance, 'shelve', 'success', {
        system_metadata: systemMetadata(instance, {
          shelved_at: now.toISOString(),
          shelved_image_id: args.image_id,
          shelved_host: h.host,
        }),
      });
    },
  );
  if (!offloadNow) return shelved;
  const offloading = await h.transition(ctx, shelved, 'shelve_offload', 'start');
  return shelveOffloadInstance(h, ctx, offloading);
}

/** Destroys the guest of a shelved instance and frees its resources; host and node are cleared. */
export function shelveOffloadInstance(h: ComputeHost, ctx: RequestContext, instance: ConductorInstance): Promise<ConductorInstance> {
  return runAction(
    h,
    ctx,
    instance,
    { method: 'shelve_offload_instance', action: 'shelve_offload', notify: 'shelve_offload' },
    async () => {
      await h.driver.destroy(h.virt(instance), cachedNetworkInfo(instance), null, true);
      await (await h.tracker(instance.node ?? null)).dropInstance(ctx, instance.uuid as string);
      return h.transition(ctx, instance, 'shelve_offload', 'success', { power_state: PowerState.NOSTATE, host: null, node: null });
    },
  );
}

/** Powers a SHELVED guest on in place, or spawns an offloaded one here from its shelved image. */
export function unshelveInstance(h: ComputeHost, ctx: RequestContext, args: UnshelveRequest): Promise<ConductorInstance> {
  let instance = args.instance;
  const uuid = instance.uuid as string;
  return runAction(h, ctx, instance, { method: 'unshelve_instance', action: 'unshelve', notify: 'unshelve' }, async () => {
    const networkInfo = cachedNetworkInfo(instance);
    const imageId = instance.system_metadata?.shelved_image_id ?? null;
    const cleared = systemMetadata(instance, Object.fromEntries(SHELVED_KEYS.map((k) => [k, null])));
    if (instance.vm_state === VmState.SHELVED) {
      await h.driver.powerOn(h.virt(instance), networkInfo);
      return transitionWithPower(h, ctx, instance, 'unshelve', 'success', { system_metadata: cleared });
    }
    if (!imageId) throw new Error(`instance ${uuid} has no shelved image to unshelve from`);
    const tracker = await h.tracker(args.node);
    const claim = await tracker.instanceClaim(ctx, instance, null);
    try {
      instance = await h.conductor.call(ctx, 'instance_get_by_uuid', { instance_uuid: uuid });
      instance = await h.transition(ctx, instance, 'unshelve', 'spawning');
      const source = imageSourceFor(h.images, ctx);
      const image = source ? await source.show(imageId) : { id: imageId };
      await h.driver.spawn(h.virt(instance), image, [], null, networkInfo, null, source ? { images: source } : {});
    } catch (err) {
      await h.driver.destroy(h.virt(instance), networkInfo, null, true).catch(() => undefined);
      await claim.abort(ctx).catch(() => undefined);
      await h.conductor.call(ctx, 'instance_update', { instance_uuid: uuid, updates: { host: null, node: null }, service: 'compute' });
      throw err;
    }
    const done = await transitionWithPower(h, ctx, instance, 'unshelve', 'success', { system_metadata: cleared, launched_at: new Date() });
    tracker.updateInstance(done);
    await h.images?.delete(ctx, imageId).catch((err: unknown) => {
      ctx.log.warn({ err, image_id: imageId }, 'could not delete the shelved image');
    });
    return done;
  });
}

/** Whether a shelved instance has waited `offloadTime` seconds by `now`. */
export function dueForOffload(instance: ConductorInstance, offloadTime: number, now: Date): boolean {
  if (offloadTime < 0 || instance.vm_state !== VmState.SHELVED || instance.task_state !== null) return false;
  const at = Date.parse(instance.system_metadata?.shelved_at ?? '');
  if (Number.isNaN(at)) return false;
  return now.getTime() - at >= offloadTime * 1000;
}

/** `_poll_shelved_instances`: offloads this host's instances shelved longer than `shelved_offload_time`. */
export async function pollShelvedInstances(
  h: ComputeHost,
  ctx: RequestContext,
  offloadTime: number,
  now: Date,
  serialized: (uuid: string, work: () => Promise<unknown>) => Promise<unknown>,
): Promise<void> {
  if (offloadTime <= 0) return;
  const instances = await h.conductor.call(ctx, 'instance_get_all_by_host', { host: h.host, node: null, columns_to_join: null });
  for (const instance of instances) {
    if (!dueForOffload(instance, offloadTime, now)) continue;
    // One instance's failure (a fault recorded by runAction, or a race lost to a request) does not stop the others.
    await serialized(instance.uuid as string, async () => {
      const offloading = await h.transition(ctx, instance, 'shelve_offload', 'start');
      await shelveOffloadInstance(h, ctx, offloading);
    }).catch((err: unknown) => ctx.log.info({ err, instance_uuid: instance.uuid }, 'periodic offload did not happen'));
  }
}
