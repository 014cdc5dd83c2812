/**
 * `os-quota-sets`: a project's limits (show, defaults, detail with usage), changed and
 * reset by admins. Quotas are per project; a `user_id` query names no separate limits.
 */
import { Type } from 'typebox';
import { Forbidden, InvalidInput, InvalidQuotaValue } from '../../../common/errors.js';
import { registerPolicyDefaults } from '../../../policy/defaults.js';
import type { QuotaEngine } from '../../../quota/engine.js';
import { queryParam } from '../common.js';
import { type ComputeRequest, defineResource, type ResourceModule } from '../routing.js';
import type { ComputeApiServices } from './index.js';
import { BOOLEAN_VALUES, checkProjectId, MAX_INT, parseBoolean } from './parameter-types.js';

registerPolicyDefaults({ 'compute_extension:quotas:delete': 'rule:admin_api' });

/** A limit as a v2.1 body may give it: an integer from -1 (unlimited) to 2^31-1, or such a number written as a string. */
export const quotaLimitSchema = Type.Unsafe<number | string>({
  type: ['integer', 'string'],
  pattern: '^-?[0-9]+$',
  minimum: -1,
  maximum: MAX_INT,
  minLength: 1,
});

/** The body schema of a quota (class) set update: every registered resource, plus `extra`. */
export function quotaUpdateSchema(wrapper: string, resources: readonly string[], extra: Record<string, unknown> = {}) {
  const props: Record<string, unknown> = { ...extra };
  for (const name of resources) props[name] = quotaLimitSchema;
  return Type.Unsafe<Record<string, Record<string, number | string | boolean>>>({
    type: 'object',
    properties: { [wrapper]: { type: 'object', properties: props, additionalProperties: false } },
    required: [wrapper],
    additionalProperties: false,
  });
}

/** Integer limits from a validated body; InvalidQuotaValue (400) below -1. */
export function parseLimits(values: Readonly<Record<string, unknown>>, resources: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of resources) {
    const raw = values[name];
    if (raw === undefined) continue;
    const n = typeof raw === 'number' ? raw : Number.parseInt(String(raw), 10);
    if (!Number.isInteger(n) || n < -1) throw new InvalidQuotaValue(`Quota limit ${String(raw)} for ${name} must be -1 or greater.`);
    out[name] = n;
  }
  return out;
}

function requireProjectAccess(req: ComputeRequest, projectId: string): void {
  if (!req.ctx.isAdmin && req.ctx.projectId !== projectId) throw new Forbidden('Access was denied to this resource.');
}

async function limitsOf(quota: QuotaEngine, req: ComputeRequest, projectId: string): Promise<Record<string, number>> {
  const quotas = await quota.getProjectQuotas(req.ctx, projectId);
  const out: Record<string, number> = {};
  for (const [name, q] of Object.entries(quotas)) out[name] = q.limit;
  return out;
}

export function quotaSetsResource(services: ComputeApiServices): ResourceModule {
  const quota = services.quota;
  const resources = quota.resourceNames();
  const UpdateBody = quotaUpdateSchema('quota_set', resources, { force: { enum: BOOLEAN_VALUES } });

  return defineResource('os-quota-sets', (r) => {
    r.route({
      method: 'GET',
      path: '/os-quota-sets/:tenant_id',
      handler: async (req) => {
        req.authorize('compute_extension:quotas:show');
        const projectId = req.params.tenant_id as string;
        requireProjectAccess(req, projectId);
        return { quota_set: { id: projectId, ...(await limitsOf(quota, req, projectId)) } };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-quota-sets/:tenant_id/defaults',
      handler: async (req) => {
        req.authorize('compute_extension:quotas:show');
        return { quota_set: { id: req.params.tenant_id as string, ...quota.getDefaults() } };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-quota-sets/:tenant_id/detail',
      handler: async (req) => {
        req.authorize('compute_extension:quotas:show');
        const projectId = req.params.tenant_id as string;
        requireProjectAccess(req, projectId);
        const quotas = await quota.getProjectQuotas(req.ctx, projectId, { usages: true });
        const detail: Record<string, unknown> = { id: projectId };
        for (const [name, q] of Object.entries(quotas)) detail[name] = { limit: q.limit, in_use: q.in_use ?? 0, reserved: q.reserved ?? 0 };
        return { quota_set: detail };
      },
    });
    r.route({
      method: 'PUT',
      path: '/os-quota-sets/:tenant_id',
      body: UpdateBody,
      handler: async (req) => {
        req.authorize('compute_extension:quotas:update');
        if (queryParam(req.query, 'user_id') !== undefined) {
          throw new InvalidInput('Quotas are set per project; per-user quotas are not supported.');
        }
        const projectId = checkProjectId(req.params.tenant_id as string);
        const body = (req.body.quota_set ?? {}) as Record<string, unknown>;
        const force = body.force === undefined ? false : parseBoolean(body.force as boolean | string);
        const limits = parseLimits(body, resources);
        if (!force) {
          const current = await quota.getProjectQuotas(req.ctx, projectId, { usages: true });
          for (const [name, limit] of Object.entries(limits)) {
            const used = (current[name]?.in_use ?? 0) + (current[name]?.reserved ?? 0);
            if (limit !== -1 && limit < used) {
              throw new InvalidInput(
                `Quota limit ${limit} for ${name} must be greater than or equal to already used and reserved ${used}.`,
              );
            }
          }
        }
        for (const [name, limit] of Object.entries(limits)) await quota.updateProjectQuota(projectId, name, limit);
        return { quota_set: await limitsOf(quota, req, projectId) };
      },
    });
    r.route({
      method: 'DELETE',
      path: '/os-quota-sets/:tenant_id',
      successStatus: 202,
      handler: async (req) => {
        req.authorize('compute_extension:quotas:delete');
        await quota.destroyAllByProject(checkProjectId(req.params.tenant_id as string));
        return undefined;
      },
    });
  });
}
