/** The `compute_nodes` table (one row per hypervisor) and its key/value `compute_node_stats`. */
import { ComputeHostNotFound } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { ComputeNode, ComputeNodeStat, NewRow, RowUpdate, Service } from '../types.js';
import { type Db, deletedFilter, insertReturningId, inTransaction, now, readDeletedOf, requireAdmin } from './common.js';

export type ComputeNodeStats = Record<string, string | number | boolean | null>;

export type ComputeNodeValues = Omit<NewRow<'compute_nodes'>, 'id'> & { stats?: ComputeNodeStats };
export type ComputeNodeUpdate = Omit<RowUpdate<'compute_nodes'>, 'id'> & { stats?: ComputeNodeStats };

/** A compute node with its service and its live stats, as Nova's joined loads return it. */
export interface ComputeNodeWithRelations extends ComputeNode {
  service: Service | null;
  stats: ComputeNodeStat[];
}

export interface ComputeNodeStatistics {
  count: number;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  vcpus_used: number;
  memory_mb_used: number;
  local_gb_used: number;
  free_ram_mb: number;
  free_disk_gb: number;
  current_workload: number;
  running_vms: number;
  disk_available_least: number;
}

function notFound(id: number | string): ComputeHostNotFound {
  return new ComputeHostNotFound(`Compute host ${id} could not be found.`, { kwargs: { host: id } });
}

function statValue(v: ComputeNodeStats[string]): string | null {
  return v === null || v === undefined ? null : String(v);
}

function baseQuery(db: Db, ctx: RequestContext | null) {
  const filter = deletedFilter('compute_nodes', readDeletedOf(ctx));
  const q = db.kysely.selectFrom('compute_nodes').selectAll('compute_nodes');
  return filter ? q.where(filter) : q;
}

async function withRelations(db: Db, nodes: ComputeNode[]): Promise<ComputeNodeWithRelations[]> {
  if (nodes.length === 0) return [];
  const ids = nodes.map((n) => n.id);
  const serviceIds = [...new Set(nodes.map((n) => n.service_id))];
  const [services, stats] = await Promise.all([
    db.kysely.selectFrom('services').selectAll().where('id', 'in', serviceIds).execute(),
    db.kysely
      .selectFrom('compute_node_stats')
      .selectAll()
      .where('deleted', '=', 0)
      .where('compute_node_id', 'in', ids)
      .orderBy('id')
      .execute(),
  ]);
  return nodes.map((n) => ({
    ...n,
    // Nova's join condition also requires the node itself to be live.
    service: n.deleted === 0 ? (services.find((s) => s.id === n.service_id) ?? null) : null,
    stats: stats.filter((s) => s.compute_node_id === n.id),
  }));
}

async function getNode(db: Db, ctx: RequestContext | null, id: number): Promise<ComputeNodeWithRelations> {
  const row = await baseQuery(db, ctx).where('compute_nodes.id', '=', id).executeTakeFirst();
  if (!row) throw notFound(id);
  return (await withRelations(db, [row]))[0] as ComputeNodeWithRelations;
}

/** Records a compute node; `stats` becomes compute_node_stats rows. */
export async function computeNodeCreate(db: Db, ctx: RequestContext | null, values: ComputeNodeValues): Promise<ComputeNodeWithRelations> {
  requireAdmin(ctx);
  const { stats = {}, ...columns } = values;
  return inTransaction(db, async (tx) => {
    const at = now();
    const id = await insertReturningId(tx, 'compute_nodes', { deleted: 0, created_at: at, ...columns });
    for (const [key, value] of Object.entries(stats)) {
      await tx.kysely
        .insertInto('compute_node_stats')
        .values({ compute_node_id: id, key, value: statValue(value), created_at: at, deleted: 0 })
        .execute();
    }
    return getNode(tx, null, id);
  });
}

/**
 * Updates a compute node. Given stats are upserted by key; with `pruneStats` the live
 * stats not given are soft-deleted. `updated_at` always moves (unless given), so that
 * schedulers holding a cached copy see that the node reported.
 */
