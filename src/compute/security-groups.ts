/**
 * Security groups as Grizzly's nova/compute/api.py SecurityGroupAPI keeps them: groups and
 * rules of a project, the `default` group every project has, default rules, membership of
 * instances, quotas, and the refresh casts that make compute hosts rebuild their firewalls
 * when a rule or a membership changes.
 */
import { InvalidInput, NotFound, OverQuota, SecurityGroupLimitExceeded, SecurityGroupNotFound } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import {
  InvalidSecurityGroup,
  SecurityGroupAlreadyAssociated,
  SecurityGroupDefaultRuleExists,
  SecurityGroupExists,
  SecurityGroupNotAssociated,
  SecurityGroupRuleExists,
} from '../common/security-group-errors.js';
import type { RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { type InstanceRecord, instanceGetByUuid } from '../db/api/instances.js';
import {
  DEFAULT_SECURITY_GROUP,
  instanceAddSecurityGroup,
  instanceRemoveSecurityGroup,
  type SecurityGroupRuleRecord,
  type SecurityGroupWithRules,
  securityGroupCreate,
  securityGroupDefaultRuleCreate,
  securityGroupDefaultRuleDestroy,
  securityGroupDefaultRuleGet,
  securityGroupDefaultRuleList,
  securityGroupDestroy,
  securityGroupEnsureDefault,
  securityGroupExists,
  securityGroupGet,
  securityGroupGetAll,
  securityGroupGetByName,
  securityGroupInUse,
  securityGroupMembers,
  securityGroupRuleCreate,
  securityGroupRuleDestroy,
  securityGroupRuleGet,
  securityGroupsGrantingTo,
  securityGroupUpdate,
  securityGroupWithRulesByInstance,
} from '../db/api/security-groups.js';
import type { SecurityGroupDefaultRule } from '../db/types.js';
import type { QuotaEngine } from '../quota/engine.js';
import type { ComputeClient } from './contract.js';
import { type ParsedRule, parsePorts, parseRule, type RuleArgs, sameRule, validCidr } from './security-group-rules.js';

export type { SecurityGroupRuleRecord, SecurityGroupWithRules } from '../db/api/security-groups.js';
export type { SecurityGroupDefaultRule } from '../db/types.js';

const log = getLogger('nova.compute.security_groups');

/** Nova's checks of a group's name or description: a non-blank string of at most 255 characters. */
export function validateGroupProperty(value: unknown, what: 'name' | 'description'): string {
  if (typeof value !== 'string') throw new InvalidInput(`Security group ${what} is not a string or unicode`);
  const trimmed = value.trim();
  if (!trimmed) throw new InvalidInput(`Security group ${what} cannot be empty.`);
  if (value.length > 255) throw new InvalidInput(`Security group ${what} should not be greater than 255 characters.`);
  return value;
}

export class SecurityGroupAPI {
  readonly #db: Db;
  readonly #quota: QuotaEngine;
  readonly #compute: ComputeClient | null;

  constructor(db: Db, quota: QuotaEngine, compute: ComputeClient | null) {
    this.#db = db;
    this.#quota = quota;
    this.#compute = compute;
  }

  /** The caller's groups (every project's for an admin asking for all tenants); the default group first made if missing. */
  async list(ctx: RequestContext, opts: { allTenants?: boolean } = {}): Promise<SecurityGroupWithRules[]> {
    if (ctx.projectId) await securityGroupEnsureDefault(this.#db, ctx, ctx.projectId);
    return securityGroupGetAll(this.#db, ctx, ctx.isAdmin && opts.allTenants ? null : ctx.projectId);
  }

  /** SecurityGroupNotFound, also for another project's group (non-admin). */
  async get(ctx: RequestContext, id: number): Promise<SecurityGroupWithRules> {
    const group = await securityGroupGet(this.#db, ctx, id);
    if (!ctx.isAdmin && group.project_id !== ctx.projectId) throw new SecurityGroupNotFound(`Security group ${id} not found.`);
    return group;
  }

  async create(ctx: RequestContext, name: unknown, description: unknown): Promise<SecurityGroupWithRules> {
    const groupName = validateGroupProperty(name, 'name');
    const groupDescription = validateGroupProperty(description, 'description');
    const projectId = ctx.projectId ?? '';
    await securityGroupEnsureDefault(this.#db, ctx, projectId);
    if (await securityGroupExists(this.#db, projectId, groupName)) throw new SecurityGroupExists(projectId, groupName);
    await this.#checkQuota(ctx, projectId, { security_groups: 1 }, {}, 'Quota exceeded, too many security groups.');
    const group = await securityGroupCreate(this.#db, ctx, {
      name: groupName,
      description: groupDescription,
      user_id: ctx.userId,
      project_id: projectId,
    });
    try {
      await this.#recheck(ctx, projectId, ['security_groups'], {}, 'Quota exceeded, too many security groups.');
    } catch (err) {
      await securityGroupDestroy(this.#db, ctx, group.id);
      throw err;
    }
    return group;
  }

  async update(ctx: RequestContext, id: number, name: unknown, description: unknown): Promise<SecurityGroupWithRules> {
    const group = await this.get(ctx, id);
    if (group.name === DEFAULT_SECURITY_GROUP) throw new InvalidSecurityGroup("Unable to update system group 'default'");
    const groupName = validateGroupProperty(name, 'name');
    const groupDescription = validateGroupProperty(description, 'description');
    if (groupName !== group.name && (await securityGroupExists(this.#db, group.project_id ?? '', groupName))) {
      throw new SecurityGroupExists(group.project_id ?? '', groupName);
    }
    return securityGroupUpdate(this.#db, ctx, id, { name: groupName, description: groupDescription });
  }

  async destroy(ctx: RequestContext, id: number): Promise<void> {
    const group = await this.get(ctx, id);
    if (group.name === DEFAULT_SECURITY_GROUP) throw new InvalidSecurityGroup("Unable to delete system group 'default'");
    if (await securityGroupInUse(this.#db, id)) throw new InvalidSecurityGroup('Security group is still in use');
    const granting = await securityGroupsGrantingTo(this.#db, [id]);
    await securityGroupDestroy(this.#db, ctx, id);
    // Rules of other groups that named this one as source are gone: their members' filters change.
    for (const groupId of granting) if (groupId !== id) await this.triggerRulesRefresh(ctx, groupId);
  }

  // ---- rules ----------------------------------------------------------------

  /** Adds a rule to a group; `args.group_id` (a source group) must be visible to the caller. */
  async addRule(ctx: RequestContext, parentGroupId: number, args: RuleArgs): Promise<SecurityGroupRuleRecord> {
    const parent = await this.get(ctx, parentGroupId);
    if (args.group_id !== undefined && args.group_id !== null) await this.get(ctx, args.group_id);
    const rule: ParsedRule = parseRule(args);
    if (parent.rules.some((existing) => sameRule(existing, rule))) throw new SecurityGroupRuleExists(parent.name ?? '');
    const projectId = parent.project_id ?? '';
    const scope = { securityGroupId: String(parent.id) };
    const message = 'Quota exceeded, too many security group rules.';
    await this.#checkQuota(ctx, projectId, { security_group_rules: 1 }, scope, message);
    const created = await securityGroupRuleCreate(this.#db, ctx, parent.id, rule);
    try {
      await this.#recheck(ctx, projectId, ['security_group_rules'], scope, message);
    } catch (err) {
      await securityGroupRuleDestroy(this.#db, ctx, created.id);
      throw err;
    }
    await this.triggerRulesRefresh(ctx, parent.id);
    return created;
  }

  async removeRule(ctx: RequestContext, ruleId: number): Promise<void> {
    const rule = await securityGroupRuleGet(this.#db, ctx, ruleId);
    try {
      await this.get(ctx, rule.parent_group_id as number);
    } catch (err) {
      if (err instanceof NotFound) throw new SecurityGroupNotFound(`Rule (${ruleId}) not found`);
      throw err;
    }
    await securityGroupRuleDestroy(this.#db, ctx, ruleId);
    await this.triggerRulesRefresh(ctx, rule.parent_group_id as number);
  }

  // ---- default rules (admin) -------------------------------------------------

  listDefaultRules(ctx: RequestContext): Promise<SecurityGroupDefaultRule[]> {
    return securityGroupDefaultRuleList(this.#db, ctx);
  }

  getDefaultRule(ctx: RequestContext, id: number): Promise<SecurityGroupDefaultRule> {
    return securityGroupDefaultRuleGet(this.#db, ctx, id);
  }

  async createDefaultRule(ctx: RequestContext, args: Omit<RuleArgs, 'group_id'>): Promise<SecurityGroupDefaultRule> {
    const ports = parsePorts(args.ip_protocol, args.from_port, args.to_port);
    const cidr = args.cidr === undefined || args.cidr === null || args.cidr === '' ? '0.0.0.0/0' : validCidr(args.cidr);
    const rule = { ...ports, cidr };
    const existing = await securityGroupDefaultRuleList(this.#db, ctx);
    if (existing.some((r) => sameRule({ ...r, group_id: null }, { ...rule, group_id: null }))) throw new SecurityGroupDefaultRuleExists();
    return securityGroupDefaultRuleCreate(this.#db, ctx, rule);
  }

  async destroyDefaultRule(ctx: RequestContext, id: number): Promise<void> {
    await securityGroupDefaultRuleGet(this.#db, ctx, id);
    await securityGroupDefaultRuleDestroy(this.#db, ctx, id);
  }

  // ---- instances ------------------------------------------------------------

  instanceGroups(_ctx: RequestContext, instanceUuid: string): Promise<SecurityGroupWithRules[]> {
    return securityGroupWithRulesByInstance(this.#db, instanceUuid);
  }

  async addToInstance(ctx: RequestContext, instance: InstanceRecord, name: string): Promise<void> {
    const group = await securityGroupGetByName(this.#db, ctx, instance.project_id ?? '', name);
    const current = await securityGroupWithRulesByInstance(this.#db, instance.uuid as string);
    if (current.some((g) => g.id === group.id)) throw new SecurityGroupAlreadyAssociated(name, instance.uuid as string);
    await instanceAddSecurityGroup(this.#db, ctx, instance.uuid as string, group.id);
    await this.#castToHost(ctx, instance.host, 'refresh_security_group_rules', { security_group_id: group.id });
    await this.triggerMembersRefresh(ctx, [group.id]);
  }

  async removeFromInstance(ctx: RequestContext, instance: InstanceRecord, name: string): Promise<void> {
    const group = await securityGroupGetByName(this.#db, ctx, instance.project_id ?? '', name);
    const current = await securityGroupWithRulesByInstance(this.#db, instance.uuid as string);
    if (!current.some((g) => g.id === group.id)) throw new SecurityGroupNotAssociated(name, instance.uuid as string);
    await instanceRemoveSecurityGroup(this.#db, ctx, instance.uuid as string, group.id);
    await this.#castToHost(ctx, instance.host, 'refresh_security_group_rules', { security_group_id: group.id });
    await this.#refreshInstance(ctx, instance.uuid as string);
    await this.triggerMembersRefresh(ctx, [group.id]);
  }

  // ---- refreshes ------------------------------------------------------------

  /** A group's rules changed: each member on a host gets its filter rebuilt. */
  async triggerRulesRefresh(ctx: RequestContext, groupId: number): Promise<void> {
    for (const member of await securityGroupMembers(this.#db, [groupId])) {
      if (member.host) await this.#refreshInstance(ctx, member.uuid);
    }
  }

  /** These groups' members changed: members of every group whose rules name them as source are refreshed. */
  async triggerMembersRefresh(ctx: RequestContext, groupIds: readonly number[]): Promise<void> {
    const granting = await securityGroupsGrantingTo(this.#db, groupIds);
    const seen = new Set<string>();
    for (const member of await securityGroupMembers(this.#db, granting)) {
      if (!member.host || seen.has(member.uuid)) continue;
      seen.add(member.uuid);
      await this.#refreshInstance(ctx, member.uuid);
    }
  }

  /** An instance's addresses changed: rules naming its groups as source are refreshed on their hosts. */
  async triggerMembersRefreshForInstance(ctx: RequestContext, instanceUuid: string): Promise<void> {
    const groups = await securityGroupWithRulesByInstance(this.#db, instanceUuid);
    if (groups.length > 0)
      await this.triggerMembersRefresh(
        ctx,
        groups.map((g) => g.id),
      );
  }

  async #refreshInstance(ctx: RequestContext, uuid: string): Promise<void> {
    let instance: InstanceRecord;
    try {
      instance = await instanceGetByUuid(this.#db, ctx.elevated(), uuid);
    } catch (err) {
      if (err instanceof NotFound) return;
      throw err;
    }
    await this.#castToHost(ctx, instance.host, 'refresh_instance_security_rules', { instance });
  }

  async #castToHost(
    ctx: RequestContext,
    host: string | null,
    method: 'refresh_security_group_rules' | 'refresh_instance_security_rules',
    args: { security_group_id: number } | { instance: InstanceRecord },
  ): Promise<void> {
    const compute = this.#compute;
    if (!host || !compute) return;
    try {
      if ('instance' in args) await compute.cast(ctx, 'refresh_instance_security_rules', args, { server: host });
      else await compute.cast(ctx, 'refresh_security_group_rules', args, { server: host });
    } catch (err) {
      log.warn({ err, host, method }, 'could not ask a compute host to refresh its firewall');
    }
  }

  async #checkQuota(
    ctx: RequestContext,
    projectId: string,
    deltas: Record<string, number>,
    scope: { securityGroupId?: string },
    message: string,
  ): Promise<void> {
    try {
      await this.#quota.checkDeltas(ctx, projectId, deltas, scope);
    } catch (err) {
      if (err instanceof OverQuota) throw new SecurityGroupLimitExceeded(message);
      throw err;
    }
  }

  async #recheck(
    ctx: RequestContext,
    projectId: string,
    names: string[],
    scope: { securityGroupId?: string },
    message: string,
  ): Promise<void> {
    try {
      await this.#quota.recheck(ctx, projectId, names, scope);
    } catch (err) {
      if (err instanceof OverQuota) throw new SecurityGroupLimitExceeded(message);
      throw err;
    }
  }
}
