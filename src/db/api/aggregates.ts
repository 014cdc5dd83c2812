/** Host aggregates: what availability zones are made of since Grizzly's migration 147. */
import { Conflict, NotFound } from '../../common/errors.js';
import type { RequestContext } from '../../context/context.js';
import type { Aggregate } from '../types.js';
import { type Db, insertReturningId, inTransaction, now, requireAdmin, softDeleteWhere } from './common.js';

/**
 * The availability zone of each host that belongs to an aggregate carrying the
 * `availability_zone` metadata key. A host in several zones gets them joined with commas,
 * as Grizzly's availability_zones module shows them.
 */
export async function aggregateZonesByHost(db: Db, _ctx: RequestContext | null): Promise<Map<string, string>> {
  const rows = await db.kysely
    .selectFrom('aggregate_hosts')
    .innerJoin('aggregates', 'aggregates.id', 'aggregate_hosts.aggregate_id')
    .innerJoin('aggregate_metadata', 'aggregate_metadata.aggregate_id', 'aggregates.id')
    .select(['aggregate_hosts.host as host', 'aggregate_metadata.value as zone'])
    .where('aggregate_hosts.deleted', '=', 0)
    .where('aggregates.deleted', '=', 0)
    .where('aggregate_metadata.deleted', '=', 0)
    .where('aggregate_metadata.key', '=', 'availability_zone')
    .orderBy('aggregate_metadata.value')
    .execute();
  const zones = new Map<string, Set<string>>();
  for (const row of rows) {
    if (!row.host || row.zone === null) continue;
    const set = zones.get(row.host) ?? new Set<string>();
    set.add(String(row.zone));
    zones.set(row.host, set);
  }
  return new Map([...zones].map(([host, set]) => [host, [...set].sort().join(',')]));
}

export class AggregateNotFound extends NotFound {}
export class AggregateNameExists extends Conflict {}
export class AggregateHostExists extends Conflict {}
export class AggregateHostNotFound extends NotFound {}

/** An aggregate with its live hosts and metadata. */
export interface AggregateRecord extends Aggregate {
  hosts: string[];
  metadata: Record<string, string>;
}

function aggregateNotFound(id: number): AggregateNotFound {
  return new AggregateNotFound(`Aggregate ${id} could not be found.`, { kwargs: { aggregate_id: id } });
}

async function withDetails(db: Db, rows: readonly Aggregate[]): Promise<AggregateRecord[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const hosts = await db.kysely
    .selectFrom('aggregate_hosts')
    .select(['aggregate_id', 'host'])
    .where('deleted', '=', 0)
    .where('aggregate_id', 'in', ids)
    .orderBy('id')
    .execute();
  const metadata = await db.kysely
    .selectFrom('aggregate_metadata')
    .select(['aggregate_id', 'key', 'value'])
    .where('deleted', '=', 0)
    .where('aggregate_id', 'in', ids)
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    ...row,
    hosts: hosts.filter((h) => h.aggregate_id === row.id && h.host !== null).map((h) => h.host as string),
    metadata: Object.fromEntries(metadata.filter((m) => m.aggregate_id === row.id).map((m) => [m.key, m.value])),
  }));
}

async function liveRow(db: Db, id: number): Promise<Aggregate> {
  const row = await db.kysely.selectFrom('aggregates').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
  if (!row) throw aggregateNotFound(id);
  return row;
}

async function assertNameFree(db: Db, name: string, except: number | null): Promise<void> {
  let q = db.kysely.selectFrom('aggregates').select('id').where('name', '=', name).where('deleted', '=', 0);
  if (except !== null) q = q.where('id', '!=', except);
  if (await q.executeTakeFirst()) {
    throw new AggregateNameExists(`Aggregate ${name} already exists.`, { kwargs: { aggregate_name: name } });
  }
}

/** The aggregate with hosts and metadata; AggregateNotFound. */
export async function aggregateGet(db: Db, ctx: RequestContext | null, id: number): Promise<AggregateRecord> {
  requireAdmin(ctx);
  return (await withDetails(db, [await liveRow(db, id)]))[0] as AggregateRecord;
}

export async function aggregateGetAll(db: Db, ctx: RequestContext | null): Promise<AggregateRecord[]> {
  requireAdmin(ctx);
  return withDetails(db, await db.kysely.selectFrom('aggregates').selectAll().where('deleted', '=', 0).orderBy('id').execute());
}

/** Live aggregates that `host` belongs to. */
export async function aggregateGetByHost(db: Db, ctx: RequestContext | null, host: string): Promise<AggregateRecord[]> {
  requireAdmin(ctx);
  const rows = await db.kysely
    .selectFrom('aggregates')
    .innerJoin('aggregate_hosts', 'aggregate_hosts.aggregate_id', 'aggregates.id')
    .selectAll('aggregates')
    .where('aggregates.deleted', '=', 0)
    .where('aggregate_hosts.deleted', '=', 0)
    .where('aggregate_hosts.host', '=', host)
    .orderBy('aggregates.id')
    .execute();
  return withDetails(db, rows);
}

