/**
 * The os-admin-actions extension's single-host actions: pause, unpause, suspend, resume,
 * lock, unlock, resetState, resetNetwork, injectNetworkInfo, createBackup (nova/api/openstack/compute/servers.py and its contrib/ actions). Each is
 * authorised by its `compute_extension:admin_actions:<name>` rule before the server is
 * looked up, as Nova's extension does, then by compute.api's own rules.
 */
import { Type } from 'typebox';
import { injectNetworkInfo, lockInstance, resetNetwork, resetState, unlockInstance } from '../../../compute/api/guest.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import { simpleAction } from '../../../compute/api/power.js';
import { backup } from '../../../compute/api/snapshot.js';
import { ComputeResponse, defineResource, type ResourceModule } from '../routing.js';
import { metadata, Name, NonNegativeInteger } from './parameter-types.js';
import { imageLocation } from './server-actions.js';

const PATH = '/servers/:server_id/action';
const RULE = 'compute_extension:admin_actions';

const ResetStateBody = Type.Object(
  { 'os-resetState': Type.Object({ state: Type.String({ enum: ['active', 'error'] }) }, { additionalProperties: false }) },
  { additionalProperties: false },
);

const CreateBackupBody = Type.Object(
  {
    createBackup: Type.Object(
      { name: Name, backup_type: Type.String(), rotation: NonNegativeInteger, metadata: Type.Optional(metadata()) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export function adminActionsResource(deps: { compute: ComputeAPI }): ResourceModule {
  const { compute } = deps;
  return defineResource('admin-actions', (r) => {
    for (const action of ['pause', 'unpause', 'suspend', 'resume'] as const) {
      r.action({
        path: PATH,
        action,
        handler: async (req) => {
          req.authorize(`${RULE}:${action}`);
          const instance = await compute.get(req.ctx, req.params.server_id as string);
          await simpleAction(compute.deps, req.ctx, instance, action);
          return undefined;
        },
      });
    }
    r.action({
      path: PATH,
      action: 'createBackup',
      body: CreateBackupBody,
      handler: async (req) => {
        req.authorize(`${RULE}:createBackup`);
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        const b = req.body.createBackup;
        const rotation = Number(b.rotation);
        const imageId = await backup(compute.deps, req.ctx, instance, b.name, { type: b.backup_type, rotation }, b.metadata ?? {});
        // A rotation of 0 keeps no backup, so there is nothing to point at.
        return new ComputeResponse(undefined, rotation > 0 ? { headers: { Location: imageLocation(req, imageId) } } : {});
      },
    });
    r.action({
      path: PATH,
      action: 'lock',
      handler: async (req) => {
        req.authorize(`${RULE}:lock`);
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await lockInstance(compute.deps, req.ctx, instance);
        return undefined;
      },
    });
    r.action({
      path: PATH,
      action: 'unlock',
      handler: async (req) => {
        req.authorize(`${RULE}:unlock`);
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await unlockInstance(compute.deps, req.ctx, instance);
        return undefined;
      },
    });
    r.action({
      path: PATH,
      action: 'os-resetState',
      body: ResetStateBody,
      handler: async (req) => {
        req.authorize(`${RULE}:resetState`);
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await resetState(compute.deps, req.ctx, instance, req.body['os-resetState'].state as 'active' | 'error');
        return undefined;
      },
    });
    r.action({
      path: PATH,
      action: 'resetNetwork',
      handler: async (req) => {
        req.authorize(`${RULE}:resetNetwork`);
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await resetNetwork(compute.deps, req.ctx, instance);
        return undefined;
      },
    });
    r.action({
      path: PATH,
      action: 'injectNetworkInfo',
      handler: async (req) => {
        req.authorize(`${RULE}:injectNetworkInfo`);
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await injectNetworkInfo(compute.deps, req.ctx, instance);
        return undefined;
      },
    });
  });
}
