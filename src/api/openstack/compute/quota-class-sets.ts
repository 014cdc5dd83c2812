/**
 * `os-quota-class-sets`: the limits of a quota class. Anyone may read the class their
 * context carries (admins any class); only admins change them.
 */
import { AdminRequired, Forbidden } from '../../../common/errors.js';
import { defineResource, type ResourceModule } from '../routing.js';
import type { ComputeApiServices } from './index.js';
import { checkProjectId } from './parameter-types.js';
import { parseLimits, quotaUpdateSchema } from './quota-sets.js';

export function quotaClassSetsResource(services: ComputeApiServices): ResourceModule {
  const quota = services.quota;
  const resources = quota.resourceNames();
  const UpdateBody = quotaUpdateSchema('quota_class_set', resources);

  return defineResource('os-quota-class-sets', (r) => {
    r.route({
      method: 'GET',
      path: '/os-quota-class-sets/:class_name',
      handler: async (req) => {
        req.authorize('compute_extension:quota_classes');
        const className = req.params.class_name as string;
        if (!req.ctx.isAdmin && req.ctx.quotaClass !== className) throw new Forbidden('Access was denied to this resource.');
        return { quota_class_set: { id: className, ...(await quota.getClassQuotas(className)) } };
      },
    });
    r.route({
      method: 'PUT',
      path: '/os-quota-class-sets/:class_name',
      body: UpdateBody,
      handler: async (req) => {
        req.authorize('compute_extension:quota_classes');
        if (!req.ctx.isAdmin) throw new AdminRequired();
        const className = checkProjectId(req.params.class_name as string, 'Quota class');
        const limits = parseLimits((req.body.quota_class_set ?? {}) as Record<string, unknown>, resources);
        for (const [name, limit] of Object.entries(limits)) await quota.updateClassQuota(className, name, limit);
        return { quota_class_set: await quota.getClassQuotas(className) };
      },
    });
  });
}
