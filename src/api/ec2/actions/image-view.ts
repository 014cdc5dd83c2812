/**
 * Glance images as EC2 sees them: `ami-`/`aki-`/`ari-` ids from the s3_images mapping,
 * the registration state of `image_state`, and block device mappings merged from the
 * `mappings` (ephemeral/swap) and `block_device_mapping` (EBS) properties.
 */
import { ImageNotFound, NotFound } from '../../../common/errors.js';
import { formatEc2Id, imagePrefixOf, parseEc2Id } from '../../../compute/ec2-ids.js';
import type { RequestContext } from '../../../context/context.js';
import type { NovaImage } from '../../../image/glance-client.js';
import { Ec2Error, invalidParameterValue } from '../errors.js';
import type { Ec2Services } from '../services.js';
import type { XmlObject } from '../xml.js';

export const DEFAULT_ROOT_DEVICE = '/dev/sda1';

const IMAGE_TYPES = { ami: 'machine', aki: 'kernel', ari: 'ramdisk' } as const;

export function imageNotFound(ec2Id: string): Ec2Error {
  return new Ec2Error('InvalidAMIID.NotFound', `The image id '[${ec2Id}]' does not exist`);
}

function jsonList(text: string | undefined): Record<string, unknown>[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : [];
  } catch {
    return [];
  }
}

function withDev(device: string): string {
  return device.startsWith('/dev/') ? device : `/dev/${device}`;
}

function stripDev(device: string | undefined | null): string {
  return (device ?? '').replace(/^\/dev\//, '');
}

function isSwapOrEphemeral(virtual: unknown): boolean {
  return virtual === 'swap' || (typeof virtual === 'string' && /^ephemeral\d+$/.test(virtual));
}

export function rootDeviceName(image: NovaImage): string {
  const explicit = image.properties.root_device_name;
  if (explicit) return explicit;
  const root = jsonList(image.properties.mappings).find((m) => m.virtual === 'root');
  return typeof root?.device === 'string' ? withDev(root.device) : DEFAULT_ROOT_DEVICE;
}

export function imageState(image: NovaImage): string {
  return image.properties.image_state ?? (image.status === 'active' ? 'available' : image.status);
}

/** The EC2 ids of every image, kernel and ramdisk the listed images name. */
export async function imageIdsOf(services: Ec2Services, images: readonly NovaImage[]): Promise<Map<string, number>> {
  const uuids = images.flatMap((i) => [i.id, i.properties.kernel_id, i.properties.ramdisk_id]).filter((u): u is string => !!u);
  return services.ids.idsFor('image', uuids);
}

export function ec2IdOfImage(image: NovaImage, ids: ReadonlyMap<string, number>): string {
  return formatEc2Id(imagePrefixOf(image.container_format), ids.get(image.id) ?? 0);
}

async function ebsOf(services: Ec2Services, bdm: Record<string, unknown>): Promise<XmlObject | undefined> {
  let snapshotId: string | undefined;
  if (typeof bdm.snapshot_id === 'string') snapshotId = formatEc2Id('snap', await services.ids.idFor('snapshot', bdm.snapshot_id));
  else if (typeof bdm.volume_id === 'string') snapshotId = formatEc2Id('vol', await services.ids.idFor('volume', bdm.volume_id));
  if (snapshotId === undefined) return undefined;
  return {
    snapshotId,
    volumeSize: typeof bdm.volume_size === 'number' ? bdm.volume_size : undefined,
    deleteOnTermination: typeof bdm.delete_on_termination === 'boolean' ? bdm.delete_on_termination : undefined,
  };
}

export async function blockDeviceMappingOf(services: Ec2Services, image: NovaImage): Promise<XmlObject[]> {
  const items: XmlObject[] = jsonList(image.properties.mappings)
    .filter((m) => isSwapOrEphemeral(m.virtual) && typeof m.device === 'string')
    .map((m) => ({ deviceName: withDev(m.device as string), virtualName: m.virtual as string }));
  for (const bdm of jsonList(image.properties.block_device_mapping)) {
    if (bdm.no_device) continue;
    const deviceName = typeof bdm.device_name === 'string' ? bdm.device_name : undefined;
    const existing = items.findIndex((i) => i.deviceName === deviceName);
    if (existing >= 0) items.splice(existing, 1);
    items.push({
      deviceName,
      virtualName: typeof bdm.virtual_name === 'string' ? bdm.virtual_name : undefined,
      ebs: await ebsOf(services, bdm),
    });
  }
  return items;
}

function rootDeviceType(image: NovaImage): string {
  const root = stripDev(rootDeviceName(image));
  const ebsRoot = jsonList(image.properties.block_device_mapping).some(
    (b) => stripDev(b.device_name as string) === root && (b.snapshot_id || b.volume_id) && !b.no_device,
  );
  return ebsRoot ? 'ebs' : 'instance-store';
}

export async function formatImage(services: Ec2Services, image: NovaImage, ids: ReadonlyMap<string, number>): Promise<XmlObject> {
  const prefix = imagePrefixOf(image.container_format);
  const kernel = image.properties.kernel_id;
  const ramdisk = image.properties.ramdisk_id;
  const location = image.properties.image_location;
  return {
    imageId: ec2IdOfImage(image, ids),
    imageLocation: location ?? `None (${image.name ?? ''})`,
    imageState: imageState(image),
    imageOwnerId: image.owner,
    creationDate: image.created_at,
    isPublic: image.is_public,
    architecture: image.properties.architecture,
    imageType: IMAGE_TYPES[prefix],
    kernelId: kernel ? formatEc2Id('aki', ids.get(kernel) ?? 0) : undefined,
    ramdiskId: ramdisk ? formatEc2Id('ari', ids.get(ramdisk) ?? 0) : undefined,
    name: image.name ?? location,
    description: image.properties.description,
    rootDeviceType: rootDeviceType(image),
    rootDeviceName: rootDeviceName(image),
    blockDeviceMapping: await blockDeviceMappingOf(services, image),
  };
}

/**
 * The image an EC2 id names: by its number, else (as Grizzly does) by image name. The
 * prefix must match the image's type (`aki-` for a kernel, ...).
 */
export async function findImage(ctx: RequestContext, services: Pick<Ec2Services, 'ids' | 'images'>, ec2Id: string): Promise<NovaImage> {
  const parsed = parseEc2Id(ec2Id);
  let image: NovaImage | undefined;
  if (parsed && ['ami', 'aki', 'ari'].includes(parsed.prefix)) {
    const uuid = await services.ids.uuidFor('image', parsed.id);
    if (uuid !== null) {
      try {
        image = await services.images.show(ctx, uuid);
      } catch (err) {
        if (!(err instanceof ImageNotFound || err instanceof NotFound)) throw err;
      }
    }
    if (image && imagePrefixOf(image.container_format) !== parsed.prefix) throw imageNotFound(ec2Id);
  }
  if (!image) image = (await services.images.detail(ctx, { name: ec2Id }))[0];
  if (!image) throw imageNotFound(ec2Id);
  return image;
}

/** The kernel or ramdisk uuid an `aki-`/`ari-` id names. */
export async function dependentImage(
  ctx: RequestContext,
  services: Ec2Services,
  ec2Id: string | undefined,
  prefix: 'aki' | 'ari',
): Promise<string | undefined> {
  if (ec2Id === undefined) return undefined;
  if (!ec2Id.startsWith(`${prefix}-`))
    throw invalidParameterValue(`Value (${ec2Id}) is not a valid ${prefix === 'aki' ? 'kernel' : 'ramdisk'} id.`);
  return (await findImage(ctx, services, ec2Id)).id;
}
