/**
 * The `fixed_ips` table: one row per address of every network (nova/db/sqlalchemy/models.py FixedIp, api.py fixed_ip_*).
 * A row is *associated* when it names an instance, *allocated* when bound to a VIF,
 * *reserved* when the pool never hands it out, and has a `host` when it is a network
 * host's own DHCP address.
 *
 * Claims are compare-and-swap UPDATEs (`... where instance_uuid is null`), so two
 * allocations racing for one address cannot both win, on any engine, without row locks.
 */

import { normaliseIp } from '../../common/ipaddr.js';
import {
  FixedIpAlreadyInUse,
  FixedIpInvalid,
  FixedIpNotFoundForAddress,
  FixedIpNotFoundForInstance,
  FixedIpNotFoundForNetwork,
  FixedIpNotFoundForNetworkHost,
  NoMoreFixedIps,
} from '../../common/network-errors.js';
import type { RequestContext } from '../../context/context.js';
import type { FixedIp, NewRow, RowUpdate } from '../types.js';
import { type Db, deletedFilter, inTransaction, now, readDeletedOf, requireAdmin } from './common.js';

export type FixedIpValues = Omit<NewRow<'fixed_ips'>, 'id'>;
export type FixedIpUpdate = Omit<RowUpdate<'fixed_ips'>, 'id'>;

/** Rows per INSERT statement of a bulk create, well under every engine's bound-parameter limit. */
const BULK_CHUNK = 200;
/** How many times a pool claim retries after losing a race for the candidate row. */
const CLAIM_ATTEMPTS = 20;

function baseQuery(db: Db, ctx: RequestContext | null, readDeleted = readDeletedOf(ctx)) {
  const q = db.kysely.selectFrom('fixed_ips').selectAll('fixed_ips');
  const filter = deletedFilter('fixed_ips', readDeleted);
  return filter ? q.where(filter) : q;
}

function canonical(address: string): string {
  const normal = normaliseIp(address);
  if (!normal) throw new FixedIpInvalid(address);
  return normal;
}

/** Creates many rows in one transaction. */
export async function fixedIpBulkCreate(db: Db, ctx: RequestContext | null, rows: readonly FixedIpValues[]): Promise<void> {
  requireAdmin(ctx);
  if (rows.length === 0) return;
  const createdAt = now();
  await inTransaction(db, async (tx) => {
    for (let i = 0; i < rows.length; i += BULK_CHUNK) {
      const chunk = rows.slice(i, i + BULK_CHUNK).map((r) => ({
        allocated: false,
        leased: false,
        reserved: false,
        deleted: 0,
        created_at: createdAt,
        ...r,
      }));
      await tx.kysely.insertInto('fixed_ips').values(chunk).execute();
    }
  });
}

/**
 * Associates one named address with an instance. The row must belong to the network (or
 * to none, and is then given it) and carry the same `reserved` flag: FixedIpNotFoundForNetwork
 * otherwise; FixedIpAlreadyInUse when another instance holds it. Returns the address.
 */
export async function fixedIpAssociate(
  db: Db,
  ctx: RequestContext | null,
  address: string,
  instanceUuid: string,
  opts: { networkId?: number | null; reserved?: boolean } = {},
): Promise<string> {
  requireAdmin(ctx);
  const addr = canonical(address);
  const networkId = opts.networkId ?? null;
  const reserved = opts.reserved ?? false;
  let q = baseQuery(db, null, 'no').where('address', '=', addr).where('reserved', '=', reserved);
  q =
    networkId === null
      ? q.where('network_id', 'is', null)
      : q.where((eb) => eb.or([eb('network_id', '=', networkId), eb('network_id', 'is', null)]));
  const row = await q.orderBy('id').executeTakeFirst();
  if (!row) throw new FixedIpNotFoundForNetwork(addr, networkId);
  if (row.instance_uuid) throw new FixedIpAlreadyInUse(addr, row.instance_uuid);
  const result = await db.kysely
    .updateTable('fixed_ips')
    .set({ instance_uuid: instanceUuid, network_id: row.network_id ?? networkId, updated_at: now() })
    .where('id', '=', row.id)
    .where('instance_uuid', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    const winner = await baseQuery(db, null, 'no').where('id', '=', row.id).executeTakeFirst();
    throw new FixedIpAlreadyInUse(addr, winner?.instance_uuid ?? null);
  }
  return addr;
}

