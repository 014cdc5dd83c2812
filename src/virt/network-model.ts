import { isIP } from 'node:net';

/**
 * The network info model (nova/network/model.py): what the network service tells a compute
 * host about an instance's interfaces, and what is cached as JSON in
 * `instance_info_caches.network_info`. Plain data, so it crosses the bus and the database
 * unchanged; the functions below build and read it.
 */

export type IpType = 'fixed' | 'floating' | 'gateway' | 'dns';

export interface IP {
  address: string;
  type: IpType;
  version: 4 | 6;
  meta: Record<string, unknown>;
}

export interface FixedIP extends IP {
  type: 'fixed';
  floating_ips: IP[];
}

export interface Route {
  cidr: string;
  gateway: IP | null;
  interface: string | null;
  meta: Record<string, unknown>;
}

export interface Subnet {
  /** Null for nova-network's placeholder v6 subnet of a network without IPv6. */
  cidr: string | null;
  dns: IP[];
  gateway: IP | null;
  ips: FixedIP[];
  routes: Route[];
  version: 4 | 6 | null;
  /** nova-network puts `dhcp_server` here. */
  meta: Record<string, unknown>;
}

export interface Network {
  id: string | null;
  bridge: string | null;
  label: string | null;
  subnets: Subnet[];
  /** nova-network: tenant_id, injected, should_create_bridge, should_create_vlan, bridge_interface, multi_host, vlan. */
  meta: Record<string, unknown>;
}

export type VifType = 'bridge' | 'ovs' | '802.1qbg' | '802.1qbh' | 'other';

export interface VIF {
  id: string;
  /** MAC address. */
  address: string;
  network: Network | null;
  type: VifType;
  devname: string | null;
  ovs_interfaceid: string | null;
  qbh_params: { profileid: string } | null;
  qbg_params: { managerid: string; typeid: string; typeidversion: string; instanceid: string } | null;
  /** `rxtx_cap` when the network and flavor set one. */
  meta: Record<string, unknown>;
}

export type NetworkInfo = VIF[];

/** Bridge and tap device names are cut to this many characters. */
export const NIC_NAME_LEN = 14;

export function ipVersion(address: string): 4 | 6 {
  const v = isIP(address);
  if (v === 0) throw new TypeError(`not an IP address: ${address}`);
  return v as 4 | 6;
}

export function cidrVersion(cidr: string): 4 | 6 {
  return ipVersion(cidr.split('/')[0] ?? '');
}

export function makeIp(address: string, type: IpType, meta: Record<string, unknown> = {}): IP {
  return { address, type, version: ipVersion(address), meta };
}

export function makeFixedIp(address: string, floatingIps: string[] = [], meta: Record<string, unknown> = {}): FixedIP {
  return { address, type: 'fixed', version: ipVersion(address), floating_ips: floatingIps.map((a) => makeIp(a, 'floating')), meta };
}

export interface SubnetInit {
  cidr: string | null;
  gateway?: string | null;
  dns?: string[];
  ips?: FixedIP[];
  routes?: Route[];
  version?: 4 | 6;
  meta?: Record<string, unknown>;
}

export function makeSubnet(init: SubnetInit): Subnet {
  return {
    cidr: init.cidr,
    dns: (init.dns ?? []).map((a) => makeIp(a, 'dns')),
    gateway: init.gateway ? makeIp(init.gateway, 'gateway') : null,
    ips: init.ips ?? [],
    routes: init.routes ?? [],
    version: init.version ?? (init.cidr ? cidrVersion(init.cidr) : null),
    meta: init.meta ?? {},
  };
}

export interface NetworkInit {
  id: string | null;
  label: string | null;
  bridge?: string | null;
  subnets?: Subnet[];
  meta?: Record<string, unknown>;
}

export function makeNetwork(init: NetworkInit): Network {
  return { id: init.id, label: init.label, bridge: init.bridge ?? null, subnets: init.subnets ?? [], meta: init.meta ?? {} };
}

export interface VifInit {
  id: string;
  address: string;
  network?: Network | null;
  type?: VifType;
  devname?: string | null;
  ovs_interfaceid?: string | null;
  meta?: Record<string, unknown>;
}

export function makeVif(init: VifInit): VIF {
  return {
    id: init.id,
    address: init.address,
    network: init.network ?? null,
    type: init.type ?? 'bridge',
    devname: init.devname ?? null,
    ovs_interfaceid: init.ovs_interfaceid ?? null,
    qbh_params: null,
    qbg_params: null,
    meta: init.meta ?? {},
  };
}

