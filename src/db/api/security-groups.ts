/**
 * The part of the security group tables that booting an instance needs: the project's
 * `default` group (created on first use with the operator's default rules), lookups by
 * name, and the instance ↔ group association.
 */
import { SecurityGroupNotFound, SecurityGroupNotFoundForProject } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { SecurityGroup, SecurityGroupDefaultRule, SecurityGroupRule } from '../types.js';
import { type AnyKysely, type Db, insertReturningId, inTransaction, now, softDeleteValues } from './common.js';

export const DEFAULT_SECURITY_GROUP = 'default';

async function byName(db: Db, projectId: string, name: string): Promise<SecurityGroup | undefined> {
  return db.kysely
    .selectFrom('security_groups')
    .selectAll()
    .where('deleted', '=', 0)
    .where('project_id', '=', projectId)
    .where('name', '=', name)
    .orderBy('id')
    .executeTakeFirst();
}

/**
 * The project's `default` group; created when missing, with every row of
 * security_group_default_rules copied into it. Returns whether it already existed.
 */
export async function securityGroupEnsureDefault(
  db: Db,
  ctx: RequestContext,
  projectId: string = ctx.projectId ?? '',
): Promise<{ existed: boolean; group: SecurityGroup }> {
  return inTransaction(db, async (tx) => {
    const found = await byName(tx, projectId, DEFAULT_SECURITY_GROUP);
    if (found) return { existed: true, group: found };
    const at = now();
    const id = await insertReturningId(tx, 'security_groups', {
      name: DEFAULT_SECURITY_GROUP,
      description: 'default',
      user_id: ctx.userId,
      project_id: projectId,
      created_at: at,
      deleted: 0,
    });
    const defaults = await tx.kysely.selectFrom('security_group_default_rules').selectAll().where('deleted', '=', 0).execute();
    for (const rule of defaults) {
      await tx.kysely
        .insertInto('security_group_rules')
        .values({
          parent_group_id: id,
          protocol: rule.protocol,
          from_port: rule.from_port,
          to_port: rule.to_port,
          cidr: rule.cidr,
          created_at: at,
          deleted: 0,
        })
        .execute();
    }
    const group = await tx.kysely.selectFrom('security_groups').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return { existed: false, group };
  });
}

/** The project's live group of that name; SecurityGroupNotFoundForProject. */
export async function securityGroupGetByName(db: Db, _ctx: RequestContext | null, projectId: string, name: string): Promise<SecurityGroup> {
  const found = await byName(db, projectId, name);
  if (!found) throw new SecurityGroupNotFoundForProject(projectId, name);
  return found;
}

/** Groups by name, in the order asked; the first missing name throws SecurityGroupNotFoundForProject. */
export async function securityGroupGetByNames(
  db: Db,
  ctx: RequestContext | null,
  projectId: string,
  names: readonly string[],
): Promise<SecurityGroup[]> {
  const out: SecurityGroup[] = [];
  for (const name of names) out.push(await securityGroupGetByName(db, ctx, projectId, name));
  return out;
}

export async function instanceAddSecurityGroup(db: Db, _ctx: RequestContext | null, instanceUuid: string, groupId: number): Promise<void> {
  await db.kysely
    .insertInto('security_group_instance_association')
    .values({ security_group_id: groupId, instance_uuid: instanceUuid, created_at: now(), deleted: 0 })
    .execute();
}

/** Live groups of many instances, by instance uuid (each uuid present, maybe empty), ordered by group id. */
export async function securityGroupsForInstances(db: Db, uuids: readonly string[]): Promise<Map<string, SecurityGroup[]>> {
  const out = new Map<string, SecurityGroup[]>(uuids.map((u) => [u, []]));
  for (let i = 0; i < uuids.length; i += 500) {
    const chunk = uuids.slice(i, i + 500);
    const rows = await db.kysely
      .selectFrom('security_group_instance_association as a')
      .innerJoin('security_groups as g', 'g.id', 'a.security_group_id')
      .selectAll('g')
      .select('a.instance_uuid as assoc_instance_uuid')
      .where('a.deleted', '=', 0)
      .where('g.deleted', '=', 0)
      .where('a.instance_uuid', 'in', chunk)
      .orderBy('g.id')
      .execute();
    for (const { assoc_instance_uuid, ...group } of rows) {
      if (assoc_instance_uuid) out.get(assoc_instance_uuid)?.push(group as SecurityGroup);
    }
  }
  return out;
}