/**
 * Takes the first free address of a network (not reserved, no instance, no host) for an
 * instance and/or a host; NoMoreFixedIps when none is left. Returns the address.
 */
export async function fixedIpAssociatePool(
  db: Db,
  ctx: RequestContext | null,
  networkId: number | null,
  opts: { instanceUuid?: string | null; host?: string | null } = {},
): Promise<string> {
  requireAdmin(ctx);
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    let q = baseQuery(db, null, 'no').where('reserved', '=', false).where('instance_uuid', 'is', null).where('host', 'is', null);
    q =
      networkId === null
        ? q.where('network_id', 'is', null)
        : q.where((eb) => eb.or([eb('network_id', '=', networkId), eb('network_id', 'is', null)]));
    const candidate = await q.orderBy('id').executeTakeFirst();
    if (!candidate) throw new NoMoreFixedIps();
    const values: FixedIpUpdate = { updated_at: now() };
    if (candidate.network_id === null && networkId !== null) values.network_id = networkId;
    if (opts.instanceUuid) values.instance_uuid = opts.instanceUuid;
    if (opts.host) values.host = opts.host;
    const result = await db.kysely
      .updateTable('fixed_ips')
      .set(values)
      .where('id', '=', candidate.id)
      .where('instance_uuid', 'is', null)
      .where('host', 'is', null)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return candidate.address ?? '';
  }
  throw new NoMoreFixedIps();
}

/** Clears the instance of an address (the row keeps its other flags). */
export async function fixedIpDisassociate(db: Db, ctx: RequestContext | null, address: string): Promise<void> {
  await fixedIpUpdate(db, ctx, address, { instance_uuid: null });
}

export async function fixedIpUpdate(db: Db, ctx: RequestContext | null, address: string, values: FixedIpUpdate): Promise<FixedIp> {
  requireAdmin(ctx);
  const row = await fixedIpGetByAddress(db, ctx, address);
  await db.kysely
    .updateTable('fixed_ips')
    .set({ ...values, updated_at: values.updated_at ?? now() })
    .where('id', '=', row.id)
    .execute();
  return (await baseQuery(db, null, 'yes').where('id', '=', row.id).executeTakeFirstOrThrow()) as FixedIp;
}

/** The live row of an address; FixedIpInvalid for text that is no address, FixedIpNotFoundForAddress when absent. */
export async function fixedIpGetByAddress(db: Db, ctx: RequestContext | null, address: string): Promise<FixedIp> {
  const addr = canonical(address);
  const row = await baseQuery(db, ctx).where('address', '=', addr).orderBy('id').executeTakeFirst();
  if (!row) throw new FixedIpNotFoundForAddress(addr);
  return row;
}

/** The live rows associated with an instance; FixedIpNotFoundForInstance when it has none. */
export async function fixedIpGetByInstance(db: Db, ctx: RequestContext | null, instanceUuid: string): Promise<FixedIp[]> {
  const rows = await baseQuery(db, ctx, 'no').where('instance_uuid', '=', instanceUuid).orderBy('id').execute();
  if (rows.length === 0) throw new FixedIpNotFoundForInstance(instanceUuid);
  return rows;
}

/** The live rows bound to one virtual interface. */
export async function fixedIpGetByVirtualInterface(db: Db, ctx: RequestContext | null, vifId: number): Promise<FixedIp[]> {
  return baseQuery(db, ctx, 'no').where('virtual_interface_id', '=', vifId).orderBy('id').execute();
}

/** A network host's own DHCP address in a network; FixedIpNotFoundForNetworkHost. */
export async function fixedIpGetByNetworkHost(db: Db, ctx: RequestContext | null, networkId: number, host: string): Promise<FixedIp> {
  const row = await baseQuery(db, ctx, 'no').where('network_id', '=', networkId).where('host', '=', host).orderBy('id').executeTakeFirst();
  if (!row) throw new FixedIpNotFoundForNetworkHost(networkId, host);
  return row;
}

