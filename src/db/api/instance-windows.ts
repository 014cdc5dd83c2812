/** Instances alive during a time window, deleted ones included: what usage is billed from. */
import type { RequestContext } from '../../context/context.js';
import type { Instance } from '../types.js';
import type { Db } from './common.js';

/**
 * Instances launched before `end` and not terminated before `begin`, optionally of one
 * project or host (Nova's instance_get_active_by_window_joined, read_deleted "yes").
 */
export async function instanceGetActiveByWindow(
  db: Db,
  _ctx: RequestContext | null,
  begin: Date,
  end: Date,
  filter: { projectId?: string; host?: string } = {},
): Promise<Instance[]> {
  let q = db.kysely
    .selectFrom('instances')
    .selectAll()
    .where('launched_at', '<', end)
    .where((eb) => eb.or([eb('terminated_at', 'is', null), eb('terminated_at', '>', begin)]));
  if (filter.projectId !== undefined) q = q.where('project_id', '=', filter.projectId);
  if (filter.host !== undefined) q = q.where('host', '=', filter.host);
  return q.orderBy('id').execute();
}