export async function computeNodeUpdate(
  db: Db,
  ctx: RequestContext | null,
  id: number,
  values: ComputeNodeUpdate,
  pruneStats = false,
): Promise<ComputeNodeWithRelations> {
  requireAdmin(ctx);
  const { stats = {}, ...columns } = values;
  return inTransaction(db, async (tx) => {
    const at = now();
    const existing = await tx.kysely
      .selectFrom('compute_node_stats')
      .selectAll()
      .where('compute_node_id', '=', id)
      .where('deleted', '=', 0)
      .execute();
    const byKey = new Map(existing.map((s) => [s.key, s]));
    for (const [key, value] of Object.entries(stats)) {
      const old = byKey.get(key);
      byKey.delete(key);
      if (old) {
        await tx.kysely
          .updateTable('compute_node_stats')
          .set({ value: statValue(value), updated_at: at })
          .where('id', '=', old.id)
          .execute();
      } else {
        await tx.kysely
          .insertInto('compute_node_stats')
          .values({ compute_node_id: id, key, value: statValue(value), created_at: at, deleted: 0 })
          .execute();
      }
    }
    if (pruneStats && byKey.size > 0) {
      await tx.kysely
        .updateTable('compute_node_stats')
        .set((eb) => ({ deleted: eb.ref('id'), deleted_at: at, updated_at: at }))
        .where(
          'id',
          'in',
          [...byKey.values()].map((s) => s.id),
        )
        .execute();
    }
    await getNode(tx, ctx, id);
    const { id: _ignored, ...rest } = columns as ComputeNodeUpdate & { id?: unknown };
    await tx.kysely
      .updateTable('compute_nodes')
      .set({ ...rest, updated_at: values.updated_at ?? at })
      .where('id', '=', id)
      .execute();
    return getNode(tx, null, id);
  });
}

/** A compute node with its service and stats; ComputeHostNotFound. */
export async function computeNodeGet(db: Db, ctx: RequestContext | null, id: number): Promise<ComputeNodeWithRelations> {
  return getNode(db, ctx, id);
}

export async function computeNodeGetAll(db: Db, ctx: RequestContext | null): Promise<ComputeNodeWithRelations[]> {
  requireAdmin(ctx);
  return withRelations(db, await baseQuery(db, ctx).orderBy('compute_nodes.id').execute());
}

/** Nodes whose hypervisor_hostname contains `match` (SQL LIKE, so `%` and `_` are wildcards). */
export async function computeNodeSearchByHypervisor(
  db: Db,
  ctx: RequestContext | null,
  match: string,
): Promise<ComputeNodeWithRelations[]> {
  requireAdmin(ctx);
  const rows = await baseQuery(db, ctx).where('hypervisor_hostname', 'like', `%${match}%`).orderBy('compute_nodes.id').execute();
  return withRelations(db, rows);
}

/** Soft-deletes a compute node; ComputeHostNotFound. */
export async function computeNodeDelete(db: Db, ctx: RequestContext | null, id: number): Promise<void> {
  requireAdmin(ctx);
  const result = await db.kysely
    .updateTable('compute_nodes')
    .set((eb) => ({ deleted: eb.ref('id'), deleted_at: now() }))
    .where('id', '=', id)
    .where('deleted', '=', 0)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw notFound(id);
}

/** Sums over live compute nodes (the os-hypervisors statistics); absent values count as 0. */
export async function computeNodeStatistics(db: Db, _ctx: RequestContext | null): Promise<ComputeNodeStatistics> {
  const row = await db.kysely
    .selectFrom('compute_nodes')
    .where('deleted', '=', 0)
    .select((eb) => [
      eb.fn.count<number>('id').as('count'),
      eb.fn.sum<number | null>('vcpus').as('vcpus'),
      eb.fn.sum<number | null>('memory_mb').as('memory_mb'),
      eb.fn.sum<number | null>('local_gb').as('local_gb'),
      eb.fn.sum<number | null>('vcpus_used').as('vcpus_used'),
      eb.fn.sum<number | null>('memory_mb_used').as('memory_mb_used'),
      eb.fn.sum<number | null>('local_gb_used').as('local_gb_used'),
      eb.fn.sum<number | null>('free_ram_mb').as('free_ram_mb'),
      eb.fn.sum<number | null>('free_disk_gb').as('free_disk_gb'),
      eb.fn.sum<number | null>('current_workload').as('current_workload'),
      eb.fn.sum<number | null>('running_vms').as('running_vms'),
      eb.fn.sum<number | null>('disk_available_least').as('disk_available_least'),
    ])
    .executeTakeFirstOrThrow();
  const out = {} as ComputeNodeStatistics;
  for (const [k, v] of Object.entries(row)) out[k as keyof ComputeNodeStatistics] = Number(v ?? 0);
  return out;
}
