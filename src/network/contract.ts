/**
 * nova-network's RPC contract (topic `network`, Grizzly's network API 1.9): what the API
 * and compute hosts ask of it, and what network hosts ask of each other (`network.<host>`).
 */

import * as networkErrors from '../common/network-errors.js';
import type { FixedIpDetails } from '../db/api/fixed-ips.js';
import type { FixedIp, Network, VirtualInterface } from '../db/types.js';
import { reviveFixedIp, reviveList, reviveNetwork, reviveVirtualInterface } from '../db/wire.js';
import { plain, revived } from '../rpc/codec.js';
import { call, cast, defineContract, type Endpoint } from '../rpc/contract.js';
import type { ContractClient } from '../rpc/contract-client.js';
import { errorTable } from '../rpc/error-table.js';
import { hydrateNetworkInfo, type NetworkInfo } from '../virt/network-model.js';
import type { CreateNetworksArgs } from './create.js';
import type { DnsDomainView } from './dns-entries.js';
import type { FloatingIpView, FloatingRangeArgs } from './floating-ips.js';
import * as linuxNetErrors from './linux-net/errors.js';

/** An instance as network requests name it (Nova sends its uuid as `instance_id`). */
export interface InstanceArgs {
  instance_id: string;
  project_id?: string | null;
  /** The compute host of the instance. */
  host?: string | null;
  rxtx_factor?: number | null;
}

/** (network uuid, fixed IP or null) pairs, as Nova sends requested networks. */
export type RequestedNetworkPairs = [string, string | null][];

export interface AllocateForInstanceArgs extends InstanceArgs {
  vpn: boolean;
  requested_networks: RequestedNetworkPairs | null;
  /** MACs the hypervisor allows, when it restricts them. */
  macs: string[] | null;
}

export interface IpFilters {
  ip?: string;
  ip6?: string;
  fixed_ip?: string;
}

const done = plain<null>();
const networkInfo = revived<NetworkInfo>((wire) => hydrateNetworkInfo(wire));
const network = revived<Network>(reviveNetwork);
const networks = revived<Network[]>(reviveList(reviveNetwork));
const floatingIp = plain<FloatingIpView>();
const floatingIps = plain<FloatingIpView[]>();

