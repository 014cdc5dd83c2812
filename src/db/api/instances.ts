/**
 * The `instances` table and what hangs off it (metadata, system metadata, info cache,
 * security groups, EC2 id mapping). Reads return an InstanceRecord: the row plus those
 * relations as plain values. Updates are compare-and-swap on task_state when the caller
 * names the task_state it expects (instance_update_and_get_original in nova/db/sqlalchemy/api.py); listing follows instance_get_all_by_filters
 * in nova/db/sqlalchemy/api.py.
 */
import { randomUUID } from 'node:crypto';
import { type Expression, type SqlBool, sql } from 'kysely';
import { ConstraintNotMet, InstanceExists, InstanceNotFound, InvalidUUID, MarkerNotFound, NotFound } from '../../common/errors.js';
import type { TaskState } from '../../common/states/task-states.js';
import { unexpectedTaskState } from '../../common/states/transitions.js';
import { isUuidLike } from '../../common/uuid.js';
import type { RequestContext } from '../../context/context.js';
import { regexpMatch } from '../engine.js';
import type { Instance, NewRow, SecurityGroup } from '../types.js';
import { type AnyKysely, type Db, inTransaction, isUserContext, now, readDeletedOf, softDeleteValues, softDeleteWhere } from './common.js';
import {
  instanceMetadataUpdate,
  instanceSystemMetadataUpdate,
  type Metadata,
  metadataGetForInstances,
  metadataInsertAll,
  type SystemMetadata,
} from './instance-metadata.js';
import {
  instanceAddSecurityGroup,
  instanceSecurityGroupsRemoveAll,
  securityGroupEnsureDefault,
  securityGroupGetByName,
  securityGroupsForInstances,
} from './security-groups.js';

export class InstanceInfoCacheNotFound extends NotFound {
  constructor(instanceUuid: string) {
    super(`Info cache for instance ${instanceUuid} could not be found.`, { kwargs: { instance_uuid: instanceUuid } });
  }
}

export interface InfoCache {
  network_info: string | null;
}

/** An instance row with its relations, as Nova's joined Instance model. */
export interface InstanceRecord extends Instance {
  metadata: Metadata;
  system_metadata: SystemMetadata;
  info_cache: InfoCache | null;
  security_groups: SecurityGroup[];
}

export type InstanceValues = Omit<NewRow<'instances'>, 'id'>;

export interface InstanceCreateValues extends InstanceValues {
  metadata?: Metadata;
  system_metadata?: SystemMetadata;
  /** Group names; `default` is created for the project when missing. */
  security_groups?: readonly string[];
  info_cache?: InfoCache;
}

export interface InstanceUpdateValues extends Omit<RowUpdateInstance, 'id' | 'uuid'> {
  /** Replaces the whole user metadata set. */
  metadata?: Metadata;
  /** Replaces the whole system metadata set. */
  system_metadata?: SystemMetadata;
}
type RowUpdateInstance = Partial<Omit<Instance, 'id'>>;

export interface UpdateOptions {
  /** The update applies only while task_state is one of these (null = no task). */
  expectedTaskState?: TaskState | null | readonly (TaskState | null)[];
  /** Hostname uniqueness, as `osapi_compute_unique_server_name_scope`. */
  uniqueNameScope?: UniqueNameScope;
}

/** `''` (off), `project` or `global`. */
export type UniqueNameScope = '' | 'project' | 'global';

function instanceNotFound(uuid: string): InstanceNotFound {
  return new InstanceNotFound(`Instance ${uuid} could not be found.`, { kwargs: { instance_id: uuid } });
}

// ---- relations --------------------------------------------------------------

async function infoCachesFor(db: Db, uuids: readonly string[]): Promise<Map<string, InfoCache>> {
  const out = new Map<string, InfoCache>();
  for (let i = 0; i < uuids.length; i += 500) {
    const rows = await db.kysely
      .selectFrom('instance_info_caches')
      .select(['instance_uuid', 'network_info'])
      .where('deleted', '=', 0)
      .where('instance_uuid', 'in', uuids.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.instance_uuid, { network_info: r.network_info });
  }
  return out;
}

