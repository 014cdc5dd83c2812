/**
 * RunInstances, DescribeInstances, TerminateInstances and GetPasswordData over the
 * compute API (Grizzly's nova/api/ec2/cloud.py), with AWS's filters on DescribeInstances.
 */

import { cloudpipeOpts } from '../../../cloudpipe/opts.js';
import { FlavorNotFound, InstanceNotFound } from '../../../common/errors.js';
import type { InstanceRecord, LegacyBlockDevice } from '../../../compute/api/index.js';
import { imagePrefixOf } from '../../../compute/ec2-ids.js';
import { ec2Opts } from '../../../config/ec2-api-opts.js';
import type { RequestContext } from '../../../context/context.js';
import { extractPassword } from '../../../metadata/password.js';
import { Ec2Error, invalidParameterValue } from '../errors.js';
import { applyFilters } from '../filters.js';
import { ec2StateOf, TERMINATED } from '../instance-state.js';
import type { Ec2Params } from '../params.js';
import type { Ec2Services } from '../services.js';
import type { XmlObject } from '../xml.js';
import { dependentImage, findImage, imageNotFound, imageState } from './image-view.js';
import {
  ec2InstanceId,
  findInstance,
  findInstances,
  formatInstance,
  instanceNotFound,
  instanceUuidOf,
  instanceViewContext,
  reservationsOf,
  reservationView,
  rootDeviceTypeOf,
} from './instance-view.js';
import { defineEc2Actions } from './registry.js';

function countParam(params: Ec2Params, name: string, fallback: number): number {
  const raw = params.get(name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1)
    throw invalidParameterValue(`Value (${raw}) for parameter ${name} is invalid. Expected a positive integer.`);
  return Number(raw);
}

function userDataOf(params: Ec2Params): string | null {
  const data = params.get('UserData');
  if (data === undefined || data === '') return null;
  const compact = data.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw invalidParameterValue('Invalid BASE64 encoding of user data.');
  }
  return compact;
}

/** Local disks (ephemeral, swap, none) of `BlockDeviceMapping.N`; EBS volumes need a volume service this cloud lacks. */
function blockDevicesOf(params: Ec2Params): LegacyBlockDevice[] {
  return params.members('BlockDeviceMapping').map((m) => {
    const device = m.require('DeviceName');
    if ([...['SnapshotId', 'VolumeSize', 'DeleteOnTermination', 'VolumeType', 'Iops']].some((k) => m.has(`Ebs.${k}`))) {
      throw new Ec2Error('UnsupportedOperation', 'EBS volumes are not supported: this cloud has no volume service.');
    }
    if (m.has('NoDevice')) return { device_name: device, no_device: true };
    const virtual = m.get('VirtualName');
    if (virtual === undefined || !/^(ephemeral\d+|swap)$/.test(virtual)) {
      throw invalidParameterValue(`Value (${virtual ?? ''}) for parameter virtualName is invalid. Expected ephemeralN or swap.`);
    }
    return { device_name: device, virtual_name: virtual };
  });
}

function isVpnInstance(services: Ec2Services, instance: InstanceRecord): boolean {
  const vpnImage = services.conf.get(cloudpipeOpts).vpn_image_id;
  return !!vpnImage && vpnImage !== '0' && instance.image_ref === vpnImage;
}

