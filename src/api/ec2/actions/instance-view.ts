/**
 * Instances as EC2 sees them: `i-` ids from the instance_id_mappings table, the state of
 * vm_state, addresses from the network info cache, tags from user metadata, and
 * reservations grouping the instances one RunInstances call made.
 */
import { InstanceNotFound } from '../../../common/errors.js';
import type { BlockDeviceMapping, InstanceFault, InstanceRecord } from '../../../compute/api/index.js';
import { formatEc2Id, parseEc2Id } from '../../../compute/ec2-ids.js';
import { ec2Opts } from '../../../config/ec2-api-opts.js';
import type { RequestContext } from '../../../context/context.js';
import { fixedIps, hydrateNetworkInfo, type NetworkInfo } from '../../../virt/network-model.js';
import { Ec2Error } from '../errors.js';
import { ec2StateOf } from '../instance-state.js';
import type { Ec2Services } from '../services.js';
import type { XmlObject } from '../xml.js';
import { DEFAULT_ROOT_DEVICE } from './image-view.js';

export function instanceNotFound(ec2Id: string): Ec2Error {
  return new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${ec2Id}' does not exist`);
}

/** The instance uuid an `i-` id names, when the id is well formed and was ever given out. */
export async function instanceUuidOf(services: Ec2Services, ec2Id: string): Promise<string> {
  const parsed = parseEc2Id(ec2Id);
  if (parsed?.prefix !== 'i') throw new Ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${ec2Id}"`);
  const uuid = await services.ids.uuidFor('instance', parsed.id);
  if (uuid === null) throw instanceNotFound(ec2Id);
  return uuid;
}

/** The caller's instance an `i-` id names; InvalidInstanceID.NotFound for another project's or a deleted one. */
export async function findInstance(ctx: RequestContext, services: Ec2Services, ec2Id: string): Promise<InstanceRecord> {
  const uuid = await instanceUuidOf(services, ec2Id);
  try {
    return await services.compute.get(ctx, uuid);
  } catch (err) {
    if (err instanceof InstanceNotFound) throw instanceNotFound(ec2Id);
    throw err;
  }
}

/** Every listed instance, each id checked before anything happens to any of them. */
export async function findInstances(ctx: RequestContext, services: Ec2Services, ec2Ids: readonly string[]): Promise<InstanceRecord[]> {
  const out: InstanceRecord[] = [];
  for (const id of ec2Ids) out.push(await findInstance(ctx, services, id));
  return out;
}

function networkInfoOf(instance: InstanceRecord): NetworkInfo {
  try {
    return hydrateNetworkInfo(instance.info_cache?.network_info ?? '[]');
  } catch {
    return [];
  }
}

export interface InstanceAddresses {
  fixedV4: string[];
  fixedV6: string[];
  floating: string[];
}

export function instanceAddresses(instance: InstanceRecord): InstanceAddresses {
  const ips = networkInfoOf(instance).flatMap(fixedIps);
  return {
    fixedV4: ips.filter((ip) => ip.version === 4).map((ip) => ip.address),
    fixedV6: ips.filter((ip) => ip.version === 6).map((ip) => ip.address),
    floating: ips.flatMap((ip) => ip.floating_ips.map((f) => f.address)),
  };
}

/** The numbers EC2 ids are made of, fetched once for a whole listing. */
export interface InstanceViewIds {
  instances: ReadonlyMap<string, number>;
  images: ReadonlyMap<string, number>;
}

export async function instanceViewIds(services: Ec2Services, instances: readonly InstanceRecord[]): Promise<InstanceViewIds> {
  const imageUuids = instances.flatMap((i) => [i.image_ref, i.kernel_id, i.ramdisk_id]).filter((u): u is string => !!u);
  return {
    instances: await services.ids.idsFor(
      'instance',
      instances.map((i) => i.uuid as string),
    ),
    images: await services.ids.idsFor('image', imageUuids),
  };
}

export interface InstanceViewContext {
  ids: InstanceViewIds;
  zoneOf: (host: string) => string;
  isAdmin: boolean;
  privateDnsShowsIp: boolean;
  bdms: ReadonlyMap<string, BlockDeviceMapping[]>;
  faults: ReadonlyMap<string, InstanceFault[]>;
}

export async function instanceViewContext(
  ctx: RequestContext,
  services: Ec2Services,
  instances: readonly InstanceRecord[],
): Promise<InstanceViewContext> {
  const uuids = instances.map((i) => i.uuid as string);
  const [ids, zoneOf, bdms, faults] = await Promise.all([
    instanceViewIds(services, instances),
    services.hostZones(ctx),
    services.compute.getBlockDeviceMappings(ctx, uuids),
    services.compute.getInstanceFaults(ctx, uuids),
  ]);
  return { ids, zoneOf, isAdmin: ctx.isAdmin, privateDnsShowsIp: services.conf.get(ec2Opts).ec2_private_dns_show_ip, bdms, faults };
}

export function ec2InstanceId(view: Pick<InstanceViewContext, 'ids'>, instance: InstanceRecord): string {
  return formatEc2Id('i', view.ids.instances.get(instance.uuid as string) ?? 0);
}