/** Attaches metadata, system metadata, info cache and security groups to rows. */
export async function joinRelations(db: Db, rows: readonly Instance[]): Promise<InstanceRecord[]> {
  const uuids = rows.map((r) => r.uuid).filter((u): u is string => u !== null);
  if (uuids.length === 0) return rows.map((r) => ({ ...r, metadata: {}, system_metadata: {}, info_cache: null, security_groups: [] }));
  const [md, sysmd, caches, groups] = await Promise.all([
    metadataGetForInstances(db, 'instance_metadata', uuids),
    metadataGetForInstances(db, 'instance_system_metadata', uuids),
    infoCachesFor(db, uuids),
    securityGroupsForInstances(db, uuids),
  ]);
  return rows.map((r) => {
    const u = r.uuid ?? '';
    return {
      ...r,
      metadata: (md.get(u) ?? {}) as Metadata,
      system_metadata: sysmd.get(u) ?? {},
      info_cache: caches.get(u) ?? null,
      security_groups: groups.get(u) ?? [],
    };
  });
}

// ---- create -----------------------------------------------------------------

async function checkHostnameUnique(
  db: Db,
  ctx: RequestContext,
  scope: UniqueNameScope | undefined,
  hostname: string | null | undefined,
  projectId: string | null | undefined,
  exceptUuid?: string,
): Promise<void> {
  if (!scope || !hostname) return;
  let q = db.kysely
    .selectFrom('instances')
    .select('uuid')
    .where('deleted', '=', 0)
    .where(sql<SqlBool>`lower(hostname) = ${hostname.toLowerCase()}`);
  if (scope === 'project') q = q.where('project_id', '=', projectId ?? ctx.projectId ?? null);
  if (exceptUuid) q = q.where('uuid', '<>', exceptUuid);
  const clash = await q.executeTakeFirst();
  if (clash) throw new InstanceExists(`Instance ${hostname} already exists.`, { kwargs: { name: hostname } });
}

/**
 * Creates an instance with its metadata, system metadata, security group associations, an
 * info cache (empty unless given) and its EC2 id mapping, in one transaction.
 */
export async function instanceCreate(
  db: Db,
  ctx: RequestContext,
  values: InstanceCreateValues,
  options: { uniqueNameScope?: UniqueNameScope } = {},
): Promise<InstanceRecord> {
  const { metadata, system_metadata, security_groups, info_cache, ...row } = values;
  const uuid = row.uuid ?? randomUUID();
  return inTransaction(db, async (tx) => {
    await checkHostnameUnique(tx, ctx, options.uniqueNameScope, row.hostname, row.project_id);
    const at = now();
    await tx.kysely
      .insertInto('instances')
      .values({ ...row, uuid, created_at: row.created_at ?? at, deleted: 0 })
      .execute();
    await metadataInsertAll(tx, 'instance_metadata', uuid, metadata ?? {}, at);
    await metadataInsertAll(tx, 'instance_system_metadata', uuid, system_metadata ?? {}, at);
    const projectId = row.project_id ?? ctx.projectId ?? '';
    for (const name of security_groups ?? []) {
      const group =
        name === 'default'
          ? (await securityGroupEnsureDefault(tx, ctx, projectId)).group
          : await securityGroupGetByName(tx, ctx, projectId, name);
      await instanceAddSecurityGroup(tx, ctx, uuid, group.id);
    }
    await tx.kysely
      .insertInto('instance_info_caches')
      .values({ instance_uuid: uuid, network_info: info_cache?.network_info ?? '[]', created_at: at, deleted: 0 })
      .execute();
    await tx.kysely.insertInto('instance_id_mappings').values({ uuid, created_at: at, deleted: 0 }).execute();
    return instanceGetByUuid(tx, ctx, uuid, { readDeleted: 'yes' });
  });
}

