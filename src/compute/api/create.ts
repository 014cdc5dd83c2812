/**
 * compute.api create: every check in Nova's order before anything is written, then the
 * rows of each instance, the quota recheck, and only then the scheduler cast. Any failure
 * after the first row is written removes every row this request wrote.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { FlavorNotFound, InvalidRequest, OverQuota, ServerGroupLimitExceeded } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import { PowerState } from '../../common/states/power-state.js';
import { TaskState } from '../../common/states/task-states.js';
import { VmState } from '../../common/states/vm-states.js';
import type { RequestContext } from '../../context/context.js';
import { type BlockDeviceMappingValues, blockDeviceMappingCreate } from '../../db/api/block-device-mappings.js';
import { actionStart } from '../../db/api/instance-actions.js';
import {
  type InstanceGroupRecord,
  instanceGroupGetByHint,
  instanceGroupMembersAdd,
  instanceGroupMembersRemove,
} from '../../db/api/instance-groups.js';
import type { SystemMetadata } from '../../db/api/instance-metadata.js';
import { instancesPurge } from '../../db/api/instance-purge.js';
import { type InstanceRecord, instanceCreate, type UniqueNameScope } from '../../db/api/instances.js';
import { securityGroupGetByName } from '../../db/api/security-groups.js';
import { toPrimitive } from '../../notifications/notifier.js';
import { instanceDeltas, tooManyInstancesError } from '../../quota/instances.js';
import { metadataLimitExceeded, personalityLimitExceeded } from '../../quota/limit-errors.js';
import type { InstanceProperties, InstanceType, ImageMeta as SchedulerImageMeta } from '../../scheduler/types.js';
import { computeApiOpts } from '../api-opts.js';
import type { ComputeApiDeps, FlavorInfo, ImageMeta, RequestedNetwork } from './deps.js';
import {
  FlavorDiskSmallerThanImage,
  FlavorDiskTooSmall,
  FlavorMemoryTooSmall,
  ImageNotActive,
  InvalidBDM,
  InvalidFixedIpAndMaxCountRequest,
  InvalidMetadata,
  InvalidMetadataSize,
} from './errors.js';
import { schedulableZones } from './zones.js';

const log = getLogger('nova.compute.api');

/** A legacy (Grizzly) block device mapping, as stored. */
export interface LegacyBlockDevice {
  device_name: string;
  volume_id?: string | null;
  snapshot_id?: string | null;
  volume_size?: number | null;
  delete_on_termination?: boolean;
  virtual_name?: string | null;
  no_device?: boolean | null;
}

export interface CreateInstanceRequest {
  flavor: FlavorInfo;
  /** Image id; null for an instance booted from a volume. */
  imageRef: string | null;
  displayName: string | null;
  displayDescription?: string | null;
  minCount?: number;
  maxCount?: number;
  keyName?: string | null;
  metadata?: Record<string, string>;
  /** (path, decoded contents). */
  injectedFiles?: [string, string][];
  adminPassword?: string | null;
  /** Base64 text, stored as given. */
  userData?: string | null;
  securityGroups?: string[];
  availabilityZone?: string | null;
  requestedNetworks?: RequestedNetwork[] | null;
  blockDeviceMapping?: LegacyBlockDevice[];
  configDrive?: boolean;
  autoDiskConfig?: boolean | null;
  accessIpV4?: string | null;
  accessIpV6?: string | null;
  schedulerHints?: Record<string, unknown>;
  /** Kernel and ramdisk image ids overriding the image's own (the EC2 API's KernelId/RamdiskId). */
  kernelId?: string | null;
  ramdiskId?: string | null;
}

export interface CreateInstanceResult {
  instances: InstanceRecord[];
  reservationId: string;
  adminPassword: string;
}

const UID_CHARS = '0123456789abcdefghijklmnopqrstuvwxyz';

/** `r-xxxxxxxx`: Nova's generate_uid('r'). */
export function generateReservationId(): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += UID_CHARS[randomInt(UID_CHARS.length)];
  return `r-${s}`;
}

const PASSWORD_CHARS = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export function generatePassword(length = 12): string {
  const bytes = randomBytes(length);
  let s = '';
  for (const b of bytes) s += PASSWORD_CHARS[b % PASSWORD_CHARS.length];
  return s;
}

