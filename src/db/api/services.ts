/** The `services` table: one row per (host, binary), heartbeated by the service group. */
import { ComputeHostNotFound, HostBinaryNotFound, ServiceNotFound } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { ComputeNode, NewRow, RowUpdate, Service } from '../types.js';
import { type Db, deletedFilter, insertReturningId, inTransaction, now, readDeletedOf, requireAdmin, softDeleteWhere } from './common.js';

export type ServiceValues = Omit<NewRow<'services'>, 'id'>;
export type ServiceUpdate = Omit<RowUpdate<'services'>, 'id'>;

/** A service with its live compute nodes (Nova's `compute_node` backref). */
export interface ServiceWithComputeNodes extends Service {
  compute_node: ComputeNode[];
}

function baseQuery(db: Db, ctx: RequestContext | null, readDeleted = readDeletedOf(ctx)) {
  const filter = deletedFilter('services', readDeleted);
  const q = db.kysely.selectFrom('services').selectAll('services');
  return filter ? q.where(filter) : q;
}

async function withComputeNodes(db: Db, services: Service[]): Promise<ServiceWithComputeNodes[]> {
  if (services.length === 0) return [];
  const nodes = await db.kysely
    .selectFrom('compute_nodes')
    .selectAll()
    .where('deleted', '=', 0)
    .where(
      'service_id',
      'in',
      services.map((s) => s.id),
    )
    .orderBy('id')
    .execute();
  return services.map((s) => ({ ...s, compute_node: nodes.filter((n) => n.service_id === s.id) }));
}

/**
 * Records a new service. With `enableNewServices` false (the `enable_new_services`
 * option) it starts disabled, whatever `values` says.
 */
export async function serviceCreate(
  db: Db,
  ctx: RequestContext | null,
  values: ServiceValues,
  options: { enableNewServices?: boolean } = {},
): Promise<Service> {
  requireAdmin(ctx);
  const row: ServiceValues = { report_count: 0, disabled: false, deleted: 0, created_at: now(), ...values };
  if (options.enableNewServices === false) row.disabled = true;
  const id = await insertReturningId(db, 'services', row);
  return (await baseQuery(db, null, 'yes').where('services.id', '=', id).executeTakeFirstOrThrow()) as Service;
}

/** The service with its compute nodes; ServiceNotFound. */
export async function serviceGet(db: Db, ctx: RequestContext | null, id: number): Promise<ServiceWithComputeNodes> {
  requireAdmin(ctx);
  const row = await baseQuery(db, ctx).where('services.id', '=', id).executeTakeFirst();
  if (!row) throw new ServiceNotFound(`Service ${id} could not be found.`, { kwargs: { service_id: id } });
  return (await withComputeNodes(db, [row]))[0] as ServiceWithComputeNodes;
}

/** The service a binary on a host registered; HostBinaryNotFound. */
export async function serviceGetByArgs(db: Db, ctx: RequestContext | null, host: string, binary: string): Promise<Service> {
  requireAdmin(ctx);
  const row = await baseQuery(db, ctx).where('host', '=', host).where('binary', '=', binary).orderBy('id').executeTakeFirst();
  if (!row) {
    throw new HostBinaryNotFound(`Could not find binary ${binary} on host ${host}.`, { kwargs: { host, binary } });
  }
  return row;
}

/** Every service, optionally only the enabled (`disabled: false`) or disabled ones. */
export async function serviceGetAll(db: Db, ctx: RequestContext | null, filters: { disabled?: boolean } = {}): Promise<Service[]> {
  requireAdmin(ctx);
  let q = baseQuery(db, ctx);
  if (filters.disabled !== undefined) q = q.where('disabled', '=', filters.disabled);
  return q.orderBy('id').execute();
}

/** Enabled live services of a topic. */
export async function serviceGetAllByTopic(db: Db, ctx: RequestContext | null, topic: string): Promise<Service[]> {
  requireAdmin(ctx);
  return baseQuery(db, ctx, 'no').where('disabled', '=', false).where('topic', '=', topic).orderBy('id').execute();
}

