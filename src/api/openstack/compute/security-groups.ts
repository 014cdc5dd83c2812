/**
 * `os-security-groups`, `os-security-group-rules` and `/servers/{id}/os-security-groups`
 * (contrib/security_groups.py). Groups and rules are served up
 * to microversion 2.35; a server's groups at every version.
 */
import { Type } from 'typebox';
import { InvalidInput } from '../../../common/errors.js';
import type { ComputeAPI } from '../../../compute/api/index.js';
import type { SecurityGroupAPI, SecurityGroupRuleRecord, SecurityGroupWithRules } from '../../../compute/security-groups.js';
import { type ComputeRequest, defineResource, type ResourceModule } from '../routing.js';
import { PROXY_MAX_VERSION } from './floating-ips.js';

const RULE = 'compute_extension:security_groups';

export function securityGroupRuleView(rule: SecurityGroupRuleRecord): Record<string, unknown> {
  return {
    id: rule.id,
    parent_group_id: rule.parent_group_id,
    ip_protocol: rule.protocol,
    from_port: rule.from_port,
    to_port: rule.to_port,
    group: rule.grantee_group ? { name: rule.grantee_group.name, tenant_id: rule.grantee_group.project_id } : {},
    ip_range: rule.grantee_group || rule.cidr === null ? {} : { cidr: rule.cidr },
  };
}

export function securityGroupView(group: SecurityGroupWithRules): Record<string, unknown> {
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    tenant_id: group.project_id,
    rules: group.rules.map(securityGroupRuleView),
  };
}

/** An integer id from a path or body, InvalidInput otherwise (Nova's validate_id). */
export function integerId(value: unknown, what: string): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^\d{1,10}$/.test(text) || Number(text) > 2 ** 31 - 1) throw new InvalidInput(`${what} id should be integer`);
  return Number.parseInt(text, 10);
}

const loose = Type.Unknown();

const GroupBody = Type.Object(
  { security_group: Type.Object({ name: loose, description: loose }, { additionalProperties: true }) },
  { additionalProperties: false },
);

const RuleBody = Type.Object(
  {
    security_group_rule: Type.Object(
      {
        parent_group_id: loose,
        ip_protocol: Type.Optional(loose),
        from_port: Type.Optional(loose),
        to_port: Type.Optional(loose),
        cidr: Type.Optional(loose),
        group_id: Type.Optional(loose),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

function pagination(req: ComputeRequest): { limit: number | null; offset: number } {
  const read = (name: string): number | null => {
    const raw = req.query[name];
    if (raw === undefined) return null;
    const text = Array.isArray(raw) ? raw[0] : raw;
    if (!/^\d+$/.test(text ?? '')) throw new InvalidInput(`${name} param must be an integer`);
    return Number.parseInt(text as string, 10);
  };
  return { limit: read('limit'), offset: read('offset') ?? 0 };
}

export function securityGroupsResource(deps: { compute: ComputeAPI; securityGroups: SecurityGroupAPI }): ResourceModule {
  const { compute, securityGroups } = deps;
  return defineResource('os-security-groups', (r) => {
    r.route({
      method: 'GET',
      path: '/os-security-groups',
      maxVersion: PROXY_MAX_VERSION,
      handler: async (req) => {
        req.authorize(RULE);
        const { limit, offset } = pagination(req);
        const allTenants = req.query.all_tenants !== undefined && req.query.all_tenants !== '0';
        const groups = await securityGroups.list(req.ctx, { allTenants });
        const page = groups.slice(offset, limit === null ? undefined : offset + limit);
        return { security_groups: page.map(securityGroupView) };
      },
    });

    r.route({
      method: 'POST',
      path: '/os-security-groups',
      maxVersion: PROXY_MAX_VERSION,
      body: GroupBody,
      handler: async (req) => {
        req.authorize(RULE);
        const { name, description } = req.body.security_group as { name: unknown; description: unknown };
        return { security_group: securityGroupView(await securityGroups.create(req.ctx, name, description)) };
      },
    });

    r.route({
      method: 'GET',
      path: '/os-security-groups/:id',
      maxVersion: PROXY_MAX_VERSION,
      handler: async (req) => {
        req.authorize(RULE);
        const id = integerId(req.params.id, 'Security group');
        return { security_group: securityGroupView(await securityGroups.get(req.ctx, id)) };
      },
    });

    r.route({
      method: 'PUT',
      path: '/os-security-groups/:id',
      maxVersion: PROXY_MAX_VERSION,
      body: GroupBody,
      handler: async (req) => {
        req.authorize(RULE);
        const id = integerId(req.params.id, 'Security group');
        const { name, description } = req.body.security_group as { name: unknown; description: unknown };
        return { security_group: securityGroupView(await securityGroups.update(req.ctx, id, name, description)) };
      },
    });

    r.route({
      method: 'DELETE',
      path: '/os-security-groups/:id',
      maxVersion: PROXY_MAX_VERSION,
      successStatus: 202,
      handler: async (req) => {
        req.authorize(RULE);
        await securityGroups.destroy(req.ctx, integerId(req.params.id, 'Security group'));
        return undefined;
      },
    });

    r.route({
      method: 'POST',
      path: '/os-security-group-rules',
      maxVersion: PROXY_MAX_VERSION,
      body: RuleBody,
      handler: async (req) => {
        req.authorize(RULE);
        const body = req.body.security_group_rule as Record<string, unknown>;
        const parentId = integerId(body.parent_group_id, 'Parent group');
        const hasGroup = body.group_id !== undefined && body.group_id !== null && body.group_id !== '';
        const rule = await securityGroups.addRule(req.ctx, parentId, {
          ip_protocol: body.ip_protocol,
          from_port: body.from_port,
          to_port: body.to_port,
          cidr: body.cidr,
          group_id: hasGroup ? integerId(body.group_id, 'Security group') : null,
        });
        return { security_group_rule: securityGroupRuleView(rule) };
      },
    });

    r.route({
      method: 'DELETE',
      path: '/os-security-group-rules/:id',
      maxVersion: PROXY_MAX_VERSION,
      successStatus: 202,
      handler: async (req) => {
        req.authorize(RULE);
        await securityGroups.removeRule(req.ctx, integerId(req.params.id, 'Security group rule'));
        return undefined;
      },
    });

    r.route({
      method: 'GET',
      path: '/servers/:server_id/os-security-groups',
      handler: async (req) => {
        req.authorize(RULE);
        const instance = await compute.get(req.ctx, req.params.server_id as string);
        const groups = await securityGroups.instanceGroups(req.ctx, instance.uuid as string);
        return { security_groups: groups.map(securityGroupView) };
      },
    });
  });
}
