/**
 * Flavors (`instance_types`), their extra specs and the projects that may use a private
 * one. Flavor ids seen by clients are `flavorid` strings; the integer `id` is internal.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { Conflict, FlavorExists, FlavorNotFound, MarkerNotFound, NotFound } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { InstanceType } from '../types.js';
import {
  type Db,
  insertReturningId,
  inTransaction,
  now,
  type ReadDeleted,
  readDeletedOf,
  requireAdmin,
  softDeleteWhere,
} from './common.js';

export class FlavorIdExists extends Conflict {}
export class FlavorAccessExists extends Conflict {}
export class FlavorAccessNotFound extends NotFound {}
export class FlavorExtraSpecsNotFound extends NotFound {}

/** A flavor row with its live extra specs, as Nova's instance_type_get returns it. */
export interface FlavorRecord extends InstanceType {
  extra_specs: Record<string, string>;
}

export interface FlavorValues {
  name: string;
  flavorid: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  rxtx_factor: number;
  is_public: boolean;
  disabled?: boolean;
  vcpu_weight?: number | null;
  extra_specs?: Record<string, string>;
}

/** Columns a listing may be sorted by (Nova's flavor sort keys that exist in Grizzly's table). */
export const FLAVOR_SORT_KEYS = [
  'created_at',
  'disabled',
  'ephemeral_gb',
  'flavorid',
  'id',
  'is_public',
  'memory_mb',
  'name',
  'root_gb',
  'rxtx_factor',
  'swap',
  'updated_at',
  'vcpu_weight',
  'vcpus',
] as const;
export type FlavorSortKey = (typeof FLAVOR_SORT_KEYS)[number];

export interface FlavorFilters {
  /** Only flavors with at least this much RAM (MB). */
  minMemoryMb?: number;
  /** Only flavors with at least this much root disk (GB). */
  minRootGb?: number;
  disabled?: boolean;
  /**
   * true: public flavors and the private ones the caller's project may use; false: private
   * flavors only; null or absent: all. Non-admin callers always get `true`.
   */
  isPublic?: boolean | null;
}

export interface FlavorListOptions {
  filters?: FlavorFilters;
  /** Include soft-deleted flavors. */
  inactive?: boolean;
  sortKey?: FlavorSortKey;
  sortDir?: 'asc' | 'desc';
  limit?: number;
  /** flavorid of the last flavor of the previous page; unknown → MarkerNotFound. */
  marker?: string | null;
}

function notFound(flavorid: string): FlavorNotFound {
  return new FlavorNotFound(`Flavor ${flavorid} could not be found.`, { kwargs: { flavor_id: flavorid } });
}

function accessibleToProject(projectId: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`exists (select 1 from instance_type_projects p where p.instance_type_id = instance_types.id and p.deleted = 0 and p.project_id = ${projectId})`;
}