/** Every live row of a network, in address-creation order. */
export async function fixedIpGetByNetwork(db: Db, ctx: RequestContext | null, networkId: number): Promise<FixedIp[]> {
  return baseQuery(db, ctx, 'no').where('network_id', '=', networkId).orderBy('id').execute();
}

/**
 * Lets go of addresses released more than a timeout ago (allocated false, still naming an
 * instance) in networks this host serves: the network's own host, or for multi_host
 * networks the instance's host. Returns how many were disassociated.
 */
export async function fixedIpDisassociateAllByTimeout(db: Db, ctx: RequestContext | null, host: string, before: Date): Promise<number> {
  requireAdmin(ctx);
  const ownedNetworks = db.kysely.selectFrom('networks').select('id').where('deleted', '=', 0).where('host', '=', host);
  const multiHostNetworks = db.kysely.selectFrom('networks').select('id').where('deleted', '=', 0).where('multi_host', '=', true);
  const instancesHere = db.kysely.selectFrom('instances').select('uuid').where('host', '=', host);
  const result = await db.kysely
    .updateTable('fixed_ips')
    .set({ instance_uuid: null, leased: false, updated_at: now() })
    .where('deleted', '=', 0)
    .where('allocated', '=', false)
    .where('instance_uuid', 'is not', null)
    .where('updated_at', '<', before)
    .where((eb) =>
      eb.or([
        eb('network_id', 'in', ownedNetworks),
        eb.and([eb('network_id', 'in', multiHostNetworks), eb('instance_uuid', 'in', instancesHere)]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Every live address that is bound to an interface of an instance (what an IP filter of a server list scans). */
export async function fixedIpGetAllAllocated(db: Db, ctx: RequestContext | null): Promise<FixedIp[]> {
  return baseQuery(db, ctx, 'no')
    .where('instance_uuid', 'is not', null)
    .where('virtual_interface_id', 'is not', null)
    .orderBy('id')
    .execute();
}

/** A fixed IP with its network's cidr and its instance's hostname and compute host. */
export interface FixedIpDetails {
  address: string;
  cidr: string | null;
  hostname: string | null;
  host: string | null;
  reserved: boolean;
  instance_uuid: string | null;
}

function detailsQuery(db: Db) {
  return db.kysely
    .selectFrom('fixed_ips as f')
    .leftJoin('networks as n', 'n.id', 'f.network_id')
    .leftJoin('instances as i', (join) => join.onRef('i.uuid', '=', 'f.instance_uuid').on('i.deleted', '=', 0))
    .select([
      'f.address as address',
      'n.cidr as cidr',
      'i.hostname as hostname',
      'i.host as host',
      'f.reserved as reserved',
      'f.instance_uuid as instance_uuid',
    ])
    .where('f.deleted', '=', 0);
}

function toDetails(r: Record<string, unknown>): FixedIpDetails {
  return {
    address: r.address as string,
    cidr: (r.cidr as string | null) ?? null,
    hostname: (r.hostname as string | null) ?? null,
    host: (r.host as string | null) ?? null,
    reserved: !!r.reserved,
    instance_uuid: (r.instance_uuid as string | null) ?? null,
  };
}

/** FixedIpNotFoundForAddress (FixedIpInvalid for a malformed address). */
export async function fixedIpGetDetails(db: Db, ctx: RequestContext | null, address: string): Promise<FixedIpDetails> {
  requireAdmin(ctx);
  const row = await detailsQuery(db).where('f.address', '=', canonical(address)).executeTakeFirst();
  if (!row) throw new FixedIpNotFoundForAddress(address);
  return toDetails(row);
}

/** Every live fixed IP in address order per network, or only those of instances on `host`. */
export async function fixedIpListDetails(db: Db, ctx: RequestContext | null, host: string | null): Promise<FixedIpDetails[]> {
  requireAdmin(ctx);
  let q = detailsQuery(db);
  if (host !== null) q = q.where('i.host', '=', host);
  return (await q.orderBy('f.network_id').orderBy('f.id').execute()).map(toDetails);
}