// ---- read -------------------------------------------------------------------

export interface GetOptions {
  readDeleted?: 'no' | 'yes' | 'only';
}

/** The instance (project_only for user contexts); InstanceNotFound, InvalidUUID. */
export async function instanceGetByUuid(
  db: Db,
  ctx: RequestContext | null,
  uuid: string,
  options: GetOptions = {},
): Promise<InstanceRecord> {
  if (!isUuidLike(uuid)) throw instanceNotFound(uuid);
  let q = db.kysely.selectFrom('instances').selectAll().where('uuid', '=', uuid);
  const rd = readDeletedOf(ctx, options.readDeleted);
  if (rd === 'no') q = q.where('deleted', '=', 0);
  else if (rd === 'only') q = q.where('deleted', '<>', 0);
  if (isUserContext(ctx)) q = q.where('project_id', '=', ctx?.projectId ?? null);
  const row = await q.executeTakeFirst();
  if (!row) throw instanceNotFound(uuid);
  return (await joinRelations(db, [row]))[0] as InstanceRecord;
}

/** Live instances of a compute host (and node, when given). */
export async function instanceGetAllByHost(db: Db, _ctx: RequestContext | null, host: string, node?: string): Promise<InstanceRecord[]> {
  let q = db.kysely.selectFrom('instances').selectAll().where('deleted', '=', 0).where('host', '=', host);
  if (node !== undefined) q = q.where('node', '=', node);
  return joinRelations(db, await q.orderBy('id').execute());
}

/** The EC2 numeric id of an instance (its `instance_id_mappings` row). */
export async function ec2InstanceIdForUuid(db: Db, uuid: string): Promise<number | null> {
  const row = await db.kysely.selectFrom('instance_id_mappings').select('id').where('uuid', '=', uuid).orderBy('id').executeTakeFirst();
  return row ? row.id : null;
}

/** Cached network info of the instances a project (or, with null, everyone) has, for address filters. */
export async function instanceInfoCachesByProject(
  db: Db,
  projectId: string | null,
): Promise<{ instance_uuid: string; network_info: string | null }[]> {
  let q = db.kysely
    .selectFrom('instance_info_caches as c')
    .innerJoin('instances as i', 'i.uuid', 'c.instance_uuid')
    .select(['c.instance_uuid', 'c.network_info'])
    .where('c.deleted', '=', 0);
  if (projectId !== null) q = q.where('i.project_id', '=', projectId);
  return q.execute();
}

// ---- list -------------------------------------------------------------------

/** Column names of `instances` that filters and sort keys may name. */
export const INSTANCE_COLUMNS: ReadonlySet<string> = new Set([
  'created_at',
  'updated_at',
  'deleted_at',
  'deleted',
  'id',
  'internal_id',
  'user_id',
  'project_id',
  'image_ref',
  'kernel_id',
  'ramdisk_id',
  'launch_index',
  'key_name',
  'key_data',
  'power_state',
  'vm_state',
  'memory_mb',
  'vcpus',
  'hostname',
  'host',
  'user_data',
  'reservation_id',
  'scheduled_at',
  'launched_at',
  'terminated_at',
  'display_name',
  'display_description',
  'availability_zone',
  'locked',
  'os_type',
  'launched_on',
  'instance_type_id',
  'vm_mode',
  'uuid',
  'architecture',
  'root_device_name',
  'access_ip_v4',
  'access_ip_v6',
  'config_drive',
  'task_state',
  'default_ephemeral_device',
  'default_swap_device',
  'progress',
  'auto_disk_config',
  'shutdown_terminate',
  'disable_terminate',
  'root_gb',
  'ephemeral_gb',
  'cell_name',
  'node',
]);

const EXACT_FILTERS = new Set(['project_id', 'user_id', 'image_ref', 'vm_state', 'instance_type_id', 'uuid', 'host', 'task_state']);