function tagValues(instance: InstanceRecord, key: string): string[] {
  const value = instance.metadata[key];
  return value === undefined ? [] : [value];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function nested(item: XmlObject, outer: string, inner: string): string | undefined {
  const o = item[outer];
  return o && typeof o === 'object' && !Array.isArray(o) ? str((o as XmlObject)[inner]) : undefined;
}

interface Listed {
  instance: InstanceRecord;
  item: XmlObject;
}

const INSTANCE_FILTERS = {
  'instance-id': (l: Listed) => str(l.item.instanceId),
  'instance-state-name': (l: Listed) => nested(l.item, 'instanceState', 'name'),
  'instance-state-code': (l: Listed) => nested(l.item, 'instanceState', 'code'),
  'instance-type': (l: Listed) => str(l.item.instanceType),
  'image-id': (l: Listed) => str(l.item.imageId),
  'kernel-id': (l: Listed) => str(l.item.kernelId),
  'ramdisk-id': (l: Listed) => str(l.item.ramdiskId),
  'key-name': (l: Listed) => l.instance.key_name,
  'availability-zone': (l: Listed) => nested(l.item, 'placement', 'availabilityZone'),
  'reservation-id': (l: Listed) => l.instance.reservation_id,
  'owner-id': (l: Listed) => l.instance.project_id,
  'private-ip-address': (l: Listed) => str(l.item.privateIpAddress),
  'ip-address': (l: Listed) => str(l.item.ipAddress),
  'private-dns-name': (l: Listed) => str(l.item.privateDnsName),
  'dns-name': (l: Listed) => str(l.item.dnsName),
  'launch-index': (l: Listed) => str(l.item.amiLaunchIndex),
  'root-device-type': (l: Listed) => str(l.item.rootDeviceType),
  'root-device-name': (l: Listed) => str(l.item.rootDeviceName),
  'group-name': (l: Listed) => l.instance.security_groups.map((g) => g.name ?? ''),
  'instance.group-name': (l: Listed) => l.instance.security_groups.map((g) => g.name ?? ''),
  'tag-key': (l: Listed) => Object.keys(l.instance.metadata),
  'tag-value': (l: Listed) => Object.values(l.instance.metadata),
};

function tagFilter(name: string): ((l: Listed) => string[]) | undefined {
  return name.startsWith('tag:') ? (l) => tagValues(l.instance, name.slice(4)) : undefined;
}

/** The state TerminateInstances reports after asking for the delete. */
async function stateAfterDelete(ctx: RequestContext, services: Ec2Services, uuid: string): Promise<XmlObject> {
  try {
    const now = await services.compute.get(ctx, uuid);
    if (now.task_state === 'deleting') return { code: 32, name: 'shutting-down' };
    return { ...ec2StateOf(now.vm_state) };
  } catch (err) {
    if (err instanceof InstanceNotFound) return { ...TERMINATED };
    throw err;
  }
}

export const instanceActions = defineEc2Actions('instances', {
  async RunInstances({ ctx, params, services }) {
    const imageEc2Id = params.require('ImageId');
    const image = await findImage(ctx, services, imageEc2Id);
    if (imagePrefixOf(image.container_format) !== 'ami') throw imageNotFound(imageEc2Id);
    if (imageState(image) !== 'available') {
      throw new Ec2Error('InvalidAMIID.Unavailable', `Image ${imageEc2Id} is not available (its state is ${imageState(image)}).`);
    }
    const minCount = countParam(params, 'MinCount', 1);
    const maxCount = countParam(params, 'MaxCount', minCount);
    if (minCount > maxCount) throw invalidParameterValue('MinCount may not be greater than MaxCount.');
    const typeName = params.get('InstanceType') ?? services.conf.get(ec2Opts).default_instance_type ?? 'm1.small';
    const flavor = await services.flavorByName(ctx, typeName).catch((err: unknown) => {
      throw err instanceof FlavorNotFound ? invalidParameterValue(`The instance type '${typeName}' does not exist.`) : err;
    });
    const kernelId = await dependentImage(ctx, services, params.get('KernelId'), 'aki');
    const ramdiskId = await dependentImage(ctx, services, params.get('RamdiskId'), 'ari');
    // nova-network's groups have no ids of their own in EC2: a group id is its name.
    const groups = [...params.list('SecurityGroup'), ...params.list('SecurityGroupId')];
    const result = await services.compute.create(ctx, {
      flavor,
      imageRef: image.id,
      displayName: null,
      minCount,
      maxCount,
      keyName: params.get('KeyName') ?? null,
      userData: userDataOf(params),
      securityGroups: groups,
      availabilityZone: params.get('Placement.AvailabilityZone') || null,
      blockDeviceMapping: blockDevicesOf(params),
      kernelId: kernelId ?? null,
      ramdiskId: ramdiskId ?? null,
    });
    const view = await instanceViewContext(ctx, services, result.instances);
    return reservationView(view, result.reservationId, result.instances);
  },

  async DescribeInstances({ ctx, params, services }) {
    const wanted = params.list('InstanceId');
    let instances: InstanceRecord[];
    if (wanted.length > 0) {
      instances = await findInstances(ctx, services, wanted);
    } else {
      instances = await services.compute.getAll(ctx, { deleted: false }, { sortKeys: ['created_at'], sortDirs: ['asc'] });
    }
    if (!ctx.isAdmin) instances = instances.filter((i) => !isVpnInstance(services, i));
    const view = await instanceViewContext(ctx, services, instances);
    const listed = instances.map((instance) => ({ instance, item: formatInstance(view, instance) }));
    const kept = applyFilters(listed, params.filters(), INSTANCE_FILTERS, tagFilter).map((l) => l.instance);
    return { reservationSet: reservationsOf(view, kept) };
  },

  async TerminateInstances({ ctx, params, services }) {
    const ids = params.list('InstanceId');
    if (ids.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter InstanceId');
    const targets: { ec2Id: string; uuid: string; instance: InstanceRecord | null }[] = [];
    for (const ec2Id of ids) {
      const uuid = await instanceUuidOf(services, ec2Id);
      try {
        targets.push({ ec2Id, uuid, instance: await services.compute.get(ctx, uuid) });
      } catch (err) {
        if (!(err instanceof InstanceNotFound)) throw err;
        // An instance already gone stays listed as terminated, as AWS lists it for a while.
        const gone = await services.compute.get(ctx.with({ readDeleted: 'only' }), uuid).catch(() => null);
        if (!gone) throw instanceNotFound(ec2Id);
        targets.push({ ec2Id, uuid, instance: null });
      }
    }
    for (const t of targets) {
      if (t.instance?.disable_terminate) {
        throw new Ec2Error(
          'OperationNotPermitted',
          `The instance '${t.ec2Id}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`,
        );
      }
    }
    const items: XmlObject[] = [];
    for (const t of targets) {
      if (t.instance === null) {
        items.push({ instanceId: t.ec2Id, currentState: { ...TERMINATED }, previousState: { ...TERMINATED } });
        continue;
      }
      const previousState = { ...ec2StateOf(t.instance.vm_state) };
      await services.compute.delete(ctx, t.instance);
      items.push({ instanceId: t.ec2Id, currentState: await stateAfterDelete(ctx, services, t.uuid), previousState });
    }
    return { instancesSet: items };
  },

  async CreateImage({ ctx, params, services }) {
    const ec2Id = params.require('InstanceId');
    params.require('Name');
    const instance = await findInstance(ctx, services, ec2Id);
    const uuid = instance.uuid as string;
    const bdms = (await services.compute.getBlockDeviceMappings(ctx, [uuid])).get(uuid) ?? [];
    // As in Grizzly, only an instance whose root disk is a volume can be imaged; without a
    // volume service every instance here boots from local disk.
    if (rootDeviceTypeOf(instance, bdms) !== 'ebs') {
      throw invalidParameterValue(`Instance ${ec2Id} is not backed by a volume; CreateImage only images volume-backed instances.`);
    }
    throw new Ec2Error('UnsupportedOperation', 'Volume snapshots are not supported: this cloud has no volume service.');
  },

  async GetPasswordData({ ctx, params, services }) {
    const ec2Id = params.get('InstanceId') ?? params.require('InstanceId.1');
    const [instance] = await findInstances(ctx, services, [ec2Id]);
    const view = await instanceViewContext(ctx, services, [instance as InstanceRecord]);
    return {
      instanceId: ec2InstanceId(view, instance as InstanceRecord),
      timestamp: new Date(),
      passwordData: extractPassword((instance as InstanceRecord).system_metadata) ?? '',
    };
  },
});
