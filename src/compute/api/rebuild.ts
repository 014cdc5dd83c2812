/**
 * compute.api rebuild (Grizzly's rebuild): the new image must be active and fit the
 * instance's flavor, the metadata and files within quota; then the instance takes the new
 * image (its `image_*` system metadata replaced), the task `rebuilding` is set by
 * compare-and-swap, and its compute host re-creates the guest.
 */
import type { RequestContext } from '../../context/context.js';
import { blockDeviceMappingGetAllByInstance } from '../../db/api/block-device-mappings.js';
import type { InstanceRecord, InstanceUpdateValues } from '../../db/api/instances.js';
import { beginAction, guardInstance } from './actions.js';
import { checkImageFitsFlavor, checkInjectedFilesQuota, checkMetadataQuota, generatePassword, imageSystemMetadata } from './create.js';
import type { ComputeApiDeps } from './deps.js';
import { ImageNotActive } from './errors.js';

export interface RebuildRequest {
  imageRef: string;
  displayName?: string;
  /** Replaces the instance's metadata when given. */
  metadata?: Record<string, string>;
  /** (path, contents) pairs, contents already decoded. */
  injectedFiles: [string, string][];
  /** Generated when null. */
  adminPassword: string | null;
  accessIpV4?: string | null;
  accessIpV6?: string | null;
  autoDiskConfig?: boolean;
  preserveEphemeral: boolean;
}

/** The rebuilt instance and the admin password its guest was given. */
export interface RebuildResult {
  instance: InstanceRecord;
  adminPassword: string;
}

function imageProperty(properties: Record<string, unknown> | undefined, key: string): string | null {
  const v = properties?.[key];
  return typeof v === 'string' && v !== '' ? v : null;
}

export async function rebuild(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  instance: InstanceRecord,
  request: RebuildRequest,
): Promise<RebuildResult> {
  guardInstance(deps, ctx, instance, { policy: 'compute:rebuild', lock: true, host: true, state: 'rebuild' });
  const image = await deps.images.show(ctx, request.imageRef);
  if (image.status.toLowerCase() !== 'active') throw new ImageNotActive(image.id);
  if (request.metadata) await checkMetadataQuota(deps, ctx, request.metadata);
  await checkInjectedFilesQuota(deps, ctx, request.injectedFiles);
  const flavor = await deps.flavors.getById(ctx, instance.instance_type_id as number);
  checkImageFitsFlavor(image, flavor);

  const origSysMetadata = { ...(instance.system_metadata ?? {}) };
  const systemMetadata: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(origSysMetadata)) if (!k.startsWith('image_')) systemMetadata[k] = v;
  Object.assign(systemMetadata, imageSystemMetadata(image));

  const updates: InstanceUpdateValues = {
    image_ref: image.id,
    kernel_id: imageProperty(image.properties, 'kernel_id') ?? '',
    ramdisk_id: imageProperty(image.properties, 'ramdisk_id') ?? '',
    progress: 0,
    system_metadata: systemMetadata,
    ...(request.displayName !== undefined ? { display_name: request.displayName } : {}),
    ...(request.metadata !== undefined ? { metadata: request.metadata } : {}),
    ...(request.accessIpV4 !== undefined ? { access_ip_v4: request.accessIpV4 } : {}),
    ...(request.accessIpV6 !== undefined ? { access_ip_v6: request.accessIpV6 } : {}),
    ...(request.autoDiskConfig !== undefined ? { auto_disk_config: request.autoDiskConfig } : {}),
  };
  const origImageRef = instance.image_ref;
  const started = await beginAction(deps, ctx, instance, 'rebuild', { updates });
  const adminPassword = request.adminPassword ?? generatePassword();
  const bdms = await blockDeviceMappingGetAllByInstance(deps.db, ctx, started.uuid as string);
  await deps.compute.cast(
    ctx,
    'rebuild_instance',
    {
      instance: started,
      new_pass: adminPassword,
      injected_files: request.injectedFiles,
      image_ref: image.id,
      orig_image_ref: origImageRef,
      orig_sys_metadata: origSysMetadata,
      bdms,
      recreate: false,
      on_shared_storage: false,
      preserve_ephemeral: request.preserveEphemeral,
    },
    { server: started.host as string },
  );
  return { instance: started, adminPassword };
}
