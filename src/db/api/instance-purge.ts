/**
 * Hard removal of instances that never came to exist for anyone: a create that failed
 * after writing its rows takes every one of them back, in one transaction.
 */
import { type Db, inTransaction } from './common.js';

/** Tables whose rows name their instance in `instance_uuid`, children before parents. */
const INSTANCE_CHILD_TABLES = [
  'instance_actions',
  'instance_faults',
  'block_device_mapping',
  'security_group_instance_association',
  'instance_info_caches',
  'instance_metadata',
  'instance_system_metadata',
] as const;

/** Deletes the instances and every row that refers to them; unknown uuids are ignored. */
export async function instancesPurge(db: Db, uuids: readonly string[]): Promise<void> {
  if (uuids.length === 0) return;
  await inTransaction(db, async (tx) => {
    const k = tx.kysely;
    const actionIds = (await k.selectFrom('instance_actions').select('id').where('instance_uuid', 'in', uuids).execute()).map((r) => r.id);
    if (actionIds.length) await k.deleteFrom('instance_actions_events').where('action_id', 'in', actionIds).execute();
    for (const table of INSTANCE_CHILD_TABLES) {
      await k.deleteFrom(table).where('instance_uuid', 'in', uuids).execute();
    }
    await k.deleteFrom('instance_id_mappings').where('uuid', 'in', uuids).execute();
    await k.deleteFrom('instances').where('uuid', 'in', uuids).execute();
  });
}
