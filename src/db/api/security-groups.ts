/**
 * The part of the security group tables that booting an instance and cloudpipe need: the
 * project's `default` group (created on first use with the operator's default rules), a
 * named group created with fixed rules, lookups by name, and the instance ↔ group
 * association.
 */
import { SecurityGroupNotFoundForProject } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { SecurityGroup } from '../types.js';
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

/** A rule of a group, as security_group_rules stores it. */
export interface SecurityGroupRuleValues {
  protocol: string | null;
  from_port: number | null;
  to_port: number | null;
  cidr: string | null;
}

/**
 * The project's live group of that name, created with `rules` when missing (cloudpipe's
 * VPN group). Returns whether it already existed; an existing group's rules are left as
 * they are.
 */
export async function securityGroupEnsure(
  db: Db,
  ctx: RequestContext,
  projectId: string,
  group: { name: string; description: string },
  rules: readonly SecurityGroupRuleValues[],
): Promise<{ existed: boolean; group: SecurityGroup }> {
  return inTransaction(db, async (tx) => {
    const found = await byName(tx, projectId, group.name);
    if (found) return { existed: true, group: found };
    const at = now();
    const id = await insertReturningId(tx, 'security_groups', {
      name: group.name,
      description: group.description,
      user_id: ctx.userId,
      project_id: projectId,
      created_at: at,
      deleted: 0,
    });
    for (const rule of rules) {
      await tx.kysely
        .insertInto('security_group_rules')
        .values({ parent_group_id: id, ...rule, created_at: at, deleted: 0 })
        .execute();
    }
    const created = await tx.kysely.selectFrom('security_groups').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return { existed: false, group: created };
  });
}
