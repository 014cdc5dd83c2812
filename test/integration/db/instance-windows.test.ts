import assert from 'node:assert/strict';
import { softDeleteWhere } from '../../../src/db/api/common.js';
import { instanceGetActiveByWindow } from '../../../src/db/api/instance-windows.js';
import { forEachEngine } from './engines.js';
import { insertInstance } from './rows.js';

const day = (d: number) => new Date(Date.UTC(2013, 3, d));

forEachEngine('instance-windows DB API', async (t, { db }) => {
  const life = async (launched: Date | null, terminated: Date | null, values: { project_id?: string; host?: string } = {}) => {
    const uuid = await insertInstance(db, values);
    await db.kysely.updateTable('instances').set({ launched_at: launched, terminated_at: terminated }).where('uuid', '=', uuid).execute();
    return uuid;
  };
  // The window is [day 10, day 20).
  const running = await life(day(1), null);
  const endedInside = await life(day(2), day(15), { project_id: 'p2' });
  const endedBefore = await life(day(2), day(9));
  const endedAtBegin = await life(day(2), day(10));
  const launchedInside = await life(day(12), null, { host: 'cmp2' });
  const launchedAtEnd = await life(day(20), null);
  const launchedAfter = await life(day(25), null);
  const neverLaunched = await life(null, null);
  const window = () => instanceGetActiveByWindow(db, null, day(10), day(20));

  await t.test('instances launched before the end and not terminated by the beginning are returned, in id order', async () => {
    assert.deepEqual(
      (await window()).map((i) => i.uuid),
      [running, endedInside, launchedInside],
    );
    for (const outside of [endedBefore, endedAtBegin, launchedAtEnd, launchedAfter, neverLaunched]) {
      assert.ok(!(await window()).some((i) => i.uuid === outside));
    }
  });

  await t.test('soft-deleted instances are still billed for the time they were alive', async () => {
    await softDeleteWhere(db, 'instances', { uuid: endedInside });
    const found = (await window()).find((i) => i.uuid === endedInside);
    assert.ok(found);
    assert.notEqual(found.deleted, 0);
  });

  await t.test('the window can be narrowed to one project or one host', async () => {
    assert.deepEqual(
      (await instanceGetActiveByWindow(db, null, day(10), day(20), { projectId: 'p2' })).map((i) => i.uuid),
      [endedInside],
    );
    assert.deepEqual(
      (await instanceGetActiveByWindow(db, null, day(10), day(20), { host: 'cmp2' })).map((i) => i.uuid),
      [launchedInside],
    );
    assert.deepEqual(await instanceGetActiveByWindow(db, null, day(10), day(20), { projectId: 'p2', host: 'cmp2' }), []);
  });
});