/** Every fixed IP of a VIF, over all its subnets. */
export function fixedIps(vif: VIF): FixedIP[] {
  return (vif.network?.subnets ?? []).flatMap((s) => s.ips);
}

/** Every floating IP attached to a VIF's fixed IPs. */
export function floatingIps(vif: VIF): IP[] {
  return fixedIps(vif).flatMap((ip) => ip.floating_ips);
}

export interface LabeledIps {
  network_id: string | null;
  network_label: string | null;
  ips: FixedIP[];
}

/** A VIF's fixed IPs with its network's id and label (the shape the API's `addresses` is built from). */
export function labeledIps(vif: VIF): LabeledIps {
  return { network_id: vif.network?.id ?? null, network_label: vif.network?.label ?? null, ips: fixedIps(vif) };
}

/** Fixed IPs of every VIF of an instance. */
export function allFixedIps(nwInfo: NetworkInfo): FixedIP[] {
  return nwInfo.flatMap(fixedIps);
}

/** The first fixed IPv4 address of the instance (the address its metadata names it by), or null. */
export function firstFixedIpv4(nwInfo: NetworkInfo): string | null {
  return allFixedIps(nwInfo).find((ip) => ip.version === 4)?.address ?? null;
}

export function serializeNetworkInfo(nwInfo: NetworkInfo): string {
  return JSON.stringify(nwInfo);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function hydrateIp(raw: unknown, type: IpType): IP | null {
  if (!isRecord(raw) || typeof raw.address !== 'string' || isIP(raw.address) === 0) return null;
  return makeIp(raw.address, (str(raw.type) as IpType | null) ?? type, isRecord(raw.meta) ? raw.meta : {});
}

function hydrateFixedIp(raw: unknown): FixedIP | null {
  const ip = hydrateIp(raw, 'fixed');
  if (!ip || !isRecord(raw)) return null;
  const floating = list(raw.floating_ips)
    .map((f) => hydrateIp(f, 'floating'))
    .filter((f): f is IP => f !== null);
  return { ...ip, type: 'fixed', floating_ips: floating };
}

function hydrateSubnet(raw: unknown): Subnet | null {
  if (!isRecord(raw)) return null;
  const cidr = str(raw.cidr);
  return {
    cidr,
    dns: list(raw.dns)
      .map((d) => hydrateIp(d, 'dns'))
      .filter((d): d is IP => d !== null),
    gateway: hydrateIp(raw.gateway, 'gateway'),
    ips: list(raw.ips)
      .map(hydrateFixedIp)
      .filter((i): i is FixedIP => i !== null),
    routes: list(raw.routes)
      .filter(isRecord)
      .map((r) => ({
        cidr: String(r.cidr ?? ''),
        gateway: hydrateIp(r.gateway, 'gateway'),
        interface: str(r.interface),
        meta: isRecord(r.meta) ? r.meta : {},
      })),
    version: raw.version === 4 || raw.version === 6 ? raw.version : cidr ? cidrVersion(cidr) : null,
    meta: isRecord(raw.meta) ? raw.meta : {},
  };
}

/**
 * Rebuilds the model from its cached JSON (text or parsed); malformed entries are dropped
 * rather than trusted, and an empty or absent cache is an empty list.
 */
export function hydrateNetworkInfo(cached: string | unknown): NetworkInfo {
  const parsed: unknown = typeof cached === 'string' ? (cached.trim() === '' ? [] : JSON.parse(cached)) : cached;
  return list(parsed)
    .filter(isRecord)
    .filter((v) => typeof v.id === 'string' && typeof v.address === 'string')
    .map((v) => {
      const net = isRecord(v.network) ? v.network : null;
      const vif = makeVif({
        id: v.id as string,
        address: v.address as string,
        network: net
          ? makeNetwork({
              id: str(net.id),
              label: str(net.label),
              bridge: str(net.bridge),
              subnets: list(net.subnets)
                .map(hydrateSubnet)
                .filter((s): s is Subnet => s !== null),
              meta: isRecord(net.meta) ? net.meta : {},
            })
          : null,
        type: (str(v.type) as VifType | null) ?? 'bridge',
        devname: str(v.devname),
        ovs_interfaceid: str(v.ovs_interfaceid),
        meta: isRecord(v.meta) ? v.meta : {},
      });
      return {
        ...vif,
        qbh_params: isRecord(v.qbh_params) ? (v.qbh_params as VIF['qbh_params']) : null,
        qbg_params: isRecord(v.qbg_params) ? (v.qbg_params as VIF['qbg_params']) : null,
      };
    });
}
