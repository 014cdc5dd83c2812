/**
 * Builds accepted by the API that no compute host has claimed (vm_state `building`, no
 * host, task `scheduling` or none): what the scheduler side recovers when the request that
 * would have built them was lost (docs/recovery.md).
 */
import { type SqlBool, sql } from 'kysely';
import type { RequestContext } from '../../context/context.js';
import { type Db, inTransaction, now } from './common.js';
import { type InstanceFaultValues, instanceFaultCreate } from './instance-faults.js';

/** Neither claimed nor written since `cutoff`: no host, still building, task `scheduling` or none. */
function unclaimedSince(cutoff: Date) {
  return sql<SqlBool>`(deleted = 0 and vm_state = 'building' and host is null
    and (task_state is null or task_state = 'scheduling')
    and coalesce(updated_at, created_at) < ${cutoff})`;
}

/** The uuids of the builds nobody claimed or touched since `cutoff`, oldest first. */
export async function unclaimedBuildUuids(db: Db, _ctx: RequestContext | null, cutoff: Date): Promise<string[]> {
  const rows = await db.kysely.selectFrom('instances').select('uuid').where(unclaimedSince(cutoff)).orderBy('id').execute();
  return rows.map((r) => r.uuid as string);
}

/**
 * Sets one unclaimed build to ERROR (no task) and records `fault`, in one transaction and
 * only if the build is still unclaimed and untouched since `cutoff`: a compute host that
 * starts it meanwhile writes updated_at, and then this leaves it alone. True when it failed it.
 */
export async function unclaimedBuildFail(
  db: Db,
  ctx: RequestContext | null,
  uuid: string,
  cutoff: Date,
  fault: InstanceFaultValues,
): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const result = await tx.kysely
      .updateTable('instances')
      .set({ vm_state: 'error', task_state: null, updated_at: now() })
      .where('uuid', '=', uuid)
      .where(unclaimedSince(cutoff))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    await instanceFaultCreate(tx, ctx, fault);
    return true;
  });
}
