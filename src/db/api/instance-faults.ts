/** Instance faults: why an instance went to ERROR (or an action failed), newest first. */
import type { RequestContext } from '../../context/context.js';
import type { InstanceFault } from '../types.js';
import { type Db, insertReturningId, now } from './common.js';

export interface InstanceFaultValues {
  instance_uuid: string;
  code: number;
  message: string;
  details?: string | null;
  host?: string | null;
}

export async function instanceFaultCreate(db: Db, _ctx: RequestContext | null, values: InstanceFaultValues): Promise<InstanceFault> {
  const id = await insertReturningId(db, 'instance_faults', {
    instance_uuid: values.instance_uuid,
    code: values.code,
    // The column holds 255 characters; a longer message would fail the insert on MySQL.
    message: values.message.slice(0, 255),
    details: values.details ?? null,
    host: values.host ?? null,
    created_at: now(),
    deleted: 0,
  });
  return db.kysely.selectFrom('instance_faults').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Faults of each instance, newest first (each uuid present, maybe empty). */
export async function instanceFaultGetByInstanceUuids(
  db: Db,
  _ctx: RequestContext | null,
  uuids: readonly string[],
): Promise<Map<string, InstanceFault[]>> {
  const out = new Map<string, InstanceFault[]>(uuids.map((u) => [u, []]));
  for (let i = 0; i < uuids.length; i += 500) {
    const rows = await db.kysely
      .selectFrom('instance_faults')
      .selectAll()
      .where('deleted', '=', 0)
      .where('instance_uuid', 'in', uuids.slice(i, i + 500))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    for (const r of rows) if (r.instance_uuid) out.get(r.instance_uuid)?.push(r);
  }
  return out;
}
