/** DescribeImageAttribute and ModifyImageAttribute. */
import { formatEc2Id } from '../../../compute/ec2-ids.js';
import { Ec2Error, invalidParameterValue } from '../errors.js';
import type { XmlObject } from '../xml.js';
import { blockDeviceMappingOf, findImage, rootDeviceName } from './image-view.js';
import { defineEc2Actions } from './registry.js';

export const imageAttributeActions = defineEc2Actions('image-attributes', {
  async DescribeImageAttribute({ ctx, params, services }) {
    const ec2Id = params.require('ImageId');
    const attribute = params.require('Attribute');
    const image = await findImage(ctx, services, ec2Id);
    const dependent = async (uuid: string | undefined, prefix: string) =>
      uuid ? { value: formatEc2Id(prefix, await services.ids.idFor('image', uuid)) } : {};
    const attributes: Record<string, () => Promise<XmlObject>> = {
      blockDeviceMapping: async () => ({ blockDeviceMapping: await blockDeviceMappingOf(services, image) }),
      launchPermission: async () => ({ launchPermission: image.is_public ? [{ group: 'all' }] : [] }),
      kernel: async () => ({ kernel: await dependent(image.properties.kernel_id, 'aki') }),
      ramdisk: async () => ({ ramdisk: await dependent(image.properties.ramdisk_id, 'ari') }),
      description: async () => ({ description: image.properties.description !== undefined ? { value: image.properties.description } : {} }),
      rootDeviceName: async () => ({ rootDeviceName: rootDeviceName(image) }),
    };
    const render = attributes[attribute];
    if (!render) throw invalidParameterValue(`Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`);
    return { imageId: ec2Id, ...(await render()) };
  },

  async ModifyImageAttribute({ ctx, params, services }) {
    const ec2Id = params.require('ImageId');
    const image = await findImage(ctx, services, ec2Id);
    const description = params.get('Description.Value');
    if (description !== undefined) {
      await services.images.update(ctx, image.id, { properties: { description } }, { purgeProps: false });
      return { return: true };
    }
    // awscli sends LaunchPermission.Add.N.Group; older clients Attribute/OperationType/UserGroup.N.
    const add = params.members('LaunchPermission.Add');
    const remove = params.members('LaunchPermission.Remove');
    let operation: string | undefined;
    let groups: string[];
    if (add.length > 0 || remove.length > 0) {
      operation = add.length > 0 ? 'add' : 'remove';
      const members = [...add, ...remove];
      if (members.some((m) => m.get('UserId') !== undefined)) {
        throw new Ec2Error('UnsupportedOperation', 'Launch permissions can only be given to the group all.');
      }
      groups = members.map((m) => m.get('Group') ?? '');
    } else {
      const attribute = params.require('Attribute');
      if (attribute !== 'launchPermission') throw invalidParameterValue(`Value (${attribute}) for parameter attribute is invalid.`);
      operation = params.require('OperationType');
      if (params.list('UserId').length > 0)
        throw new Ec2Error('UnsupportedOperation', 'Launch permissions can only be given to the group all.');
      groups = params.list('UserGroup');
      if (groups.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter UserGroup');
    }
    if (operation !== 'add' && operation !== 'remove') throw invalidParameterValue('OperationType must be add or remove.');
    if (groups.some((g) => g !== 'all')) throw invalidParameterValue('Only the group all is supported.');
    await services.images.update(ctx, image.id, { is_public: operation === 'add' }, { purgeProps: false });
    return { return: true };
  },
});
