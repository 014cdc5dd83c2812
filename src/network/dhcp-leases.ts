/**
 * What nova-dhcpbridge does for dnsmasq (bin/nova-dhcpbridge in Grizzly):
 * `add` and `del` tell nova-network a fixed IP was leased or released; `old` is ignored
 * (the lease was already heard of); `init` answers dnsmasq, which keeps no lease file
 * (`--leasefile-ro`), with the leases the database knows.
 */
import type { RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { networkGet, networkGetAssociatedFixedIps } from '../db/api/networks.js';
import type { NetworkAPI } from './api.js';
import { leaseLine } from './linux-net/dnsmasq.js';

/** Where lease events go. */
export interface LeaseNotifier {
  lease(address: string): Promise<void>;
  release(address: string): Promise<void>;
}

/** Over the bus to the nova-network of `host` (the normal case: a cast, as Grizzly's). */
export function rpcLeaseNotifier(api: NetworkAPI, ctx: RequestContext, host: string): LeaseNotifier {
  return {
    lease: (address) => api.leaseFixedIp(ctx, address, host),
    release: (address) => api.releaseFixedIp(ctx, address, host),
  };
}

/** The manager methods themselves, for a bus another process cannot reach (the embedded local bus). */
export function localLeaseNotifier(
  manager: {
    lease_fixed_ip(ctx: RequestContext, args: { address: string }): Promise<unknown>;
    release_fixed_ip(ctx: RequestContext, args: { address: string }): Promise<unknown>;
  },
  ctx: RequestContext,
): LeaseNotifier {
  return {
    lease: async (address) => {
      await manager.lease_fixed_ip(ctx, { address });
    },
    release: async (address) => {
      await manager.release_fixed_ip(ctx, { address });
    },
  };
}

export type DhcpbridgeAction = { action: 'add' | 'old' | 'del'; mac: string; ip: string; hostname: string | null } | { action: 'init' };

export async function handleLeaseEvent(event: Exclude<DhcpbridgeAction, { action: 'init' }>, notifier: LeaseNotifier): Promise<void> {
  if (event.action === 'add') await notifier.lease(event.ip);
  else if (event.action === 'del') await notifier.release(event.ip);
}

/**
 * The leases of a network as dnsmasq's lease file would hold them: every allocated and
 * leased fixed IP (multi_host: only of instances on `host`), expiring a lease time from now.
 */
export async function currentLeases(
  db: Db,
  ctx: RequestContext,
  networkId: number,
  options: { host: string; leaseTime: number; now?: Date },
): Promise<string> {
  const network = await networkGet(db, ctx, networkId);
  const rows = await networkGetAssociatedFixedIps(db, ctx, network.id, network.multi_host ? { host: options.host } : {});
  const expires = Math.floor((options.now ?? new Date()).getTime() / 1000) + options.leaseTime;
  return rows
    .filter((r) => r.allocated && r.leased)
    .map((r) => leaseLine({ mac: r.vif_address, address: r.address, hostname: r.instance_hostname }, expires))
    .join('\n');
}
