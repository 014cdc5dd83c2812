/**
 * nova-network's manager (nova/network/manager.py): owns the fixed IPs of every network, gives
 * instances interfaces and addresses, takes them back, answers with the network info
 * model, and creates networks. Flat, FlatDHCP and VLAN behaviour differ only by the
 * ManagerKind that `network_manager` selects; what the host must do (bridges, DHCP) goes
 * through a LinuxNetDriver.
 */
import { randomInt } from 'node:crypto';
import { FixedIpLimitExceeded, InstanceNotFound, InvalidInput, NetworkNotFound, NotImplementedYet, OverQuota } from '../common/errors.js';
import { parseIp } from '../common/ipaddr.js';
import { getLogger } from '../common/log.js';
import {
  FixedIpAlreadyInUse,
  FixedIpInvalid,
  FixedIpNotFound,
  FixedIpNotFoundForInstance,
  FixedIpNotFoundForNetwork,
  FixedIpNotFoundForSpecificInstance,
  InvalidNetworkRequest,
  NetworkNotFoundForRequest,
  VirtualInterfaceMacAddressException,
} from '../common/network-errors.js';
import type { Config } from '../config/config.js';
import { adminContext, type RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import {
  type FixedIpDetails,
  fixedIpAssociate,
  fixedIpAssociatePool,
  fixedIpDisassociateAllByTimeout,
  fixedIpGetAllAllocated,
  fixedIpGetByAddress,
  fixedIpGetByInstance,
  fixedIpGetByNetworkHost,
  fixedIpGetDetails,
  fixedIpListDetails,
  fixedIpUpdate,
} from '../db/api/fixed-ips.js';
import { floatingIpGetByFixedIpIds } from '../db/api/floating-ips.js';
import {
  InstanceInfoCacheNotFound,
  type InstanceRecord,
  instanceGetByUuid,
  instanceInfoCacheClear,
  instanceInfoCacheUpdate,
} from '../db/api/instances.js';
import {
  networkAssociate,
  networkDeleteSafe,
  networkDisassociate,
  networkGet,
  networkGetAll,
  networkGetAllByHost,
  networkGetAllByUuids,
  networkGetAssociatedFixedIps,
  networkGetByCidr,
  networkGetByUuid,
  networkSetHost,
  networkUpdate,
  projectGetNetworks,
} from '../db/api/networks.js';
import {
  virtualInterfaceCreate,
  virtualInterfaceDelete,
  virtualInterfaceDeleteByInstance,
  virtualInterfaceGet,
  virtualInterfaceGetAll,
  virtualInterfaceGetByAddress,
  virtualInterfaceGetByInstance,
} from '../db/api/virtual-interfaces.js';
import { DBDuplicateEntry } from '../db/errors.js';
import type { FixedIp, Network, VirtualInterface } from '../db/types.js';
import type { Notifier } from '../notifications/notifier.js';
import { Manager } from '../service/manager.js';
import { type NetworkInfo, serializeNetworkInfo } from '../virt/network-model.js';
import type { NetworkClient, NetworkEndpoint } from './contract.js';
import { type CreateNetworksArgs, createNetworks } from './create.js';
import { type DnsDomainView, DnsEntries } from './dns-entries.js';
import { FloatingIps, type FloatingIpView, type FloatingRangeArgs } from './floating-ips.js';
import { type ManagerKind, managerKind } from './kinds.js';
import { type DhcpHost, type HostNetwork, type LinuxNetDriver, loadLinuxNetDriver } from './linux-net.js';
import { buildNetworkInfo, type Ipv6Backend, ipv6Address } from './nw-info.js';
import { floatingIpOpts, networkManagerOpts } from './opts.js';

const log = getLogger('nova.network.manager');

/** Nova's (OpenStack's) locally administered MAC prefix. */
const MAC_PREFIX = 'fa:16:3e';

export interface NetworkManagerDeps {
  db: Db;
  conf: Config;
  /** Host plumbing; defaults to the one `network_driver` names. */
  driver?: LinuxNetDriver;
  /** Counts `fixed_ips` against the project's quota (QuotaEngine fits). */
  quota?: FixedIpQuota | null;
  /** Reaches other network hosts (topic `network`) when a network is served elsewhere. */
  rpc?: NetworkClient | null;
  /** network.floating_ip.* notifications. */
  notifier?: Notifier | null;
  /**
   * Tells compute hosts that an instance's addresses changed, so rules naming its groups as
   * source admit the new addresses (Grizzly's trigger_security_group_members_refresh).
   */
  membersRefresh?: ((ctx: RequestContext, instanceUuid: string) => Promise<void>) | null;
}

/** The part of the quota engine allocation needs. */
export interface FixedIpQuota {
  checkDeltas(ctx: RequestContext, projectId: string, deltas: Readonly<Record<string, number>>): Promise<void>;
  recheck(ctx: RequestContext, projectId: string, resources: Iterable<string>): Promise<void>;
}

export interface RequestedNetwork {
  uuid: string;
  fixed_ip: string | null;
}

/** Reads `requested_networks` as Nova sends it (`[[uuid, address], ...]`) or as `{uuid, fixed_ip}` objects. */
export function parseRequestedNetworks(raw: unknown): RequestedNetwork[] | null {
  if (raw === null || raw === undefined) return null;
  if (!Array.isArray(raw)) throw new InvalidInput('requested_networks must be a list');
  return raw.map((entry) => {
    if (Array.isArray(entry)) {
      const [uuid, address] = entry as unknown[];
      if (typeof uuid !== 'string') throw new InvalidInput('requested network without a uuid');
      return { uuid, fixed_ip: typeof address === 'string' && address !== '' ? address : null };
    }
    const e = (entry ?? {}) as Record<string, unknown>;
    const uuid = e.uuid ?? e.net_id;
    if (typeof uuid !== 'string') throw new InvalidInput('requested network without a uuid');
    const address = e.fixed_ip ?? e.address;
    return { uuid, fixed_ip: typeof address === 'string' && address !== '' ? address : null };
  });
}

export interface InstanceArgs {
  /** The instance uuid (Nova sends the uuid under this name). */
  instance_id?: unknown;
  instance_uuid?: unknown;
  project_id?: string | null;
  /** The compute host of the instance. */
  host?: string | null;
  rxtx_factor?: number | null;
}

export interface AllocateForInstanceArgs extends InstanceArgs {
  vpn?: boolean;
  requested_networks?: unknown;
  /** MACs the hypervisor allows, when it restricts them. */
  macs?: string[] | null;
}

function instanceUuidOf(args: InstanceArgs): string {
  const uuid = args.instance_uuid ?? args.instance_id;
  if (typeof uuid !== 'string' || uuid === '') throw new InvalidInput('an instance uuid is required');
  return uuid;
}

function randomMac(): string {
  const bytes = [randomInt(0x00, 0x80), randomInt(0x00, 0x100), randomInt(0x00, 0x100)];
  return `${MAC_PREFIX}:${bytes.map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

export class NetworkManager extends Manager implements NetworkEndpoint {
  readonly kind: ManagerKind;
  readonly driver: LinuxNetDriver;
  readonly #db: Db;
  readonly #conf: Config;
  readonly #quota: FixedIpQuota | null;
  readonly #rpc: NetworkClient | null;
  readonly floating: FloatingIps;
  readonly dns: DnsEntries;
  readonly #membersRefresh: NetworkManagerDeps['membersRefresh'];

  constructor(host: string, deps: NetworkManagerDeps) {
    super(host);
    this.#db = deps.db;
    this.#conf = deps.conf;
    this.kind = managerKind(deps.conf);
    this.driver = deps.driver ?? loadLinuxNetDriver(deps.conf);
    this.#quota = deps.quota ?? null;
    this.#rpc = deps.rpc ?? null;
    this.#membersRefresh = deps.membersRefresh ?? null;
    this.dns = new DnsEntries(deps.db, deps.conf);
    this.floating = new FloatingIps({
      db: deps.db,
      conf: deps.conf,
      host,
      driver: this.driver,
      rpc: this.#rpc,
      quota: this.#quota,
      notifier: deps.notifier ?? null,
      refreshInfoCache: (ctx, uuid) => this.#refreshInfoCache(ctx, uuid),
      deleteDnsEntries: (_ctx, address) => this.dns.deleteFloatingEntries(address),
    });
    if (this.kind.timeoutFixedIps) {
      this.addPeriodicTask({
        name: '_disassociate_stale_fixed_ips',
        spacing: 0,
        run: async (ctx) => {
          await this.disassociateStaleFixedIps(ctx);
        },
      });
    }
  }

  get #opts() {
    return this.#conf.get(networkManagerOpts);
  }

  /** Sets up every network this host serves, as after a reboot. */
  override async initHost(): Promise<void> {
    const ctx = adminContext();
    const networks = await networkGetAllByHost(this.#db, ctx, this.host);
    if (!this.kind.dhcp) {
      for (const n of networks) await networkUpdate(this.#db, ctx, n.id, { injected: this.#opts.flat_injected });
      return;
    }
    const views = await Promise.all(networks.map((n) => this.#hostNetwork(ctx, n)));
    await this.driver.initHost(views);
    for (const n of networks) await this.#setupNetworkHere(ctx, n, false);
    await this.floating.initHost(ctx);
  }

  // ---- instances ------------------------------------------------------------

  /** Gives an instance one interface and one fixed IP on each of its networks; returns its network info. */
  async allocate_for_instance(ctx: RequestContext, args: AllocateForInstanceArgs): Promise<NetworkInfo> {
    const instanceUuid = instanceUuidOf(args);
    const projectId = args.project_id ?? ctx.projectId;
    const requested = parseRequestedNetworks(args.requested_networks);
    const networks = await this.#networksForInstance(ctx, projectId, requested);
    log.for(ctx).debug({ instance_uuid: instanceUuid, networks: networks.map((n) => n.uuid) }, 'allocating networks');
    const vifs = await this.#createVifs(ctx, instanceUuid, networks, args.macs ?? null);
    try {
      for (const network of networks) {
        const vif = vifs.get(network.id) as VirtualInterface;
        const address = requested?.find((r) => r.uuid === network.uuid)?.fixed_ip ?? null;
        await this.#allocateFixedIp(ctx, { instanceUuid, projectId, host: args.host ?? null, network, vif, address, vpn: !!args.vpn });
      }
    } catch (err) {
      await this.#releaseAll(ctx, instanceUuid, args.host ?? null).catch((cleanupErr: unknown) =>
        log.for(ctx).error({ err: cleanupErr, instance_uuid: instanceUuid }, 'could not undo a failed allocation'),
      );
      throw err;
    }
    await this.#refreshMembers(ctx, instanceUuid);
    await this.#addInstanceDns(ctx, instanceUuid);
    if (!args.vpn) {
      const first = (await this.#fixedIpsOf(ctx.elevated(), instanceUuid))[0]?.address ?? null;
      await this.floating.autoAssign(ctx, projectId, first);
    }
    return this.get_instance_nw_info(ctx, { ...args, instance_uuid: instanceUuid, project_id: projectId });
  }

  /**
   * Releases every fixed IP of an instance and deletes its interfaces. The instance's cached
   * network info follows, so that an instance that lives on (a failed build in ERROR) never
   * shows an address another instance may already hold.
   */
  async deallocate_for_instance(ctx: RequestContext, args: InstanceArgs): Promise<null> {
    const instanceUuid = instanceUuidOf(args);
    await this.#releaseAll(ctx, instanceUuid, args.host ?? null);
    await instanceInfoCacheClear(this.#db, ctx.elevated(), instanceUuid);
    await this.#refreshMembers(ctx, instanceUuid);
    return null;
  }

  /** The network info model of an instance, rebuilt from the database. */
  async get_instance_nw_info(ctx: RequestContext, args: InstanceArgs): Promise<NetworkInfo> {
    const admin = ctx.elevated();
    const instanceUuid = instanceUuidOf(args);
    const vifs = await virtualInterfaceGetByInstance(this.#db, admin, instanceUuid);
    const fixedIps = await this.#fixedIpsOf(admin, instanceUuid);
    const floating = await floatingIpGetByFixedIpIds(
      this.#db,
      admin,
      fixedIps.map((ip) => ip.id),
    );
    const floatingIps = new Map<number, string[]>();
    for (const f of floating) {
      if (f.fixed_ip_id === null) continue;
      floatingIps.set(f.fixed_ip_id, [...(floatingIps.get(f.fixed_ip_id) ?? []), f.address as string]);
    }
    const networks = new Map<number, Network>();
    const dhcpServers = new Map<number, string | null>();
    for (const vif of vifs) {
      if (vif.network_id === null || networks.has(vif.network_id)) continue;
      const network = await this.#networkIfExists(admin, vif.network_id);
      if (!network) continue;
      networks.set(network.id, network);
      if (this.kind.dhcp) dhcpServers.set(network.id, await this.#dhcpServer(admin, network, args.host ?? this.host));
    }
    return buildNetworkInfo({
      kind: this.kind,
      vifs,
      networks,
      fixedIps,
      dhcpServers,
      rxtxFactor: args.rxtx_factor ?? null,
      useIpv6: this.#opts.use_ipv6,
      ipv6Backend: (this.#opts.ipv6_backend ?? 'rfc2462') as Ipv6Backend,
      projectId: args.project_id ?? ctx.projectId,
      floatingIps,
    });
  }

  /**
   * Checks a server request's networks before anything is created: each network must exist
   * (and be visible to the caller), each address be a valid IPv4 address of that network that
   * no instance holds. Throws the 400-class errors of errors.ts.
   */
  async validate_networks(ctx: RequestContext, args: { networks?: unknown }): Promise<null> {
    const requested = parseRequestedNetworks(args.networks);
    if (!requested || requested.length === 0) return null;
    const networks = await this.#requestedNetworks(ctx, requested);
    const admin = ctx.elevated();
    for (const req of requested) {
      if (req.fixed_ip === null) continue;
      const network = networks.find((n) => n.uuid === req.uuid) as Network;
      if (parseIp(req.fixed_ip)?.version !== 4) throw new FixedIpInvalid(req.fixed_ip);
      let row: FixedIp;
      try {
        row = await fixedIpGetByAddress(this.#db, admin, req.fixed_ip);
      } catch (err) {
        if (err instanceof FixedIpNotFound) throw new FixedIpNotFoundForNetwork(req.fixed_ip, req.uuid);
        throw err;
      }
      if (row.network_id !== network.id || row.reserved) throw new FixedIpNotFoundForNetwork(req.fixed_ip, req.uuid);
      if (row.instance_uuid) throw new FixedIpAlreadyInUse(req.fixed_ip, row.instance_uuid);
    }
    return null;
  }

  /**
   * Instances with an address matching the filters: `fixed_ip` (exact), `ip` (a regular
   * expression matched from the start of each IPv4 address), `ip6` (same, over IPv6).
   */
  async get_instance_uuids_by_ip_filter(
    ctx: RequestContext,
    args: { filters?: { ip?: string; ip6?: string; fixed_ip?: string } },
  ): Promise<{ instance_uuid: string; ip: string }[]> {
    const filters = args.filters ?? {};
    const admin = ctx.elevated();
    const out: { instance_uuid: string; ip: string }[] = [];
    const anchored = (pattern: string | undefined) => (pattern ? new RegExp(`^(?:${pattern})`) : null);
    const ipRe = anchored(filters.ip);
    const ip6Re = anchored(filters.ip6);
    for (const row of await fixedIpGetAllAllocated(this.#db, admin)) {
      const address = row.address ?? '';
      const uuid = row.instance_uuid as string;
      if (filters.fixed_ip && address === filters.fixed_ip) out.push({ instance_uuid: uuid, ip: address });
      else if (ipRe?.test(address)) out.push({ instance_uuid: uuid, ip: address });
    }
    if (ip6Re && this.#opts.use_ipv6) {
      const networks = new Map((await networkGetAll(this.#db, admin)).map((n) => [n.id, n]));
      for (const vif of await virtualInterfaceGetAll(this.#db, admin)) {
        const network = vif.network_id === null ? undefined : networks.get(vif.network_id);
        if (!network?.cidr_v6 || !vif.address || !vif.instance_uuid) continue;
        const v6 = ipv6Address(network.cidr_v6, vif.address, (this.#opts.ipv6_backend ?? 'rfc2462') as Ipv6Backend, network.project_id);
        if (v6 && ip6Re.test(v6)) out.push({ instance_uuid: vif.instance_uuid, ip: v6 });
      }
    }
    return out;
  }

  // ---- networks -------------------------------------------------------------

  async get_all_networks(ctx: RequestContext): Promise<Network[]> {
    return networkGetAll(this.#db, ctx, { projectOnly: 'allow_none' });
  }

  async get_network(ctx: RequestContext, args: { network_uuid: string }): Promise<Network> {
    return networkGetByUuid(this.#db, ctx.elevated(), args.network_uuid);
  }

  async create_networks(ctx: RequestContext, args: CreateNetworksArgs): Promise<Network[]> {
    return createNetworks(this.#db, ctx.elevated(), this.#conf, this.kind, args);
  }

  /**
   * Deletes a network named by uuid or cidr. One still given to a project must be
   * disassociated first; one with addresses in use is NetworkInUse.
   */
  async delete_network(
    ctx: RequestContext,
    args: { uuid?: string | null; fixed_range?: string | null; require_disassociated?: boolean },
  ): Promise<null> {
    const admin = ctx.elevated();
    let network: Network;
    if (args.uuid) network = await networkGetByUuid(this.#db, admin, args.uuid);
    else if (args.fixed_range) network = await networkGetByCidr(this.#db, admin, args.fixed_range);
    else throw new InvalidNetworkRequest('a network uuid or fixed_range is required');
    if ((args.require_disassociated ?? true) && network.project_id !== null) {
      throw new InvalidNetworkRequest(`Network must be disassociated from project ${network.project_id} before delete`);
    }
    await networkDeleteSafe(this.#db, admin, network.id);
    // A network this host serves stops being served here: its dnsmasq and bridge go.
    if (this.kind.dhcp && (network.multi_host || network.host === this.host)) {
      await this.driver.removeNetwork(this.#hostNetworkView(network, network.gateway));
    }
    return null;
  }

  async disassociate_network(ctx: RequestContext, args: { network_uuid: string }): Promise<null> {
    const admin = ctx.elevated();
    const network = await networkGetByUuid(this.#db, admin, args.network_uuid);
    await networkDisassociate(this.#db, admin, network.id, { project: true, host: true });
    return null;
  }

  /** Sets or clears (null) a network's host and/or project. */
  async associate(
    ctx: RequestContext,
    args: { network_uuid: string; associations: { host?: string | null; project?: string | null } },
  ): Promise<null> {
    const admin = ctx.elevated();
    const network = await networkGetByUuid(this.#db, admin, args.network_uuid);
    const values: { host?: string | null; project_id?: string | null } = {};
    if ('host' in args.associations) values.host = args.associations.host ?? null;
    if ('project' in args.associations) values.project_id = args.associations.project ?? null;
    await networkUpdate(this.#db, admin, network.id, values);
    return null;
  }

  /** Gives a project a network (VLAN mode): the named one, or any free one. */
  async add_network_to_project(ctx: RequestContext, args: { project_id: string; network_uuid?: string | null }): Promise<null> {
    if (!this.kind.vlan) throw new NotImplementedYet('VLAN support must be enabled');
    const admin = ctx.elevated();
    const networkId = args.network_uuid ? (await networkGetByUuid(this.#db, admin, args.network_uuid)).id : null;
    await networkAssociate(this.#db, admin, args.project_id, { networkId, force: true });
    return null;
  }

  /** Claims a network for this host unless another host already serves it; returns the serving host. */
  async set_network_host(ctx: RequestContext, args: { network_ref: { id: number } }): Promise<string> {
    return networkSetHost(this.#db, ctx.elevated(), args.network_ref.id, this.host);
  }

  /** Sets up (or tears down) on their serving hosts the networks of an instance's interfaces. */
  async setup_networks_on_host(ctx: RequestContext, args: InstanceArgs & { teardown?: boolean }): Promise<null> {
    const admin = ctx.elevated();
    const vifs = await virtualInterfaceGetByInstance(this.#db, admin, instanceUuidOf(args));
    const seen = new Set<number>();
    for (const vif of vifs) {
      if (vif.network_id === null || seen.has(vif.network_id)) continue;
      seen.add(vif.network_id);
      const network = await this.#networkIfExists(admin, vif.network_id);
      if (network) await this.#refreshServingHost(admin, network, args.host ?? null, !!args.teardown);
    }
    return null;
  }

  /** Another network host asks this one to refresh a network it serves. */
  async rpc_setup_network_on_host(ctx: RequestContext, args: { network_id: number; teardown?: boolean }): Promise<null> {
    const admin = ctx.elevated();
    await this.#setupNetworkHere(admin, await networkGet(this.#db, admin, args.network_id), !!args.teardown);
    return null;
  }

  /** Another host asks this one, which serves the address's network, to release it. */
  async deallocate_fixed_ip(ctx: RequestContext, args: { address: string; host?: string | null }): Promise<null> {
    await this.#deallocateFixedIpHere(ctx.elevated(), args.address, args.host ?? null);
    return null;
  }

  /** dnsmasq handed the address out (via nova-dhcpbridge). */
  async lease_fixed_ip(ctx: RequestContext, args: { address: string }): Promise<null> {
    const admin = ctx.elevated();
    const row = await fixedIpGetByAddress(this.#db, admin, args.address);
    if (!row.instance_uuid) log.warn({ address: args.address }, 'IP leased that is not associated');
    if (!row.allocated) log.warn({ address: args.address }, 'IP leased that is not allocated');
    await fixedIpUpdate(this.#db, admin, args.address, { leased: true });
    return null;
  }

  /** dnsmasq's lease ended: an address no interface holds any more is free again. */
  async release_fixed_ip(ctx: RequestContext, args: { address: string }): Promise<null> {
    const admin = ctx.elevated();
    const row = await fixedIpGetByAddress(this.#db, admin, args.address);
    if (!row.instance_uuid) log.warn({ address: args.address }, 'IP released that is not associated');
    await fixedIpUpdate(this.#db, admin, args.address, row.allocated ? { leased: false } : { leased: false, instance_uuid: null });
    return null;
  }

  async get_fixed_ip_by_address(ctx: RequestContext, args: { address: string }): Promise<FixedIp> {
    return fixedIpGetByAddress(this.#db, ctx.elevated(), args.address);
  }

  async get_vifs_by_instance(ctx: RequestContext, args: InstanceArgs): Promise<VirtualInterface[]> {
    return virtualInterfaceGetByInstance(this.#db, ctx.elevated(), instanceUuidOf(args));
  }

  async get_vif_by_mac_address(ctx: RequestContext, args: { mac_address: string }): Promise<VirtualInterface | null> {
    return virtualInterfaceGetByAddress(this.#db, ctx.elevated(), args.mac_address);
  }

  /** Periodic: addresses released longer than fixed_ip_disassociate_timeout ago lose their instance. */
  async disassociateStaleFixedIps(ctx: RequestContext): Promise<number> {
    const before = new Date(Date.now() - (this.#opts.fixed_ip_disassociate_timeout ?? 600) * 1000);
    const count = await fixedIpDisassociateAllByTimeout(this.#db, ctx.elevated(), this.host, before);
    if (count > 0) log.debug({ count }, 'disassociated stale fixed ips');
    return count;
  }

  // ---- floating IPs (floating-ips.ts) ----------------------------------------

  async get_floating_ip_pools(ctx: RequestContext): Promise<{ name: string }[]> {
    return this.floating.pools(ctx);
  }

  async get_floating_ip(ctx: RequestContext, args: { id: number }): Promise<FloatingIpView> {
    return this.floating.get(ctx, args.id);
  }

  async get_floating_ip_by_address(ctx: RequestContext, args: { address: string }): Promise<FloatingIpView> {
    return this.floating.getByAddress(ctx, args.address);
  }

  async get_floating_ips_by_project(ctx: RequestContext, args: { project_id?: string | null }): Promise<FloatingIpView[]> {
    const projectId = ctx.isAdmin ? (args.project_id ?? ctx.projectId) : ctx.projectId;
    return projectId ? this.floating.listByProject(ctx, projectId) : [];
  }

  async get_all_floating_ips(ctx: RequestContext, args: { host?: string | null }): Promise<FloatingIpView[]> {
    return this.floating.listAll(ctx, args.host ?? null);
  }

  async get_floating_ips_by_fixed_address(ctx: RequestContext, args: { fixed_address: string }): Promise<string[]> {
    return this.floating.addressesByFixedAddress(ctx, args.fixed_address);
  }

  async create_floating_ips(ctx: RequestContext, args: FloatingRangeArgs): Promise<Required<FloatingRangeArgs>> {
    return this.floating.createRange(ctx, args);
  }

  async delete_floating_ips(ctx: RequestContext, args: { ip_range: string }): Promise<number> {
    return this.floating.deleteRange(ctx, args.ip_range);
  }

  async allocate_floating_ip(
    ctx: RequestContext,
    args: { project_id: string; pool: string | null; auto_assigned?: boolean },
  ): Promise<string> {
    const projectId = ctx.isAdmin ? args.project_id : (ctx.projectId ?? args.project_id);
    return this.floating.allocate(ctx, projectId, args.pool ?? null, ctx.isAdmin && !!args.auto_assigned);
  }

  async deallocate_floating_ip(ctx: RequestContext, args: { address: string; affect_auto_assigned?: boolean }): Promise<null> {
    await this.floating.deallocate(ctx, args.address, !!args.affect_auto_assigned);
    return null;
  }

  async associate_floating_ip(
    ctx: RequestContext,
    args: { floating_address: string; fixed_address: string; affect_auto_assigned?: boolean },
  ): Promise<string | null> {
    return this.floating.associate(ctx, args.floating_address, args.fixed_address, !!args.affect_auto_assigned);
  }

  async disassociate_floating_ip(ctx: RequestContext, args: { address: string; affect_auto_assigned?: boolean }): Promise<string | null> {
    return this.floating.disassociate(ctx, args.address, !!args.affect_auto_assigned);
  }

  async _associate_floating_ip(
    ctx: RequestContext,
    args: { floating_address: string; fixed_address: string; interface: string | null; instance_uuid: string | null },
  ): Promise<null> {
    await this.floating.associateHere(ctx, args);
    return null;
  }

  async _disassociate_floating_ip(
    ctx: RequestContext,
    args: { address: string; interface: string | null; instance_uuid: string | null },
  ): Promise<null> {
    await this.floating.disassociateHere(ctx, args);
    return null;
  }

  // ---- multinic --------------------------------------------------------------

  async add_fixed_ip_to_instance(ctx: RequestContext, args: InstanceArgs & { network_id: string | number }): Promise<NetworkInfo> {
    const instanceUuid = instanceUuidOf(args);
    const admin = ctx.elevated();
    const network =
      typeof args.network_id === 'number' || /^\d+$/.test(String(args.network_id))
        ? await networkGet(this.#db, admin, Number(args.network_id))
        : await networkGetByUuid(this.#db, admin, String(args.network_id));
    const projectId = args.project_id ?? ctx.projectId;
    const vif = await this.#createVifsKeeping(ctx, instanceUuid, network);
    try {
      await this.#allocateFixedIp(ctx, { instanceUuid, projectId, host: args.host ?? null, network, vif, address: null, vpn: false });
    } catch (err) {
      await virtualInterfaceDelete(this.#db, admin, vif.id);
      throw err;
    }
    await this.#refreshMembers(ctx, instanceUuid);
    await this.#refreshInfoCache(ctx, instanceUuid);
    return this.get_instance_nw_info(ctx, { ...args, instance_uuid: instanceUuid });
  }

  async remove_fixed_ip_from_instance(ctx: RequestContext, args: InstanceArgs & { address: string }): Promise<NetworkInfo> {
    const instanceUuid = instanceUuidOf(args);
    const admin = ctx.elevated();
    const row = (await this.#fixedIpsOf(admin, instanceUuid)).find((r) => r.address === args.address);
    if (!row) throw new FixedIpNotFoundForSpecificInstance(instanceUuid, args.address);
    const vifId = row.virtual_interface_id;
    await this.floating.releaseForFixedAddresses(admin, [args.address]);
    await this.dns.deleteInstanceEntries(args.address);
    await this.#deallocateFixedIp(admin, row, args.host ?? null);
    // Not a DHCP lease that will end by itself: the address is free now.
    const after = await fixedIpGetByAddress(this.#db, admin, args.address);
    if (!after.leased) await fixedIpUpdate(this.#db, admin, args.address, { instance_uuid: null });
    if (vifId !== null) await virtualInterfaceDelete(this.#db, admin, vifId);
    await this.#refreshMembers(ctx, instanceUuid);
    await this.#refreshInfoCache(ctx, instanceUuid);
    return this.get_instance_nw_info(ctx, { ...args, instance_uuid: instanceUuid });
  }

  // ---- fixed IP administration ----------------------------------------------

  async get_fixed_ip_details(ctx: RequestContext, args: { address: string }): Promise<FixedIpDetails> {
    return fixedIpGetDetails(this.#db, ctx, args.address);
  }

  async list_fixed_ip_details(ctx: RequestContext, args: { host?: string | null }): Promise<FixedIpDetails[]> {
    return fixedIpListDetails(this.#db, ctx, args.host ?? null);
  }

  /** nova-manage fixed reserve/unreserve, os-fixed-ips reserve/unreserve: the pool skips reserved addresses. */
  async set_fixed_ip_reserved(ctx: RequestContext, args: { address: string; reserved: boolean }): Promise<null> {
    await fixedIpGetDetails(this.#db, ctx, args.address);
    await fixedIpUpdate(this.#db, ctx.elevated(), args.address, { reserved: args.reserved });
    return null;
  }

  // ---- DNS (dns-entries.ts) --------------------------------------------------

  async get_dns_domains(ctx: RequestContext): Promise<DnsDomainView[]> {
    return this.dns.domains(ctx);
  }

  async create_private_dns_domain(ctx: RequestContext, args: { domain: string; av_zone: string | null }): Promise<null> {
    await this.dns.createPrivateDomain(ctx, args.domain, args.av_zone ?? null);
    return null;
  }

  async create_public_dns_domain(ctx: RequestContext, args: { domain: string; project: string | null }): Promise<null> {
    await this.dns.createPublicDomain(ctx, args.domain, args.project ?? null);
    return null;
  }

  async delete_dns_domain(ctx: RequestContext, args: { domain: string }): Promise<null> {
    await this.dns.deleteDomain(ctx, args.domain);
    return null;
  }

  async add_dns_entry(_ctx: RequestContext, args: { address: string; name: string; dns_type: string; domain: string }): Promise<null> {
    await this.dns.addEntry(args.address, args.name, args.dns_type, args.domain);
    return null;
  }

  async modify_dns_entry(_ctx: RequestContext, args: { address: string; name: string; domain: string }): Promise<null> {
    await this.dns.modifyEntry(args.address, args.name, args.domain);
    return null;
  }

  async delete_dns_entry(_ctx: RequestContext, args: { name: string; domain: string }): Promise<null> {
    await this.dns.deleteEntry(args.name, args.domain);
    return null;
  }

  async get_dns_entries_by_address(_ctx: RequestContext, args: { address: string; domain: string }): Promise<string[]> {
    return this.dns.entriesByAddress(args.address, args.domain);
  }

  async get_dns_entries_by_name(_ctx: RequestContext, args: { name: string; domain: string }): Promise<string[]> {
    return this.dns.entriesByName(args.name, args.domain);
  }

  // ---- internals ------------------------------------------------------------

  /** A new interface of the instance on the network. */
  async #createVifsKeeping(ctx: RequestContext, instanceUuid: string, network: Network): Promise<VirtualInterface> {
    const admin = ctx.elevated();
    const attempts = this.#opts.create_unique_mac_address_attempts ?? 5;
    for (let attempt = 0; attempt < attempts; attempt++) {
      try {
        return await virtualInterfaceCreate(this.#db, admin, { address: randomMac(), instance_uuid: instanceUuid, network_id: network.id });
      } catch (err) {
        if (!(err instanceof DBDuplicateEntry)) throw err;
      }
    }
    throw new VirtualInterfaceMacAddressException();
  }

  async #addInstanceDns(ctx: RequestContext, instanceUuid: string): Promise<void> {
    const admin = ctx.elevated();
    const rows = await this.#fixedIpsOf(admin, instanceUuid);
    if (rows.length === 0 || !this.#conf.get(floatingIpOpts).instance_dns_domain) return;
    let instance: InstanceRecord;
    try {
      instance = await instanceGetByUuid(this.#db, admin, instanceUuid);
    } catch (err) {
      if (err instanceof InstanceNotFound) return;
      throw err;
    }
    for (const row of rows) {
      if (!row.address) continue;
      await this.dns.addInstanceEntries(
        admin,
        { uuid: instanceUuid, display_name: instance.display_name, availability_zone: instance.availability_zone },
        row.address,
      );
    }
  }

  async #refreshMembers(ctx: RequestContext, instanceUuid: string): Promise<void> {
    try {
      await this.#membersRefresh?.(ctx.elevated(), instanceUuid);
    } catch (err) {
      log.for(ctx).warn({ err, instance_uuid: instanceUuid }, 'could not refresh the security group members of an instance');
    }
  }

  /** Rewrites an instance's cached network info from the rows (Grizzly's refresh_cache). */
  async #refreshInfoCache(ctx: RequestContext, instanceUuid: string): Promise<void> {
    const admin = ctx.elevated();
    let instance: InstanceRecord;
    try {
      instance = await instanceGetByUuid(this.#db, admin, instanceUuid);
    } catch (err) {
      if (err instanceof InstanceNotFound) return;
      throw err;
    }
    const nwInfo = await this.get_instance_nw_info(admin, {
      instance_uuid: instanceUuid,
      host: instance.host,
      project_id: instance.project_id,
      rxtx_factor: null,
    });
    try {
      await instanceInfoCacheUpdate(this.#db, admin, instanceUuid, { network_info: serializeNetworkInfo(nwInfo) });
    } catch (err) {
      if (!(err instanceof InstanceInfoCacheNotFound)) throw err;
    }
  }

  async #requestedNetworks(ctx: RequestContext, requested: RequestedNetwork[]): Promise<Network[]> {
    const uuids = [...new Set(requested.map((r) => r.uuid))];
    let networks: Network[];
    try {
      networks = await networkGetAllByUuids(this.#db, ctx, uuids, { projectOnly: this.kind.vlan ? true : 'allow_none' });
    } catch (err) {
      if (err instanceof NetworkNotFound) {
        const missing = (err.kwargs.network_uuid ?? err.kwargs.network_id ?? uuids[0]) as string;
        throw new NetworkNotFoundForRequest(missing);
      }
      throw err;
    }
    if (!this.kind.vlan) {
      const vlanNetwork = networks.find((n) => n.vlan !== null);
      if (vlanNetwork) throw new NetworkNotFoundForRequest(vlanNetwork.uuid ?? '');
    }
    return networks;
  }

  async #networksForInstance(ctx: RequestContext, projectId: string | null, requested: RequestedNetwork[] | null): Promise<Network[]> {
    if (requested && requested.length > 0) return this.#requestedNetworks(ctx, requested);
    const admin = ctx.elevated();
    if (this.kind.vlan) {
      if (!projectId) throw new InvalidInput('a project is required to find its networks');
      return projectGetNetworks(this.#db, admin, projectId, { associate: true });
    }
    const all = await networkGetAll(this.#db, admin);
    return all.filter((n) => n.vlan === null && (n.project_id === null || n.project_id === projectId));
  }

  async #createVifs(
    ctx: RequestContext,
    instanceUuid: string,
    networks: Network[],
    macs: string[] | null,
  ): Promise<Map<number, VirtualInterface>> {
    const admin = ctx.elevated();
    const available = macs ? [...macs] : null;
    const attempts = this.#opts.create_unique_mac_address_attempts ?? 5;
    const out = new Map<number, VirtualInterface>();
    try {
      for (const network of networks) {
        let vif: VirtualInterface | null = null;
        for (let attempt = 0; attempt < attempts && !vif; attempt++) {
          const address = available ? available.shift() : randomMac();
          if (address === undefined) break;
          try {
            vif = await virtualInterfaceCreate(this.#db, admin, { address, instance_uuid: instanceUuid, network_id: network.id });
          } catch (err) {
            if (!(err instanceof DBDuplicateEntry)) throw err;
          }
        }
        if (!vif) throw new VirtualInterfaceMacAddressException();
        out.set(network.id, vif);
      }
    } catch (err) {
      await virtualInterfaceDeleteByInstance(this.#db, admin, instanceUuid);
      throw err;
    }
    return out;
  }

  async #allocateFixedIp(
    ctx: RequestContext,
    req: {
      instanceUuid: string;
      projectId: string | null;
      host: string | null;
      network: Network;
      vif: VirtualInterface;
      address: string | null;
      vpn: boolean;
    },
  ): Promise<string | null> {
    const { network } = req;
    if (!network.cidr) return null;
    const admin = ctx.elevated();
    const quota = this.kind.fixedIpQuota && req.projectId ? this.#quota : null;
    if (quota && req.projectId) await this.#withQuotaError(() => quota.checkDeltas(ctx, req.projectId as string, { fixed_ips: 1 }));
    let address: string;
    if (this.kind.vlan && req.vpn && network.vpn_private_address) {
      address = await fixedIpAssociate(this.#db, admin, network.vpn_private_address, req.instanceUuid, {
        networkId: network.id,
        reserved: true,
      });
    } else if (req.address) {
      if (parseIp(req.address)?.version !== 4) throw new FixedIpInvalid(req.address);
      address = await fixedIpAssociate(this.#db, admin, req.address, req.instanceUuid, { networkId: network.id });
    } else {
      address = await fixedIpAssociatePool(this.#db, admin, network.id, { instanceUuid: req.instanceUuid });
    }
    try {
      await fixedIpUpdate(this.#db, admin, address, { allocated: true, virtual_interface_id: req.vif.id });
      if (quota && req.projectId) await this.#withQuotaError(() => quota.recheck(ctx, req.projectId as string, ['fixed_ips']));
    } catch (err) {
      await fixedIpUpdate(this.#db, admin, address, { allocated: false, virtual_interface_id: null, instance_uuid: null });
      throw err;
    }
    await this.#refreshServingHost(admin, network, req.host, false);
    return address;
  }

  async #withQuotaError(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (err instanceof OverQuota) throw new FixedIpLimitExceeded('Maximum number of fixed ips exceeded');
      throw err;
    }
  }

  async #releaseAll(ctx: RequestContext, instanceUuid: string, host: string | null): Promise<void> {
    const admin = ctx.elevated();
    const rows = await this.#fixedIpsOf(admin, instanceUuid);
    await this.floating.releaseForFixedAddresses(
      admin,
      rows.flatMap((r) => (r.address ? [r.address] : [])),
    );
    for (const row of rows) {
      if (row.address) await this.dns.deleteInstanceEntries(row.address);
      if (row.address) await this.#deallocateFixedIp(admin, row, host);
    }
    await virtualInterfaceDeleteByInstance(this.#db, admin, instanceUuid);
  }

  /** Releases one address, on the host that serves its network. */
  async #deallocateFixedIp(admin: RequestContext, row: FixedIp, instanceHost: string | null): Promise<void> {
    const address = row.address as string;
    const network = row.network_id === null ? null : await this.#networkIfExists(admin, row.network_id);
    const serving = network ? this.#servingHost(network, instanceHost) : null;
    if (this.kind.dhcp && serving && serving !== this.host && this.#rpc) {
      await this.#rpc.call(admin, 'deallocate_fixed_ip', { address, host: instanceHost }, { server: serving });
      return;
    }
    await this.#deallocateFixedIpHere(admin, address, instanceHost);
  }

  async #deallocateFixedIpHere(admin: RequestContext, address: string, instanceHost: string | null): Promise<void> {
    const row = await fixedIpGetByAddress(this.#db, admin, address);
    const vif = row.virtual_interface_id === null ? null : await virtualInterfaceGet(this.#db, admin, row.virtual_interface_id);
    await fixedIpUpdate(this.#db, admin, address, { allocated: false, virtual_interface_id: null });
    if (!this.kind.dhcp) {
      await fixedIpUpdate(this.#db, admin, address, { instance_uuid: null });
      return;
    }
    const network = row.network_id === null ? null : await this.#networkIfExists(admin, row.network_id);
    if (network) await this.#refreshServingHost(admin, network, instanceHost, true);
    if (this.#opts.force_dhcp_release) {
      if (vif?.address && network) await this.driver.releaseDhcp(network.bridge, address, vif.address);
      // A lease the DHCP server ended at once frees the address now, not after the timeout.
      const after = await fixedIpGetByAddress(this.#db, admin, address);
      if (!after.leased) await fixedIpUpdate(this.#db, admin, address, { instance_uuid: null });
    }
  }

  async #fixedIpsOf(admin: RequestContext, instanceUuid: string): Promise<FixedIp[]> {
    try {
      return await fixedIpGetByInstance(this.#db, admin, instanceUuid);
    } catch (err) {
      if (err instanceof FixedIpNotFoundForInstance) return [];
      throw err;
    }
  }

  async #networkIfExists(admin: RequestContext, id: number): Promise<Network | null> {
    try {
      return await networkGet(this.#db, admin, id);
    } catch (err) {
      if (err instanceof NetworkNotFound) return null;
      throw err;
    }
  }

  /** The host whose DHCP serves an instance on this network: its own host for multi_host, else the network's. */
  #servingHost(network: Network, instanceHost: string | null): string | null {
    return network.multi_host ? instanceHost : network.host;
  }

  /** After an address changed hands, makes the serving host rewrite its DHCP state (claiming the network if nobody serves it). */
  async #refreshServingHost(admin: RequestContext, network: Network, instanceHost: string | null, teardown: boolean): Promise<void> {
    if (!this.kind.dhcp) return;
    let serving = this.#servingHost(network, instanceHost);
    if (!network.multi_host && !serving) serving = await networkSetHost(this.#db, admin, network.id, this.host);
    if (!serving || serving === this.host) {
      await this.#setupNetworkHere(admin, network, teardown);
    } else if (this.#rpc) {
      await this.#rpc.cast(admin, 'rpc_setup_network_on_host', { network_id: network.id, teardown }, { server: serving });
    } else {
      log.warn({ network: network.uuid, host: serving }, 'network served by another host and no RPC client to reach it');
    }
  }

  async #setupNetworkHere(admin: RequestContext, network: Network, teardown: boolean): Promise<void> {
    if (!this.kind.dhcp) return;
    const rows = await networkGetAssociatedFixedIps(this.#db, admin, network.id, network.multi_host ? { host: this.host } : {});
    const hosts: DhcpHost[] = rows.map((r) => ({
      mac: r.vif_address,
      address: r.address,
      hostname: r.instance_hostname ?? r.instance_uuid,
      vifId: r.vif_id,
    }));
    const view = await this.#hostNetwork(admin, network);
    if (teardown) await this.driver.teardownNetwork(view, hosts);
    else await this.driver.setupNetwork(view, hosts);
  }

  async #hostNetwork(admin: RequestContext, network: Network): Promise<HostNetwork> {
    return this.#hostNetworkView(network, this.kind.dhcp ? await this.#dhcpServer(admin, network, this.host) : null);
  }

  #hostNetworkView(network: Network, dhcpServer: string | null): HostNetwork {
    return {
      id: network.id,
      uuid: network.uuid,
      label: network.label,
      bridge: network.bridge,
      bridgeInterface: this.#opts.flat_interface ?? network.bridge_interface,
      cidr: network.cidr,
      cidrV6: network.cidr_v6,
      gateway: network.gateway,
      broadcast: network.broadcast,
      netmask: network.netmask,
      dhcpStart: network.dhcp_start,
      vlan: network.vlan,
      multiHost: !!network.multi_host,
      dhcpServer,
      dns1: network.dns1,
      dns2: network.dns2,
    };
  }

  /**
   * The address a host's dnsmasq serves a network from: the gateway, or for multi_host
   * networks (without share_dhcp_address) an address of the network given to that host.
   */
  async #dhcpServer(admin: RequestContext, network: Network, host: string): Promise<string | null> {
    if (!network.multi_host || this.#opts.share_dhcp_address || !network.cidr) return network.gateway;
    try {
      return (await fixedIpGetByNetworkHost(this.#db, admin, network.id, host)).address;
    } catch (err) {
      if (!(err instanceof FixedIpNotFound)) throw err;
      return fixedIpAssociatePool(this.#db, admin, network.id, { host });
    }
  }
}
