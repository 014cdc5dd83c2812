/** `/servers/{id}/os-server-password`: the password the server's guest posted (nova/api/openstack/compute/contrib/server_password.py). */

import type { ComputeAPI } from '../../../compute/api/index.js';
import { clearServerPassword } from '../../../compute/api/server-password.js';
import { extractPassword } from '../../../metadata/password.js';
import { defineResource, type ResourceModule } from '../routing.js';

const RULE = 'compute_extension:server_password';

export function serverPasswordResource(deps: { compute: ComputeAPI }): ResourceModule {
  const { compute } = deps;
  return defineResource('server-password', (r) => {
    r.route({
      method: 'GET',
      path: '/servers/:server_id/os-server-password',
      handler: async (req) => {
        req.authorize(RULE);
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        return { password: extractPassword(instance.system_metadata) ?? '' };
      },
    });
    r.route({
      method: 'DELETE',
      path: '/servers/:server_id/os-server-password',
      successStatus: 204,
      handler: async (req) => {
        req.authorize(RULE);
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await clearServerPassword(compute.deps.db, req.ctx, instance);
        return undefined;
      },
    });
  });
}