export type FilterValue = string | number | boolean | null | Date | readonly (string | number | boolean | null)[] | Record<string, string>;

/**
 * Filters of instance_get_all_by_filters: `changes-since` (Date), `deleted` (boolean),
 * exact matches (arrays are IN, null is IS NULL), `metadata` / `system_metadata` objects,
 * and regular expressions over any other column. Unknown names are ignored.
 */
export type InstanceFilters = Readonly<Record<string, FilterValue | undefined>>;

export interface ListOptions {
  sortKeys?: readonly string[];
  sortDirs?: readonly ('asc' | 'desc')[];
  limit?: number | null;
  /** Uuid of the last instance of the previous page; MarkerNotFound when unknown. */
  marker?: string | null;
}

function exactMatch(column: string, value: FilterValue): Expression<SqlBool> {
  const ref = sql.ref(`instances.${column}`);
  if (value === null) return sql<SqlBool>`${ref} is null`;
  if (Array.isArray(value)) {
    const values = value as readonly (string | number | boolean | null)[];
    const nonNull = values.filter((v) => v !== null);
    const parts: Expression<SqlBool>[] = [];
    if (nonNull.length) parts.push(sql<SqlBool>`${ref} in (${sql.join(nonNull)})`);
    if (nonNull.length !== values.length) parts.push(sql<SqlBool>`${ref} is null`);
    if (parts.length === 0) return sql<SqlBool>`1 = 0`;
    return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
  }
  return sql<SqlBool>`${ref} = ${value as string | number | boolean}`;
}

function metadataMatch(table: 'instance_metadata' | 'instance_system_metadata', value: Record<string, string>): Expression<SqlBool> {
  const parts = Object.entries(value).map(
    ([k, v]) =>
      sql<SqlBool>`exists (select 1 from ${sql.table(table)} m where m.instance_uuid = instances.uuid and m.deleted = 0 and m.${sql.ref('key')} = ${k} and m.value = ${v})`,
  );
  return parts.length ? sql<SqlBool>`(${sql.join(parts, sql` and `)})` : sql<SqlBool>`1 = 1`;
}

function isTruthy(value: FilterValue | undefined): boolean {
  if (typeof value === 'string') return ['1', 'true', 't', 'yes', 'y', 'on'].includes(value.trim().toLowerCase());
  return Boolean(value);
}

/** The sort order with NULLs first in ascending order on every engine (MySQL and SQLite do that; PostgreSQL does not). */
function orderTerms(keys: readonly string[], dirs: readonly ('asc' | 'desc')[]) {
  return keys.flatMap((k, i) => {
    const dir = dirs[i] === 'asc' ? sql`asc` : sql`desc`;
    const ref = sql.ref(`instances.${k}`);
    return [sql`case when ${ref} is null then 0 else 1 end ${dir}`, sql`${ref} ${dir}`];
  });
}

function afterMarker(keys: readonly string[], dirs: readonly ('asc' | 'desc')[], marker: Instance): Expression<SqlBool> {
  const ors: Expression<SqlBool>[] = [];
  for (let i = 0; i < keys.length; i++) {
    const ands: Expression<SqlBool>[] = [];
    for (let j = 0; j < i; j++) {
      const ref = sql.ref(`instances.${keys[j]}`);
      const mv = (marker as unknown as Record<string, unknown>)[keys[j] as string];
      ands.push(mv === null || mv === undefined ? sql<SqlBool>`${ref} is null` : sql<SqlBool>`${ref} = ${mv}`);
    }
    const ref = sql.ref(`instances.${keys[i]}`);
    const mv = (marker as unknown as Record<string, unknown>)[keys[i] as string];
    if (dirs[i] === 'asc') ands.push(mv === null || mv === undefined ? sql<SqlBool>`${ref} is not null` : sql<SqlBool>`${ref} > ${mv}`);
    else ands.push(mv === null || mv === undefined ? sql<SqlBool>`1 = 0` : sql<SqlBool>`(${ref} < ${mv} or ${ref} is null)`);
    ors.push(sql<SqlBool>`(${sql.join(ands, sql` and `)})`);
  }
  return sql<SqlBool>`(${sql.join(ors, sql` or `)})`;
}