/** Creates an aggregate with its metadata; AggregateNameExists (409). */
export async function aggregateCreate(
  db: Db,
  ctx: RequestContext | null,
  name: string,
  metadata: Record<string, string> = {},
): Promise<AggregateRecord> {
  requireAdmin(ctx);
  return inTransaction(db, async (tx) => {
    await assertNameFree(tx, name, null);
    const at = now();
    const id = await insertReturningId(tx, 'aggregates', { name, created_at: at, deleted: 0 });
    for (const [key, value] of Object.entries(metadata)) {
      await insertReturningId(tx, 'aggregate_metadata', { aggregate_id: id, key, value, created_at: at, deleted: 0 });
    }
    return (await withDetails(tx, [await liveRow(tx, id)]))[0] as AggregateRecord;
  });
}

/** Renames an aggregate; AggregateNotFound, AggregateNameExists. */
export async function aggregateUpdate(db: Db, ctx: RequestContext | null, id: number, values: { name?: string }): Promise<AggregateRecord> {
  requireAdmin(ctx);
  return inTransaction(db, async (tx) => {
    await liveRow(tx, id);
    if (values.name !== undefined) {
      await assertNameFree(tx, values.name, id);
      await tx.kysely.updateTable('aggregates').set({ name: values.name, updated_at: now() }).where('id', '=', id).execute();
    }
    return (await withDetails(tx, [await liveRow(tx, id)]))[0] as AggregateRecord;
  });
}

/** Soft-deletes an aggregate and its metadata; AggregateNotFound. */
export async function aggregateDelete(db: Db, ctx: RequestContext | null, id: number): Promise<void> {
  requireAdmin(ctx);
  await inTransaction(db, async (tx) => {
    await liveRow(tx, id);
    const at = now();
    await softDeleteWhere(tx, 'aggregate_metadata', { aggregate_id: id }, at);
    await softDeleteWhere(tx, 'aggregates', { id }, at);
  });
}

/** Adds a host; AggregateNotFound, AggregateHostExists (409). */
export async function aggregateHostAdd(db: Db, ctx: RequestContext | null, id: number, host: string): Promise<void> {
  requireAdmin(ctx);
  await inTransaction(db, async (tx) => {
    await liveRow(tx, id);
    const existing = await tx.kysely
      .selectFrom('aggregate_hosts')
      .select('id')
      .where('aggregate_id', '=', id)
      .where('host', '=', host)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (existing) {
      throw new AggregateHostExists(`Aggregate ${id} already has host ${host}.`, { kwargs: { aggregate_id: id, host } });
    }
    await insertReturningId(tx, 'aggregate_hosts', { aggregate_id: id, host, created_at: now(), deleted: 0 });
  });
}

/** Removes a host; AggregateNotFound, AggregateHostNotFound (404). */
export async function aggregateHostDelete(db: Db, ctx: RequestContext | null, id: number, host: string): Promise<void> {
  requireAdmin(ctx);
  await inTransaction(db, async (tx) => {
    await liveRow(tx, id);
    const removed = await softDeleteWhere(tx, 'aggregate_hosts', { aggregate_id: id, host });
    if (removed === 0) {
      throw new AggregateHostNotFound(`Aggregate ${id} has no host ${host}.`, { kwargs: { aggregate_id: id, host } });
    }
  });
}

/** Sets metadata keys; a null value removes its key. AggregateNotFound. */
export async function aggregateMetadataSet(
  db: Db,
  ctx: RequestContext | null,
  id: number,
  metadata: Readonly<Record<string, string | null>>,
): Promise<void> {
  requireAdmin(ctx);
  await inTransaction(db, async (tx) => {
    await liveRow(tx, id);
    const at = now();
    for (const [key, value] of Object.entries(metadata)) {
      const existing = await tx.kysely
        .selectFrom('aggregate_metadata')
        .select('id')
        .where('aggregate_id', '=', id)
        .where('key', '=', key)
        .where('deleted', '=', 0)
        .executeTakeFirst();
      if (value === null) {
        if (existing) await softDeleteWhere(tx, 'aggregate_metadata', { id: existing.id }, at);
      } else if (existing) {
        await tx.kysely.updateTable('aggregate_metadata').set({ value, updated_at: at }).where('id', '=', existing.id).execute();
      } else {
        await insertReturningId(tx, 'aggregate_metadata', { aggregate_id: id, key, value, created_at: at, deleted: 0 });
      }
    }
    await tx.kysely.updateTable('aggregates').set({ updated_at: at }).where('id', '=', id).execute();
  });
}