async function withExtraSpecs(db: Db, rows: readonly InstanceType[]): Promise<FlavorRecord[]> {
  if (rows.length === 0) return [];
  const specs = await db.kysely
    .selectFrom('instance_type_extra_specs')
    .select(['instance_type_id', 'key', 'value'])
    .where('deleted', '=', 0)
    .where(
      'instance_type_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('id')
    .execute();
  const byFlavor = new Map<number, Record<string, string>>();
  for (const s of specs) {
    if (s.key === null) continue;
    const map = byFlavor.get(s.instance_type_id) ?? {};
    map[s.key] = s.value ?? '';
    byFlavor.set(s.instance_type_id, map);
  }
  return rows.map((r) => ({ ...r, extra_specs: byFlavor.get(r.id) ?? {} }));
}

/** Creates a flavor; FlavorExists for a live name, FlavorIdExists for a live flavorid. */
export async function flavorCreate(db: Db, ctx: RequestContext | null, values: FlavorValues): Promise<FlavorRecord> {
  requireAdmin(ctx);
  const id = await inTransaction(db, async (tx) => {
    const clash = await tx.kysely
      .selectFrom('instance_types')
      .select(['name', 'flavorid'])
      .where('deleted', '=', 0)
      .where((eb) => eb.or([eb('name', '=', values.name), eb('flavorid', '=', values.flavorid)]))
      .execute();
    if (clash.some((r) => r.name === values.name)) {
      throw new FlavorExists(`Flavor with name ${values.name} already exists.`, { kwargs: { name: values.name } });
    }
    if (clash.length > 0) {
      throw new FlavorIdExists(`Flavor with ID ${values.flavorid} already exists.`, { kwargs: { flavor_id: values.flavorid } });
    }
    const at = now();
    const flavorId = await insertReturningId(tx, 'instance_types', {
      name: values.name,
      flavorid: values.flavorid,
      memory_mb: values.memory_mb,
      vcpus: values.vcpus,
      root_gb: values.root_gb,
      ephemeral_gb: values.ephemeral_gb,
      swap: values.swap,
      rxtx_factor: values.rxtx_factor,
      is_public: values.is_public,
      disabled: values.disabled ?? false,
      vcpu_weight: values.vcpu_weight ?? null,
      created_at: at,
      deleted: 0,
    });
    for (const [key, value] of Object.entries(values.extra_specs ?? {})) {
      await tx.kysely
        .insertInto('instance_type_extra_specs')
        .values({ instance_type_id: flavorId, key, value, created_at: at, deleted: 0 })
        .execute();
    }
    return flavorId;
  });
  return flavorGet(db, null, id);
}

/** By internal id, deleted rows included (instances keep pointing at deleted flavors). */
export async function flavorGet(db: Db, _ctx: RequestContext | null, id: number): Promise<FlavorRecord> {
  const row = await db.kysely.selectFrom('instance_types').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new FlavorNotFound(`Flavor ${id} could not be found.`, { kwargs: { flavor_id: id } });
  return (await withExtraSpecs(db, [row]))[0] as FlavorRecord;
}

/**
 * By public flavorid. With read_deleted 'yes' a live flavor wins over deleted ones of the
 * same flavorid, and among deleted ones the latest. A user (non-admin) context finds only
 * public flavors and the private ones shared with its project.
 */
export async function flavorGetByFlavorId(
  db: Db,
  ctx: RequestContext | null,
  flavorid: string,
  readDeleted?: ReadDeleted,
): Promise<FlavorRecord> {
  const mode = readDeletedOf(ctx, readDeleted);
  let q = db.kysely.selectFrom('instance_types').selectAll().where('flavorid', '=', flavorid);
  if (mode === 'no') q = q.where('deleted', '=', 0);
  if (mode === 'only') q = q.where('deleted', '<>', 0);
  if (ctx && !ctx.isAdmin) {
    const projectId = ctx.projectId;
    q =
      projectId === null
        ? q.where('is_public', '=', true)
        : q.where((eb) => eb.or([eb('is_public', '=', true), accessibleToProject(projectId)]));
  }
  const row = await q.orderBy(sql`case when deleted = 0 then 0 else 1 end`).orderBy('id', 'desc').executeTakeFirst();
  if (!row) throw notFound(flavorid);
  return (await withExtraSpecs(db, [row]))[0] as FlavorRecord;
}

export async function flavorGetByName(db: Db, _ctx: RequestContext | null, name: string): Promise<FlavorRecord> {
  const row = await db.kysely.selectFrom('instance_types').selectAll().where('deleted', '=', 0).where('name', '=', name).executeTakeFirst();
  if (!row) throw new FlavorNotFound(`Flavor with name ${name} could not be found.`, { kwargs: { flavor_name: name } });
  return (await withExtraSpecs(db, [row]))[0] as FlavorRecord;
}

/**
 * Flavors matching the filters, sorted by sortKey (default flavorid) then id, paged by
 * marker and limit. A user context always sees only public flavors and the private ones
 * its project was given, never disabled ones.
 */
export async function flavorGetAll(db: Db, ctx: RequestContext | null, options: FlavorListOptions = {}): Promise<FlavorRecord[]> {
  const filters: FlavorFilters = { ...(options.filters ?? {}) };
  const userContext = !!ctx && !ctx.isAdmin;
  if (userContext) {
    filters.isPublic = true;
    filters.disabled = false;
  }
  let q = db.kysely.selectFrom('instance_types').selectAll();
  if (!options.inactive) q = q.where('deleted', '=', 0);
  if (filters.minMemoryMb !== undefined) q = q.where('memory_mb', '>=', filters.minMemoryMb);
  if (filters.minRootGb !== undefined) q = q.where('root_gb', '>=', filters.minRootGb);
  if (filters.disabled !== undefined) q = q.where('disabled', '=', filters.disabled);
  if (filters.isPublic === false) q = q.where('is_public', '=', false);
  if (filters.isPublic === true) {
    const projectId = ctx?.projectId ?? null;
    q =
      projectId === null
        ? q.where('is_public', '=', true)
        : q.where((eb) => eb.or([eb('is_public', '=', true), accessibleToProject(projectId)]));
  }

  const sortKey = options.sortKey ?? 'flavorid';
  const dir = options.sortDir ?? 'asc';
  if (options.marker !== undefined && options.marker !== null) {
    const marker = await db.kysely
      .selectFrom('instance_types')
      .selectAll()
      .where('flavorid', '=', options.marker)
      .orderBy(sql`case when deleted = 0 then 0 else 1 end`)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (!marker) throw new MarkerNotFound(`Marker ${options.marker} could not be found.`, { kwargs: { marker: options.marker } });
    const markerValue = marker[sortKey] as unknown;
    const op = dir === 'asc' ? '>' : '<';
    const col = sql.ref(`instance_types.${sortKey}`);
    const idRef = sql.ref('instance_types.id');
    q =
      markerValue === null
        ? q.where(sql<SqlBool>`(${col} is not null or (${col} is null and ${idRef} ${sql.raw(op)} ${marker.id}))`)
        : q.where(
            sql<SqlBool>`(${col} ${sql.raw(op)} ${markerValue} or (${col} = ${markerValue} and ${idRef} ${sql.raw(op)} ${marker.id}))`,
          );
  }
  q = q.orderBy(sortKey, dir).orderBy('id', dir);
  if (options.limit !== undefined) q = q.limit(options.limit);
  return withExtraSpecs(db, await q.execute());
}

/** Soft-deletes a live flavor and its extra specs; FlavorNotFound. */
export async function flavorDestroy(db: Db, ctx: RequestContext | null, flavorid: string): Promise<void> {
  requireAdmin(ctx);
  await inTransaction(db, async (tx) => {
    const flavor = await flavorGetByFlavorId(tx, null, flavorid, 'no');
    const at = now();
    await softDeleteWhere(tx, 'instance_types', { id: flavor.id }, at);
    await softDeleteWhere(tx, 'instance_type_extra_specs', { instance_type_id: flavor.id }, at);
  });
}

// ---- access to private flavors ---------------------------------------------

export interface FlavorAccess {
  flavor_id: string;
  project_id: string;
}

export async function flavorAccessGetByFlavorId(db: Db, ctx: RequestContext | null, flavorid: string): Promise<FlavorAccess[]> {
  const flavor = await flavorGetByFlavorId(db, ctx, flavorid, 'no');
  const rows = await db.kysely
    .selectFrom('instance_type_projects')
    .select('project_id')
    .where('deleted', '=', 0)
    .where('instance_type_id', '=', flavor.id)
    .orderBy('id')
    .execute();
  return rows.filter((r) => r.project_id !== null).map((r) => ({ flavor_id: flavorid, project_id: r.project_id as string }));
}

/** Gives a project access to a flavor; FlavorAccessExists when it already has it. */
export async function flavorAccessAdd(db: Db, ctx: RequestContext | null, flavorid: string, projectId: string): Promise<void> {
  requireAdmin(ctx);
  await inTransaction(db, async (tx) => {
    const flavor = await flavorGetByFlavorId(tx, null, flavorid, 'no');
    const existing = await tx.kysely
      .selectFrom('instance_type_projects')
      .select('id')
      .where('deleted', '=', 0)
      .where('instance_type_id', '=', flavor.id)
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    if (existing) {
      throw new FlavorAccessExists(`Flavor access already exists for flavor ${flavorid} and project ${projectId} combination.`, {
        kwargs: { flavor_id: flavorid, project_id: projectId },
      });
    }
    await tx.kysely
      .insertInto('instance_type_projects')
      .values({ instance_type_id: flavor.id, project_id: projectId, created_at: now(), deleted: 0 })
      .execute();
  });
}

/** Takes a project's access away; FlavorAccessNotFound when it had none. */
export async function flavorAccessRemove(db: Db, ctx: RequestContext | null, flavorid: string, projectId: string): Promise<void> {
  requireAdmin(ctx);
  await inTransaction(db, async (tx) => {
    const flavor = await flavorGetByFlavorId(tx, null, flavorid, 'no');
    const removed = await softDeleteWhere(tx, 'instance_type_projects', { instance_type_id: flavor.id, project_id: projectId });
    if (removed === 0) {
      throw new FlavorAccessNotFound(`Flavor access not found for ${flavorid} / ${projectId} combination.`, {
        kwargs: { flavor_id: flavorid, project_id: projectId },
      });
    }
  });
}

// ---- extra specs -------------------------------------------------------------

export async function flavorExtraSpecsGet(db: Db, ctx: RequestContext | null, flavorid: string): Promise<Record<string, string>> {
  return (await flavorGetByFlavorId(db, ctx, flavorid, 'no')).extra_specs;
}

/** Sets each key, updating live rows and creating missing ones. */
export async function flavorExtraSpecsUpdateOrCreate(
  db: Db,
  ctx: RequestContext | null,
  flavorid: string,
  specs: Readonly<Record<string, string>>,
): Promise<Record<string, string>> {
  requireAdmin(ctx);
  return inTransaction(db, async (tx) => {
    const flavor = await flavorGetByFlavorId(tx, null, flavorid, 'no');
    const at = now();
    for (const [key, value] of Object.entries(specs)) {
      const result = await tx.kysely
        .updateTable('instance_type_extra_specs')
        .set({ value, updated_at: at })
        .where('deleted', '=', 0)
        .where('instance_type_id', '=', flavor.id)
        .where('key', '=', key)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) {
        await tx.kysely
          .insertInto('instance_type_extra_specs')
          .values({ instance_type_id: flavor.id, key, value, created_at: at, deleted: 0 })
          .execute();
      }
    }
    return { ...specs };
  });
}

/** Removes one key; FlavorExtraSpecsNotFound when the flavor has no such key. */
export async function flavorExtraSpecsDelete(db: Db, ctx: RequestContext | null, flavorid: string, key: string): Promise<void> {
  requireAdmin(ctx);
  await inTransaction(db, async (tx) => {
    const flavor = await flavorGetByFlavorId(tx, null, flavorid, 'no');
    const removed = await softDeleteWhere(tx, 'instance_type_extra_specs', { instance_type_id: flavor.id, key });
    if (removed === 0) {
      throw new FlavorExtraSpecsNotFound(`Flavor ${flavorid} has no extra specs with key ${key}.`, {
        kwargs: { flavor_id: flavorid, extra_specs_key: key },
      });
    }
  });
}

/** Whether any flavor row exists at all, live or deleted (first-start seeding looks at this). */
export async function flavorTableIsEmpty(db: Db): Promise<boolean> {
  const row = await db.kysely.selectFrom('instance_types').select('id').limit(1).executeTakeFirst();
  return row === undefined;
}