/** The sort keys and directions after Nova's tie-breakers (created_at, id) are appended. */
export function effectiveSort(
  sortKeys: readonly string[] = [],
  sortDirs: readonly ('asc' | 'desc')[] = [],
): { keys: string[]; dirs: ('asc' | 'desc')[] } {
  const keys: string[] = [];
  const dirs: ('asc' | 'desc')[] = [];
  const defaultDir = sortDirs[0] ?? 'desc';
  const wanted = sortKeys.length ? sortKeys : ['created_at'];
  wanted.forEach((k, i) => {
    if (keys.includes(k)) return;
    keys.push(k);
    dirs.push(sortDirs[i] ?? defaultDir);
  });
  for (const k of ['created_at', 'id']) {
    if (!keys.includes(k)) {
      keys.push(k);
      dirs.push(defaultDir);
    }
  }
  return { keys, dirs };
}

/** instance_get_all_by_filters (nova/db/sqlalchemy/api.py). Deleted instances are included unless `deleted` is given. */
export async function instanceGetAllByFilters(
  db: Db,
  ctx: RequestContext | null,
  filters: InstanceFilters,
  options: ListOptions = {},
): Promise<InstanceRecord[]> {
  const { keys, dirs } = effectiveSort(options.sortKeys, options.sortDirs);
  for (const k of keys) if (!INSTANCE_COLUMNS.has(k)) throw new Error(`cannot sort instances by ${k}`);
  if (options.limit === 0) return [];
  let q = (db.kysely as AnyKysely).selectFrom('instances').selectAll('instances');
  const rest: Record<string, FilterValue | undefined> = { ...filters };

  const since = rest['changes-since'];
  delete rest['changes-since'];
  if (since instanceof Date) q = q.where(sql<SqlBool>`coalesce(instances.updated_at, instances.created_at) >= ${since}`);

  if ('deleted' in rest) {
    const deleted = rest.deleted;
    delete rest.deleted;
    if (isTruthy(deleted)) q = q.where(sql<SqlBool>`(instances.deleted <> 0 or instances.vm_state = ${'soft-delete'})`);
    else q = q.where(sql<SqlBool>`(instances.deleted = 0 and (instances.vm_state is null or instances.vm_state <> ${'soft-delete'}))`);
  }

  if (isUserContext(ctx)) q = q.where('instances.project_id', '=', ctx?.projectId ?? null);

  for (const name of ['metadata', 'system_metadata'] as const) {
    const value = rest[name];
    delete rest[name];
    if (value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
      q = q.where(metadataMatch(name === 'metadata' ? 'instance_metadata' : 'instance_system_metadata', value as Record<string, string>));
    }
  }

  for (const [name, value] of Object.entries(rest)) {
    if (value === undefined || !INSTANCE_COLUMNS.has(name)) continue;
    if (EXACT_FILTERS.has(name) || value === null || Array.isArray(value)) q = q.where(exactMatch(name, value as FilterValue));
    else if (value instanceof Date) q = q.where(sql.ref(`instances.${name}`), '=', value);
    else q = q.where(regexpMatch(db.dialect, `instances.${name}`, String(value)));
  }

  if (options.marker) {
    const marker = await db.kysely.selectFrom('instances').selectAll().where('uuid', '=', options.marker).executeTakeFirst();
    if (!marker) throw new MarkerNotFound(`Marker ${options.marker} could not be found.`, { kwargs: { marker: options.marker } });
    q = q.where(afterMarker(keys, dirs, marker));
  }
  for (const term of orderTerms(keys, dirs)) q = q.orderBy(term);
  if (options.limit !== undefined && options.limit !== null) q = q.limit(options.limit);
  return joinRelations(db, (await q.execute()) as Instance[]);
}

