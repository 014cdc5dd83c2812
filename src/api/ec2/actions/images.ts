/** DescribeImages, RegisterImage (from an S3 bundle), DeregisterImage. */

import { formatEc2Id, imagePrefixOf, parseEc2Id } from '../../../compute/ec2-ids.js';
import type { NovaImage } from '../../../image/glance-client.js';
import { Ec2Error, invalidParameterValue } from '../errors.js';
import { applyFilters } from '../filters.js';
import type { Ec2Params } from '../params.js';
import type { Ec2Services } from '../services.js';
import type { XmlObject } from '../xml.js';
import { dependentImage, findImage, formatImage, imageIdsOf, imageNotFound } from './image-view.js';
import { defineEc2Actions } from './registry.js';

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `BlockDeviceMapping.N.*` as Nova's image property `block_device_mapping` records it. */
async function blockDeviceMappings(services: Ec2Services, params: Ec2Params): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const m of params.members('BlockDeviceMapping')) {
    const bdm: Record<string, unknown> = { device_name: m.require('DeviceName') };
    const virtual = m.get('VirtualName');
    if (virtual !== undefined) bdm.virtual_name = virtual;
    if (m.get('NoDevice') !== undefined || m.bool('Ebs.NoDevice')) bdm.no_device = true;
    const source = m.get('Ebs.SnapshotId');
    if (source !== undefined) {
      const parsed = parseEc2Id(source);
      const kind = parsed?.prefix === 'snap' ? 'snapshot' : parsed?.prefix === 'vol' ? 'volume' : null;
      const uuid = kind && parsed ? await services.ids.uuidFor(kind, parsed.id) : null;
      if (!kind || uuid === null) throw new Ec2Error('InvalidSnapshot.NotFound', `The snapshot '${source}' does not exist.`);
      bdm[kind === 'snapshot' ? 'snapshot_id' : 'volume_id'] = uuid;
      bdm.delete_on_termination = m.bool('Ebs.DeleteOnTermination') ?? true;
    }
    const size = m.get('Ebs.VolumeSize');
    if (size !== undefined) {
      if (!/^\d+$/.test(size)) throw invalidParameterValue(`Invalid value '${size}' for volume size.`);
      bdm.volume_size = Number(size);
    }
    out.push(bdm);
  }
  return out;
}

const IMAGE_FILTERS = {
  'image-id': (i: XmlObject) => str(i.imageId),
  name: (i: XmlObject) => str(i.name),
  state: (i: XmlObject) => str(i.imageState),
  'image-type': (i: XmlObject) => str(i.imageType),
  'is-public': (i: XmlObject) => String(i.isPublic),
  architecture: (i: XmlObject) => str(i.architecture),
  'owner-id': (i: XmlObject) => str(i.imageOwnerId),
  'root-device-type': (i: XmlObject) => str(i.rootDeviceType),
  'root-device-name': (i: XmlObject) => str(i.rootDeviceName),
  'kernel-id': (i: XmlObject) => str(i.kernelId),
  'ramdisk-id': (i: XmlObject) => str(i.ramdiskId),
  'manifest-location': (i: XmlObject) => str(i.imageLocation),
  description: (i: XmlObject) => str(i.description),
};

export const imageActions = defineEc2Actions('images', {
  async DescribeImages({ ctx, params, services }) {
    const wanted = params.list('ImageId');
    let images: NovaImage[];
    if (wanted.length > 0) {
      images = [];
      for (const ec2Id of wanted) images.push(await findImage(ctx, services, ec2Id));
    } else {
      images = await services.images.detail(ctx);
    }
    const owners = params.list('Owner').map((o) => (o === 'self' ? ctx.projectId : o));
    if (owners.length > 0) images = images.filter((i) => owners.includes(i.owner));
    const ids = await imageIdsOf(services, images);
    const items: XmlObject[] = [];
    for (const image of images) items.push(await formatImage(services, image, ids));
    return { imagesSet: applyFilters(items, params.filters(), IMAGE_FILTERS) };
  },

  async RegisterImage({ ctx, params, services }) {
    const location = params.get('ImageLocation')?.replace(/^\/+/, '');
    if (!location) {
      if (params.has('RootDeviceName')) {
        throw new Ec2Error('UnsupportedOperation', 'Images backed by volumes cannot be registered: this cloud has no volume service.');
      }
      throw new Ec2Error('MissingParameter', 'The request must contain the parameter ImageLocation');
    }
    const name = params.get('Name');
    const description = params.get('Description');
    const architecture = params.get('Architecture');
    const rootDeviceName = params.get('RootDeviceName');
    const kernelId = await dependentImage(ctx, services, params.get('KernelId'), 'aki');
    const ramdiskId = await dependentImage(ctx, services, params.get('RamdiskId'), 'ari');
    const blockDeviceMapping = await blockDeviceMappings(services, params);
    const image = await services.bundles.register(ctx, {
      location,
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(architecture !== undefined ? { architecture } : {}),
      ...(rootDeviceName !== undefined ? { rootDeviceName } : {}),
      ...(kernelId !== undefined ? { kernelId } : {}),
      ...(ramdiskId !== undefined ? { ramdiskId } : {}),
      ...(blockDeviceMapping.length > 0 ? { blockDeviceMapping } : {}),
    });
    return { imageId: formatEc2Id(imagePrefixOf(image.container_format), await services.ids.idFor('image', image.id)) };
  },

  async DeregisterImage({ ctx, params, services }) {
    const ec2Id = params.require('ImageId');
    const image = await findImage(ctx, services, ec2Id).catch((err: unknown) => {
      throw err instanceof Ec2Error ? err : imageNotFound(ec2Id);
    });
    await services.images.delete(ctx, image.id);
    return { return: true };
  },
});
