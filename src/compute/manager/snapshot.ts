/**
 * The compute manager's snapshot_instance (createImage and createBackup): the driver moves
 * the task through image_pending_upload and image_uploading and uploads the disk into the
 * image the API created; then, for a backup, the oldest backups of its type beyond the
 * rotation are deleted before the task clears. A failed snapshot deletes its unfinished image.
 */

import { Readable } from 'node:stream';
import { getLogger } from '../../common/log.js';
import type { TaskState } from '../../common/states/task-states.js';
import type { ConductorInstance } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import type { ImageService } from '../../image/glance-client.js';
import type { SnapshotRequest } from '../contract.js';
import { currentPowerState, runAction } from './actions.js';
import type { ComputeHost } from './host.js';

const log = getLogger('nova.compute.manager.snapshot');

function needImages(h: ComputeHost): ImageService {
  if (!h.images) throw new Error('this compute host has no image service to upload snapshots to');
  return h.images;
}

/**
 * Deletes the instance's backups of `type` beyond the newest `rotation`. The one just
 * uploaded counts as the newest: image times have second precision, so two backups of one
 * second would otherwise be ordered by chance.
 */
async function rotateBackups(
  images: ImageService,
  ctx: RequestContext,
  uuid: string,
  type: string,
  rotation: number,
  latestId: string,
): Promise<void> {
  const backups = await images.detail(ctx, {
    'property-image_type': 'backup',
    'property-backup_type': type,
    'property-instance_uuid': uuid,
  });
  const newestFirst = [...backups]
    .filter((i) => i.properties.instance_uuid === uuid && i.properties.backup_type === type && i.properties.image_type === 'backup')
    .sort(
      (a, b) =>
        Number(b.id === latestId) - Number(a.id === latestId) ||
        (b.created_at?.getTime() ?? 0) - (a.created_at?.getTime() ?? 0) ||
        (b.updated_at?.getTime() ?? 0) - (a.updated_at?.getTime() ?? 0),
    );
  for (const old of newestFirst.slice(rotation)) {
    log.for(ctx).info({ instance_uuid: uuid, image_id: old.id }, 'deleting a backup beyond the rotation');
    await images.delete(ctx, old.id);
  }
}

export function snapshotInstance(h: ComputeHost, ctx: RequestContext, args: SnapshotRequest): Promise<ConductorInstance> {
  const action = args.image_type === 'backup' ? 'backup' : 'snapshot';
  const uuid = args.instance.uuid as string;
  let instance = args.instance;
  return runAction(
    h,
    ctx,
    args.instance,
    { method: 'snapshot_instance', action, notify: 'snapshot', event: false, args: { image_id: args.image_id } },
    async () => {
      const images = needImages(h);
      try {
        instance = await h.conductor.call(ctx, 'instance_update', {
          instance_uuid: uuid,
          updates: { power_state: await currentPowerState(h, instance) },
          service: 'compute',
        });
        await h.driver.snapshot(h.virt(instance), args.image_id, {
          // The state table's steps are named after the task they set, and know what each expects.
          updateTaskState: async (taskState: TaskState) => {
            instance = await h.transition(ctx, instance, action, taskState);
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
        await images.delete(ctx, args.image_id).catch((deleteErr: unknown) => {
          log.for(ctx).warn({ instance_uuid: uuid, image_id: args.image_id, err: deleteErr }, 'could not delete the failed snapshot image');
        });
        throw err;
      }
      // Rotated before the task clears, so a client that waits for the task finds the old backups gone.
      if (action === 'backup' && args.backup_type !== null && args.rotation !== null) {
        await rotateBackups(images, ctx, uuid, args.backup_type, args.rotation, args.image_id);
      }
      return h.transition(ctx, instance, action, 'success');
    },
  );
}