// ---- update -----------------------------------------------------------------

function expectedList(expected: UpdateOptions['expectedTaskState']): readonly (TaskState | null)[] | undefined {
  if (expected === undefined) return undefined;
  return Array.isArray(expected) ? (expected as readonly (TaskState | null)[]) : [expected as TaskState | null];
}

function taskStateGuard(expected: readonly (TaskState | null)[]): Expression<SqlBool> {
  const names = expected.filter((t): t is TaskState => t !== null);
  const parts: Expression<SqlBool>[] = [];
  if (names.length) parts.push(sql<SqlBool>`task_state in (${sql.join(names)})`);
  if (names.length !== expected.length) parts.push(sql<SqlBool>`task_state is null`);
  if (parts.length === 0) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/**
 * Updates an instance and returns it before and after. With `expectedTaskState` the write
 * is one guarded UPDATE: when another actor changed task_state first, nothing is written
 * and UnexpectedTaskStateError is thrown. `metadata` / `system_metadata` replace the sets.
 */
export async function instanceUpdateAndGetOriginal(
  db: Db,
  ctx: RequestContext | null,
  uuid: string,
  values: InstanceUpdateValues,
  options: UpdateOptions = {},
): Promise<[InstanceRecord, InstanceRecord]> {
  if (!isUuidLike(uuid)) throw new InvalidUUID(`Expected a uuid but received ${uuid}.`, { kwargs: { uuid } });
  const { metadata, system_metadata, ...columns } = values;
  const expected = expectedList(options.expectedTaskState);
  return inTransaction(db, async (tx) => {
    const original = await instanceGetByUuid(tx, ctx, uuid, { readDeleted: 'yes' });
    if (columns.hostname !== undefined && columns.hostname !== original.hostname && ctx) {
      await checkHostnameUnique(tx, ctx, options.uniqueNameScope, columns.hostname, original.project_id, uuid);
    }
    let q = (tx.kysely as AnyKysely)
      .updateTable('instances')
      .set({ ...columns, updated_at: columns.updated_at ?? now() })
      .where('uuid', '=', uuid);
    if (expected) q = q.where(taskStateGuard(expected));
    const result = await q.executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      const current = await tx.kysely.selectFrom('instances').select('task_state').where('uuid', '=', uuid).executeTakeFirst();
      if (!current) throw instanceNotFound(uuid);
      throw unexpectedTaskState(uuid, expected ?? [], (current.task_state as TaskState | null) ?? null);
    }
    if (metadata) await instanceMetadataUpdate(tx, ctx, uuid, metadata, true);
    if (system_metadata) await instanceSystemMetadataUpdate(tx, ctx, uuid, system_metadata, true);
    const updated = await instanceGetByUuid(tx, ctx, uuid, { readDeleted: 'yes' });
    return [original, updated];
  });
}

export async function instanceUpdate(
  db: Db,
  ctx: RequestContext | null,
  uuid: string,
  values: InstanceUpdateValues,
  options: UpdateOptions = {},
): Promise<InstanceRecord> {
  return (await instanceUpdateAndGetOriginal(db, ctx, uuid, values, options))[1];
}

// ---- destroy ----------------------------------------------------------------

export interface DestroyConstraint {
  /** vm_state must be one of these. */
  vmStates?: readonly string[];
  /** task_state must not be one of these. */
  notTaskStates?: readonly (string | null)[];
}

/**
 * Soft-deletes the instance, its security group associations, info cache and user
 * metadata (system metadata is kept, as in Nova). A constraint that no longer holds
 * throws ConstraintNotMet. Returns the instance as it was.
 */
