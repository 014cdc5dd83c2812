import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { adminContext } from '../../../src/context/context.js';
import { agentBuildCreate, agentBuildDestroy } from '../../../src/db/api/agent-builds.js';
import { aggregateCreate, aggregateDelete } from '../../../src/db/api/aggregates.js';
import { archiveDeletedRows } from '../../../src/db/api/archive.js';
import type { Db } from '../../../src/db/api/common.js';
import { forEachEngine } from './engines.js';

const admin = adminContext();

async function count(db: Db, table: string): Promise<number> {
  return Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db.kysely)).rows[0]?.n);
}

forEachEngine('archive_deleted_rows', async (t, { db }) => {
  await t.test('moves soft-deleted rows to the shadow tables, live rows stay, at most max_rows', async () => {
    const build = { hypervisor: 'kvm', os: 'linux', architecture: 'x86', version: '1', url: 'u', md5hash: 'm' };
    const a = await agentBuildCreate(db, admin, build);
    await agentBuildCreate(db, admin, { ...build, os: 'live' });
    await agentBuildDestroy(db, admin, a.id);
    const agg = await aggregateCreate(db, admin, 'gone', { availability_zone: 'az' });
    await aggregateDelete(db, admin, agg.id);

    const first = await archiveDeletedRows(db, 1);
    assert.equal(
      [...first.values()].reduce((x, y) => x + y, 0),
      1,
    );
    const rest = await archiveDeletedRows(db, 100);
    assert.equal(
      [...rest.values()].reduce((x, y) => x + y, 0),
      2,
    );
    assert.equal(await count(db, 'shadow_agent_builds'), 1);
    assert.equal(await count(db, 'shadow_aggregates'), 1);
    assert.equal(await count(db, 'shadow_aggregate_metadata'), 1);
    assert.equal(await count(db, 'agent_builds'), 1);
    assert.equal(await count(db, 'aggregates'), 0);
    assert.equal((await archiveDeletedRows(db, 100)).size, 0);
  });
});
