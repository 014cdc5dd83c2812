/** Per-interface bandwidth of instances per audit period (`bw_usage_cache`), written by the compute hosts' poll. */
import type { Db } from './common.js';
import { insertReturningId, now } from './common.js';

export interface BwUsage {
  uuid: string;
  mac: string;
  start_period: Date;
  bw_in: number;
  bw_out: number;
  last_ctr_in: number;
  last_ctr_out: number;
  last_refreshed: Date | null;
}

function toUsage(row: Record<string, unknown>): BwUsage {
  return {
    uuid: row.uuid as string,
    mac: row.mac as string,
    start_period: new Date(row.start_period as Date),
    bw_in: Number(row.bw_in ?? 0),
    bw_out: Number(row.bw_out ?? 0),
    last_ctr_in: Number(row.last_ctr_in ?? 0),
    last_ctr_out: Number(row.last_ctr_out ?? 0),
    last_refreshed: row.last_refreshed ? new Date(row.last_refreshed as Date) : null,
  };
}

/** The usage of one interface of an instance in the period starting at `startPeriod`, or null. */
export async function bwUsageGet(db: Db, uuid: string, startPeriod: Date, mac: string): Promise<BwUsage | null> {
  const row = await db.kysely
    .selectFrom('bw_usage_cache')
    .selectAll()
    .where('deleted', '=', 0)
    .where('uuid', '=', uuid)
    .where('mac', '=', mac)
    .where('start_period', '=', startPeriod)
    .executeTakeFirst();
  return row ? toUsage(row as Record<string, unknown>) : null;
}

/** Creates or replaces the row of (uuid, mac, start_period). */
export async function bwUsageUpdate(db: Db, values: BwUsage): Promise<BwUsage> {
  const at = now();
  const columns = {
    bw_in: values.bw_in,
    bw_out: values.bw_out,
    last_ctr_in: values.last_ctr_in,
    last_ctr_out: values.last_ctr_out,
    last_refreshed: values.last_refreshed ?? at,
  };
  const result = await db.kysely
    .updateTable('bw_usage_cache')
    .set({ ...columns, updated_at: at })
    .where('deleted', '=', 0)
    .where('uuid', '=', values.uuid)
    .where('mac', '=', values.mac)
    .where('start_period', '=', values.start_period)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) {
    await insertReturningId(db, 'bw_usage_cache', {
      ...columns,
      uuid: values.uuid,
      mac: values.mac,
      start_period: values.start_period,
      created_at: at,
      deleted: 0,
    });
  }
  return (await bwUsageGet(db, values.uuid, values.start_period, values.mac)) as BwUsage;
}