export async function instanceDestroy(
  db: Db,
  ctx: RequestContext | null,
  uuid: string,
  constraint?: DestroyConstraint,
): Promise<InstanceRecord> {
  return inTransaction(db, async (tx) => {
    const original = await instanceGetByUuid(tx, ctx, uuid);
    const at = now();
    let q = (tx.kysely as AnyKysely)
      .updateTable('instances')
      .set(softDeleteValues(at, { bumpUpdatedAt: true }))
      .where('uuid', '=', uuid)
      .where('deleted', '=', 0);
    if (constraint?.vmStates) q = q.where(exactMatch('vm_state', constraint.vmStates));
    if (constraint?.notTaskStates) {
      const names = constraint.notTaskStates.filter((t): t is string => t !== null);
      if (names.length) q = q.where(sql<SqlBool>`(task_state is null or task_state not in (${sql.join(names)}))`);
      if (names.length !== constraint.notTaskStates.length) q = q.where('task_state', 'is not', null);
    }
    const result = await q.executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new ConstraintNotMet('Constraint not met.');
    await instanceSecurityGroupsRemoveAll(tx, uuid, at);
    for (const table of ['instance_info_caches', 'instance_metadata'] as const) {
      await (tx.kysely as AnyKysely)
        .updateTable(table)
        .set(softDeleteValues(at))
        .where('deleted', '=', 0)
        .where('instance_uuid', '=', uuid)
        .execute();
    }
    // A deleted server leaves its server group, freeing its place in the group's quota.
    await (tx.kysely as AnyKysely)
      .updateTable('instance_group_member')
      .set(softDeleteValues(at))
      .where('deleted', '=', 0)
      .where('instance_id', '=', uuid)
      .execute();
    return original;
  });
}

// ---- info cache -------------------------------------------------------------

export async function instanceInfoCacheGet(db: Db, _ctx: RequestContext | null, uuid: string): Promise<InfoCache | null> {
  const row = await db.kysely
    .selectFrom('instance_info_caches')
    .select('network_info')
    .where('deleted', '=', 0)
    .where('instance_uuid', '=', uuid)
    .executeTakeFirst();
  return row ?? null;
}

/** Soft-deletes the instance's cached network info (the instance is going away). */
export async function instanceInfoCacheDelete(db: Db, _ctx: RequestContext | null, uuid: string): Promise<void> {
  await softDeleteWhere(db, 'instance_info_caches', { instance_uuid: uuid });
}

/**
 * Writes the cached network info. A soft-deleted cache (its instance is being destroyed)
 * is InstanceInfoCacheNotFound; a missing one is created.
 */
export async function instanceInfoCacheUpdate(db: Db, _ctx: RequestContext | null, uuid: string, values: InfoCache): Promise<InfoCache> {
  return inTransaction(db, async (tx) => {
    const row = await tx.kysely
      .selectFrom('instance_info_caches')
      .select(['id', 'deleted'])
      .where('instance_uuid', '=', uuid)
      .executeTakeFirst();
    if (row && row.deleted !== 0) throw new InstanceInfoCacheNotFound(uuid);
    if (row) {
      await tx.kysely
        .updateTable('instance_info_caches')
        .set({ network_info: values.network_info, updated_at: now() })
        .where('id', '=', row.id)
        .execute();
    } else {
      await tx.kysely
        .insertInto('instance_info_caches')
        .values({ instance_uuid: uuid, network_info: values.network_info, created_at: now(), deleted: 0 })
        .execute();
    }
    return { network_info: values.network_info };
  });
}

/**
 * Empties the cached network info of a live instance whose addresses were released, so
 * that it stops showing them. A deleted or missing cache is left as it is.
 */
export async function instanceInfoCacheClear(db: Db, _ctx: RequestContext | null, uuid: string): Promise<void> {
  await db.kysely
    .updateTable('instance_info_caches')
    .set({ network_info: '[]', updated_at: now() })
    .where('deleted', '=', 0)
    .where('instance_uuid', '=', uuid)
    .execute();
}
