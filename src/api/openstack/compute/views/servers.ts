/**
 * The server body of the Compute API at microversion 2.1 (nova/api/openstack/compute/views/servers.py), built
 * from an InstanceRecord. Tempest's schemas are closed: exactly these keys, no others.
 */
import { createHash } from 'node:crypto';
import { ServerStatus, statusFromState } from '../../../../common/states/status.js';
import type { BlockDeviceMapping, InstanceFault, InstanceRecord } from '../../../../compute/api/index.js';
import { instanceName } from '../../../../compute/instance-name.js';
import { hydrateNetworkInfo, type NetworkInfo } from '../../../../virt/network-model.js';
import { buildLinks, isoTime, naiveIsoTime, type RequestUrls } from '../../common.js';
import { urlJoin } from '../../urls.js';

export interface AddressItem {
  version: 4 | 6;
  addr: string;
  'OS-EXT-IPS:type'?: 'fixed' | 'floating';
  'OS-EXT-IPS-MAC:mac_addr'?: string;
}

export type Addresses = Record<string, AddressItem[]>;

/** What the caller may see, decided once per request by the API layer's soft policy checks. */
export interface ViewOptions {
  urls: RequestUrls;
  isAdmin: boolean;
  /** `compute_extension:extended_server_attributes` allowed. */
  showServerAttributes: boolean;
  /** vm_states during which addresses are hidden (empty when the caller may always see them). */
  hideAddressStates: readonly string[];
  /** instance_name_template. */
  instanceNameTemplate: string;
  /** The availability zone of a compute host. */
  hostZone(host: string): string;
}

export interface ViewExtras {
  faults?: ReadonlyMap<string, InstanceFault[]>;
  bdms?: ReadonlyMap<string, BlockDeviceMapping[]>;
}

const PROGRESS_STATUSES: readonly string[] = [
  ServerStatus.ACTIVE,
  ServerStatus.BUILD,
  ServerStatus.REBUILD,
  ServerStatus.RESIZE,
  ServerStatus.VERIFY_RESIZE,
  ServerStatus.MIGRATING,
];

/** sha224(project_id + host), '' without a host: which servers share a host, without naming it. */
export function hostId(projectId: string | null, host: string | null): string {
  if (!host) return '';
  return createHash('sha224')
    .update(`${projectId ?? ''}${host}`)
    .digest('hex');
}

/** `addresses` from the cached network info: per network label, fixed IPs then their floating IPs. */
export function addressesFromNetworkInfo(nwInfo: NetworkInfo, extended: boolean): Addresses {
  const out: Addresses = {};
  for (const vif of nwInfo) {
    const label = vif.network?.label;
    if (!label) continue;
    const list = out[label] ?? [];
    out[label] = list;
    const fixed = (vif.network?.subnets ?? []).flatMap((s) => s.ips);
    const item = (addr: string, version: 4 | 6, type: 'fixed' | 'floating'): AddressItem =>
      extended ? { version, addr, 'OS-EXT-IPS:type': type, 'OS-EXT-IPS-MAC:mac_addr': vif.address } : { version, addr };
    for (const ip of fixed) list.push(item(ip.address, ip.version, 'fixed'));
    for (const ip of fixed) for (const f of ip.floating_ips) list.push(item(f.address, f.version, 'floating'));
  }
  return out;
}

export function instanceAddresses(instance: InstanceRecord, extended: boolean): Addresses {
  let nw: NetworkInfo = [];
  try {
    nw = hydrateNetworkInfo(instance.info_cache?.network_info ?? '[]');
  } catch {
    nw = [];
  }
  return addressesFromNetworkInfo(nw, extended);
}

function imageView(urls: RequestUrls, instance: InstanceRecord): '' | { id: string; links: { rel: string; href: string }[] } {
  const id = instance.image_ref;
  if (!id) return '';
  const bookmark = buildLinks({ urls }, 'images', id).find((l) => l.rel === 'bookmark');
  return { id, links: bookmark ? [bookmark] : [] };
}

function flavorView(urls: RequestUrls, instance: InstanceRecord): { id?: string; links?: { rel: string; href: string }[] } {
  const flavorId = instance.system_metadata.instance_type_flavorid;
  if (!flavorId) return {};
  const bookmark = buildLinks({ urls }, 'flavors', flavorId).find((l) => l.rel === 'bookmark');
  return { id: flavorId, links: bookmark ? [bookmark] : [] };
}

