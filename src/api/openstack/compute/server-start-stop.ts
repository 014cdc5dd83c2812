/** `os-start` and `os-stop` (the os-server-start-stop extension). */
import type { ComputeAPI } from '../../../compute/api/index.js';
import { simpleAction } from '../../../compute/api/power.js';
import { defineResource, type ResourceModule } from '../routing.js';

const PATH = '/servers/:server_id/action';

export function serverStartStopResource(deps: { compute: ComputeAPI }): ResourceModule {
  const { compute } = deps;
  return defineResource('server-start-stop', (r) => {
    for (const [key, action] of [
      ['os-start', 'start'],
      ['os-stop', 'stop'],
    ] as const) {
      r.action({
        path: PATH,
        action: key,
        handler: async (req) => {
          const instance = await compute.get(req.ctx, req.params.server_id as string);
          await simpleAction(compute.deps, req.ctx, instance, action);
          return undefined;
        },
      });
    }
  });
}