/** Live services of a host. */
export async function serviceGetAllByHost(db: Db, ctx: RequestContext | null, host: string): Promise<Service[]> {
  requireAdmin(ctx);
  return baseQuery(db, ctx, 'no').where('host', '=', host).orderBy('id').execute();
}

/** The enabled live service of a topic on a host, or null. */
export async function serviceGetByHostAndTopic(db: Db, ctx: RequestContext | null, host: string, topic: string): Promise<Service | null> {
  requireAdmin(ctx);
  const row = await baseQuery(db, ctx, 'no')
    .where('disabled', '=', false)
    .where('host', '=', host)
    .where('topic', '=', topic)
    .orderBy('id')
    .executeTakeFirst();
  return row ?? null;
}

/** The compute service of a host with its compute nodes; ComputeHostNotFound. */
export async function serviceGetByComputeHost(
  db: Db,
  ctx: RequestContext | null,
  host: string,
  computeTopic = 'compute',
): Promise<ServiceWithComputeNodes> {
  requireAdmin(ctx);
  const row = await baseQuery(db, ctx, 'no').where('host', '=', host).where('topic', '=', computeTopic).orderBy('id').executeTakeFirst();
  if (!row) throw new ComputeHostNotFound(`Compute host ${host} could not be found.`, { kwargs: { host } });
  return (await withComputeNodes(db, [row]))[0] as ServiceWithComputeNodes;
}

/** Which services service_get_all_by asks for; null means "any". */
export interface ServiceFilters {
  topic: string | null;
  host: string | null;
  binary: string | null;
}

/**
 * Grizzly's conductor service_get_all_by: which query runs depends on which filters are
 * given (host + topic `compute` is the host's compute service with its nodes; host +
 * binary is at most one service; and so on).
 */
export async function serviceGetAllBy(db: Db, ctx: RequestContext | null, filters: ServiceFilters): Promise<Service[]> {
  const { topic, host, binary } = filters;
  if (topic === null && host === null && binary === null) return serviceGetAll(db, ctx);
  if (topic !== null && host !== null) {
    if (topic === 'compute') return [await serviceGetByComputeHost(db, ctx, host)];
    const one = await serviceGetByHostAndTopic(db, ctx, host, topic);
    return one ? [one] : [];
  }
  if (host !== null && binary !== null) {
    try {
      return [await serviceGetByArgs(db, ctx, host, binary)];
    } catch (err) {
      if (err instanceof HostBinaryNotFound) return [];
      throw err;
    }
  }
  if (topic !== null) return serviceGetAllByTopic(db, ctx, topic);
  if (host !== null) return serviceGetAllByHost(db, ctx, host);
  return (await serviceGetAll(db, ctx)).filter((s) => s.binary === binary);
}

/**
 * Updates a live service. `updated_at` is always set (to now unless given): the DB
 * service group reads liveness from it, so a heartbeat must move it.
 */
export async function serviceUpdate(db: Db, ctx: RequestContext | null, id: number, values: ServiceUpdate): Promise<Service> {
  requireAdmin(ctx);
  return inTransaction(db, async (tx) => {
    const existing = await baseQuery(tx, ctx).where('services.id', '=', id).executeTakeFirst();
    if (!existing) throw new ServiceNotFound(`Service ${id} could not be found.`, { kwargs: { service_id: id } });
    const { id: _ignored, ...rest } = values as ServiceUpdate & { id?: unknown };
    await tx.kysely
      .updateTable('services')
      .set({ ...rest, updated_at: values.updated_at ?? now() })
      .where('id', '=', id)
      .execute();
    return (await baseQuery(tx, null, 'yes').where('services.id', '=', id).executeTakeFirstOrThrow()) as Service;
  });
}

/** Soft-deletes a service and its compute nodes; ServiceNotFound. */
export async function serviceDestroy(db: Db, ctx: RequestContext | null, id: number): Promise<void> {
  requireAdmin(ctx);
  await inTransaction(db, async (tx) => {
    const at = now();
    const count = await softDeleteWhere(tx, 'services', { id }, at);
    if (count === 0) throw new ServiceNotFound(`Service ${id} could not be found.`, { kwargs: { service_id: id } });
    await softDeleteWhere(tx, 'compute_nodes', { service_id: id }, at);
  });
}
