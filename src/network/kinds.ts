/**
 * What distinguishes Grizzly's three network managers (nova/network/manager.py), as data: which
 * addresses are reserved, whether DHCP keeps an address until its lease ends, which
 * networks an instance gets. The manager consults its kind instead of being subclassed.
 */
import { InvalidConfig } from '../common/errors.js';
import type { Config } from '../config/config.js';
import { FLAT_DHCP_MANAGER, FLAT_MANAGER, networkManagerOpts, VLAN_MANAGER } from './opts.js';

export type ManagerName = 'FlatManager' | 'FlatDHCPManager' | 'VlanManager';

export interface ManagerKind {
  readonly name: ManagerName;
  readonly shouldCreateBridge: boolean;
  readonly shouldCreateVlan: boolean;
  /** Runs dnsmasq: released addresses stay associated until the lease ends. */
  readonly dhcp: boolean;
  /** Addresses at the bottom of a network never handed out: network, gateway (and the VPN address). */
  readonly bottomReserved: number;
  /** Addresses at the top never handed out: broadcast (and VPN clients). */
  topReserved(conf: Config): number;
  /** Whether a periodic task disassociates addresses released long enough ago. */
  readonly timeoutFixedIps: boolean;
  /** Arguments `network create` must end up with (after defaults). */
  readonly requiredCreateArgs: readonly ('bridge' | 'bridge_interface')[];
  /** Networks belong to projects and carry a VLAN and a cloudpipe VPN. */
  readonly vlan: boolean;
  /** Whether allocating a fixed IP counts against the `fixed_ips` quota. */
  readonly fixedIpQuota: boolean;
}

const FLAT: ManagerKind = {
  name: 'FlatManager',
  shouldCreateBridge: false,
  shouldCreateVlan: false,
  dhcp: false,
  bottomReserved: 2,
  topReserved: () => 1,
  timeoutFixedIps: false,
  requiredCreateArgs: ['bridge'],
  vlan: false,
  fixedIpQuota: true,
};

const FLAT_DHCP: ManagerKind = { ...FLAT, name: 'FlatDHCPManager', shouldCreateBridge: true, dhcp: true, timeoutFixedIps: true };

const VLAN: ManagerKind = {
  ...FLAT_DHCP,
  name: 'VlanManager',
  shouldCreateVlan: true,
  bottomReserved: 3,
  topReserved: (conf) => 1 + (conf.get(networkManagerOpts).cnt_vpn_clients ?? 0),
  requiredCreateArgs: ['bridge_interface'],
  vlan: true,
  fixedIpQuota: false,
};

const BY_NAME: Record<string, ManagerKind> = {
  [FLAT_MANAGER]: FLAT,
  FlatManager: FLAT,
  [FLAT_DHCP_MANAGER]: FLAT_DHCP,
  FlatDHCPManager: FLAT_DHCP,
  [VLAN_MANAGER]: VLAN,
  VlanManager: VLAN,
};

/** The kind `network_manager` names. */
export function managerKind(conf: Config): ManagerKind {
  const name = conf.get(networkManagerOpts).network_manager ?? FLAT_DHCP_MANAGER;
  const kind = BY_NAME[name];
  if (!kind) throw new InvalidConfig(`network_manager ${name} is not a nova-network manager`);
  return kind;
}
