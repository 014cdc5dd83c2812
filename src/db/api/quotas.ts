/**
 * Quota limits (per project in `quotas`, per class in `quota_classes`) and the usage
 * counts the quota engine checks them against. Usage is counted from the resources
 * themselves on every check rather than kept in `quota_usages`, so it cannot drift
 * from what exists.
 */
import { sql } from 'kysely';
import { NotAuthorized, ProjectQuotaNotFound, QuotaClassNotFound } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { Quota, QuotaClass } from '../types.js';
import { authorizeProject, authorizeUser, type Db, inTransaction, now, requireAdmin, softDeleteWhere } from './common.js';

/** `{resource: hard_limit}`; a null limit is stored as such (callers treat it as unlimited). */
export type QuotaLimits = Record<string, number | null>;

// ---- project quotas ---------------------------------------------------------

export async function quotaGet(db: Db, _ctx: RequestContext | null, projectId: string, resource: string): Promise<Quota> {
  const row = await db.kysely
    .selectFrom('quotas')
    .selectAll()
    .where('deleted', '=', 0)
    .where('project_id', '=', projectId)
    .where('resource', '=', resource)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!row) throw new ProjectQuotaNotFound(`Quota for project ${projectId} could not be found.`, { kwargs: { project_id: projectId } });
  return row;
}

/** The project's overrides; a user may only read their own project's. */
export async function quotaGetAllByProject(db: Db, ctx: RequestContext | null, projectId: string): Promise<QuotaLimits> {
  authorizeProject(ctx, projectId);
  const rows = await db.kysely
    .selectFrom('quotas')
    .select(['resource', 'hard_limit'])
    .where('deleted', '=', 0)
    .where('project_id', '=', projectId)
    .orderBy('id')
    .execute();
  const out: QuotaLimits = {};
  for (const r of rows) out[r.resource] = r.hard_limit;
  return out;
}

/** Sets the project's limit for a resource, creating the override row when there is none. */
export async function quotaCreateOrUpdate(
  db: Db,
  ctx: RequestContext | null,
  projectId: string,
  resource: string,
  limit: number | null,
): Promise<void> {
  requireAdmin(ctx);
  await inTransaction(db, async (tx) => {
    const at = now();
    const result = await tx.kysely
      .updateTable('quotas')
      .set({ hard_limit: limit, updated_at: at })
      .where('deleted', '=', 0)
      .where('project_id', '=', projectId)
      .where('resource', '=', resource)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      await tx.kysely
        .insertInto('quotas')
        .values({ project_id: projectId, resource, hard_limit: limit, created_at: at, deleted: 0 })
        .execute();
    }
  });
}

/** Soft-deletes every override of the project (and any legacy usage/reservation rows). */
export async function quotaDestroyAllByProject(db: Db, ctx: RequestContext | null, projectId: string): Promise<void> {
  authorizeProject(ctx, projectId);
  await inTransaction(db, async (tx) => {
    const at = now();
    await softDeleteWhere(tx, 'quotas', { project_id: projectId }, at);
    await softDeleteWhere(tx, 'quota_usages', { project_id: projectId }, at);
    await softDeleteWhere(tx, 'reservations', { project_id: projectId }, at);
  });
}

// ---- quota classes ----------------------------------------------------------

export async function quotaClassGet(db: Db, _ctx: RequestContext | null, className: string, resource: string): Promise<QuotaClass> {
  const row = await db.kysely
    .selectFrom('quota_classes')
    .selectAll()
    .where('deleted', '=', 0)
    .where('class_name', '=', className)
    .where('resource', '=', resource)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!row) throw new QuotaClassNotFound(`Quota class ${className} could not be found.`, { kwargs: { class_name: className } });
  return row;
}

export async function quotaClassGetAllByName(db: Db, ctx: RequestContext | null, className: string): Promise<QuotaLimits> {
  // authorize_quota_class_context: a user may only read the class their context carries.
  if (ctx && !ctx.isAdmin && ctx.quotaClass !== className) {
    throw new NotAuthorized('Not authorized.');
  }
  const rows = await db.kysely
    .selectFrom('quota_classes')
    .select(['resource', 'hard_limit'])
    .where('deleted', '=', 0)
    .where('class_name', '=', className)
    .orderBy('id')
    .execute();
  const out: QuotaLimits = {};
  for (const r of rows) if (r.resource !== null) out[r.resource] = r.hard_limit;
  return out;
}

export async function quotaClassCreateOrUpdate(
  db: Db,
  ctx: RequestContext | null,
  className: string,
  resource: string,
  limit: number | null,
): Promise<void> {
  requireAdmin(ctx);
  await inTransaction(db, async (tx) => {
    const at = now();
    const result = await tx.kysely
      .updateTable('quota_classes')
      .set({ hard_limit: limit, updated_at: at })
      .where('deleted', '=', 0)
      .where('class_name', '=', className)
      .where('resource', '=', resource)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      await tx.kysely
        .insertInto('quota_classes')
        .values({ class_name: className, resource, hard_limit: limit, created_at: at, deleted: 0 })
        .execute();
    }
  });
}