export async function securityGroupGetByInstance(db: Db, _ctx: RequestContext | null, instanceUuid: string): Promise<SecurityGroup[]> {
  return (await securityGroupsForInstances(db, [instanceUuid])).get(instanceUuid) ?? [];
}

/** Soft-deletes every association of an instance (part of destroying it). */
export async function instanceSecurityGroupsRemoveAll(db: Db, instanceUuid: string, at: Date = now()): Promise<void> {
  await (db.kysely as AnyKysely)
    .updateTable('security_group_instance_association')
    .set(softDeleteValues(at))
    .where('deleted', '=', 0)
    .where('instance_uuid', '=', instanceUuid)
    .execute();
}

// ---- groups, rules and default rules (os-security-groups) ------------------------------

/** A group with its live rules, each rule carrying its source group's name and project. */
export interface SecurityGroupWithRules extends SecurityGroup {
  rules: SecurityGroupRuleRecord[];
}

export interface SecurityGroupRuleRecord extends SecurityGroupRule {
  /** The source group of a group rule, null for a CIDR rule. */
  grantee_group: { name: string | null; project_id: string | null } | null;
}

async function rulesOf(db: Db, groupIds: readonly number[]): Promise<Map<number, SecurityGroupRuleRecord[]>> {
  const out = new Map<number, SecurityGroupRuleRecord[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return out;
  const rows = await db.kysely
    .selectFrom('security_group_rules as r')
    .leftJoin('security_groups as g', (join) => join.onRef('g.id', '=', 'r.group_id').on('g.deleted', '=', 0))
    .selectAll('r')
    .select(['g.name as grantee_name', 'g.project_id as grantee_project_id'])
    .where('r.deleted', '=', 0)
    .where('r.parent_group_id', 'in', [...groupIds])
    .orderBy('r.id')
    .execute();
  for (const { grantee_name, grantee_project_id, ...rule } of rows) {
    const record: SecurityGroupRuleRecord = {
      ...(rule as SecurityGroupRule),
      grantee_group: rule.group_id === null ? null : { name: grantee_name, project_id: grantee_project_id },
    };
    out.get(rule.parent_group_id as number)?.push(record);
  }
  return out;
}

async function withRules(db: Db, groups: readonly SecurityGroup[]): Promise<SecurityGroupWithRules[]> {
  const rules = await rulesOf(
    db,
    groups.map((g) => g.id),
  );
  return groups.map((g) => ({ ...g, rules: rules.get(g.id) ?? [] }));
}

/** Live groups, of one project or (null) of all, sorted by project then name. */
export async function securityGroupGetAll(
  db: Db,
  _ctx: RequestContext | null,
  projectId: string | null,
): Promise<SecurityGroupWithRules[]> {
  let q = db.kysely.selectFrom('security_groups').selectAll().where('deleted', '=', 0);
  if (projectId !== null) q = q.where('project_id', '=', projectId);
  return withRules(db, await q.orderBy('project_id').orderBy('name').orderBy('id').execute());
}

/** SecurityGroupNotFound when there is no live group with that id. */
export async function securityGroupGet(db: Db, _ctx: RequestContext | null, id: number): Promise<SecurityGroupWithRules> {
  const row = await db.kysely.selectFrom('security_groups').selectAll().where('deleted', '=', 0).where('id', '=', id).executeTakeFirst();
  if (!row) throw new SecurityGroupNotFound(`Security group ${id} not found.`, { kwargs: { security_group_id: id } });
  return (await withRules(db, [row]))[0] as SecurityGroupWithRules;
}

export async function securityGroupWithRulesByInstance(db: Db, instanceUuid: string): Promise<SecurityGroupWithRules[]> {
  return withRules(db, (await securityGroupsForInstances(db, [instanceUuid])).get(instanceUuid) ?? []);
}

export async function securityGroupExists(db: Db, projectId: string, name: string): Promise<boolean> {
  return (await byName(db, projectId, name)) !== undefined;
}

export async function securityGroupCreate(
  db: Db,
  _ctx: RequestContext | null,
  values: { name: string; description: string; user_id: string | null; project_id: string },
): Promise<SecurityGroupWithRules> {
  const id = await insertReturningId(db, 'security_groups', { ...values, created_at: now(), deleted: 0 });
  return securityGroupGet(db, null, id);
}

export async function securityGroupUpdate(
  db: Db,
  _ctx: RequestContext | null,
  id: number,
  values: { name?: string; description?: string },
): Promise<SecurityGroupWithRules> {
  await db.kysely
    .updateTable('security_groups')
    .set({ ...values, updated_at: now() })
    .where('id', '=', id)
    .where('deleted', '=', 0)
    .execute();
  return securityGroupGet(db, null, id);
}

/** Soft-deletes the group, its rules, the rules naming it as source and its instance associations. */
export async function securityGroupDestroy(db: Db, _ctx: RequestContext | null, id: number): Promise<void> {
  await inTransaction(db, async (tx) => {
    const k = tx.kysely as AnyKysely;
    const at = now();
    await k.updateTable('security_groups').set(softDeleteValues(at)).where('id', '=', id).where('deleted', '=', 0).execute();
    await k
      .updateTable('security_group_rules')
      .set(softDeleteValues(at))
      .where('parent_group_id', '=', id)
      .where('deleted', '=', 0)
      .execute();
    await k.updateTable('security_group_rules').set(softDeleteValues(at)).where('group_id', '=', id).where('deleted', '=', 0).execute();
    await k
      .updateTable('security_group_instance_association')
      .set(softDeleteValues(at))
      .where('security_group_id', '=', id)
      .where('deleted', '=', 0)
      .execute();
  });
}

/** The live instances (uuid and compute host) that belong to any of these groups. */
export async function securityGroupMembers(
  db: Db,
  groupIds: readonly number[],
): Promise<{ uuid: string; host: string | null; security_group_id: number }[]> {
  if (groupIds.length === 0) return [];
  const rows = await db.kysely
    .selectFrom('security_group_instance_association as a')
    .innerJoin('instances as i', 'i.uuid', 'a.instance_uuid')
    .select(['i.uuid as uuid', 'i.host as host', 'a.security_group_id as security_group_id'])
    .where('a.deleted', '=', 0)
    .where('i.deleted', '=', 0)
    .where('a.security_group_id', 'in', [...groupIds])
    .execute();
  return rows.map((r) => ({ uuid: r.uuid as string, host: r.host, security_group_id: r.security_group_id as number }));
}

/** Whether any live instance belongs to the group. */
export async function securityGroupInUse(db: Db, id: number): Promise<boolean> {
  return (await securityGroupMembers(db, [id])).length > 0;
}

/** Ids of the groups with a rule that admits `groupId` as its source. */
export async function securityGroupsGrantingTo(db: Db, groupIds: readonly number[]): Promise<number[]> {
  if (groupIds.length === 0) return [];
  const rows = await db.kysely
    .selectFrom('security_group_rules')
    .select('parent_group_id')
    .distinct()
    .where('deleted', '=', 0)
    .where('group_id', 'in', [...groupIds])
    .execute();
  return rows.map((r) => r.parent_group_id as number);
}

export async function instanceRemoveSecurityGroup(
  db: Db,
  _ctx: RequestContext | null,
  instanceUuid: string,
  groupId: number,
): Promise<void> {
  await (db.kysely as AnyKysely)
    .updateTable('security_group_instance_association')
    .set(softDeleteValues())
    .where('deleted', '=', 0)
    .where('instance_uuid', '=', instanceUuid)
    .where('security_group_id', '=', groupId)
    .execute();
}

export interface RuleValues {
  protocol: string | null;
  from_port: number | null;
  to_port: number | null;
  cidr: string | null;
  group_id: number | null;
}

export async function securityGroupRuleCreate(
  db: Db,
  _ctx: RequestContext | null,
  parentGroupId: number,
  values: RuleValues,
): Promise<SecurityGroupRuleRecord> {
  const id = await insertReturningId(db, 'security_group_rules', {
    ...values,
    parent_group_id: parentGroupId,
    created_at: now(),
    deleted: 0,
  });
  return securityGroupRuleGet(db, null, id);
}

/** SecurityGroupNotFound ("Rule (id) not found") when there is no live rule with that id. */
export async function securityGroupRuleGet(db: Db, _ctx: RequestContext | null, id: number): Promise<SecurityGroupRuleRecord> {
  const row = await db.kysely
    .selectFrom('security_group_rules')
    .select('parent_group_id')
    .where('deleted', '=', 0)
    .where('id', '=', id)
    .executeTakeFirst();
  const found = row
    ? (await rulesOf(db, [row.parent_group_id as number])).get(row.parent_group_id as number)?.find((r) => r.id === id)
    : undefined;
  if (!found) throw new SecurityGroupNotFound(`Rule (${id}) not found`, { kwargs: { rule_id: id } });
  return found;
}

export async function securityGroupRuleDestroy(db: Db, _ctx: RequestContext | null, id: number): Promise<void> {
  await (db.kysely as AnyKysely)
    .updateTable('security_group_rules')
    .set(softDeleteValues())
    .where('id', '=', id)
    .where('deleted', '=', 0)
    .execute();
}

export async function securityGroupDefaultRuleList(db: Db, _ctx: RequestContext | null): Promise<SecurityGroupDefaultRule[]> {
  return db.kysely.selectFrom('security_group_default_rules').selectAll().where('deleted', '=', 0).orderBy('id').execute();
}

export async function securityGroupDefaultRuleGet(db: Db, _ctx: RequestContext | null, id: number): Promise<SecurityGroupDefaultRule> {
  const row = await db.kysely
    .selectFrom('security_group_default_rules')
    .selectAll()
    .where('deleted', '=', 0)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new SecurityGroupNotFound(`Security group default rule (${id}) not found.`, { kwargs: { rule_id: id } });
  return row;
}

export async function securityGroupDefaultRuleCreate(
  db: Db,
  _ctx: RequestContext | null,
  values: { protocol: string; from_port: number; to_port: number; cidr: string },
): Promise<SecurityGroupDefaultRule> {
  const id = await insertReturningId(db, 'security_group_default_rules', { ...values, created_at: now(), deleted: 0 });
  return securityGroupDefaultRuleGet(db, null, id);
}

export async function securityGroupDefaultRuleDestroy(db: Db, _ctx: RequestContext | null, id: number): Promise<void> {
  await (db.kysely as AnyKysely)
    .updateTable('security_group_default_rules')
    .set(softDeleteValues())
    .where('id', '=', id)
    .where('deleted', '=', 0)
    .execute();
}

/**
 * The fixed IPs of the live members of a group whose info cache is live: what a
 * source-group rule admits.
 */
export async function securityGroupMemberFixedIps(db: Db, groupId: number): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('security_group_instance_association as a')
    .innerJoin('instances as i', 'i.uuid', 'a.instance_uuid')
    .innerJoin('fixed_ips as f', 'f.instance_uuid', 'i.uuid')
    .innerJoin('instance_info_caches as c', 'c.instance_uuid', 'i.uuid')
    .select('f.address')
    .where('a.deleted', '=', 0)
    .where('i.deleted', '=', 0)
    .where('f.deleted', '=', 0)
    .where('f.allocated', '=', true)
    .where('c.deleted', '=', 0)
    .where('a.security_group_id', '=', groupId)
    .orderBy('f.id')
    .execute();
  return rows.map((r) => r.address as string);
}

