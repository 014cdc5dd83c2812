/**
 * Server groups (Havana's instance groups): a named set of instances of one project with
 * scheduling policies (`affinity`, `anti-affinity`). Members are instance uuids; a member
 * row goes when its instance is destroyed (instances.ts).
 */
import { randomUUID } from 'node:crypto';
import { InstanceGroupNotFound } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { InstanceGroup } from '../types.js';
import {
  type AnyKysely,
  authorizeProject,
  type Db,
  insertReturningId,
  inTransaction,
  isUserContext,
  now,
  softDeleteValues,
} from './common.js';

export interface InstanceGroupRecord {
  id: number;
  uuid: string;
  name: string | null;
  user_id: string | null;
  project_id: string | null;
  policies: string[];
  members: string[];
  metadata: Record<string, string>;
  created_at: Date | null;
}

export interface InstanceGroupValues {
  name: string;
  user_id: string | null;
  project_id: string;
  policies: readonly string[];
}

function notFound(id: string): InstanceGroupNotFound {
  return new InstanceGroupNotFound(`Instance group ${id} could not be found.`, { kwargs: { group_uuid: id } });
}

async function withChildren(db: Db, groups: readonly InstanceGroup[]): Promise<InstanceGroupRecord[]> {
  if (groups.length === 0) return [];
  const ids = groups.map((g) => g.id);
  const k = db.kysely;
  const [policies, members, metadata] = await Promise.all([
    k
      .selectFrom('instance_group_policy')
      .select(['group_id', 'policy'])
      .where('deleted', '=', 0)
      .where('group_id', 'in', ids)
      .orderBy('id')
      .execute(),
    k
      .selectFrom('instance_group_member')
      .select(['group_id', 'instance_id'])
      .where('deleted', '=', 0)
      .where('group_id', 'in', ids)
      .orderBy('id')
      .execute(),
    k
      .selectFrom('instance_group_metadata')
      .select(['group_id', 'key', 'value'])
      .where('deleted', '=', 0)
      .where('group_id', 'in', ids)
      .execute(),
  ]);
  return groups.map((g) => ({
    id: g.id,
    uuid: g.uuid,
    name: g.name,
    user_id: g.user_id,
    project_id: g.project_id,
    policies: policies.filter((p) => p.group_id === g.id).map((p) => p.policy as string),
    members: members.filter((m) => m.group_id === g.id).map((m) => m.instance_id as string),
    metadata: Object.fromEntries(metadata.filter((m) => m.group_id === g.id).map((m) => [m.key as string, m.value ?? ''])),
    created_at: g.created_at,
  }));
}

export async function instanceGroupCreate(db: Db, ctx: RequestContext | null, values: InstanceGroupValues): Promise<InstanceGroupRecord> {
  authorizeProject(ctx, values.project_id);
  const uuid = randomUUID();
  await inTransaction(db, async (tx) => {
    const at = now();
    const id = await insertReturningId(tx, 'instance_groups', {
      uuid,
      name: values.name,
      user_id: values.user_id,
      project_id: values.project_id,
      created_at: at,
      deleted: 0,
    });
    for (const policy of values.policies) {
      await insertReturningId(tx, 'instance_group_policy', { group_id: id, policy, created_at: at, deleted: 0 });
    }
  });
  return instanceGroupGetByUuid(db, ctx, uuid);
}

/** A live group by uuid, of the caller's project unless the caller is an admin; InstanceGroupNotFound. */
export async function instanceGroupGetByUuid(db: Db, ctx: RequestContext | null, uuid: string): Promise<InstanceGroupRecord> {
  let q = db.kysely.selectFrom('instance_groups').selectAll().where('deleted', '=', 0).where('uuid', '=', uuid);
  if (isUserContext(ctx)) q = q.where('project_id', '=', ctx?.projectId ?? '');
  const row = await q.executeTakeFirst();
  if (!row) throw notFound(uuid);
  return (await withChildren(db, [row]))[0] as InstanceGroupRecord;
}

/**
 * The group a scheduler hint names: by uuid, else by name within the project. Null when
 * nothing matches (a Grizzly-style free-form hint).
 */
