/**
 * `os-security-group-default-rules` (nova/api/openstack/compute/contrib/security_group_default_rules.py), admin: the rules every new `default` group
 * starts with. Served up to microversion 2.35.
 */
import { Type } from 'typebox';
import type { SecurityGroupAPI, SecurityGroupDefaultRule } from '../../../compute/security-groups.js';
import { defineResource, type ResourceModule } from '../routing.js';
import { PROXY_MAX_VERSION } from './floating-ips.js';
import { integerId } from './security-groups.js';

const RULE = 'compute_extension:security_group_default_rules';

function defaultRuleView(rule: SecurityGroupDefaultRule): Record<string, unknown> {
  return {
    id: rule.id,
    ip_protocol: rule.protocol,
    from_port: rule.from_port,
    to_port: rule.to_port,
    ip_range: rule.cidr === null ? {} : { cidr: rule.cidr },
  };
}

const loose = Type.Unknown();

const CreateBody = Type.Object(
  {
    security_group_default_rule: Type.Object(
      { ip_protocol: loose, from_port: loose, to_port: loose, cidr: Type.Optional(loose) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export function securityGroupDefaultRulesResource(securityGroups: SecurityGroupAPI): ResourceModule {
  return defineResource('os-security-group-default-rules', (r) => {
    r.route({
      method: 'GET',
      path: '/os-security-group-default-rules',
      maxVersion: PROXY_MAX_VERSION,
      handler: async (req) => {
        req.authorize(RULE);
        return { security_group_default_rules: (await securityGroups.listDefaultRules(req.ctx)).map(defaultRuleView) };
      },
    });

    r.route({
      method: 'POST',
      path: '/os-security-group-default-rules',
      maxVersion: PROXY_MAX_VERSION,
      body: CreateBody,
      handler: async (req) => {
        req.authorize(RULE);
        const body = req.body.security_group_default_rule as Record<string, unknown>;
        const rule = await securityGroups.createDefaultRule(req.ctx, {
          ip_protocol: body.ip_protocol,
          from_port: body.from_port,
          to_port: body.to_port,
          cidr: body.cidr,
        });
        return { security_group_default_rule: defaultRuleView(rule) };
      },
    });

    r.route({
      method: 'GET',
      path: '/os-security-group-default-rules/:id',
      maxVersion: PROXY_MAX_VERSION,
      handler: async (req) => {
        req.authorize(RULE);
        const rule = await securityGroups.getDefaultRule(req.ctx, integerId(req.params.id, 'Security group default rule'));
        return { security_group_default_rule: defaultRuleView(rule) };
      },
    });

    r.route({
      method: 'DELETE',
      path: '/os-security-group-default-rules/:id',
      maxVersion: PROXY_MAX_VERSION,
      successStatus: 204,
      handler: async (req) => {
        req.authorize(RULE);
        await securityGroups.destroyDefaultRule(req.ctx, integerId(req.params.id, 'Security group default rule'));
        return undefined;
      },
    });
  });
}
