import assert from 'node:assert/strict';
import { bwUsageGet, bwUsageUpdate } from '../../../src/db/api/bw-usage.js';
import { forEachEngine } from './engines.js';

forEachEngine('bandwidth usage DB API', async (t, { db }) => {
  await t.test('update creates the row of (uuid, mac, period), then replaces its values; get finds it by all three', async () => {
    const period = new Date(Date.UTC(2026, 11, 1));
    const row = { uuid: 'u1', mac: 'fa:16:3e:00:00:01', start_period: period, last_refreshed: null };
    assert.equal(await bwUsageGet(db, 'u1', period, row.mac), null);
    await bwUsageUpdate(db, { ...row, bw_in: 10, bw_out: 20, last_ctr_in: 100, last_ctr_out: 200 });
    const updated = await bwUsageUpdate(db, { ...row, bw_in: 15, bw_out: 25, last_ctr_in: 105, last_ctr_out: 205 });
    assert.deepEqual([updated.bw_in, updated.bw_out, updated.last_ctr_in, updated.last_ctr_out], [15, 25, 105, 205]);
    assert.equal(updated.start_period.toISOString(), period.toISOString());
    const rows = await db.kysely.selectFrom('bw_usage_cache').select('id').where('uuid', '=', 'u1').execute();
    assert.equal(rows.length, 1);
    assert.equal(await bwUsageGet(db, 'u1', new Date(Date.UTC(2026, 10, 1)), row.mac), null);
    assert.equal(await bwUsageGet(db, 'u1', period, 'fa:16:3e:00:00:02'), null);
  });
});
