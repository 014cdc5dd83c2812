/**
 * `os-floating-ips` (nova/api/openstack/compute/contrib/floating_ips.py):
 * the caller's project's floating IPs: list, allocate from a pool, show, release. Served
 * up to microversion 2.35, as today's Nova serves its proxy.
 */
import { Type } from 'typebox';
import { InvalidInput, NotFound } from '../../../common/errors.js';
import { NoMoreFloatingIps } from '../../../common/network-errors.js';
import type { FloatingIpView, NetworkAPI } from '../../../network/api.js';
import { type ComputeRequest, defineResource, type ResourceModule } from '../routing.js';

export type FloatingIpsBackend = Pick<
  NetworkAPI,
  | 'getFloatingIp'
  | 'getFloatingIpsByProject'
  | 'allocateFloatingIp'
  | 'releaseFloatingIp'
  | 'disassociateFloatingIp'
  | 'getFloatingIpPools'
  | 'getAllFloatingIps'
  | 'createFloatingIps'
  | 'deleteFloatingIps'
  | 'getFloatingIpByAddress'
  | 'associateFloatingIp'
>;

/** The last microversion that has the nova-network proxy APIs. */
export const PROXY_MAX_VERSION = '2.35';

export function floatingIpView(f: FloatingIpView): Record<string, unknown> {
  return {
    id: f.id,
    ip: f.address,
    pool: f.pool,
    fixed_ip: f.fixed_address,
    instance_id: f.instance_uuid,
  };
}

/** An integer id from the path: 400 on v2.1, 404 on the legacy root (as each answered). */
export function floatingIpId(req: ComputeRequest): number {
  const text = req.params.id as string;
  if (/^\d+$/.test(text) && Number(text) <= 2 ** 31 - 1) return Number.parseInt(text, 10);
  if (req.legacyV2) throw new NotFound(`Floating ip not found for id ${text}`);
  throw new InvalidInput(`Invalid floating ip id ${text}`);
}

const CreateBody = Type.Union([
  Type.Null(),
  Type.Object({ pool: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])) }, { additionalProperties: true }),
]);

export function floatingIpsResource(network: FloatingIpsBackend): ResourceModule {
  return defineResource('os-floating-ips', (r) => {
    r.route({
      method: 'GET',
      path: '/os-floating-ips',
      maxVersion: PROXY_MAX_VERSION,
      handler: async (req) => {
        req.authorize('compute_extension:floating_ips');
        const rows = await network.getFloatingIpsByProject(req.ctx);
        return { floating_ips: rows.map(floatingIpView) };
      },
    });

    r.route({
      method: 'POST',
      path: '/os-floating-ips',
      maxVersion: PROXY_MAX_VERSION,
      body: CreateBody,
      handler: async (req) => {
        req.authorize('compute_extension:floating_ips');
        const pool = (req.body as { pool?: string | null } | null)?.pool ?? null;
        let address: string;
        try {
          address = await network.allocateFloatingIp(req.ctx, pool);
        } catch (err) {
          if (err instanceof NoMoreFloatingIps) {
            throw new NotFound(pool ? `No more floating ips in pool ${pool}.` : 'No more floating ips available.');
          }
          throw err;
        }
        return { floating_ip: floatingIpView(await network.getFloatingIpByAddress(req.ctx, address)) };
      },
    });

    r.route({
      method: 'GET',
      path: '/os-floating-ips/:id',
      maxVersion: PROXY_MAX_VERSION,
      handler: async (req) => {
        req.authorize('compute_extension:floating_ips');
        return { floating_ip: floatingIpView(await network.getFloatingIp(req.ctx, floatingIpId(req))) };
      },
    });

    r.route({
      method: 'DELETE',
      path: '/os-floating-ips/:id',
      maxVersion: PROXY_MAX_VERSION,
      successStatus: 202,
      handler: async (req) => {
        req.authorize('compute_extension:floating_ips');
        const found = await network.getFloatingIp(req.ctx, floatingIpId(req));
        // Releasing an associated address unhooks it first, as Grizzly's controller does.
        if (found.fixed_address) await network.disassociateFloatingIp(req.ctx, found.address);
        await network.releaseFloatingIp(req.ctx, found.address);
        return undefined;
      },
    });
  });
}

/** `os-floating-ip-pools` (contrib/floating_ip_pools.py): the pool names. */
export function floatingIpPoolsResource(network: Pick<NetworkAPI, 'getFloatingIpPools'>): ResourceModule {
  return defineResource('os-floating-ip-pools', (r) => {
    r.route({
      method: 'GET',
      path: '/os-floating-ip-pools',
      maxVersion: PROXY_MAX_VERSION,
      handler: async (req) => {
        req.authorize('compute_extension:floating_ip_pools');
        return { floating_ip_pools: await network.getFloatingIpPools(req.ctx) };
      },
    });
  });
}
