/**
 * The network API that nova-api and nova-compute call (Grizzly's nova.network.api.API): the
 * requests of the network contract (contract.ts), with the routing Grizzly applies —
 * allocation and deallocation go to the instance's own host (`network.<host>`) when the
 * `multi_host` option is on.
 */
import type { Config } from '../config/config.js';
import type { RequestContext } from '../context/context.js';
import type { FixedIpDetails } from '../db/api/fixed-ips.js';
import type { Network, VirtualInterface } from '../db/types.js';
import { ContractClient } from '../rpc/contract-client.js';
import type { Transport } from '../rpc/transport.js';
import { topicOpts } from '../service/opts.js';
import type { NetworkInfo } from '../virt/network-model.js';
import { type IpFilters, type NetworkClient, networkContract, type RequestedNetworkPairs } from './contract.js';
import type { CreateNetworksArgs } from './create.js';
import type { DnsDomainView } from './dns-entries.js';
import type { FloatingIpView, FloatingRangeArgs } from './floating-ips.js';
import type { RequestedNetwork } from './manager.js';
import { networkManagerOpts } from './opts.js';

/** What the API needs of an instance to talk about its network. */
export interface InstanceRef {
  uuid: string;
  project_id: string | null;
  host: string | null;
}

export interface AllocateOptions {
  vpn?: boolean;
  requestedNetworks?: readonly RequestedNetwork[] | null;
  /** MACs the hypervisor restricts the instance to. */
  macs?: readonly string[] | null;
  rxtxFactor?: number | null;
}

export type { FloatingIpView, FloatingRangeArgs } from './floating-ips.js';

/** A network row as the network service returns it. */
export type NetworkRecord = Network;

function wireRequested(requested: readonly RequestedNetwork[] | null | undefined): RequestedNetworkPairs | null {
  return requested ? requested.map((r) => [r.uuid, r.fixed_ip]) : null;
}

export class NetworkAPI {
  readonly client: NetworkClient;
  readonly #multiHost: boolean;

  constructor(client: NetworkClient, options: { multiHost?: boolean } = {}) {
    this.client = client;
    this.#multiHost = options.multiHost ?? false;
  }

  /** A client on `network_topic`, routed by the `multi_host` option. */
  static fromConfig(conf: Config, transport: Transport): NetworkAPI {
    const topic = conf.get(topicOpts).network_topic ?? 'network';
    return new NetworkAPI(new ContractClient(transport, networkContract, topic), {
      multiHost: conf.get(networkManagerOpts).multi_host,
    });
  }

