/**
 * Everything the metadata of one instance is made from, as plain data. The metadata
 * service gathers it through the compute API's lookup, the compute manager through the
 * conductor; both hand it to InstanceMetadata, so a guest reads the same on the drive and
 * over HTTP.
 */
import { hydrateNetworkInfo, type NetworkInfo } from '../virt/network-model.js';
import type { BlockDeviceRow } from './block-devices.js';
import { extractPassword } from './password.js';

/** The EC2 names of an instance and its images: `i-…`, `ami-…`, `aki-…`, `ari-…`. */
export interface Ec2Ids {
  instanceId: string;
  amiId: string;
  /** Null when the instance has no kernel image. */
  kernelId: string | null;
  ramdiskId: string | null;
}

export type Ec2ImageKind = 'ami' | 'aki' | 'ari';

/**
 * Where EC2's integer ids come from (`instance_id_mappings` and `s3_images` rows). An
 * image gets its mapping on first use, as it does through the EC2 API.
 */
export interface Ec2IdLookup {
  instanceIntId(instanceUuid: string): Promise<number>;
  imageIntId(imageUuid: string): Promise<number>;
}

/** `i-0000002a`: EC2's `<prefix>-%08x`. */
export function formatEc2Id(prefix: string, id: number): string {
  return `${prefix}-${id.toString(16).padStart(8, '0')}`;
}

/** The EC2 ids of an instance; an empty image reference (boot from volume) is `ami-00000000`. */
export async function ec2IdsFor(
  lookup: Ec2IdLookup,
  instance: { uuid: string; imageRef: string | null; kernelId: string | null; ramdiskId: string | null },
): Promise<Ec2Ids> {
  const image = async (uuid: string | null, kind: Ec2ImageKind): Promise<string | null> =>
    uuid ? formatEc2Id(kind, await lookup.imageIntId(uuid)) : null;
  return {
    instanceId: formatEc2Id('i', await lookup.instanceIntId(instance.uuid)),
    amiId: (await image(instance.imageRef, 'ami')) ?? formatEc2Id('ami', 0),
    kernelId: await image(instance.kernelId, 'aki'),
    ramdiskId: await image(instance.ramdiskId, 'ari'),
  };
}

export interface InstanceMetadataSource {
  uuid: string;
  projectId: string | null;
  displayName: string | null;
  hostname: string | null;
  launchIndex: number | null;
  reservationId: string | null;
  keyName: string | null;
  keyData: string | null;
  /** The user data, decoded; null when the server was created without any. */
  userData: Buffer | null;
  /** Flavor name at create (system metadata `instance_type_name`). */
  instanceTypeName: string | null;
  rootDeviceName: string | null;
  defaultEphemeralDevice: string | null;
  defaultSwapDevice: string | null;
  /** The server's user metadata. */
  metadata: Readonly<Record<string, string>>;
  /** What the guest posted to `password`; null when none. */
  password: string | null;
  securityGroups: readonly string[];
  blockDeviceMappings: readonly BlockDeviceRow[];
  networkInfo: NetworkInfo;
  /** Zone of the instance's host. */
  availabilityZone: string | null;
  ec2Ids: Ec2Ids;
  /** `dhcp_domain`: appended to the hostname. */
  dhcpDomain: string;
  useIpv6: boolean;
}

/** The columns and relations of an instance record (db InstanceRecord, conductor instance) the source needs. */
export interface InstanceFields {
  uuid: string | null;
  project_id: string | null;
  display_name: string | null;
  hostname: string | null;
  launch_index: number | null;
  reservation_id: string | null;
  key_name: string | null;
  key_data: string | null;
  user_data: string | null;
  root_device_name: string | null;
  default_ephemeral_device: string | null;
  default_swap_device: string | null;
  metadata: Readonly<Record<string, string>>;
  system_metadata: Readonly<Record<string, string | null>>;
  info_cache: { network_info: string | null } | null;
  security_groups: readonly { name: string | null }[];
}

export interface SourceExtras {
  blockDeviceMappings: readonly BlockDeviceRow[];
  availabilityZone: string | null;
  ec2Ids: Ec2Ids;
  dhcpDomain: string;
  useIpv6: boolean;
}

function networkInfoOf(instance: InstanceFields): NetworkInfo {
  try {
    return hydrateNetworkInfo(instance.info_cache?.network_info ?? '[]');
  } catch {
    return [];
  }
}

/** The metadata source of an instance record; `user_data` is stored base64 and decoded here. */
export function metadataSourceFromInstance(instance: InstanceFields, extras: SourceExtras): InstanceMetadataSource {
  return {
    uuid: instance.uuid ?? '',
    projectId: instance.project_id,
    displayName: instance.display_name,
    hostname: instance.hostname,
    launchIndex: instance.launch_index,
    reservationId: instance.reservation_id,
    keyName: instance.key_name || null,
    keyData: instance.key_data,
    userData: instance.user_data === null ? null : Buffer.from(instance.user_data, 'base64'),
    instanceTypeName: instance.system_metadata.instance_type_name ?? null,
    rootDeviceName: instance.root_device_name,
    defaultEphemeralDevice: instance.default_ephemeral_device,
    defaultSwapDevice: instance.default_swap_device,
    metadata: { ...instance.metadata },
    password: extractPassword(instance.system_metadata),
    securityGroups: instance.security_groups.map((g) => g.name ?? ''),
    blockDeviceMappings: extras.blockDeviceMappings,
    networkInfo: networkInfoOf(instance),
    availabilityZone: extras.availabilityZone,
    ec2Ids: extras.ec2Ids,
    dhcpDomain: extras.dhcpDomain,
    useIpv6: extras.useIpv6,
  };
}