/** Nova's sanitize_hostname: spaces and underscores become '-', other non-word characters go, lower case, no leading/trailing '.' or '-'. */
export function sanitizeHostname(name: string): string {
  let h = name.replace(/[ _]/g, '-');
  h = h.replace(/[^\w.-]+/g, '');
  h = h.toLowerCase();
  h = h.slice(0, 63);
  return h.replace(/^[.-]+|[.-]+$/g, '');
}

/** Fills a Python %-template with name/uuid/count (what multi_instance_display_name_template uses). */
export function applyNameTemplate(template: string, values: { name: string; uuid: string; count: number }): string {
  return template.replace(/%\((\w+)\)([sd])/g, (whole, key: string) => {
    const v = (values as Record<string, string | number>)[key];
    return v === undefined ? whole : String(v);
  });
}

const GIB = 1024 * 1024 * 1024;

/**
 * Blank local disks come out of the flavor: their sizes together may not exceed its
 * ephemeral size (a disk without a size takes the whole of it), and one swap disk at
 * most, no bigger than the flavor's swap (Nova's _validate_bdm).
 */
function checkLocalDisks(bdms: readonly LegacyBlockDevice[], flavor: FlavorInfo): void {
  const ephemeral = bdms.filter((b) => /^ephemeral\d+$/.test(b.virtual_name ?? ''));
  const ephemeralGb = ephemeral.reduce((sum, b) => sum + (b.volume_size ?? flavor.ephemeral_gb), 0);
  if (ephemeralGb > flavor.ephemeral_gb) {
    throw new InvalidBDM('Ephemeral disks requested are larger than the instance type allows.');
  }
  const swaps = bdms.filter((b) => b.virtual_name === 'swap');
  if (swaps.length > 1) throw new InvalidBDM('Block Device Mapping is Invalid: More than one swap drive requested.');
  // A swap mapping's size is read in the flavor's unit (MB), as Nova's drivers read it.
  if ((swaps[0]?.volume_size ?? 0) > flavor.swap) throw new InvalidBDM('Swap drive requested is larger than instance type allows.');
}

export function checkImageFitsFlavor(image: ImageMeta, flavor: FlavorInfo): void {
  if (flavor.memory_mb < Number(image.min_ram ?? 0)) throw new FlavorMemoryTooSmall();
  const rootGb = flavor.root_gb;
  // root_gb 0 means "as big as the image": no disk check.
  if (rootGb === 0) return;
  if (rootGb < Number(image.min_disk ?? 0)) throw new FlavorDiskTooSmall();
  const size = Number(image.size ?? 0);
  if (size > rootGb * GIB) throw new FlavorDiskSmallerThanImage(rootGb * GIB, size);
}

export function checkMetadataItems(metadata: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(metadata)) {
    if (k === '') throw new InvalidMetadata('Metadata property key blank.');
    if (typeof v !== 'string') throw new InvalidMetadata('Metadata property value must be a string.');
    if (k.length > 255) throw new InvalidMetadataSize('Metadata property key greater than 255 characters.');
    if (v.length > 255) throw new InvalidMetadataSize('Metadata property value greater than 255 characters.');
  }
}

/** metadata_items limit on a metadata set (MetadataLimitExceeded), then per-item rules. */
export async function checkMetadataQuota(deps: ComputeApiDeps, ctx: RequestContext, metadata: Record<string, string>): Promise<void> {
  try {
    await deps.quota.limitCheck(ctx.projectId ?? '', { metadata_items: Object.keys(metadata).length }, { quotaClass: ctx.quotaClass });
  } catch (err) {
    if (err instanceof OverQuota) throw metadataLimitExceeded(err.quotas.metadata_items ?? 0);
    throw err;
  }
  checkMetadataItems(metadata);
}

export async function checkInjectedFilesQuota(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  files: readonly [string, string][],
): Promise<void> {
  if (files.length === 0) return;
  const values = {
    injected_files: files.length,
    injected_file_path_bytes: Math.max(...files.map(([p]) => Buffer.byteLength(p))),
    injected_file_content_bytes: Math.max(...files.map(([, c]) => Buffer.byteLength(c, 'latin1'))),
  };
  try {
    await deps.quota.limitCheck(ctx.projectId ?? '', values, { quotaClass: ctx.quotaClass });
  } catch (err) {
    if (err instanceof OverQuota) throw personalityLimitExceeded(err) ?? err;
    throw err;
  }
}

