/**
 * `os-tenant-networks` (contrib/os_tenant_networks.py): the
 * networks a project may use — its own and the shared ones — with id, cidr and label.
 * Reads are served up to 2.35; creating and deleting networks stays with os-networks.
 */
import { NotFound } from '../../../common/errors.js';
import type { NetworkAPI, NetworkRecord } from '../../../network/api.js';
import { defineResource, type ResourceModule } from '../routing.js';
import { PROXY_MAX_VERSION } from './floating-ips.js';

// Grizzly's policy.json had no rule for it, so the default (admin_or_owner) applied.
const RULE = 'compute_extension:os-tenant-networks';

function tenantNetworkView(n: NetworkRecord): Record<string, unknown> {
  return { id: n.uuid, cidr: n.cidr, label: n.label };
}

export function tenantNetworksResource(network: Pick<NetworkAPI, 'getAll'>): ResourceModule {
  const visible = async (ctx: Parameters<NetworkAPI['getAll']>[0]) =>
    (await network.getAll(ctx)).filter((n) => n.project_id === null || n.project_id === ctx.projectId);
  return defineResource('os-tenant-networks', (r) => {
    r.route({
      method: 'GET',
      path: '/os-tenant-networks',
      maxVersion: PROXY_MAX_VERSION,
      handler: async (req) => {
        req.authorize(RULE);
        return { networks: (await visible(req.ctx)).map(tenantNetworkView) };
      },
    });

    r.route({
      method: 'GET',
      path: '/os-tenant-networks/:id',
      maxVersion: PROXY_MAX_VERSION,
      handler: async (req) => {
        req.authorize(RULE);
        const found = (await visible(req.ctx)).find((n) => n.uuid === req.params.id);
        if (!found) throw new NotFound('Network not found');
        return { network: tenantNetworkView(found) };
      },
    });
  });
}
