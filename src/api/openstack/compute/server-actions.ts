/** The core server actions: reboot and changePassword (compute-core.md §3). */
import { Type } from 'typebox';
import { setAdminPassword } from '../../../compute/api/guest.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import { reboot } from '../../../compute/api/power.js';
import { defineResource, type ResourceModule } from '../routing.js';

const PATH = '/servers/:server_id/action';

const RebootBody = Type.Object(
  {
    reboot: Type.Object({ type: Type.String({ enum: ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'] }) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

const ChangePasswordBody = Type.Object(
  { changePassword: Type.Object({ adminPass: Type.String() }, { additionalProperties: false }) },
  { additionalProperties: false },
);

export function serverActionsResource(deps: { compute: ComputeAPI }): ResourceModule {
  const { compute } = deps;
  return defineResource('server-actions', (r) => {
    r.action({
      path: PATH,
      action: 'reboot',
      body: RebootBody,
      handler: async (req) => {
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await reboot(compute.deps, req.ctx, instance, req.body.reboot.type);
        return undefined;
      },
    });
    r.action({
      path: PATH,
      action: 'changePassword',
      body: ChangePasswordBody,
      handler: async (req) => {
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await setAdminPassword(compute.deps, req.ctx, instance, req.body.changePassword.adminPass);
        return undefined;
      },
    });
  });
}
