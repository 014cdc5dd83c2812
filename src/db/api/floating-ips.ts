/**
 * The `floating_ips` table (nova/db/sqlalchemy/models.py FloatingIp): public addresses in named pools. A row is
 * *allocated* when it has a project, *associated* when it points at a fixed IP, and has a
 * `host` while that network host carries its NAT rules.
 *
 * Claims are compare-and-swap UPDATEs (`... where project_id is null`), as for fixed IPs,
 * so two projects racing for the last address cannot both get it.
 */
import { normaliseIp } from '../../common/ipaddr.js';
import {
  FloatingIpExists,
  FloatingIpNotFoundForAddress,
  FloatingIpNotFoundForHost,
  FloatingIpNotFoundForId,
  InvalidFloatingIpRange,
  NoMoreFloatingIps,
} from '../../common/network-errors.js';
import type { RequestContext } from '../../context/context.js';
import type { FloatingIp } from '../types.js';
import { type AnyKysely, type Db, inTransaction, now, requireAdmin, softDeleteValues } from './common.js';

/** A floating IP with the fixed address and instance it is associated with (null when free). */
export interface FloatingIpRecord extends FloatingIp {
  fixed_address: string | null;
  instance_uuid: string | null;
}

export interface FloatingIpValues {
  address: string;
  pool: string;
  interface: string | null;
}

/** Addresses per `IN (...)` list of a bulk delete, as Grizzly chunks them. */
const DELETE_CHUNK = 256;
const INSERT_CHUNK = 200;
const CLAIM_ATTEMPTS = 20;

function canonical(address: string): string {
  const normal = normaliseIp(address);
  if (!normal) throw new InvalidFloatingIpRange(`${address} is not a valid IP address.`);
  return normal;
}

function joined(db: Db) {
  return db.kysely
    .selectFrom('floating_ips')
    .leftJoin('fixed_ips', (join) => join.onRef('fixed_ips.id', '=', 'floating_ips.fixed_ip_id').on('fixed_ips.deleted', '=', 0))
    .selectAll('floating_ips')
    .select(['fixed_ips.address as fixed_address', 'fixed_ips.instance_uuid as instance_uuid'])
    .where('floating_ips.deleted', '=', 0);
}

/** Creates the addresses in one transaction; FloatingIpExists when any of them is already live. */
export async function floatingIpBulkCreate(db: Db, ctx: RequestContext | null, rows: readonly FloatingIpValues[]): Promise<void> {
  requireAdmin(ctx);
  if (rows.length === 0) return;
  const values = rows.map((r) => ({ ...r, address: canonical(r.address) }));
  await inTransaction(db, async (tx) => {
    for (let i = 0; i < values.length; i += DELETE_CHUNK) {
      const chunk = values.slice(i, i + DELETE_CHUNK).map((v) => v.address);
      const existing = await tx.kysely
        .selectFrom('floating_ips')
        .select('address')
        .where('deleted', '=', 0)
        .where('address', 'in', chunk)
        .executeTakeFirst();
      if (existing?.address) throw new FloatingIpExists(existing.address);
    }
    const createdAt = now();
    for (let i = 0; i < values.length; i += INSERT_CHUNK) {
      const chunk = values.slice(i, i + INSERT_CHUNK).map((v) => ({ ...v, created_at: createdAt, deleted: 0, auto_assigned: false }));
      await tx.kysely.insertInto('floating_ips').values(chunk).execute();
    }
  });
}

/** Soft-deletes the live rows of these addresses; returns how many there were. */
export async function floatingIpBulkDestroy(db: Db, ctx: RequestContext | null, addresses: readonly string[]): Promise<number> {
  requireAdmin(ctx);
  const canon = addresses.map(canonical);
  let count = 0;
  await inTransaction(db, async (tx) => {
    const at = now();
    for (let i = 0; i < canon.length; i += DELETE_CHUNK) {
      const result = await (tx.kysely as AnyKysely)
        .updateTable('floating_ips')
        .set(softDeleteValues(at))
        .where('deleted', '=', 0)
        .where('address', 'in', canon.slice(i, i + DELETE_CHUNK))
        .executeTakeFirst();
      count += Number(result.numUpdatedRows);
    }
  });
  return count;
}

export async function floatingIpGetAll(db: Db, ctx: RequestContext | null): Promise<FloatingIpRecord[]> {
  requireAdmin(ctx);
  return (await joined(db).orderBy('floating_ips.id').execute()) as FloatingIpRecord[];
}

/** FloatingIpNotFoundForHost when the host carries none. */
export async function floatingIpGetAllByHost(db: Db, ctx: RequestContext | null, host: string): Promise<FloatingIpRecord[]> {
  requireAdmin(ctx);
  const rows = (await joined(db).where('floating_ips.host', '=', host).orderBy('floating_ips.id').execute()) as FloatingIpRecord[];
  if (rows.length === 0) throw new FloatingIpNotFoundForHost(host);
  return rows;
}

