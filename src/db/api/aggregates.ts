/** Host aggregates: what availability zones are made of since Grizzly's migration 147. */
import type { RequestContext } from '../../context/context.js';
import type { Db } from './common.js';

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
