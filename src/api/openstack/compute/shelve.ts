/** `shelve`, `shelveOffload` and `unshelve` (the os-shelve extension of Havana; 202, no body). */
import type { ComputeAPI } from '../../../compute/api/index.js';
import { shelve, shelveOffload, unshelve } from '../../../compute/api/shelve.js';
import { registerPolicyDefaults } from '../../../policy/defaults.js';
import { defineResource, type ResourceModule } from '../routing.js';

// Havana's rules: not in Grizzly's policy.json, so registered beside the routes that enforce them.
registerPolicyDefaults({
  'compute_extension:shelve': '',
  'compute_extension:shelveOffload': 'rule:admin_api',
  'compute_extension:unshelve': '',
});

const PATH = '/servers/:server_id/action';

export function shelveResource(deps: { compute: ComputeAPI }): ResourceModule {
  const { compute } = deps;
  return defineResource('shelve', (r) => {
    r.action({
      path: PATH,
      action: 'shelve',
      handler: async (req) => {
        req.authorize('compute_extension:shelve');
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await shelve(compute.deps, req.ctx, instance);
        return undefined;
      },
    });
    r.action({
      path: PATH,
      action: 'shelveOffload',
      handler: async (req) => {
        req.authorize('compute_extension:shelveOffload');
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await shelveOffload(compute.deps, req.ctx, instance);
        return undefined;
      },
    });
    r.action({
      path: PATH,
      action: 'unshelve',
      handler: async (req) => {
        req.authorize('compute_extension:unshelve');
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await unshelve(compute.deps, req.ctx, instance);
        return undefined;
      },
    });
  });
}