/** The project's own addresses; auto-assigned ones are the system's, not listed (as in Nova). */
export async function floatingIpGetAllByProject(db: Db, _ctx: RequestContext | null, projectId: string): Promise<FloatingIpRecord[]> {
  return (await joined(db)
    .where('floating_ips.project_id', '=', projectId)
    .where('floating_ips.auto_assigned', '=', false)
    .orderBy('floating_ips.id')
    .execute()) as FloatingIpRecord[];
}

export async function floatingIpGet(db: Db, _ctx: RequestContext | null, id: number): Promise<FloatingIpRecord> {
  const row = (await joined(db).where('floating_ips.id', '=', id).executeTakeFirst()) as FloatingIpRecord | undefined;
  if (!row) throw new FloatingIpNotFoundForId(id);
  return row;
}

export async function floatingIpGetByAddress(db: Db, _ctx: RequestContext | null, address: string): Promise<FloatingIpRecord> {
  const normal = normaliseIp(address);
  const row = normal
    ? ((await joined(db).where('floating_ips.address', '=', normal).executeTakeFirst()) as FloatingIpRecord | undefined)
    : undefined;
  if (!row) throw new FloatingIpNotFoundForAddress(address);
  return row;
}

/** The floating IPs associated with a fixed address (maybe none). */
export async function floatingIpGetByFixedAddress(db: Db, _ctx: RequestContext | null, fixedAddress: string): Promise<FloatingIpRecord[]> {
  return (await joined(db).where('fixed_ips.address', '=', fixedAddress).orderBy('floating_ips.id').execute()) as FloatingIpRecord[];
}

/** The floating IPs associated with any of these fixed IP rows. */
export async function floatingIpGetByFixedIpIds(
  db: Db,
  _ctx: RequestContext | null,
  fixedIpIds: readonly number[],
): Promise<FloatingIpRecord[]> {
  if (fixedIpIds.length === 0) return [];
  return (await joined(db)
    .where('floating_ips.fixed_ip_id', 'in', [...fixedIpIds])
    .orderBy('floating_ips.id')
    .execute()) as FloatingIpRecord[];
}

/** The distinct pool names, sorted. */
export async function floatingIpGetPools(db: Db, _ctx: RequestContext | null): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('floating_ips')
    .select('pool')
    .distinct()
    .where('deleted', '=', 0)
    .where('pool', 'is not', null)
    .orderBy('pool')
    .execute();
  return rows.map((r) => r.pool as string);
}

/** Gives the project the first free address of the pool; NoMoreFloatingIps when none is left. */
export async function floatingIpAllocateAddress(
  db: Db,
  _ctx: RequestContext | null,
  projectId: string,
  pool: string,
  opts: { autoAssigned?: boolean } = {},
): Promise<string> {
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    const candidate = await db.kysely
      .selectFrom('floating_ips')
      .select(['id', 'address'])
      .where('deleted', '=', 0)
      .where('pool', '=', pool)
      .where('project_id', 'is', null)
      .where('fixed_ip_id', 'is', null)
      .orderBy('id')
      .executeTakeFirst();
    if (!candidate) throw new NoMoreFloatingIps(pool);
    const result = await db.kysely
      .updateTable('floating_ips')
      .set({ project_id: projectId, auto_assigned: opts.autoAssigned ?? false, updated_at: now() })
      .where('id', '=', candidate.id)
      .where('deleted', '=', 0)
      .where('project_id', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return candidate.address as string;
  }
  throw new NoMoreFloatingIps(pool);
}

/** Returns the address to its pool: no project, no host, not auto-assigned. */
export async function floatingIpDeallocate(db: Db, _ctx: RequestContext | null, address: string): Promise<void> {
  await db.kysely
    .updateTable('floating_ips')
    .set({ project_id: null, host: null, auto_assigned: false, updated_at: now() })
    .where('deleted', '=', 0)
    .where('address', '=', canonical(address))
    .execute();
}

/** Points the floating address at a fixed IP row, carried by `host`. */
export async function floatingIpFixedIpAssociate(
  db: Db,
  _ctx: RequestContext | null,
  floatingAddress: string,
  fixedIpId: number,
  host: string | null,
): Promise<void> {
  const result = await db.kysely
    .updateTable('floating_ips')
    .set({ fixed_ip_id: fixedIpId, host, updated_at: now() })
    .where('deleted', '=', 0)
    .where('address', '=', canonical(floatingAddress))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new FloatingIpNotFoundForAddress(floatingAddress);
}

/** Unhooks the floating address from its fixed IP; returns the fixed address it had (or null). */
export async function floatingIpDisassociate(db: Db, _ctx: RequestContext | null, address: string): Promise<string | null> {
  return inTransaction(db, async (tx) => {
    const row = await floatingIpGetByAddress(tx, null, address);
    await tx.kysely
      .updateTable('floating_ips')
      .set({ fixed_ip_id: null, host: null, updated_at: now() })
      .where('id', '=', row.id)
      .execute();
    return row.fixed_address;
  });
}

/** Sets which network host carries the address's rules (migrations, init_host). */
export async function floatingIpSetHost(db: Db, _ctx: RequestContext | null, address: string, host: string | null): Promise<void> {
  await db.kysely
    .updateTable('floating_ips')
    .set({ host, updated_at: now() })
    .where('deleted', '=', 0)
    .where('address', '=', canonical(address))
    .execute();
}
