/**
 * DescribeInstanceAttribute and ModifyInstanceAttribute. Values come wrapped in `<value>`
 * as AWS gives them (Grizzly left them bare, which today's clients cannot read); the
 * attributes nova-ts can change are the two that are plain instance columns.
 */
import type { InstanceUserUpdate } from '../../../compute/api/index.js';
import { Ec2Error, invalidParameterValue } from '../errors.js';
import type { Ec2Params } from '../params.js';
import type { XmlObject } from '../xml.js';
import { ec2InstanceId, findInstance, groupSetOf, instanceTypeOf, instanceViewContext, rootDeviceNameOf } from './instance-view.js';
import { defineEc2Actions } from './registry.js';

function value(v: string | boolean | undefined): XmlObject {
  return v === undefined ? {} : { value: v };
}

const SHUTDOWN_BEHAVIOURS = ['stop', 'terminate'];

/** The one change a ModifyInstanceAttribute request asks for, in either of its forms (`X.Value` or `Attribute`/`Value`). */
function requestedChange(params: Ec2Params): { attribute: string; value: string } {
  const attribute = params.get('Attribute');
  if (attribute !== undefined) return { attribute, value: params.require('Value') };
  const named = [
    'DisableApiTermination',
    'InstanceInitiatedShutdownBehavior',
    'InstanceType',
    'Kernel',
    'Ramdisk',
    'UserData',
    'SourceDestCheck',
    'EbsOptimized',
  ];
  for (const name of named) {
    const v = params.get(`${name}.Value`);
    if (v !== undefined) return { attribute: name.charAt(0).toLowerCase() + name.slice(1), value: v };
  }
  if (params.members('GroupId').length > 0) return { attribute: 'groupSet', value: '' };
  if (params.members('BlockDeviceMapping').length > 0) return { attribute: 'blockDeviceMapping', value: '' };
  throw new Ec2Error('MissingParameter', 'The request must contain the parameter Attribute');
}

export const instanceAttributeActions = defineEc2Actions('instance-attributes', {
  async DescribeInstanceAttribute({ ctx, params, services }) {
    const ec2Id = params.require('InstanceId');
    const attribute = params.require('Attribute');
    const instance = await findInstance(ctx, services, ec2Id);
    const view = await instanceViewContext(ctx, services, [instance]);
    const image = (uuid: string | null, prefix: string) => {
      const id = uuid ? view.ids.images.get(uuid) : undefined;
      return value(id === undefined ? undefined : `${prefix}-${id.toString(16).padStart(8, '0')}`);
    };
    const attributes: Record<string, () => XmlObject> = {
      instanceType: () => ({ instanceType: value(instanceTypeOf(instance)) }),
      kernel: () => ({ kernel: image(instance.kernel_id, 'aki') }),
      ramdisk: () => ({ ramdisk: image(instance.ramdisk_id, 'ari') }),
      userData: () => ({ userData: value(instance.user_data ?? undefined) }),
      disableApiTermination: () => ({ disableApiTermination: value(!!instance.disable_terminate) }),
      instanceInitiatedShutdownBehavior: () => ({
        instanceInitiatedShutdownBehavior: value(instance.shutdown_terminate ? 'terminate' : 'stop'),
      }),
      rootDeviceName: () => ({ rootDeviceName: value(rootDeviceNameOf(instance)) }),
      groupSet: () => ({ groupSet: groupSetOf(instance) }),
      blockDeviceMapping: () => ({ blockDeviceMapping: [] }),
    };
    const render = attributes[attribute];
    if (!render) {
      if (attribute === 'sourceDestCheck' || attribute === 'ebsOptimized' || attribute === 'productCodes') {
        throw new Ec2Error('UnsupportedOperation', `The attribute ${attribute} is not supported by this cloud.`);
      }
      throw invalidParameterValue(`Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`);
    }
    return { instanceId: ec2InstanceId(view, instance), ...render() };
  },

  async ModifyInstanceAttribute({ ctx, params, services }) {
    const instance = await findInstance(ctx, services, params.require('InstanceId'));
    const { attribute, value: raw } = requestedChange(params);
    let change: InstanceUserUpdate;
    if (attribute === 'disableApiTermination') {
      if (!/^(true|false)$/i.test(raw)) throw invalidParameterValue(`Value (${raw}) for parameter disableApiTermination is invalid.`);
      change = { disable_terminate: /^true$/i.test(raw) };
    } else if (attribute === 'instanceInitiatedShutdownBehavior') {
      if (!SHUTDOWN_BEHAVIOURS.includes(raw)) {
        throw invalidParameterValue(
          `Value (${raw}) for parameter instanceInitiatedShutdownBehavior is invalid. Expected stop or terminate.`,
        );
      }
      change = { shutdown_terminate: raw === 'terminate' };
    } else {
      throw new Ec2Error('UnsupportedOperation', `Changing the attribute ${attribute} is not supported by this cloud.`);
    }
    await services.compute.update(ctx, instance, change);
    return { return: true };
  },
});