/** What a compute host's firewall needs of an instance's groups: every rule, source groups resolved to their members' fixed IPs. */
export async function securityGroupRulesForInstance(
  db: Db,
  instanceUuid: string,
): Promise<
  { protocol: string | null; from_port: number | null; to_port: number | null; cidr: string | null; grantee_ips: string[] | null }[]
> {
  const groups = await securityGroupWithRulesByInstance(db, instanceUuid);
  const members = new Map<number, string[]>();
  const out = [];
  for (const group of groups) {
    for (const rule of group.rules) {
      let granteeIps: string[] | null = null;
      if (rule.group_id !== null) {
        if (!members.has(rule.group_id)) members.set(rule.group_id, await securityGroupMemberFixedIps(db, rule.group_id));
        granteeIps = members.get(rule.group_id) ?? [];
      }
      out.push({ protocol: rule.protocol, from_port: rule.from_port, to_port: rule.to_port, cidr: rule.cidr, grantee_ips: granteeIps });
    }
  }
  return out;
}

/** The provider-wide firewall rules (`provider_fw_rules`). */
export async function providerFwRuleGetAll(
  db: Db,
): Promise<{ protocol: string; from_port: number | null; to_port: number | null; cidr: string }[]> {
  const rows = await db.kysely.selectFrom('provider_fw_rules').selectAll().where('deleted', '=', 0).orderBy('id').execute();
  return rows.map((r) => ({ protocol: r.protocol ?? '', from_port: r.from_port, to_port: r.to_port, cidr: r.cidr ?? '' }));
}
