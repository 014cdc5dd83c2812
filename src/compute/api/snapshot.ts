/**
 * compute.api createImage and createBackup (Grizzly's snapshot, backup and _create_image):
 * the image is created in the image service first, with the properties Nova gives a
 * snapshot, then the instance's task is set (compare-and-swap) and its compute host asked
 * to upload the disk into it. When the task cannot be set, the image is deleted again.
 */
import { BadRequest } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { InstanceRecord } from '../../db/api/instances.js';
import { computeApiOpts } from '../api-opts.js';
import { beginAction, guardInstance } from './actions.js';
import { checkMetadataQuota } from './create.js';
import type { ComputeApiDeps, SnapshotImageStore } from './deps.js';

export interface BackupSpec {
  /** `daily`, `weekly`, ...: backups of one type rotate together. */
  type: string;
  /** How many backups of this type to keep. */
  rotation: number;
}

const IMAGE_PREFIX = 'image_';

function store(deps: ComputeApiDeps): SnapshotImageStore {
  if (!deps.imageStore) throw new BadRequest('Snapshots are not available: there is no image service to write them to.');
  return deps.imageStore;
}

function intOrUndefined(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = Number.parseInt(value, 10);
  return Number.isNaN(n) ? undefined : n;
}

/**
 * The new image's properties: who and what it was taken from, the request's own, then those
 * of the image the instance was built from (`image_*` system metadata) that are inheritable
 * and not already set.
 */
function snapshotProperties(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  imageType: 'snapshot' | 'backup',
  backup: BackupSpec | null,
  extra: Record<string, string>,
): Record<string, string> {
  const sys = instance.system_metadata ?? {};
  const properties: Record<string, string> = {
    instance_uuid: instance.uuid as string,
    user_id: String(ctx.userId),
    image_type: imageType,
  };
  const base = sys.image_base_image_ref;
  if (base) properties.base_image_ref = base;
  if (backup) properties.backup_type = backup.type;
  Object.assign(properties, extra);
  const nonInheritable = new Set(deps.conf.get(computeApiOpts).non_inheritable_image_properties ?? []);
  for (const [key, value] of Object.entries(sys)) {
    if (!key.startsWith(IMAGE_PREFIX) || value === null) continue;
    const name = key.slice(IMAGE_PREFIX.length);
    if (name in properties || nonInheritable.has(name)) continue;
    if (['min_ram', 'min_disk', 'disk_format', 'container_format', 'base_image_ref'].includes(name)) continue;
    properties[name] = value;
  }
  return properties;
}

async function createImage(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  name: string,
  imageType: 'snapshot' | 'backup',
  backup: BackupSpec | null,
  extra: Record<string, string>,
): Promise<string> {
  const action = imageType === 'snapshot' ? 'snapshot' : 'backup';
  const policy = `compute:${action}`;
  guardInstance(deps, ctx, instance, { policy, host: true, state: action });
  await checkMetadataQuota(deps, ctx, extra);
  const images = store(deps);
  const sys = instance.system_metadata ?? {};
  const image = await images.create(ctx, {
    name,
    is_public: false,
    ...(imageType === 'snapshot' ? { min_ram: intOrUndefined(sys.image_min_ram), min_disk: intOrUndefined(sys.image_min_disk) } : {}),
    properties: snapshotProperties(deps, ctx, instance, imageType, backup, extra),
  });
  let started: InstanceRecord;
  try {
    started = await beginAction(deps, ctx, instance, action, { policy });
  } catch (err) {
    await images.delete(ctx, image.id).catch(() => undefined);
    throw err;
  }
  await deps.compute.cast(
    ctx,
    'snapshot_instance',
    {
      instance: started,
      image_id: image.id,
      image_type: imageType,
      backup_type: backup?.type ?? null,
      rotation: backup?.rotation ?? null,
    },
    { server: started.host as string },
  );
  return image.id;
}

/** createImage: the new image's id. */
export function snapshot(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  name: string,
  metadata: Record<string, string>,
): Promise<string> {
  return createImage(deps, ctx, instance, name, 'snapshot', null, metadata);
}

/** createBackup: the new image's id; older backups of the type beyond `rotation` are deleted once it is uploaded. */
export function backup(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  name: string,
  spec: BackupSpec,
  metadata: Record<string, string>,
): Promise<string> {
  return createImage(deps, ctx, instance, name, 'backup', spec, metadata);
}