export async function instanceGroupGetByHint(db: Db, projectId: string | null, hint: string): Promise<InstanceGroupRecord | null> {
  const byUuid = await db.kysely
    .selectFrom('instance_groups')
    .selectAll()
    .where('deleted', '=', 0)
    .where('uuid', '=', hint)
    .executeTakeFirst();
  if (byUuid && (projectId === null || byUuid.project_id === projectId)) return (await withChildren(db, [byUuid]))[0] ?? null;
  if (projectId === null) return null;
  const byName = await db.kysely
    .selectFrom('instance_groups')
    .selectAll()
    .where('deleted', '=', 0)
    .where('project_id', '=', projectId)
    .where('name', '=', hint)
    .orderBy('id')
    .executeTakeFirst();
  return byName ? ((await withChildren(db, [byName]))[0] ?? null) : null;
}

/** Groups of one project, or of every project when `projectId` is null (admin `all_projects`). */
export async function instanceGroupGetAll(
  db: Db,
  ctx: RequestContext | null,
  projectId: string | null,
  page: { limit?: number; offset?: number } = {},
): Promise<InstanceGroupRecord[]> {
  if (projectId !== null) authorizeProject(ctx, projectId);
  let q = db.kysely.selectFrom('instance_groups').selectAll().where('deleted', '=', 0);
  if (projectId !== null) q = q.where('project_id', '=', projectId);
  q = q.orderBy('id');
  if (page.limit !== undefined) q = q.limit(page.limit);
  if (page.offset) q = q.offset(page.offset).limit(page.limit ?? Number.MAX_SAFE_INTEGER);
  return withChildren(db, await q.execute());
}

export async function instanceGroupCountByProject(db: Db, projectId: string): Promise<number> {
  const row = await db.kysely
    .selectFrom('instance_groups')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deleted', '=', 0)
    .where('project_id', '=', projectId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Soft-deletes the group with its policies, members and metadata; InstanceGroupNotFound. */
export async function instanceGroupDelete(db: Db, ctx: RequestContext | null, uuid: string): Promise<void> {
  const group = await instanceGroupGetByUuid(db, ctx, uuid);
  await inTransaction(db, async (tx) => {
    const at = now();
    const k = tx.kysely as AnyKysely;
    for (const table of ['instance_group_policy', 'instance_group_member', 'instance_group_metadata']) {
      await k.updateTable(table).set(softDeleteValues(at)).where('deleted', '=', 0).where('group_id', '=', group.id).execute();
    }
    const result = await k
      .updateTable('instance_groups')
      .set(softDeleteValues(at))
      .where('deleted', '=', 0)
      .where('id', '=', group.id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound(uuid);
  });
}

/** Adds instances to a group (already present ones are left alone). */
export async function instanceGroupMembersAdd(db: Db, groupId: number, instanceUuids: readonly string[]): Promise<void> {
  await inTransaction(db, async (tx) => {
    const present = new Set(
      (
        await tx.kysely
          .selectFrom('instance_group_member')
          .select('instance_id')
          .where('deleted', '=', 0)
          .where('group_id', '=', groupId)
          .execute()
      ).map((r) => r.instance_id),
    );
    const at = now();
    for (const uuid of instanceUuids) {
      if (present.has(uuid)) continue;
      await insertReturningId(tx, 'instance_group_member', { group_id: groupId, instance_id: uuid, created_at: at, deleted: 0 });
    }
  });
}

export async function instanceGroupMembersRemove(db: Db, groupId: number, instanceUuids: readonly string[]): Promise<void> {
  if (instanceUuids.length === 0) return;
  await (db.kysely as AnyKysely)
    .updateTable('instance_group_member')
    .set(softDeleteValues(now()))
    .where('deleted', '=', 0)
    .where('group_id', '=', groupId)
    .where('instance_id', 'in', [...instanceUuids])
    .execute();
}

/** Hosts of the group's members that exist and have one (what the group filters compare against). */
export async function instanceGroupMemberHosts(db: Db, groupId: number): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('instance_group_member as m')
    .innerJoin('instances as i', 'i.uuid', 'm.instance_id')
    .select('i.host')
    .where('m.deleted', '=', 0)
    .where('i.deleted', '=', 0)
    .where('m.group_id', '=', groupId)
    .where('i.host', 'is not', null)
    .execute();
  return [...new Set(rows.map((r) => r.host as string))];
}

/** Hosts of live instances whose system_metadata `group` is this (Grizzly's free-form group hint). */
export async function legacyGroupHosts(db: Db, group: string): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('instance_system_metadata as s')
    .innerJoin('instances as i', 'i.uuid', 's.instance_uuid')
    .select('i.host')
    .where('s.deleted', '=', 0)
    .where('i.deleted', '=', 0)
    .where('s.key', '=', 'group')
    .where('s.value', '=', group)
    .where('i.host', 'is not', null)
    .execute();
  return [...new Set(rows.map((r) => r.host as string))];
}
