/** `rescue` and `unrescue` (the os-rescue extension). */
import { Type } from 'typebox';
import { rescue } from '../../../compute/api/guest.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import { simpleAction } from '../../../compute/api/power.js';
import { computeApiOpts } from '../../../compute/api-opts.js';
import type { Config } from '../../../config/config.js';
import { ComputeResponse, defineResource, type ResourceModule } from '../routing.js';

const PATH = '/servers/:server_id/action';
const RULE = 'compute_extension:rescue';

const RescueBody = Type.Object(
  {
    rescue: Type.Union([
      Type.Null(),
      Type.Object(
        {
          adminPass: Type.Optional(Type.String()),
          rescue_image_ref: Type.Optional(Type.Unsafe<string>({ type: 'string', format: 'uuid' })),
        },
        { additionalProperties: false },
      ),
    ]),
  },
  { additionalProperties: false },
);

export function rescueResource(deps: { conf: Config; compute: ComputeAPI }): ResourceModule {
  const { compute } = deps;
  return defineResource('rescue', (r) => {
    r.action({
      path: PATH,
      action: 'rescue',
      body: RescueBody,
      successStatus: 200,
      handler: async (req) => {
        req.authorize(RULE);
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        const password = await rescue(compute.deps, req.ctx, instance, req.body.rescue?.adminPass ?? null);
        const show = deps.conf.get(computeApiOpts).enable_instance_password ?? true;
        return new ComputeResponse(show ? { adminPass: password } : {});
      },
    });
    r.action({
      path: PATH,
      action: 'unrescue',
      handler: async (req) => {
        req.authorize(RULE);
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await simpleAction(compute.deps, req.ctx, instance, 'unrescue');
        return undefined;
      },
    });
  });
}
