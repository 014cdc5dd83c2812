/** `restore` and `forceDelete` (the os-deferred-delete extension): what becomes of a soft-deleted server. */
import { forceDeleteInstance, restoreInstance } from '../../../compute/api/deferred-delete.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import { defineResource, type ResourceModule } from '../routing.js';

const PATH = '/servers/:server_id/action';

export function deferredDeleteResource(deps: { compute: ComputeAPI }): ResourceModule {
  const { compute } = deps;
  return defineResource('os-deferred-delete', (r) => {
    r.action({
      path: PATH,
      action: 'restore',
      handler: async (req) => {
        req.authorize('compute_extension:deferred_delete');
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await restoreInstance(compute.deps, req.ctx, instance);
        return undefined;
      },
    });
    r.action({
      path: PATH,
      action: 'forceDelete',
      handler: async (req) => {
        req.authorize('compute_extension:deferred_delete');
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await forceDeleteInstance(compute.deps, req.ctx, instance);
        return undefined;
      },
    });
  });
}