/** The keys every server view has (GET, PUT), before any extension adds its own. */
function coreView(instance: InstanceRecord, opts: ViewOptions, addresses: Addresses, extras: ViewExtras): Record<string, unknown> {
  const uuid = instance.uuid as string;
  const status = statusFromState(instance.vm_state, instance.task_state);
  const body: Record<string, unknown> = {
    id: uuid,
    name: instance.display_name ?? '',
    status,
    tenant_id: instance.project_id ?? '',
    user_id: instance.user_id ?? '',
    metadata: instance.metadata,
    hostId: hostId(instance.project_id, instance.host),
    image: imageView(opts.urls, instance),
    flavor: flavorView(opts.urls, instance),
    created: isoTime(instance.created_at ?? new Date(0)),
    updated: isoTime(instance.updated_at ?? instance.created_at ?? new Date(0)),
    addresses,
    accessIPv4: instance.access_ip_v4 ?? '',
    accessIPv6: instance.access_ip_v6 ?? '',
    links: buildLinks({ urls: opts.urls }, 'servers', uuid),
  };
  if (PROGRESS_STATUSES.includes(status)) body.progress = instance.progress ?? 0;
  if (status === ServerStatus.ERROR || status === ServerStatus.DELETED) {
    const fault = extras.faults?.get(uuid)?.[0];
    if (fault) {
      const f: Record<string, unknown> = {
        code: fault.code,
        created: isoTime(fault.created_at ?? new Date(0)),
        message: fault.message ?? '',
      };
      if (fault.details && (opts.isAdmin || fault.code !== 500)) f.details = fault.details;
      body.fault = f;
    }
  }
  return body;
}

function diskConfig(instance: InstanceRecord): 'AUTO' | 'MANUAL' {
  return instance.auto_disk_config ? 'AUTO' : 'MANUAL';
}

/** GET /servers/{id} and /servers/detail. */
export function serverDetailView(instance: InstanceRecord, opts: ViewOptions, extras: ViewExtras = {}): Record<string, unknown> {
  const uuid = instance.uuid as string;
  const hidden = instance.vm_state !== null && opts.hideAddressStates.includes(instance.vm_state);
  const body = coreView(instance, opts, hidden ? {} : instanceAddresses(instance, true), extras);
  body['OS-DCF:diskConfig'] = diskConfig(instance);
  body['OS-EXT-AZ:availability_zone'] = instance.host ? opts.hostZone(instance.host) : (instance.availability_zone ?? '');
  body.config_drive = instance.config_drive ?? '';
  body.key_name = instance.key_name ?? null;
  if (instance.security_groups.length) body.security_groups = instance.security_groups.map((g) => ({ name: g.name }));
  body['OS-EXT-STS:task_state'] = instance.task_state ?? null;
  body['OS-EXT-STS:vm_state'] = instance.vm_state ?? null;
  body['OS-EXT-STS:power_state'] = instance.power_state ?? 0;
  if (opts.showServerAttributes) {
    body['OS-EXT-SRV-ATTR:host'] = instance.host ?? null;
    body['OS-EXT-SRV-ATTR:hypervisor_hostname'] = instance.node ?? null;
    body['OS-EXT-SRV-ATTR:instance_name'] = instanceName(opts.instanceNameTemplate, instance);
  }
  body['OS-SRV-USG:launched_at'] = naiveIsoTime(instance.launched_at);
  body['OS-SRV-USG:terminated_at'] = naiveIsoTime(instance.terminated_at);
  body['os-extended-volumes:volumes_attached'] = (extras.bdms?.get(uuid) ?? [])
    .filter((b) => b.volume_id)
    .map((b) => ({ id: b.volume_id }));
  return body;
}

/** PUT /servers/{id}: core keys, disk config and access IPs; address items only version/addr. */
export function serverUpdateView(instance: InstanceRecord, opts: ViewOptions): Record<string, unknown> {
  const hidden = instance.vm_state !== null && opts.hideAddressStates.includes(instance.vm_state);
  const body = coreView(instance, opts, hidden ? {} : instanceAddresses(instance, false), {});
  body['OS-DCF:diskConfig'] = diskConfig(instance);
  return body;
}

/** GET /servers items. */
export function serverBriefView(instance: InstanceRecord, urls: RequestUrls): Record<string, unknown> {
  const uuid = instance.uuid as string;
  return { id: uuid, name: instance.display_name ?? '', links: buildLinks({ urls }, 'servers', uuid) };
}

/** The versioned URL of a server, for the `Location` header. */
export function serverHref(urls: RequestUrls, uuid: string): string {
  return urlJoin(urls.versionRoot, ...(urls.urlProjectId === null ? [] : [urls.urlProjectId]), 'servers', uuid);
}
