/**
 * `/limits`: the project's absolute limits and, through `os-used-limits`, what it uses.
 * Rate limits went away with v2.1, so `rate` is always empty.
 */
import { registerPolicyDefaults } from '../../../policy/defaults.js';
import type { ProjectQuota } from '../../../quota/engine.js';
import { queryParam } from '../common.js';
import { defineResource, type ResourceModule } from '../routing.js';
import type { ComputeApiServices } from './index.js';

registerPolicyDefaults({ 'compute_extension:used_limits_for_admin': 'rule:admin_api' });

/** Absolute limit keys and the quota resource behind each. */
const ABSOLUTE_LIMITS: ReadonlyArray<readonly [string, string]> = [
  ['maxTotalInstances', 'instances'],
  ['maxTotalCores', 'cores'],
  ['maxTotalRAMSize', 'ram'],
  ['maxTotalKeypairs', 'key_pairs'],
  ['maxTotalFloatingIps', 'floating_ips'],
  ['maxServerMeta', 'metadata_items'],
  ['maxImageMeta', 'metadata_items'],
  ['maxPersonality', 'injected_files'],
  ['maxPersonalitySize', 'injected_file_content_bytes'],
  ['maxSecurityGroups', 'security_groups'],
  ['maxSecurityGroupRules', 'security_group_rules'],
];

const USED_LIMITS: ReadonlyArray<readonly [string, string]> = [
  ['totalInstancesUsed', 'instances'],
  ['totalCoresUsed', 'cores'],
  ['totalRAMUsed', 'ram'],
  ['totalFloatingIpsUsed', 'floating_ips'],
  ['totalSecurityGroupsUsed', 'security_groups'],
];

export function limitsResource(services: ComputeApiServices): ResourceModule {
  return defineResource('limits', (r) => {
    r.route({
      method: 'GET',
      path: '/limits',
      handler: async (req) => {
        const requested = queryParam(req.query, 'tenant_id');
        const projectId =
          requested !== undefined && requested !== req.ctx.projectId && req.allowed('compute_extension:used_limits_for_admin')
            ? requested
            : (req.ctx.projectId ?? '');
        const quotas: Record<string, ProjectQuota> = await services.quota.getProjectQuotas(req.ctx, projectId, { usages: true });
        const absolute: Record<string, number> = {};
        for (const [key, resource] of ABSOLUTE_LIMITS) absolute[key] = quotas[resource]?.limit ?? -1;
        if (req.allowed('compute_extension:used_limits', { project_id: projectId, user_id: req.ctx.userId })) {
          const withReserved = queryParam(req.query, 'reserved') === '1';
          for (const [key, resource] of USED_LIMITS) {
            const q = quotas[resource];
            absolute[key] = (q?.in_use ?? 0) + (withReserved ? (q?.reserved ?? 0) : 0);
          }
        }
        return { limits: { rate: [], absolute } };
      },
    });
  });
}