function imageId(view: InstanceViewContext, prefix: string, uuid: string | null | undefined): string | undefined {
  return uuid ? formatEc2Id(prefix, view.ids.images.get(uuid) ?? 0) : undefined;
}

export function tagSetOf(instance: InstanceRecord): XmlObject[] {
  return Object.entries(instance.metadata)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ key, value }));
}

function stripDev(device: string | null | undefined): string {
  return (device ?? '').replace(/^\/dev\//, '');
}

function volumeBacked(bdm: BlockDeviceMapping): boolean {
  return !!(bdm.volume_id || bdm.snapshot_id) && !bdm.no_device;
}

export function rootDeviceNameOf(instance: InstanceRecord): string {
  return instance.root_device_name ?? DEFAULT_ROOT_DEVICE;
}

export function rootDeviceTypeOf(instance: InstanceRecord, bdms: readonly BlockDeviceMapping[]): string {
  const root = stripDev(rootDeviceNameOf(instance));
  return bdms.some((b) => volumeBacked(b) && stripDev(b.device_name) === root) ? 'ebs' : 'instance-store';
}

export function instanceTypeOf(instance: InstanceRecord): string | undefined {
  return instance.system_metadata.instance_type_name ?? undefined;
}

/** Why an instance is where it is: AWS's stateReason, from the newest fault of an instance in error. */
function stateReason(instance: InstanceRecord, faults: readonly InstanceFault[]): XmlObject | undefined {
  if (instance.vm_state !== 'error') return undefined;
  const message = faults[0]?.message ?? 'The instance failed.';
  return { code: 'Server.InternalError', message };
}

/** One `instancesSet` item. */
export function formatInstance(view: InstanceViewContext, instance: InstanceRecord): XmlObject {
  const uuid = instance.uuid as string;
  const bdms = view.bdms.get(uuid) ?? [];
  const faults = view.faults.get(uuid) ?? [];
  const addresses = instanceAddresses(instance);
  const fixed = addresses.fixedV4[0];
  const floating = addresses.floating[0];
  const privateDns = view.privateDnsShowsIp ? fixed : (instance.hostname ?? undefined);
  const state = ec2StateOf(instance.vm_state);
  const keyName =
    instance.key_name && view.isAdmin ? `${instance.key_name} (${instance.project_id ?? ''}, ${instance.host ?? ''})` : instance.key_name;
  const reason = stateReason(instance, faults);
  return {
    instanceId: ec2InstanceId(view, instance),
    imageId: imageId(view, 'ami', instance.image_ref),
    kernelId: imageId(view, 'aki', instance.kernel_id),
    ramdiskId: imageId(view, 'ari', instance.ramdisk_id),
    instanceState: { ...state },
    privateDnsName: privateDns,
    dnsName: floating ?? privateDns,
    publicDnsName: floating,
    privateIpAddress: fixed,
    ipAddress: floating ?? fixed,
    dnsNameV6: addresses.fixedV6[0],
    reason: reason?.message ?? '',
    stateReason: reason,
    keyName: keyName ?? undefined,
    amiLaunchIndex: instance.launch_index ?? 0,
    productCodes: [],
    instanceType: instanceTypeOf(instance),
    launchTime: instance.created_at,
    placement: { availabilityZone: instance.host ? view.zoneOf(instance.host) : (instance.availability_zone ?? undefined) },
    monitoring: { state: 'disabled' },
    architecture: instance.architecture ?? undefined,
    rootDeviceType: rootDeviceTypeOf(instance, bdms),
    rootDeviceName: rootDeviceNameOf(instance),
    blockDeviceMapping: blockDevicesOf(bdms),
    groupSet: groupSetOf(instance),
    tagSet: tagSetOf(instance),
  };
}

function blockDevicesOf(bdms: readonly BlockDeviceMapping[]): XmlObject[] {
  return bdms.filter(volumeBacked).map((b) => ({
    deviceName: b.device_name ?? undefined,
    ebs: {
      volumeId: b.volume_id ?? undefined,
      deleteOnTermination: !!b.delete_on_termination,
      status: 'attached',
      attachTime: b.created_at ?? undefined,
    },
  }));
}

/** Security groups by name: nova-network's groups have no AWS `sg-` ids, so the name serves as both. */
export function groupSetOf(instance: InstanceRecord): XmlObject[] {
  return instance.security_groups.map((g) => ({ groupId: g.name ?? '', groupName: g.name ?? '' }));
}

/** Instances grouped by reservation, in the order of their first instance. */
export function reservationsOf(view: InstanceViewContext, instances: readonly InstanceRecord[]): XmlObject[] {
  const groups = new Map<string, InstanceRecord[]>();
  for (const instance of instances) {
    const key = instance.reservation_id ?? '';
    const list = groups.get(key) ?? [];
    list.push(instance);
    groups.set(key, list);
  }
  return [...groups.entries()].map(([reservationId, members]) => reservationView(view, reservationId, members));
}

export function reservationView(view: InstanceViewContext, reservationId: string, members: readonly InstanceRecord[]): XmlObject {
  const first = members[0];
  return {
    reservationId,
    ownerId: first?.project_id ?? '',
    groupSet: first ? groupSetOf(first) : [],
    instancesSet: members.map((i) => formatInstance(view, i)),
  };
}
