import assert from 'node:assert/strict';
import type { Db } from '../../../src/db/api/common.js';
import { instanceFaultGetByInstanceUuids } from '../../../src/db/api/instance-faults.js';
import { instanceGetByUuid } from '../../../src/db/api/instances.js';
import { unclaimedBuildFail, unclaimedBuildUuids } from '../../../src/db/api/unclaimed-builds.js';
import { forEachEngine } from './engines.js';
import { insertInstance } from './rows.js';

const HOUR = 3600_000;

async function build(db: Db, values: { host?: string | null; task_state?: string | null; vm_state?: string; updatedAgoMs: number }) {
  const uuid = await insertInstance(db, { host: values.host ?? null });
  const at = new Date(Date.now() - values.updatedAgoMs);
  await db.kysely
    .updateTable('instances')
    .set({ vm_state: values.vm_state ?? 'building', task_state: values.task_state ?? null, created_at: at, updated_at: at })
    .where('uuid', '=', uuid)
    .execute();
  return uuid;
}

forEachEngine('unclaimed builds DB API', async (t, { db }) => {
  await t.test('finds host-less builds in scheduling or no task that nothing wrote since the cutoff', async () => {
    const cutoff = new Date(Date.now() - HOUR);
    const scheduling = await build(db, { task_state: 'scheduling', updatedAgoMs: 2 * HOUR });
    const started = await build(db, { task_state: null, updatedAgoMs: 2 * HOUR });
    const recent = await build(db, { task_state: 'scheduling', updatedAgoMs: 0 });
    const claimed = await build(db, { host: 'cmp1', task_state: 'spawning', updatedAgoMs: 2 * HOUR });
    const deleting = await build(db, { task_state: 'deleting', updatedAgoMs: 2 * HOUR });
    const active = await build(db, { vm_state: 'active', updatedAgoMs: 2 * HOUR });
    const found = await unclaimedBuildUuids(db, null, cutoff);
    assert.ok(found.includes(scheduling) && found.includes(started));
    for (const other of [recent, claimed, deleting, active]) assert.ok(!found.includes(other));
  });

  await t.test('fails an unclaimed build with its fault, and leaves one a compute host wrote to meanwhile', async () => {
    const cutoff = new Date(Date.now() - HOUR);
    const lost = await build(db, { task_state: 'scheduling', updatedAgoMs: 2 * HOUR });
    const taken = await build(db, { task_state: 'scheduling', updatedAgoMs: 2 * HOUR });
    await db.kysely.updateTable('instances').set({ task_state: null, updated_at: new Date() }).where('uuid', '=', taken).execute();
    const fault = (uuid: string) => ({ instance_uuid: uuid, code: 500, message: 'lost', host: 'sched1' });
    assert.equal(await unclaimedBuildFail(db, null, lost, cutoff, fault(lost)), true);
    assert.equal(await unclaimedBuildFail(db, null, taken, cutoff, fault(taken)), false);
    const failed = await instanceGetByUuid(db, null, lost);
    assert.equal(failed.vm_state, 'error');
    assert.equal(failed.task_state, null);
    assert.equal((await instanceGetByUuid(db, null, taken)).vm_state, 'building');
    const faults = await instanceFaultGetByInstanceUuids(db, null, [lost, taken]);
    assert.deepEqual(
      faults.get(lost)?.map((f) => f.message),
      ['lost'],
    );
    assert.deepEqual(faults.get(taken), []);
  });
});