/** `instance_type_*` system metadata: the flavor as it was at create (Nova's migration 153, nova/db/sqlalchemy/migrate_repo/versions/153_instance_type_in_system_metadata.py). */
export function flavorSystemMetadata(flavor: FlavorInfo, prefix = ''): SystemMetadata {
  const str = (v: number | string | null): string | null => (v === null ? null : String(v));
  return {
    [`${prefix}instance_type_id`]: String(flavor.id),
    [`${prefix}instance_type_name`]: flavor.name,
    [`${prefix}instance_type_memory_mb`]: String(flavor.memory_mb),
    [`${prefix}instance_type_vcpus`]: String(flavor.vcpus),
    [`${prefix}instance_type_root_gb`]: String(flavor.root_gb),
    [`${prefix}instance_type_ephemeral_gb`]: String(flavor.ephemeral_gb),
    [`${prefix}instance_type_flavorid`]: flavor.flavorid,
    [`${prefix}instance_type_swap`]: String(flavor.swap),
    [`${prefix}instance_type_rxtx_factor`]: String(flavor.rxtx_factor),
    [`${prefix}instance_type_vcpu_weight`]: str(flavor.vcpu_weight),
  };
}

function propertyString(v: unknown): string {
  return (typeof v === 'string' ? v : JSON.stringify(v)).slice(0, 255);
}

/** `image_*` system metadata: the image's properties (and sizes and formats) at create. */
export function imageSystemMetadata(image: ImageMeta | null): SystemMetadata {
  if (!image) return {};
  const out: SystemMetadata = {};
  for (const key of ['min_ram', 'min_disk', 'disk_format', 'container_format'] as const) {
    const v = image[key];
    if (v !== undefined && v !== null) out[`image_${key}`] = String(v);
  }
  for (const [k, v] of Object.entries(image.properties ?? {})) {
    if (v !== undefined && v !== null) out[`image_${k}`] = propertyString(v);
  }
  out.image_base_image_ref = typeof image.properties?.base_image_ref === 'string' ? image.properties.base_image_ref : image.id;
  return out;
}

function imageProperty(image: ImageMeta | null, key: string): string | null {
  const v = image?.properties?.[key];
  return typeof v === 'string' && v !== '' ? v : null;
}

function boolProperty(image: ImageMeta | null, key: string): boolean | null {
  const v = image?.properties?.[key];
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return ['1', 'true', 't', 'yes', 'y', 'on'].includes(v.toLowerCase());
  return null;
}

/**
 * The server group a `group` scheduler hint names (uuid, or name in the caller's project),
 * checked for room for `count` more members; null for a hint naming no server group, which
 * the scheduler treats as Grizzly's free-form group.
 */
async function serverGroupWithRoom(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  hint: unknown,
  count: number,
): Promise<InstanceGroupRecord | null> {
  const name = Array.isArray(hint) ? hint[0] : hint;
  if (typeof name !== 'string' || name === '') return null;
  const group = await instanceGroupGetByHint(deps.db, ctx.projectId, name);
  if (!group) return null;
  try {
    await deps.quota.limitCheck(
      ctx.projectId ?? '',
      { server_group_members: group.members.length + count },
      { quotaClass: ctx.quotaClass },
    );
  } catch (err) {
    if (err instanceof OverQuota) throw new ServerGroupLimitExceeded('Quota exceeded, too many servers in group');
    throw err;
  }
  return group;
}

