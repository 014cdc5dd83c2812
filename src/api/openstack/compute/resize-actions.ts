/**
 * resize, confirmResize and revertResize (core actions), and the admin's cold `migrate`
 * (os-admin-actions; compute-core.md §3). Nova's v2 controller answers a missing or
 * unknown flavorRef with 400, and confirm/revert of an instance with no finished resize
 * with 400 "Instance has not been resized.".
 */
import { Type } from 'typebox';
import { FlavorNotFound, InvalidRequest } from '../../../common/errors.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import { confirmResize, resize, revertResize } from '../../../compute/api/resize.js';
import { defineResource, type ResourceModule } from '../routing.js';

const PATH = '/servers/:server_id/action';

const ResizeBody = Type.Object(
  {
    resize: Type.Object(
      {
        flavorRef: Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 0 })]),
        'OS-DCF:diskConfig': Type.Optional(Type.String({ enum: ['AUTO', 'MANUAL'] })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

function flavorIdOf(ref: string | number): string {
  const trimmed = String(ref).replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

export function resizeActionsResource(deps: { compute: ComputeAPI }): ResourceModule {
  const { compute } = deps;
  return defineResource('resize-actions', (r) => {
    r.action({
      path: PATH,
      action: 'resize',
      body: ResizeBody,
      handler: async (req) => {
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        try {
          await resize(compute.deps, req.ctx, instance, flavorIdOf(req.body.resize.flavorRef));
        } catch (err) {
          if (err instanceof FlavorNotFound) throw new InvalidRequest('Unable to locate requested flavor.');
          throw err;
        }
        return undefined;
      },
    });
    r.action({
      path: PATH,
      action: 'confirmResize',
      successStatus: 204,
      handler: async (req) => {
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await confirmResize(compute.deps, req.ctx, instance);
        return undefined;
      },
    });
    r.action({
      path: PATH,
      action: 'revertResize',
      handler: async (req) => {
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await revertResize(compute.deps, req.ctx, instance);
        return undefined;
      },
    });
    r.action({
      path: PATH,
      action: 'migrate',
      handler: async (req) => {
        req.authorize('compute_extension:admin_actions:migrate');
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await resize(compute.deps, req.ctx, instance, null);
        return undefined;
      },
    });
  });
}
