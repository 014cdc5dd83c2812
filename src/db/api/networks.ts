/** The `networks` table: nova-network's fixed networks (nova/db/sqlalchemy/models.py Network). */
import { randomUUID } from 'node:crypto';
import { NetworkNotFound } from '../../common/errors.js';
import {
  DuplicateVlan,
  NetworkInUse,
  NetworkNotFoundForCidr,
  NetworkNotFoundForProject,
  NetworkNotFoundForUUID,
  NoMoreNetworks,
} from '../../common/network-errors.js';
import type { RequestContext } from '../../context/context.js';
import { isUniqueViolation } from '../errors.js';
import type { Network, NewRow, RowUpdate } from '../types.js';
import {
  type Db,
  deletedFilter,
  insertReturningId,
  inTransaction,
  isUserContext,
  now,
  projectFilter,
  readDeletedOf,
  requireAdmin,
  softDeleteWhere,
} from './common.js';

export type NetworkValues = Omit<NewRow<'networks'>, 'id' | 'uuid'>;
export type NetworkUpdate = Omit<RowUpdate<'networks'>, 'id' | 'uuid'>;

export interface ProjectOnlyOption {
  /** model_query's project_only: a user sees only its project's networks (and, with allow_none, the shared ones). */
  projectOnly?: boolean | 'allow_none';
}

function baseQuery(db: Db, ctx: RequestContext | null, projectOnly: boolean | 'allow_none' = false) {
  let q = db.kysely.selectFrom('networks').selectAll('networks');
  const deleted = deletedFilter('networks', readDeletedOf(ctx));
  if (deleted) q = q.where(deleted);
  const project = projectFilter('networks', ctx, projectOnly);
  if (project) q = q.where(project);
  return q;
}