/** The body of POST /servers after the API layer parsed it; see CreateInstanceRequest. */
export async function createInstances(
  deps: ComputeApiDeps,
  ctx: RequestContext,
  req: CreateInstanceRequest,
): Promise<CreateInstanceResult> {
  const opts = deps.conf.get(computeApiOpts);
  const flavor = req.flavor;
  const minCount = req.minCount ?? 1;
  const maxCount = req.maxCount ?? minCount;
  const projectId = ctx.projectId ?? '';
  const bdms = req.blockDeviceMapping ?? [];
  const metadata = req.metadata ?? {};
  const files = req.injectedFiles ?? [];
  const securityGroups = req.securityGroups?.length ? [...new Set(req.securityGroups)] : ['default'];
  const requestedNetworks = req.requestedNetworks ?? null;

  // Availability zone "zone:host" forces the host.
  let availabilityZone = req.availabilityZone ?? opts.default_schedule_zone ?? null;
  let forcedHost: string | null = null;
  if (availabilityZone?.includes(':')) {
    const [zone, host] = availabilityZone.split(':', 2) as [string, string];
    availabilityZone = zone === '' ? null : zone;
    forcedHost = host === '' ? null : host;
  }

  deps.policy.enforce(ctx, 'compute:create', { project_id: ctx.projectId, user_id: ctx.userId, availability_zone: availabilityZone });
  if (requestedNetworks?.length)
    deps.policy.enforce(ctx, 'compute:create:attach_network', {
      project_id: ctx.projectId,
      user_id: ctx.userId,
      availability_zone: availabilityZone,
    });
  if (bdms.length)
    deps.policy.enforce(ctx, 'compute:create:attach_volume', {
      project_id: ctx.projectId,
      user_id: ctx.userId,
      availability_zone: availabilityZone,
    });
  if (forcedHost) deps.policy.enforce(ctx, 'compute:create:forced_host', {});
  if (req.availabilityZone && availabilityZone && !forcedHost && !(await schedulableZones(deps.db, deps.conf)).has(availabilityZone)) {
    throw new InvalidRequest('The requested availability zone is not available');
  }

  if (!Number.isSafeInteger(minCount) || minCount < 1) throw new InvalidRequest('min_count must be >= 1');
  if (!Number.isSafeInteger(maxCount)) throw new InvalidRequest('max_count must be an integer');
  if (minCount > maxCount) throw new InvalidRequest('min_count must be <= max_count');
  checkLocalDisks(bdms, flavor);
  if (maxCount > 1 && bdms.some((b) => b.volume_id)) throw new InvalidRequest('Cannot attach one or more volumes to multiple instances');
  if (maxCount > 1 && requestedNetworks?.some(([, ip]) => ip)) {
    throw new InvalidFixedIpAndMaxCountRequest('Create with fixed IP requested for multiple instances is not allowed.');
  }

  // 1. The image: it exists, is active and fits the flavor.
  let image: ImageMeta | null = null;
  if (req.imageRef) {
    image = await deps.images.show(ctx, req.imageRef);
    if (image.status.toLowerCase() !== 'active') throw new ImageNotActive(image.id);
    checkImageFitsFlavor(image, flavor);
  }
  // A kernel or ramdisk named by the request must exist (Nova's _handle_kernel_and_ramdisk).
  for (const id of [req.kernelId, req.ramdiskId]) if (id) await deps.images.show(ctx, id);
  // 2. The flavor: usable by this caller and not disabled.
  const usable = await deps.flavors.getByFlavorId(ctx, flavor.flavorid);
  if (usable.disabled) {
    throw new FlavorNotFound(`Flavor ${flavor.flavorid} could not be found.`, { kwargs: { flavor_id: flavor.flavorid } });
  }
  // 3. The key pair (its public key is copied onto the instance).
  let keyData: string | null = null;
  if (req.keyName) keyData = (await deps.keypairs.get(ctx, ctx.userId ?? '', req.keyName)).public_key;
  // 4. Security groups (other than `default`, which is created on first use).
  for (const name of securityGroups) if (name !== 'default') await securityGroupGetByName(deps.db, ctx, projectId, name);
  // 5. Networks.
  if (requestedNetworks?.length) await deps.network.validateNetworks(ctx, requestedNetworks);
  // 6. Metadata and personality files, against their limits.
  await checkMetadataQuota(deps, ctx, metadata);
  await checkInjectedFilesQuota(deps, ctx, files);
  // 7. How many instances the quota allows.
  const sizes = { vcpus: flavor.vcpus, memoryMb: flavor.memory_mb };
  const count = await deps.quota.checkInstanceCreate(ctx, projectId, { ...sizes, minCount, maxCount });

  // 8. The server group the `group` hint names, if any, has room for them.
  const group = await serverGroupWithRoom(deps, ctx, req.schedulerHints?.group, count);

  const reservationId = generateReservationId();
  const adminPassword = req.adminPassword || generatePassword(opts.password_length ?? 12);
  const systemMetadata: SystemMetadata = { ...flavorSystemMetadata(flavor), ...imageSystemMetadata(image) };
  const autoDiskConfig = req.autoDiskConfig ?? boolProperty(image, 'auto_disk_config') ?? false;
  const created: string[] = [];
  const instances: InstanceRecord[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const uuid = randomUUID();
      created.push(uuid);
      const baseName = req.displayName ?? `Server ${uuid}`;
      const displayName =
        count > 1
          ? applyNameTemplate(opts.multi_instance_display_name_template ?? '%(name)s-%(uuid)s', { name: baseName, uuid, count: i + 1 })
          : baseName;
      const instance = await instanceCreate(
        deps.db,
        ctx,
        {
          uuid,
          user_id: ctx.userId,
          project_id: projectId,
          display_name: displayName,
          display_description: req.displayDescription ?? displayName,
          hostname: sanitizeHostname(displayName) || `server-${uuid}`,
          reservation_id: reservationId,
          launch_index: i,
          vm_state: VmState.BUILDING,
          task_state: TaskState.SCHEDULING,
          power_state: PowerState.NOSTATE,
          progress: 0,
          locked: false,
          instance_type_id: flavor.id,
          memory_mb: flavor.memory_mb,
          vcpus: flavor.vcpus,
          root_gb: flavor.root_gb,
          ephemeral_gb: flavor.ephemeral_gb,
          image_ref: image?.id ?? '',
          kernel_id: req.kernelId || (imageProperty(image, 'kernel_id') ?? ''),
          ramdisk_id: req.ramdiskId || (imageProperty(image, 'ramdisk_id') ?? ''),
          root_device_name: imageProperty(image, 'root_device_name'),
          key_name: req.keyName ?? null,
          key_data: keyData,
          user_data: req.userData ?? null,
          config_drive: req.configDrive ? 'True' : '',
          availability_zone: availabilityZone,
          access_ip_v4: req.accessIpV4 || null,
          access_ip_v6: req.accessIpV6 || null,
          os_type: imageProperty(image, 'os_type'),
          architecture: imageProperty(image, 'architecture'),
          vm_mode: imageProperty(image, 'vm_mode'),
          auto_disk_config: autoDiskConfig,
          shutdown_terminate: false,
          disable_terminate: false,
          metadata,
          system_metadata: systemMetadata,
          security_groups: securityGroups,
        },
        { uniqueNameScope: (opts.osapi_compute_unique_server_name_scope ?? '') as UniqueNameScope },
      );
      for (const bdm of bdms) await blockDeviceMappingCreate(deps.db, ctx, uuid, bdm as BlockDeviceMappingValues);
      await actionStart(deps.db, ctx, {
        action: 'create',
        instance_uuid: uuid,
        request_id: ctx.requestId,
        user_id: ctx.userId,
        project_id: projectId,
      });
      instances.push(instance);
    }

    // The recheck: with these rows counted, is the project still within its quota?
    try {
      await deps.quota.recheck(ctx, projectId, ['instances', 'cores', 'ram']);
    } catch (err) {
      if (err instanceof OverQuota) throw tooManyInstancesError(err, { ...instanceDeltas(count, sizes), instances: minCount });
      throw err;
    }

    if (group) await instanceGroupMembersAdd(deps.db, group.id, created);

    await deps.scheduler.cast(ctx, 'run_instance', {
      request_spec: {
        image: image ? (toPrimitive(image) as SchedulerImageMeta) : {},
        instance_properties: toPrimitive(instances[0]) as InstanceProperties,
        instance_type: toPrimitive(flavor) as InstanceType,
        instance_uuids: [...created],
        num_instances: count,
        block_device_mapping: toPrimitive(bdms),
        security_group: securityGroups,
      },
      admin_password: adminPassword,
      injected_files: files,
      requested_networks: requestedNetworks,
      is_first_time: true,
      filter_properties: {
        scheduler_hints: req.schedulerHints ?? {},
        instance_type: toPrimitive(flavor) as InstanceType,
        ...(forcedHost ? { force_hosts: [forcedHost] } : {}),
      },
    });
  } catch (err) {
    try {
      if (group) await instanceGroupMembersRemove(deps.db, group.id, created);
      await instancesPurge(deps.db, created);
    } catch (cleanupErr) {
      log.for(ctx).error({ err: cleanupErr, uuids: created }, 'could not remove the rows of a failed create');
    }
    throw err;
  }
  return { instances, reservationId, adminPassword };
}