export async function quotaClassDestroyAllByName(db: Db, ctx: RequestContext | null, className: string): Promise<void> {
  requireAdmin(ctx);
  await softDeleteWhere(db, 'quota_classes', { class_name: className });
}

// ---- usage counts -----------------------------------------------------------

export interface InstanceUsage {
  instances: number;
  cores: number;
  ram: number;
}

/**
 * Instances, cores and RAM in use by a project: its live instances, except soft-deleted
 * ones (whose quota is released when they are soft-deleted) and, optionally, one
 * instance (a resize counts the instance once, with its new flavor, on the caller's side).
 */
export async function countInstances(
  db: Db,
  ctx: RequestContext | null,
  projectId: string,
  options: { excludeUuid?: string } = {},
): Promise<InstanceUsage> {
  authorizeProject(ctx, projectId);
  let q = db.kysely
    .selectFrom('instances')
    .where('deleted', '=', 0)
    .where('project_id', '=', projectId)
    .where(sql<boolean>`(vm_state is null or vm_state <> ${'soft-delete'})`);
  if (options.excludeUuid !== undefined) q = q.where(sql<boolean>`(uuid is null or uuid <> ${options.excludeUuid})`);
  const row = await q
    .select((eb) => [
      eb.fn.count<number>('id').as('instances'),
      eb.fn.sum<number | null>('vcpus').as('cores'),
      eb.fn.sum<number | null>('memory_mb').as('ram'),
    ])
    .executeTakeFirstOrThrow();
  return { instances: Number(row.instances ?? 0), cores: Number(row.cores ?? 0), ram: Number(row.ram ?? 0) };
}

async function count(q: { executeTakeFirstOrThrow(): Promise<{ n: number | string | bigint }> }): Promise<number> {
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** Live security groups of a project. */
export async function countSecurityGroups(db: Db, ctx: RequestContext | null, projectId: string): Promise<number> {
  authorizeProject(ctx, projectId);
  return count(
    db.kysely
      .selectFrom('security_groups')
      .where('deleted', '=', 0)
      .where('project_id', '=', projectId)
      .select((eb) => eb.fn.countAll<number>().as('n')),
  );
}

/** Live rules of one security group. */
export async function countSecurityGroupRules(db: Db, _ctx: RequestContext | null, groupId: number): Promise<number> {
  return count(
    db.kysely
      .selectFrom('security_group_rules')
      .where('deleted', '=', 0)
      .where('parent_group_id', '=', groupId)
      .select((eb) => eb.fn.countAll<number>().as('n')),
  );
}

/** Live key pairs of a user. */
export async function countKeyPairs(db: Db, ctx: RequestContext | null, userId: string): Promise<number> {
  authorizeUser(ctx, userId);
  return count(
    db.kysely
      .selectFrom('key_pairs')
      .where('deleted', '=', 0)
      .where('user_id', '=', userId)
      .select((eb) => eb.fn.countAll<number>().as('n')),
  );
}

/** Live floating IPs a project allocated itself (auto-assigned ones are not counted, as in Nova). */
export async function countFloatingIps(db: Db, ctx: RequestContext | null, projectId: string): Promise<number> {
  authorizeProject(ctx, projectId);
  return count(
    db.kysely
      .selectFrom('floating_ips')
      .where('deleted', '=', 0)
      .where('project_id', '=', projectId)
      .where('auto_assigned', '=', false)
      .select((eb) => eb.fn.countAll<number>().as('n')),
  );
}

/**
 * Live fixed IPs held by the project's live instances. (Grizzly compared the instance
 * uuid with the project id and so always counted 0; this counts what it meant to.)
 */
export async function countFixedIps(db: Db, ctx: RequestContext | null, projectId: string): Promise<number> {
  authorizeProject(ctx, projectId);
  return count(
    db.kysely
      .selectFrom('fixed_ips')
      .innerJoin('instances', 'instances.uuid', 'fixed_ips.instance_uuid')
      .where('fixed_ips.deleted', '=', 0)
      .where('instances.deleted', '=', 0)
      .where('instances.project_id', '=', projectId)
      .select((eb) => eb.fn.countAll<number>().as('n')),
  );
}

/** Live networks owned by the project (shared networks, with no project, are not its usage). */
export async function countNetworks(db: Db, ctx: RequestContext | null, projectId: string): Promise<number> {
  authorizeProject(ctx, projectId);
  return count(
    db.kysely
      .selectFrom('networks')
      .where('deleted', '=', 0)
      .where('project_id', '=', projectId)
      .select((eb) => eb.fn.countAll<number>().as('n')),
  );
}