/** Creates a network with a fresh uuid; a (vlan, deleted) clash is DuplicateVlan. */
export async function networkCreateSafe(db: Db, ctx: RequestContext | null, values: NetworkValues): Promise<Network> {
  requireAdmin(ctx);
  const row = { injected: false, multi_host: false, deleted: 0, created_at: now(), ...values, uuid: randomUUID() };
  // netmask_v6 holds a prefix length ("64"), which PostgreSQL's INET column refuses; the
  // prefix is part of cidr_v6 anyway, so there it is left out and read back from cidr_v6.
  if (db.dialect === 'postgres') row.netmask_v6 = null;
  let id: number;
  try {
    id = await insertReturningId(db, 'networks', row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new DuplicateVlan(values.vlan ?? null);
    throw err;
  }
  return (await db.kysely.selectFrom('networks').selectAll().where('id', '=', id).executeTakeFirstOrThrow()) as Network;
}

/** A network by id; NetworkNotFound. A user sees shared networks and its own project's. */
export async function networkGet(db: Db, ctx: RequestContext | null, id: number, opts: ProjectOnlyOption = {}): Promise<Network> {
  const row = await baseQuery(db, ctx, opts.projectOnly ?? 'allow_none')
    .where('networks.id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NetworkNotFound(`Network ${id} could not be found.`, { kwargs: { network_id: id } });
  return row;
}

export async function networkGetByUuid(db: Db, ctx: RequestContext | null, uuid: string): Promise<Network> {
  requireAdmin(ctx);
  const row = await baseQuery(db, ctx).where('networks.uuid', '=', uuid).executeTakeFirst();
  if (!row) throw new NetworkNotFoundForUUID(uuid);
  return row;
}

/** The network whose cidr or cidr_v6 is exactly `cidr`; NetworkNotFoundForCidr. */
export async function networkGetByCidr(db: Db, ctx: RequestContext | null, cidr: string): Promise<Network> {
  requireAdmin(ctx);
  const row = await baseQuery(db, ctx)
    .where((eb) => eb.or([eb('networks.cidr', '=', cidr), eb('networks.cidr_v6', '=', cidr)]))
    .orderBy('networks.id')
    .executeTakeFirst();
  if (!row) throw new NetworkNotFoundForCidr(cidr);
  return row;
}

/** Every live network, in id order (an empty list when there are none). */
export async function networkGetAll(db: Db, ctx: RequestContext | null, opts: ProjectOnlyOption = {}): Promise<Network[]> {
  return baseQuery(db, ctx, opts.projectOnly ?? false)
    .orderBy('networks.id')
    .execute();
}

/**
 * The networks named by uuid, in the order asked. The first uuid missing (or, for a user
 * with projectOnly, not visible to it) is NetworkNotFoundForProject / NetworkNotFound.
 */
export async function networkGetAllByUuids(
  db: Db,
  ctx: RequestContext | null,
  uuids: readonly string[],
  opts: ProjectOnlyOption = {},
): Promise<Network[]> {
  if (uuids.length === 0) return [];
  const projectOnly = opts.projectOnly ?? false;
  const rows = await baseQuery(db, ctx, projectOnly)
    .where('networks.uuid', 'in', [...uuids])
    .orderBy('networks.id')
    .execute();
  const byUuid = new Map(rows.map((r) => [r.uuid, r]));
  const out: Network[] = [];
  for (const uuid of uuids) {
    const row = byUuid.get(uuid);
    if (!row) {
      if (projectOnly && isUserContext(ctx)) throw new NetworkNotFoundForProject(uuid, ctx?.projectId ?? null);
      throw new NetworkNotFound(`Network ${uuid} could not be found.`, { kwargs: { network_id: uuid } });
    }
    if (!out.includes(row)) out.push(row);
  }
  return out;
}

/** Networks owned by this host, or with a per-host DHCP address on it, or serving an instance on it. */
export async function networkGetAllByHost(db: Db, ctx: RequestContext | null, host: string): Promise<Network[]> {
  requireAdmin(ctx);
  const viaFixedIp = db.kysely
    .selectFrom('fixed_ips')
    .select('fixed_ips.network_id')
    .where('fixed_ips.deleted', '=', 0)
    .where('fixed_ips.host', '=', host);
  const viaInstance = db.kysely
    .selectFrom('virtual_interfaces')
    .innerJoin('instances', 'instances.uuid', 'virtual_interfaces.instance_uuid')
    .select('virtual_interfaces.network_id')
    .where('instances.deleted', '=', 0)
    .where('instances.host', '=', host);
  return baseQuery(db, ctx)
    .where((eb) => eb.or([eb('networks.host', '=', host), eb('networks.id', 'in', viaFixedIp), eb('networks.id', 'in', viaInstance)]))
    .orderBy('networks.id')
    .execute();
}

export async function networkUpdate(db: Db, ctx: RequestContext | null, id: number, values: NetworkUpdate): Promise<Network> {
  requireAdmin(ctx);
  await networkGet(db, ctx, id);
  try {
    await db.kysely
      .updateTable('networks')
      .set({ ...values, updated_at: now() })
      .where('id', '=', id)
      .execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new DuplicateVlan(values.vlan ?? null);
    throw err;
  }
  return networkGet(db, ctx, id);
}

/**
 * Removes a network that no instance holds an address of: its fixed IPs are soft-deleted
 * and the network row itself is deleted for good (as Nova does). NetworkInUse otherwise.
 */
export async function networkDeleteSafe(db: Db, ctx: RequestContext | null, id: number): Promise<void> {
  requireAdmin(ctx);
  await inTransaction(db, async (tx) => {
    const inUse = await tx.kysely
      .selectFrom('fixed_ips')
      .select('id')
      .where('network_id', '=', id)
      .where('allocated', '=', true)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (inUse) throw new NetworkInUse(id);
    await softDeleteWhere(tx, 'fixed_ips', { network_id: id });
    await tx.kysely.deleteFrom('networks').where('id', '=', id).execute();
  });
}

/** Claims the network for a host unless one already owns it; returns whichever host owns it now. */
export async function networkSetHost(db: Db, ctx: RequestContext | null, id: number, host: string): Promise<string> {
  requireAdmin(ctx);
  await db.kysely
    .updateTable('networks')
    .set({ host, updated_at: now() })
    .where('id', '=', id)
    .where('deleted', '=', 0)
    .where('host', 'is', null)
    .execute();
  const row = await networkGet(db, ctx, id);
  return row.host ?? host;
}

/**
 * Gives a project a network (VLAN mode): without force, the project's existing network if
 * it has one; otherwise the first network without a project (the given one when `networkId`
 * is set). NoMoreNetworks when none is free.
 */
export async function networkAssociate(
  db: Db,
  ctx: RequestContext | null,
  projectId: string,
  opts: { networkId?: number | null; force?: boolean } = {},
): Promise<Network> {
  requireAdmin(ctx);
  if (!opts.force) {
    const own = await baseQuery(db, null).where('project_id', '=', projectId).orderBy('id').executeTakeFirst();
    if (own) return own;
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    let q = baseQuery(db, null).where('project_id', 'is', null);
    if (opts.networkId !== undefined && opts.networkId !== null) q = q.where('id', '=', opts.networkId);
    const free = await q.orderBy('id').executeTakeFirst();
    if (!free) throw new NoMoreNetworks();
    const claimed = await db.kysely
      .updateTable('networks')
      .set({ project_id: projectId, updated_at: now() })
      .where('id', '=', free.id)
      .where('project_id', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 1) return networkGet(db, null, free.id);
  }
  throw new NoMoreNetworks();
}

/** Clears a network's project and/or host. */
export async function networkDisassociate(
  db: Db,
  ctx: RequestContext | null,
  id: number,
  what: { project?: boolean; host?: boolean } = { project: true, host: true },
): Promise<Network> {
  const values: NetworkUpdate = {};
  if (what.project) values.project_id = null;
  if (what.host) values.host = null;
  return networkUpdate(db, ctx, id, values);
}

/** The project's networks; with `associate` and none yet, one is associated to it (VLAN mode). */
export async function projectGetNetworks(
  db: Db,
  ctx: RequestContext | null,
  projectId: string,
  opts: { associate?: boolean } = {},
): Promise<Network[]> {
  const rows = await baseQuery(db, ctx).where('project_id', '=', projectId).orderBy('id').execute();
  if (rows.length > 0 || opts.associate === false) return rows;
  return [await networkAssociate(db, ctx?.elevated() ?? null, projectId)];
}

/** An allocated fixed IP with its interface and instance: what dnsmasq host files are written from. */
export interface AssociatedFixedIp {
  address: string;
  instance_uuid: string;
  network_id: number;
  vif_id: number;
  vif_address: string;
  instance_hostname: string | null;
  instance_updated: Date | null;
  instance_created: Date | null;
  allocated: boolean;
  leased: boolean;
}

/** Allocated fixed IPs of a network on live interfaces of live instances (optionally those on `host`). */
export async function networkGetAssociatedFixedIps(
  db: Db,
  ctx: RequestContext | null,
  networkId: number,
  opts: { host?: string | null } = {},
): Promise<AssociatedFixedIp[]> {
  requireAdmin(ctx);
  let q = db.kysely
    .selectFrom('fixed_ips')
    .innerJoin('virtual_interfaces', 'virtual_interfaces.id', 'fixed_ips.virtual_interface_id')
    .innerJoin('instances', 'instances.uuid', 'fixed_ips.instance_uuid')
    .select([
      'fixed_ips.address',
      'fixed_ips.instance_uuid',
      'fixed_ips.network_id',
      'virtual_interfaces.id as vif_id',
      'virtual_interfaces.address as vif_address',
      'instances.hostname as instance_hostname',
      'instances.updated_at as instance_updated',
      'instances.created_at as instance_created',
      'fixed_ips.allocated',
      'fixed_ips.leased',
    ])
    .where('fixed_ips.network_id', '=', networkId)
    .where('fixed_ips.deleted', '=', 0)
    .where('fixed_ips.allocated', '=', true)
    .where('virtual_interfaces.deleted', '=', 0)
    .where('instances.deleted', '=', 0);
  if (opts.host) q = q.where('instances.host', '=', opts.host);
  const rows = await q.orderBy('fixed_ips.id').execute();
  return rows.map((r) => ({
    address: r.address ?? '',
    instance_uuid: r.instance_uuid ?? '',
    network_id: r.network_id ?? networkId,
    vif_id: r.vif_id,
    vif_address: r.vif_address ?? '',
    instance_hostname: r.instance_hostname,
    instance_updated: r.instance_updated,
    instance_created: r.instance_created,
    allocated: !!r.allocated,
    leased: !!r.leased,
  }));
}
