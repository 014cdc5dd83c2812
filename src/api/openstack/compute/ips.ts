/** `/servers/{id}/ips[/{network_label}]` (nova/api/openstack/compute/ips.py): addresses with only version and addr. */
import { NotFound } from '../../../common/errors.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import { defineResource, type ResourceModule } from '../routing.js';
import { instanceAddresses } from './views/servers.js';

export function ipsResource(deps: { compute: ComputeAPI }): ResourceModule {
  const { compute } = deps;
  return defineResource('ips', (r) => {
    r.route({
      method: 'GET',
      path: '/servers/:server_id/ips',
      handler: async (req) => {
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        return { addresses: instanceAddresses(instance, false) };
      },
    });
    r.route({
      method: 'GET',
      path: '/servers/:server_id/ips/:network_label',
      handler: async (req) => {
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        const label = req.params.network_label as string;
        const addresses = instanceAddresses(instance, false);
        const list = addresses[label];
        if (!list) throw new NotFound('Instance is not a member of specified network');
        return { [label]: list };
      },
    });
  });
}