  #hostOf(instance: InstanceRef): string | null {
    return this.#multiHost ? instance.host : null;
  }

  /** Gives the instance its interfaces and fixed IPs; returns its network info. */
  allocateForInstance(ctx: RequestContext, instance: InstanceRef, opts: AllocateOptions = {}): Promise<NetworkInfo> {
    return this.client.call(
      ctx,
      'allocate_for_instance',
      {
        instance_id: instance.uuid,
        project_id: instance.project_id,
        host: instance.host,
        rxtx_factor: opts.rxtxFactor ?? null,
        vpn: opts.vpn ?? false,
        requested_networks: wireRequested(opts.requestedNetworks),
        macs: opts.macs ? [...opts.macs] : null,
      },
      { server: this.#hostOf(instance) },
    );
  }

  async deallocateForInstance(ctx: RequestContext, instance: InstanceRef): Promise<void> {
    await this.client.call(
      ctx,
      'deallocate_for_instance',
      { instance_id: instance.uuid, project_id: instance.project_id, host: instance.host },
      { server: this.#hostOf(instance) },
    );
  }

  getInstanceNwInfo(ctx: RequestContext, instance: InstanceRef, opts: { rxtxFactor?: number | null } = {}): Promise<NetworkInfo> {
    return this.client.call(ctx, 'get_instance_nw_info', {
      instance_id: instance.uuid,
      rxtx_factor: opts.rxtxFactor ?? null,
      host: instance.host,
      project_id: instance.project_id,
    });
  }

  /** Throws the 400-class errors of common/network-errors.ts when a server request names bad networks or addresses. */
  async validateNetworks(ctx: RequestContext, requested: readonly RequestedNetwork[]): Promise<void> {
    if (requested.length === 0) return;
    await this.client.call(ctx, 'validate_networks', { networks: wireRequested(requested) });
  }

  getInstanceUuidsByIpFilter(ctx: RequestContext, filters: IpFilters): Promise<{ instance_uuid: string; ip: string }[]> {
    return this.client.call(ctx, 'get_instance_uuids_by_ip_filter', { filters });
  }

  async setupNetworksOnHost(ctx: RequestContext, instance: InstanceRef, host: string | null, teardown = false): Promise<void> {
    await this.client.call(ctx, 'setup_networks_on_host', { instance_id: instance.uuid, host, teardown });
  }

  getVifsByInstance(ctx: RequestContext, instanceUuid: string): Promise<VirtualInterface[]> {
    return this.client.call(ctx, 'get_vifs_by_instance', { instance_id: instanceUuid });
  }

  // ---- networks (os-networks, nova-manage) --------------------------------

  getAll(ctx: RequestContext): Promise<NetworkRecord[]> {
    return this.client.call(ctx, 'get_all_networks', {});
  }

  /** NetworkNotFoundForUUID (404) when there is no such network. */
  get(ctx: RequestContext, networkUuid: string): Promise<NetworkRecord> {
    return this.client.call(ctx, 'get_network', { network_uuid: networkUuid });
  }

  create(ctx: RequestContext, args: CreateNetworksArgs): Promise<NetworkRecord[]> {
    return this.client.call(ctx, 'create_networks', args);
  }

  async delete(ctx: RequestContext, networkUuid: string): Promise<void> {
    await this.client.call(ctx, 'delete_network', { uuid: networkUuid, fixed_range: null });
  }

  /** Clears both the project and the host of a network. */
  async disassociate(ctx: RequestContext, networkUuid: string): Promise<void> {
    await this.client.call(ctx, 'disassociate_network', { network_uuid: networkUuid });
  }

  /** Sets (or with null clears) a network's host and/or project. */
  async associate(
    ctx: RequestContext,
    networkUuid: string,
    associations: { host?: string | null; project?: string | null },
  ): Promise<void> {
    await this.client.call(ctx, 'associate', { network_uuid: networkUuid, associations });
  }

  async addNetworkToProject(ctx: RequestContext, projectId: string, networkUuid: string | null): Promise<void> {
    await this.client.call(ctx, 'add_network_to_project', { project_id: projectId, network_uuid: networkUuid });
  }

  // ---- floating IPs (os-floating-ips*, nova-manage floating) ----------------

  getFloatingIpPools(ctx: RequestContext): Promise<{ name: string }[]> {
    return this.client.call(ctx, 'get_floating_ip_pools', {});
  }

  /** FloatingIpNotFoundForId (404), also for another project's address. */
  getFloatingIp(ctx: RequestContext, id: number): Promise<FloatingIpView> {
    return this.client.call(ctx, 'get_floating_ip', { id });
  }

  getFloatingIpByAddress(ctx: RequestContext, address: string): Promise<FloatingIpView> {
    return this.client.call(ctx, 'get_floating_ip_by_address', { address });
  }

  getFloatingIpsByProject(ctx: RequestContext): Promise<FloatingIpView[]> {
    return this.client.call(ctx, 'get_floating_ips_by_project', { project_id: ctx.projectId });
  }

  getAllFloatingIps(ctx: RequestContext, host: string | null = null): Promise<FloatingIpView[]> {
    return this.client.call(ctx, 'get_all_floating_ips', { host });
  }

  createFloatingIps(ctx: RequestContext, args: FloatingRangeArgs): Promise<Required<FloatingRangeArgs>> {
    return this.client.call(ctx, 'create_floating_ips', args);
  }

  deleteFloatingIps(ctx: RequestContext, ipRange: string): Promise<number> {
    return this.client.call(ctx, 'delete_floating_ips', { ip_range: ipRange });
  }

  /** Returns the address given to the caller's project. */
  allocateFloatingIp(ctx: RequestContext, pool: string | null): Promise<string> {
    return this.client.call(ctx, 'allocate_floating_ip', { project_id: ctx.projectId ?? '', pool });
  }

  async releaseFloatingIp(ctx: RequestContext, address: string): Promise<void> {
    await this.client.call(ctx, 'deallocate_floating_ip', { address });
  }

  /** Returns the instance the address was moved away from, if any. */
  associateFloatingIp(ctx: RequestContext, floatingAddress: string, fixedAddress: string): Promise<string | null> {
    return this.client.call(ctx, 'associate_floating_ip', { floating_address: floatingAddress, fixed_address: fixedAddress });
  }

  disassociateFloatingIp(ctx: RequestContext, address: string): Promise<string | null> {
    return this.client.call(ctx, 'disassociate_floating_ip', { address });
  }

  // ---- multinic ----------------------------------------------------------------

  async addFixedIpToInstance(ctx: RequestContext, instance: InstanceRef, networkId: string): Promise<void> {
    await this.client.call(
      ctx,
      'add_fixed_ip_to_instance',
      { instance_id: instance.uuid, project_id: instance.project_id, host: instance.host, network_id: networkId },
      { server: this.#hostOf(instance) },
    );
  }

  async removeFixedIpFromInstance(ctx: RequestContext, instance: InstanceRef, address: string): Promise<void> {
    await this.client.call(
      ctx,
      'remove_fixed_ip_from_instance',
      { instance_id: instance.uuid, project_id: instance.project_id, host: instance.host, address },
      { server: this.#hostOf(instance) },
    );
  }

  // ---- fixed IPs (os-fixed-ips) ----------------------------------------------

  getFixedIpDetails(ctx: RequestContext, address: string): Promise<FixedIpDetails> {
    return this.client.call(ctx, 'get_fixed_ip_details', { address });
  }

  async setFixedIpReserved(ctx: RequestContext, address: string, reserved: boolean): Promise<void> {
    await this.client.call(ctx, 'set_fixed_ip_reserved', { address, reserved });
  }

  // ---- DNS (os-floating-ip-dns) ----------------------------------------------

  getDnsDomains(ctx: RequestContext): Promise<DnsDomainView[]> {
    return this.client.call(ctx, 'get_dns_domains', {});
  }

  async createPrivateDnsDomain(ctx: RequestContext, domain: string, availabilityZone: string | null): Promise<void> {
    await this.client.call(ctx, 'create_private_dns_domain', { domain, av_zone: availabilityZone });
  }

  async createPublicDnsDomain(ctx: RequestContext, domain: string, project: string | null): Promise<void> {
    await this.client.call(ctx, 'create_public_dns_domain', { domain, project });
  }

  async deleteDnsDomain(ctx: RequestContext, domain: string): Promise<void> {
    await this.client.call(ctx, 'delete_dns_domain', { domain });
  }

  async addDnsEntry(ctx: RequestContext, address: string, name: string, dnsType: string, domain: string): Promise<void> {
    await this.client.call(ctx, 'add_dns_entry', { address, name, dns_type: dnsType, domain });
  }

  async modifyDnsEntry(ctx: RequestContext, address: string, name: string, domain: string): Promise<void> {
    await this.client.call(ctx, 'modify_dns_entry', { address, name, domain });
  }

  async deleteDnsEntry(ctx: RequestContext, name: string, domain: string): Promise<void> {
    await this.client.call(ctx, 'delete_dns_entry', { name, domain });
  }

  getDnsEntriesByAddress(ctx: RequestContext, address: string, domain: string): Promise<string[]> {
    return this.client.call(ctx, 'get_dns_entries_by_address', { address, domain });
  }

  getDnsEntriesByName(ctx: RequestContext, name: string, domain: string): Promise<string[]> {
    return this.client.call(ctx, 'get_dns_entries_by_name', { name, domain });
  }

  // ---- DHCP lease events (nova-dhcpbridge) ---------------------------------

  /** dnsmasq on `host` handed `address` out: a cast to that network host, as Grizzly's client sends it. */
  async leaseFixedIp(ctx: RequestContext, address: string, host: string): Promise<void> {
    await this.client.cast(ctx, 'lease_fixed_ip', { address }, { server: host });
  }

  /** dnsmasq on `host` saw the lease of `address` end. */
  async releaseFixedIp(ctx: RequestContext, address: string, host: string): Promise<void> {
    await this.client.cast(ctx, 'release_fixed_ip', { address }, { server: host });
  }
}