export const networkContract = defineContract({
  topic: 'network',
  baseVersion: '1.0',
  version: '1.9',
  errors: errorTable(networkErrors, linuxNetErrors),
  methods: {
    /** Gives the instance its interfaces and fixed IPs; `network.<host>` under multi_host. */
    allocate_for_instance: call('1.9', plain<AllocateForInstanceArgs>(), networkInfo),
    deallocate_for_instance: call('1.0', plain<InstanceArgs>(), done),
    get_instance_nw_info: call('1.9', plain<InstanceArgs>(), networkInfo),
    /** Throws the 400-class errors of errors.ts when requested networks or addresses cannot be used. */
    validate_networks: call('1.0', plain<{ networks: RequestedNetworkPairs | null }>(), done),
    get_instance_uuids_by_ip_filter: call('1.0', plain<{ filters: IpFilters }>(), plain<{ instance_uuid: string; ip: string }[]>()),
    get_all_networks: call('1.0', plain<Record<string, never>>(), networks),
    get_network: call('1.0', plain<{ network_uuid: string }>(), network),
    create_networks: call('1.0', plain<CreateNetworksArgs>(), networks),
    delete_network: call('1.0', plain<{ uuid: string | null; fixed_range: string | null; require_disassociated?: boolean }>(), done),
    disassociate_network: call('1.0', plain<{ network_uuid: string }>(), done),
    associate: call('1.5', plain<{ network_uuid: string; associations: { host?: string | null; project?: string | null } }>(), done),
    add_network_to_project: call('1.0', plain<{ project_id: string; network_uuid: string | null }>(), done),
    set_network_host: call('1.0', plain<{ network_ref: { id: number } }>(), plain<string>()),
    setup_networks_on_host: call('1.0', plain<InstanceArgs & { teardown: boolean }>(), done),
    /**
     * Sent by the network host an instance's request reached to the host serving the
     * network. Grizzly's client waits for it; nova-ts does not (a host that is down would
     * otherwise hold the request for rpc_response_timeout).
     */
    rpc_setup_network_on_host: cast('1.0', plain<{ network_id: number; teardown: boolean }>()),
    deallocate_fixed_ip: call('1.0', plain<{ address: string; host: string | null }>(), done),
    /** dnsmasq handed the address out (nova-dhcpbridge). */
    lease_fixed_ip: cast('1.0', plain<{ address: string }>()),
    release_fixed_ip: cast('1.0', plain<{ address: string }>()),
    get_fixed_ip_by_address: call('1.0', plain<{ address: string }>(), revived<FixedIp>(reviveFixedIp)),
    get_vifs_by_instance: call('1.0', plain<{ instance_id: string }>(), revived<VirtualInterface[]>(reviveList(reviveVirtualInterface))),
    get_vif_by_mac_address: call(
      '1.0',
      plain<{ mac_address: string }>(),
      revived<VirtualInterface | null>((wire) => (wire === null ? null : reviveVirtualInterface(wire))),
    ),

    // ---- floating IPs (nova/network/floating_ips.py) ----
    get_floating_ip_pools: call('1.7', plain<Record<string, never>>(), plain<{ name: string }[]>()),
    /** FloatingIpNotFoundForId, also for another project's address (non-admin callers). */
    get_floating_ip: call('1.0', plain<{ id: number }>(), floatingIp),
    get_floating_ip_by_address: call('1.0', plain<{ address: string }>(), floatingIp),
    get_floating_ips_by_project: call('1.0', plain<{ project_id?: string | null }>(), floatingIps),
    /** Admin: every address, or those `host` carries (FloatingIpNotFoundForHost when none). */
    get_all_floating_ips: call('1.0', plain<{ host: string | null }>(), floatingIps),
    get_floating_ips_by_fixed_address: call('1.0', plain<{ fixed_address: string }>(), plain<string[]>()),
    create_floating_ips: call('1.0', plain<FloatingRangeArgs>(), plain<Required<FloatingRangeArgs>>()),
    delete_floating_ips: call('1.0', plain<{ ip_range: string }>(), plain<number>()),
    allocate_floating_ip: call('1.0', plain<{ project_id: string; pool: string | null; auto_assigned?: boolean }>(), plain<string>()),
    deallocate_floating_ip: call('1.0', plain<{ address: string; affect_auto_assigned?: boolean }>(), done),
    /** Returns the instance the address was taken from when it moved, else null. */
    associate_floating_ip: call(
      '1.0',
      plain<{ floating_address: string; fixed_address: string; affect_auto_assigned?: boolean }>(),
      plain<string | null>(),
    ),
    /** Returns the instance the address was on. */
    disassociate_floating_ip: call('1.0', plain<{ address: string; affect_auto_assigned?: boolean }>(), plain<string | null>()),
    /** To the host serving the fixed address's network: the row and the NAT. */
    _associate_floating_ip: call(
      '1.6',
      plain<{ floating_address: string; fixed_address: string; interface: string | null; instance_uuid: string | null }>(),
      done,
    ),
    /** Multinic: one more interface and fixed IP on the network (uuid or id); returns the new network info. */
    add_fixed_ip_to_instance: call('1.9', plain<InstanceArgs & { network_id: string | number }>(), networkInfo),
    /** FixedIpNotFoundForSpecificInstance when the instance has no such address. */
    remove_fixed_ip_from_instance: call('1.9', plain<InstanceArgs & { address: string }>(), networkInfo),
    // ---- fixed IPs (os-fixed-ips, nova-manage fixed) ----
    /** Admin: the address with its network cidr and instance hostname/host; FixedIpNotFoundForAddress. */
    get_fixed_ip_details: call('1.0', plain<{ address: string }>(), plain<FixedIpDetails>()),
    list_fixed_ip_details: call('1.0', plain<{ host: string | null }>(), plain<FixedIpDetails[]>()),
    set_fixed_ip_reserved: call('1.0', plain<{ address: string; reserved: boolean }>(), done),
    // ---- DNS (nova/network/floating_ips.py DNS methods) ----
    get_dns_domains: call('1.0', plain<Record<string, never>>(), plain<DnsDomainView[]>()),
    create_private_dns_domain: call('1.0', plain<{ domain: string; av_zone: string | null }>(), done),
    create_public_dns_domain: call('1.0', plain<{ domain: string; project: string | null }>(), done),
    delete_dns_domain: call('1.0', plain<{ domain: string }>(), done),
    add_dns_entry: call('1.0', plain<{ address: string; name: string; dns_type: string; domain: string }>(), done),
    modify_dns_entry: call('1.0', plain<{ address: string; name: string; domain: string }>(), done),
    delete_dns_entry: call('1.0', plain<{ name: string; domain: string }>(), done),
    get_dns_entries_by_address: call('1.0', plain<{ address: string; domain: string }>(), plain<string[]>()),
    get_dns_entries_by_name: call('1.0', plain<{ name: string; domain: string }>(), plain<string[]>()),
    _disassociate_floating_ip: call('1.6', plain<{ address: string; interface: string | null; instance_uuid: string | null }>(), done),
  },
});

export type NetworkContract = typeof networkContract;
export type NetworkClient = ContractClient<NetworkContract>;
export type NetworkEndpoint = Endpoint<NetworkContract>;
