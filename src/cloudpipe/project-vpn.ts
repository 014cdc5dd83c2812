/** A project's public VPN endpoint: the address and port its networks forward to the VPN instance. */
import { InvalidInput, NetworkNotFound } from '../common/errors.js';
import { parseIp } from '../common/ipaddr.js';
import type { RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { networkUpdate, projectGetNetworks } from '../db/api/networks.js';

function portOf(port: number | string): number {
  const n = typeof port === 'number' ? port : /^\d{1,5}$/.test(port.trim()) ? Number(port) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidInput(`Invalid VPN port: ${String(port)}`);
  return n;
}

/**
 * Sets vpn_public_address/vpn_public_port on every network of the project (as Grizzly's
 * `nova-manage vpn change` and cloudpipe_update do); returns how many. A project without
 * a network is a NetworkNotFound: nothing would forward to its VPN.
 */
export async function setProjectVpn(
  db: Db,
  ctx: RequestContext | null,
  projectId: string,
  address: string,
  port: number | string,
): Promise<number> {
  if (!parseIp(address)) throw new InvalidInput(`Invalid VPN address: ${address}`);
  const portNumber = portOf(port);
  const networks = await projectGetNetworks(db, ctx, projectId, { associate: false });
  if (networks.length === 0) throw new NetworkNotFound(`Project ${projectId} has no network.`);
  for (const n of networks) await networkUpdate(db, ctx, n.id, { vpn_public_address: address, vpn_public_port: portNumber });
  return networks.length;
}
