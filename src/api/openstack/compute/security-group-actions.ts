/**
 * The server actions `addSecurityGroup` and `removeSecurityGroup` (nova/api/openstack/compute/contrib/security_groups.py SecurityGroupActionController), served at every microversion.
 */
import { Type } from 'typebox';
import { InvalidInput } from '../../../common/errors.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import type { SecurityGroupAPI } from '../../../compute/security-groups.js';
import { defineResource, type ResourceModule } from '../routing.js';

const actionBody = (action: string) =>
  Type.Object({ [action]: Type.Object({ name: Type.Unknown() }, { additionalProperties: true }) }, { additionalProperties: false });

function groupName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidInput('Security group name cannot be empty');
  return value;
}

export function securityGroupActionsResource(deps: { compute: ComputeAPI; securityGroups: SecurityGroupAPI }): ResourceModule {
  const { compute, securityGroups } = deps;
  return defineResource('security-group-actions', (r) => {
    r.action({
      path: '/servers/:server_id/action',
      action: 'addSecurityGroup',
      body: actionBody('addSecurityGroup'),
      handler: async (req) => {
        req.authorize('compute_extension:security_groups');
        const name = groupName((req.body as { addSecurityGroup: { name: unknown } }).addSecurityGroup.name);
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await securityGroups.addToInstance(req.ctx, instance, name);
        return undefined;
      },
    });

    r.action({
      path: '/servers/:server_id/action',
      action: 'removeSecurityGroup',
      body: actionBody('removeSecurityGroup'),
      handler: async (req) => {
        req.authorize('compute_extension:security_groups');
        const name = groupName((req.body as { removeSecurityGroup: { name: unknown } }).removeSecurityGroup.name);
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        await securityGroups.removeFromInstance(req.ctx, instance, name);
        return undefined;
      },
    });
  });
}
