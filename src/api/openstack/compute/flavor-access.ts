/**
 * `os-flavor-access`: which projects may use a private flavor. Listing is open to any
 * caller (policy `compute_extension:flavor_access`); granting and revoking are for admins.
 */
import { Type } from 'typebox';
import { NotFound } from '../../../common/errors.js';
import { registerPolicyDefaults } from '../../../policy/defaults.js';
import { defineResource, type ResourceModule } from '../routing.js';
import type { ComputeApiServices } from './index.js';
import { PROJECT_ID_PATTERN } from './parameter-types.js';

// Grizzly only refused non-admins deep in the DB layer; named rules make that a policy decision.
registerPolicyDefaults({
  'compute_extension:flavor_access:addTenantAccess': 'rule:admin_api',
  'compute_extension:flavor_access:removeTenantAccess': 'rule:admin_api',
});

const tenantBody = (action: string) =>
  Type.Object(
    { [action]: Type.Object({ tenant: Type.String({ pattern: PROJECT_ID_PATTERN }) }, { additionalProperties: false }) },
    { additionalProperties: false },
  );

export function flavorAccessResource(services: ComputeApiServices): ResourceModule {
  async function accessList(flavorid: string): Promise<{ flavor_access: { flavor_id: string; tenant_id: string }[] }> {
    const rows = await services.flavors.getAccess(null, flavorid);
    return { flavor_access: rows.map((a) => ({ flavor_id: a.flavor_id, tenant_id: a.project_id })) };
  }

  return defineResource('os-flavor-access', (r) => {
    r.route({
      method: 'GET',
      path: '/flavors/:flavor_id/os-flavor-access',
      handler: async (req) => {
        req.authorize('compute_extension:flavor_access');
        const flavor = await services.flavors.get(null, req.params.flavor_id as string, 'no');
        if (flavor.is_public !== false) throw new NotFound('Access list not available for public flavors.');
        return accessList(flavor.flavorid as string);
      },
    });
    r.action({
      path: '/flavors/:flavor_id/action',
      action: 'addTenantAccess',
      body: tenantBody('addTenantAccess'),
      successStatus: 200,
      handler: async (req) => {
        req.authorize('compute_extension:flavor_access');
        req.authorize('compute_extension:flavor_access:addTenantAccess');
        const flavorid = req.params.flavor_id as string;
        const body = req.body as Record<string, { tenant: string }>;
        await services.flavors.addAccess(req.ctx, flavorid, (body.addTenantAccess as { tenant: string }).tenant);
        return accessList(flavorid);
      },
    });
    r.action({
      path: '/flavors/:flavor_id/action',
      action: 'removeTenantAccess',
      body: tenantBody('removeTenantAccess'),
      successStatus: 200,
      handler: async (req) => {
        req.authorize('compute_extension:flavor_access');
        req.authorize('compute_extension:flavor_access:removeTenantAccess');
        const flavorid = req.params.flavor_id as string;
        const body = req.body as Record<string, { tenant: string }>;
        await services.flavors.removeAccess(req.ctx, flavorid, (body.removeTenantAccess as { tenant: string }).tenant);
        return accessList(flavorid);
      },
    });
  });
}
