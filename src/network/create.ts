/**
 * Network creation (NetworkManager.create_networks in nova/network/manager.py): the arguments of `nova-manage network create` and of
 * os-networks POST become one or more `networks` rows, each with a `fixed_ips` row for
 * every address and the reserved ones marked. Shared by the manager's `create_networks`
 * and the first-start bootstrap.
 */

import {
  addressAt,
  addressesOf,
  type Cidr,
  cidrContains,
  cidrEquals,
  cidrSize,
  formatCidr,
  netmaskOf,
  normaliseIp,
  parseCidr,
  subnetsOf,
} from '../common/ipaddr.js';
import { getLogger } from '../common/log.js';
import { CidrConflict, InvalidCidr, InvalidNetworkRequest, NetworkNotCreated } from '../common/network-errors.js';
import type { Config } from '../config/config.js';
import type { RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { type FixedIpValues, fixedIpBulkCreate } from '../db/api/fixed-ips.js';
import { type NetworkValues, networkCreateSafe, networkGetAll } from '../db/api/networks.js';
import type { Network } from '../db/types.js';
import type { ManagerKind } from './kinds.js';
import { networkManagerOpts } from './opts.js';

const log = getLogger('nova.network.create');

/** Keyword arguments as nova-manage and the RPC `create_networks` pass them (strings allowed where Nova converts). */
export interface CreateNetworksArgs {
  label?: string | null;
  /** `--fixed_range_v4` */
  cidr?: string | null;
  /** `--fixed_range_v6` */
  cidr_v6?: string | null;
  num_networks?: number | string | null;
  network_size?: number | string | null;
  /** `--vlan` */
  vlan_start?: number | string | null;
  /** `--vpn` */
  vpn_start?: number | string | null;
  gateway?: string | null;
  gateway_v6?: string | null;
  bridge?: string | null;
  bridge_interface?: string | null;
  /** `'T'`/true ⇒ multi_host; absent ⇒ the `multi_host` option. */
  multi_host?: boolean | string | null;
  dns1?: string | null;
  dns2?: string | null;
  fixed_cidr?: string | null;
  project_id?: string | null;
  /** Accepted and ignored, as by Grizzly's nova-network managers. */
  priority?: number | string | null;
  /** Accepted and ignored: every network gets a fresh uuid. */
  uuid?: string | null;
}

const MAX_LABEL = 255;
const MAX_VLAN = 4094;

function intArg(name: string, value: number | string | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : /^\s*[-+]?\d+\s*$/.test(value) ? Number.parseInt(value, 10) : Number.NaN;
  if (!Number.isInteger(n)) throw new InvalidNetworkRequest(`${name} must be an integer`);
  return n;
}

function cidrArg(text: string): Cidr {
  const c = parseCidr(text);
  if (!c || !text.includes('/')) throw new InvalidCidr(text);
  return c;
}

function boolArg(value: boolean | string | null | undefined, fallback: boolean): boolean {
  if (value === null || value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  return ['t', 'true', 'on', 'y', 'yes', '1'].includes(value.trim().toLowerCase());
}

function ipArg(name: string, value: string | null | undefined): string | null {
  if (!value) return null;
  const normal = normaliseIp(value);
  if (!normal) throw new InvalidNetworkRequest(`${name} ${value} is not a valid IP address`);
  return normal;
}

/** The smallest power of two holding `size` addresses, as a count of host bits. */
function hostBits(size: number): number {
  return Math.ceil(Math.log2(size));
}

/**
 * Moves candidates off subnets already used by live networks: an equal or smaller used
 * subnet pushes the candidate to the next free sibling inside the range; a used supernet
 * is a conflict.
 */
function avoidUsedSubnets(candidates: Cidr[], range: Cidr, used: Cidr[]): Cidr[] {
  const chosen = [...candidates];
  const nextFree = (subnet: Cidr): Cidr | null => {
    const step = cidrSize(subnet);
    let next: Cidr = { ...subnet, network: subnet.network + step };
    while (chosen.some((c) => cidrEquals(c, next))) next = { ...next, network: next.network + step };
    return cidrContains(range, next) ? next : null;
  };
  for (const original of candidates) {
    let subnet = original;
    const replace = (why: string): void => {
      const next = nextFree(subnet);
      if (!next) throw new CidrConflict(why);
      chosen.splice(
        chosen.findIndex((c) => cidrEquals(c, subnet)),
        1,
        next,
      );
      subnet = next;
    };
    if (used.some((u) => cidrEquals(u, subnet))) replace('cidr already in use');
    for (const u of used) {
      if (cidrContains(u, subnet)) {
        throw new CidrConflict(`requested cidr (${formatCidr(subnet)}) conflicts with existing supernet (${formatCidr(u)})`);
      }
      if (cidrContains(subnet, u)) {
        replace(`requested cidr (${formatCidr(subnet)}) conflicts with existing smaller cidr (${formatCidr(u)})`);
      }
    }
  }
  return chosen;
}

/** The `fixed_ips` rows of a new network, reserved ones marked. */
export function fixedIpRows(conf: Config, kind: ManagerKind, network: Network, fixedCidr: Cidr | null): FixedIpValues[] {
  const range = fixedCidr ?? (network.cidr ? parseCidr(network.cidr) : null);
  if (!range) return [];
  const total = Number(cidrSize(range));
  const bottom = kind.bottomReserved;
  const top = kind.topReserved(conf);
  // The network's own special addresses stay reserved even when a --fixed_cidr or a
  // custom gateway moves them away from the bottom or top of the range.
  const special = new Set([network.gateway, network.broadcast, network.vpn_private_address].filter((a): a is string => !!a));
  const net = network.cidr ? parseCidr(network.cidr) : null;
  if (net) special.add(addressAt(net, 0));
  const rows: FixedIpValues[] = [];
  let index = 0;
  for (const address of addressesOf(range)) {
    const reserved = index < bottom || total - index <= top || special.has(address);
    rows.push({ network_id: network.id, address, reserved });
    index++;
  }
  return rows;
}

/** Validates and defaults the arguments, plans the subnets, and writes the networks and their addresses. */
export async function createNetworks(
  db: Db,
  ctx: RequestContext,
  conf: Config,
  kind: ManagerKind,
  args: CreateNetworksArgs,
): Promise<Network[]> {
  const opts = conf.get(networkManagerOpts);
  const label = args.label ?? '';
  if (!label) throw new NetworkNotCreated('label');
  if (label.length > MAX_LABEL) throw new InvalidNetworkRequest(`Maximum allowed length for 'label' is ${MAX_LABEL}.`);
  if (!args.cidr && !args.cidr_v6) throw new NetworkNotCreated('cidr or cidr_v6');
  const cidr = args.cidr ? cidrArg(args.cidr) : null;
  const cidrV6 = args.cidr_v6 ? cidrArg(args.cidr_v6) : null;
  if (cidr && cidr.version !== 4) throw new InvalidCidr(args.cidr ?? '');
  if (cidrV6 && cidrV6.version !== 6) throw new InvalidCidr(args.cidr_v6 ?? '');
  const fixedCidr = args.fixed_cidr ? cidrArg(args.fixed_cidr) : null;
  if (fixedCidr && (!cidr || !cidrContains(cidr, fixedCidr))) {
    throw new InvalidNetworkRequest(`fixed_cidr ${args.fixed_cidr} must lie within the network's cidr`);
  }

  const bridge = args.bridge || opts.flat_network_bridge || null;
  const bridgeInterface = (kind.vlan ? args.bridge_interface || opts.vlan_interface : args.bridge_interface) || opts.flat_interface || null;
  const present = { bridge, bridge_interface: bridgeInterface };
  for (const required of kind.requiredCreateArgs) if (!present[required]) throw new NetworkNotCreated(required);

  const numNetworks = intArg('num_networks', args.num_networks) || opts.num_networks || 1;
  if (numNetworks < 1) throw new InvalidNetworkRequest('num_networks must be at least 1');
  const configuredSize = opts.network_size ?? 256;
  let networkSize = intArg('network_size', args.network_size);
  if (!networkSize) {
    if (cidr && !kind.vlan) {
      // Each network gets its share of the range, but no more than network_size.
      const share = Number(cidrSize(cidr)) / numNetworks;
      if (share > configuredSize) {
        log.warn(`Subnet(s) too large, defaulting to /${32 - hostBits(configuredSize)}. To override, specify network_size flag.`);
        networkSize = configuredSize;
      } else {
        networkSize = 2 ** Math.floor(Math.log2(share));
      }
    } else {
      networkSize = configuredSize;
    }
  }
  if (networkSize < 1) throw new InvalidNetworkRequest('network_size must be a positive integer');
  const vlanStart = intArg('vlan_start', args.vlan_start) || opts.vlan_start || 100;
  const vpnStart = intArg('vpn_start', args.vpn_start) || opts.vpn_start || 1000;
  intArg('priority', args.priority);
  if (kind.vlan) {
    if (numNetworks + vlanStart > MAX_VLAN) {
      throw new InvalidNetworkRequest(`The sum between the number of networks and the vlan start cannot be greater than ${MAX_VLAN}`);
    }
    if (cidr && Number(cidrSize(cidr)) < numNetworks * networkSize) {
      throw new InvalidNetworkRequest(`The network range is not big enough to fit ${numNetworks} networks. Network size is ${networkSize}`);
    }
  }
  const multiHost = boolArg(args.multi_host, opts.multi_host);
  const dns1 = ipArg('dns1', args.dns1) ?? opts.flat_network_dns ?? null;
  const dns2 = ipArg('dns2', args.dns2);
  const gateway = ipArg('gateway', args.gateway);
  const gatewayV6 = ipArg('gateway_v6', args.gateway_v6);

  const bits = hostBits(networkSize);
  let subnetsV4: Cidr[] = [];
  if (cidr) {
    subnetsV4 = subnetsOf(cidr, 32 - bits, numNetworks);
    if (subnetsV4.length === 0) throw new InvalidNetworkRequest(`network_size ${networkSize} does not fit in ${formatCidr(cidr)}`);
    const used = (await networkGetAll(db, ctx))
      .map((n) => (n.cidr ? parseCidr(n.cidr) : null))
      .filter((c): c is Cidr => c !== null && c.version === 4);
    subnetsV4 = avoidUsedSubnets(subnetsV4, cidr, used);
  }
  const subnetsV6 = cidrV6 ? subnetsOf(cidrV6, Math.min(128 - bits, 64), numNetworks) : [];

  const created: Network[] = [];
  const count = Math.max(subnetsV4.length, subnetsV6.length);
  for (let i = 0; i < count; i++) {
    const v4 = subnetsV4[i];
    const v6 = subnetsV6[i];
    const values: NetworkValues = {
      label: numNetworks > 1 ? `${label}_${i}` : label,
      bridge,
      bridge_interface: bridgeInterface,
      multi_host: multiHost,
      dns1,
      dns2,
      project_id: args.project_id || null,
    };
    if (v4) {
      values.cidr = formatCidr(v4);
      values.netmask = netmaskOf(v4);
      values.gateway = gateway ?? addressAt(v4, 1);
      values.broadcast = addressAt(v4, -1);
      values.dhcp_start = addressAt(v4, 2);
    }
    if (v6) {
      values.cidr_v6 = formatCidr(v6);
      values.gateway_v6 = gatewayV6 ?? addressAt(v6, 1);
      values.netmask_v6 = String(v6.prefix);
    }
    if (kind.vlan) {
      const vlan = vlanStart + i;
      values.vlan = vlan;
      values.bridge = `br${vlan}`;
      values.vpn_public_port = vpnStart + i;
      if (v4) {
        values.vpn_private_address = addressAt(v4, 2);
        values.dhcp_start = addressAt(v4, 3);
      }
    }
    const network = await networkCreateSafe(db, ctx, values);
    created.push(network);
    if (v4) await fixedIpBulkCreate(db, ctx, fixedIpRows(conf, kind, network, fixedCidr));
  }
  return created;
}
