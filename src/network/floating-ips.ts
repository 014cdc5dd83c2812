/**
 * Floating IPs on the network host (Grizzly's nova/network/floating_ips.py FloatingIP mixin): pools, allocation to projects, association with fixed IPs and the NAT
 * the L3 driver writes for them on the host that serves the fixed IP's network.
 */
import { FloatingIpLimitExceeded, NotAuthorized, OverQuota } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import {
  CannotDisassociateAutoAssignedFloatingIP,
  FixedIpNotFoundForAddress,
  FloatingIpAssociated,
  FloatingIpNotAssociated,
  FloatingIpNotFoundForAddress,
  FloatingIpNotFoundForId,
} from '../common/network-errors.js';
import type { Config } from '../config/config.js';
import type { RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { fixedIpGetByAddress } from '../db/api/fixed-ips.js';
import {
  type FloatingIpRecord,
  floatingIpAllocateAddress,
  floatingIpBulkCreate,
  floatingIpBulkDestroy,
  floatingIpDeallocate,
  floatingIpDisassociate,
  floatingIpFixedIpAssociate,
  floatingIpGet,
  floatingIpGetAll,
  floatingIpGetAllByHost,
  floatingIpGetAllByProject,
  floatingIpGetByAddress,
  floatingIpGetByFixedAddress,
  floatingIpGetPools,
} from '../db/api/floating-ips.js';
import { instanceGetByUuid } from '../db/api/instances.js';
import { networkGet } from '../db/api/networks.js';
import type { Notifier } from '../notifications/notifier.js';
import type { NetworkClient } from './contract.js';
import { addressesOfRange } from './floating-range.js';
import type { LinuxNetDriver } from './linux-net.js';
import { floatingIpOpts, linuxNetOpts } from './opts.js';

const log = getLogger('nova.network.floating_ips');

/** A floating IP as it crosses the bus: plain JSON, no timestamps. */
export interface FloatingIpView {
  id: number;
  address: string;
  pool: string | null;
  interface: string | null;
  project_id: string | null;
  host: string | null;
  auto_assigned: boolean;
  fixed_ip_id: number | null;
  fixed_address: string | null;
  instance_uuid: string | null;
}

export function floatingIpView(r: FloatingIpRecord): FloatingIpView {
  return {
    id: r.id,
    address: r.address as string,
    pool: r.pool,
    interface: r.interface,
    project_id: r.project_id,
    host: r.host,
    auto_assigned: !!r.auto_assigned,
    fixed_ip_id: r.fixed_ip_id,
    fixed_address: r.fixed_address,
    instance_uuid: r.instance_uuid,
  };
}

export interface FloatingRangeArgs {
  ip_range: string;
  pool?: string | null;
  interface?: string | null;
}

/** The part of the quota engine floating IP allocation needs. */
export interface FloatingIpQuota {
  checkDeltas(ctx: RequestContext, projectId: string, deltas: Readonly<Record<string, number>>): Promise<void>;
  recheck(ctx: RequestContext, projectId: string, resources: Iterable<string>): Promise<void>;
}

export interface FloatingIpsDeps {
  db: Db;
  conf: Config;
  host: string;
  driver: LinuxNetDriver;
  rpc: NetworkClient | null;
  quota: FloatingIpQuota | null;
  notifier: Notifier | null;
  /** Rewrites an instance's cached network info after its addresses changed. */
  refreshInfoCache(ctx: RequestContext, instanceUuid: string): Promise<void>;
  /** Removes every DNS entry of an address (in every domain). */
  deleteDnsEntries?(ctx: RequestContext, address: string): Promise<void>;
}

export class FloatingIps {
  readonly #d: FloatingIpsDeps;
  /** Serializes the work on one address within this host (Grizzly's lock on the address). */
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(deps: FloatingIpsDeps) {
    this.#d = deps;
  }

  get #opts() {
    return this.#d.conf.get(floatingIpOpts);
  }

  async #locked<T>(address: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(address) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#locks.set(address, tail);
    try {
      return await run;
    } finally {
      if (this.#locks.get(address) === tail) this.#locks.delete(address);
    }
  }

  async #notify(ctx: RequestContext, event: string, payload: Record<string, unknown>): Promise<void> {
    await this.#d.notifier?.notify(ctx, `network.${this.#d.host}`, `network.floating_ip.${event}`, 'INFO', payload);
  }

  /** Non-admins act only on their own project's addresses; others look absent to them. */
  #visible(ctx: RequestContext, row: FloatingIpRecord, notFound: () => Error): void {
    if (!ctx.isAdmin && row.project_id !== ctx.projectId) throw notFound();
  }

  // ---- reads ----------------------------------------------------------------

  async pools(ctx: RequestContext): Promise<{ name: string }[]> {
    return (await floatingIpGetPools(this.#d.db, ctx)).map((name) => ({ name }));
  }

  async get(ctx: RequestContext, id: number): Promise<FloatingIpView> {
    const row = await floatingIpGet(this.#d.db, ctx, id);
    this.#visible(ctx, row, () => new FloatingIpNotFoundForId(id));
    return floatingIpView(row);
  }

  async getByAddress(ctx: RequestContext, address: string): Promise<FloatingIpView> {
    const row = await floatingIpGetByAddress(this.#d.db, ctx, address);
    this.#visible(ctx, row, () => new FloatingIpNotFoundForAddress(address));
    return floatingIpView(row);
  }

  async listByProject(ctx: RequestContext, projectId: string): Promise<FloatingIpView[]> {
    return (await floatingIpGetAllByProject(this.#d.db, ctx, projectId)).map(floatingIpView);
  }

  /** Every floating IP, or those a host carries (FloatingIpNotFoundForHost when none). */
  async listAll(ctx: RequestContext, host: string | null): Promise<FloatingIpView[]> {
    const rows = host ? await floatingIpGetAllByHost(this.#d.db, ctx, host) : await floatingIpGetAll(this.#d.db, ctx);
    return rows.map(floatingIpView);
  }

  async addressesByFixedAddress(ctx: RequestContext, fixedAddress: string): Promise<string[]> {
    return (await floatingIpGetByFixedAddress(this.#d.db, ctx, fixedAddress)).map((r) => r.address as string);
  }

  // ---- pools (nova-manage floating, os-floating-ips-bulk) ------------------

  async createRange(ctx: RequestContext, args: FloatingRangeArgs): Promise<Required<FloatingRangeArgs>> {
    const pool = args.pool || this.#opts.default_floating_pool || 'nova';
    const iface = args.interface || this.#d.conf.get(linuxNetOpts).public_interface || null;
    const addresses = addressesOfRange(args.ip_range);
    await floatingIpBulkCreate(
      this.#d.db,
      ctx,
      addresses.map((address) => ({ address, pool, interface: iface })),
    );
    return { ip_range: args.ip_range, pool, interface: iface };
  }

  async deleteRange(ctx: RequestContext, ipRange: string): Promise<number> {
    return floatingIpBulkDestroy(this.#d.db, ctx, addressesOfRange(ipRange));
  }

  // ---- allocation -----------------------------------------------------------

  async allocate(ctx: RequestContext, projectId: string, pool: string | null, autoAssigned = false): Promise<string> {
    const poolName = pool || this.#opts.default_floating_pool || 'nova';
    const quota = autoAssigned ? null : this.#d.quota;
    if (quota) await withQuotaError(() => quota.checkDeltas(ctx, projectId, { floating_ips: 1 }));
    const address = await floatingIpAllocateAddress(this.#d.db, ctx, projectId, poolName, { autoAssigned });
    if (quota) {
      try {
        await withQuotaError(() => quota.recheck(ctx, projectId, ['floating_ips']));
      } catch (err) {
        await floatingIpDeallocate(this.#d.db, ctx, address);
        throw err;
      }
    }
    await this.#notify(ctx, 'allocate', { project_id: projectId, floating_ip: address });
    return address;
  }

  async deallocate(ctx: RequestContext, address: string, affectAutoAssigned = false): Promise<void> {
    const row = await floatingIpGetByAddress(this.#d.db, ctx, address);
    if (row.auto_assigned && !affectAutoAssigned) return;
    this.#ownedBy(ctx, row);
    if (row.fixed_ip_id !== null) throw new FloatingIpAssociated(row.address as string);
    await this.#d.deleteDnsEntries?.(ctx, row.address as string);
    await this.#notify(ctx, 'deallocate', { project_id: row.project_id, floating_ip: row.address });
    await floatingIpDeallocate(this.#d.db, ctx, row.address as string);
  }

  /** Grizzly's _floating_ip_owned_by_project: admins may touch any address, users their own. */
  #ownedBy(ctx: RequestContext, row: FloatingIpRecord): void {
    if (ctx.isAdmin) return;
    if (row.project_id === null || row.project_id !== ctx.projectId) {
      throw new NotAuthorized(`Address ${row.address} is not owned by project ${ctx.projectId}`);
    }
  }

  // ---- association ----------------------------------------------------------

  /**
   * Points the floating address at a fixed address; on another fixed address it is moved.
   * Returns the instance it was taken from (whose cached network info is then stale), or null.
   */
  async associate(ctx: RequestContext, floatingAddress: string, fixedAddress: string, affectAutoAssigned = false): Promise<string | null> {
    const row = await floatingIpGetByAddress(this.#d.db, ctx, floatingAddress);
    if (row.auto_assigned && !affectAutoAssigned) return null;
    this.#ownedBy(ctx, row);
    const admin = ctx.elevated();
    const fixed = await fixedIpGetByAddress(this.#d.db, admin, fixedAddress);
    if (!fixed.instance_uuid) throw new FixedIpNotFoundForAddress(fixedAddress);
    if (row.fixed_address === fixed.address) return null;
    let previous: string | null = null;
    if (row.fixed_ip_id !== null) {
      previous = await this.disassociate(ctx, row.address as string, true);
    }
    const target = await this.#servingHost(admin, fixed.network_id, fixed.instance_uuid);
    const args = {
      floating_address: row.address as string,
      fixed_address: fixed.address as string,
      interface: row.interface,
      instance_uuid: fixed.instance_uuid,
    };
    if (target && target !== this.#d.host && this.#d.rpc) {
      await this.#d.rpc.call(admin, '_associate_floating_ip', args, { server: target });
    } else {
      await this.associateHere(admin, args);
    }
    await this.#d.refreshInfoCache(admin, fixed.instance_uuid);
    if (previous && previous !== fixed.instance_uuid) await this.#d.refreshInfoCache(admin, previous);
    return previous;
  }

  /** The network host's part of association: the row, then the NAT; a failed NAT undoes the row. */
  async associateHere(
    ctx: RequestContext,
    args: { floating_address: string; fixed_address: string; interface: string | null; instance_uuid: string | null },
  ): Promise<void> {
    await this.#locked(args.floating_address, async () => {
      const admin = ctx.elevated();
      const fixed = await fixedIpGetByAddress(this.#d.db, admin, args.fixed_address);
      await floatingIpFixedIpAssociate(this.#d.db, admin, args.floating_address, fixed.id, this.#d.host);
      try {
        await this.#d.driver.addFloatingIp({
          floatingAddress: args.floating_address,
          fixedAddress: args.fixed_address,
          interface: args.interface,
          network: await this.#networkView(admin, fixed.network_id),
        });
      } catch (err) {
        await floatingIpDisassociate(this.#d.db, admin, args.floating_address);
        throw err;
      }
      const row = await floatingIpGetByAddress(this.#d.db, admin, args.floating_address);
      await this.#notify(ctx, 'associate', {
        project_id: row.project_id,
        instance_id: args.instance_uuid,
        floating_ip: args.floating_address,
      });
    });
  }

  /** Unhooks the floating address from its instance; returns that instance's uuid. */
  async disassociate(ctx: RequestContext, address: string, affectAutoAssigned = false): Promise<string | null> {
    const row = await floatingIpGetByAddress(this.#d.db, ctx, address);
    if (row.auto_assigned && !affectAutoAssigned) throw new CannotDisassociateAutoAssignedFloatingIP();
    this.#ownedBy(ctx, row);
    if (row.fixed_ip_id === null || !row.fixed_address) throw new FloatingIpNotAssociated(row.address as string);
    const admin = ctx.elevated();
    const fixed = await fixedIpGetByAddress(this.#d.db, admin, row.fixed_address);
    const instanceUuid = fixed.instance_uuid;
    const target = row.host ?? (await this.#servingHost(admin, fixed.network_id, instanceUuid));
    const args = { address: row.address as string, interface: row.interface, instance_uuid: instanceUuid };
    if (target && target !== this.#d.host && this.#d.rpc) {
      await this.#d.rpc.call(admin, '_disassociate_floating_ip', args, { server: target });
    } else {
      await this.disassociateHere(admin, args);
    }
    if (instanceUuid) await this.#d.refreshInfoCache(admin, instanceUuid);
    return instanceUuid;
  }

  async disassociateHere(
    ctx: RequestContext,
    args: { address: string; interface: string | null; instance_uuid: string | null },
  ): Promise<void> {
    await this.#locked(args.address, async () => {
      const admin = ctx.elevated();
      const row = await floatingIpGetByAddress(this.#d.db, admin, args.address);
      const fixedAddress = await floatingIpDisassociate(this.#d.db, admin, args.address);
      if (fixedAddress) {
        const fixed = await fixedIpGetByAddress(this.#d.db, admin, fixedAddress);
        await this.#d.driver.removeFloatingIp({
          floatingAddress: args.address,
          fixedAddress,
          interface: args.interface,
          network: await this.#networkView(admin, fixed.network_id),
        });
      }
      await this.#notify(ctx, 'disassociate', { project_id: row.project_id, instance_id: args.instance_uuid, floating_ip: args.address });
    });
  }

  // ---- instances ------------------------------------------------------------

  /** auto_assign_floating_ip: a floating IP from the default pool on the instance's first fixed address. */
  async autoAssign(ctx: RequestContext, projectId: string | null, fixedAddress: string | null): Promise<void> {
    if (!this.#opts.auto_assign_floating_ip || !projectId || !fixedAddress) return;
    const address = await this.allocate(ctx.elevated(), projectId, null, true);
    await this.associate(ctx.elevated(), address, fixedAddress, true);
  }

  /** Before an instance's fixed IPs go: every floating IP unhooked, the auto-assigned ones returned. */
  async releaseForFixedAddresses(ctx: RequestContext, fixedAddresses: readonly string[]): Promise<void> {
    const admin = ctx.elevated();
    for (const fixedAddress of fixedAddresses) {
      for (const row of await floatingIpGetByFixedAddress(this.#d.db, admin, fixedAddress)) {
        const address = row.address as string;
        try {
          await this.disassociate(admin, address, true);
        } catch (err) {
          log.warn({ err, address }, 'could not disassociate a floating ip of a deallocated instance');
        }
        if (row.auto_assigned) await this.deallocate(admin, address, true);
      }
    }
  }

  /** Service start: every floating IP this host carries gets its NAT back. */
  async initHost(ctx: RequestContext): Promise<void> {
    let rows: FloatingIpRecord[];
    try {
      rows = await floatingIpGetAllByHost(this.#d.db, ctx, this.#d.host);
    } catch {
      return;
    }
    for (const row of rows) {
      if (!row.fixed_address || row.fixed_ip_id === null) continue;
      const fixed = await fixedIpGetByAddress(this.#d.db, ctx, row.fixed_address);
      try {
        await this.#d.driver.addFloatingIp({
          floatingAddress: row.address as string,
          fixedAddress: row.fixed_address,
          interface: row.interface,
          network: await this.#networkView(ctx, fixed.network_id),
        });
      } catch (err) {
        log.error({ err, address: row.address }, 'could not restore a floating ip');
      }
    }
  }

  // ---- internals ------------------------------------------------------------

  /** Where a fixed address's NAT lives: the instance's host on multi_host networks, else the network's host. */
  async #servingHost(admin: RequestContext, networkId: number | null, instanceUuid: string | null): Promise<string | null> {
    if (networkId === null) return null;
    const network = await networkGet(this.#d.db, admin, networkId);
    if (!network.multi_host) return network.host;
    if (!instanceUuid) return null;
    return (await instanceGetByUuid(this.#d.db, admin, instanceUuid)).host;
  }

  async #networkView(admin: RequestContext, networkId: number | null): Promise<{ bridge: string | null; cidr: string | null } | null> {
    if (networkId === null) return null;
    const network = await networkGet(this.#d.db, admin, networkId);
    return { bridge: network.bridge, cidr: network.cidr };
  }
}

async function withQuotaError(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof OverQuota) throw new FloatingIpLimitExceeded('Maximum number of floating ips exceeded');
    throw err;
  }
}
