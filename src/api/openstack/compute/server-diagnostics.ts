/** `GET /servers/{id}/diagnostics` (the os-server-diagnostics extension, admin only). */
import { getDiagnostics } from '../../../compute/api/guest.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import { defineResource, type ResourceModule } from '../routing.js';

export function serverDiagnosticsResource(deps: { compute: ComputeAPI }): ResourceModule {
  const { compute } = deps;
  return defineResource('server-diagnostics', (r) => {
    r.route({
      method: 'GET',
      path: '/servers/:server_id/diagnostics',
      handler: async (req) => {
        req.authorize('compute_extension:server_diagnostics');
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        return getDiagnostics(compute.deps, req.ctx, instance);
      },
    });
  });
}
