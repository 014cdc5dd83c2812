/** The core server actions: reboot, changePassword and createImage (nova/api/openstack/compute/servers.py and its contrib/ actions). */
import { Type } from 'typebox';
import { setAdminPassword } from '../../../compute/api/guest.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import { reboot } from '../../../compute/api/power.js';
import { snapshot } from '../../../compute/api/snapshot.js';
import { type ComputeRequest, ComputeResponse, defineResource, type ResourceModule } from '../routing.js';
import { urlJoin } from '../urls.js';
import { metadata, Name } from './parameter-types.js';

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

const CreateImageBody = Type.Object(
  { createImage: Type.Object({ name: Name, metadata: Type.Optional(metadata()) }, { additionalProperties: false }) },
  { additionalProperties: false },
);

/** Where a client finds an image the action created: under the caller's project, as Nova builds it. */
export function imageLocation(req: ComputeRequest, imageId: string): string {
  return urlJoin(req.urls.versionRoot, ...(req.ctx.projectId ? [req.ctx.projectId] : []), 'images', imageId);
}

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
      action: 'createImage',
      body: CreateImageBody,
      handler: async (req) => {
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        const { name, metadata: props } = req.body.createImage;
        const imageId = await snapshot(compute.deps, req.ctx, instance, name, props ?? {});
        return new ComputeResponse(undefined, { headers: { Location: imageLocation(req, imageId) } });
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
