import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminContext } from '../../../src/context/context.js';
import type { Db } from '../../../src/db/api/common.js';
import { instanceFaultGetByInstanceUuids } from '../../../src/db/api/instance-faults.js';
import { instanceGetByUuid } from '../../../src/db/api/instances.js';
import { openDatabase } from '../../../src/db/engine.js';
import { NOVA_REPOSITORY, novaMigrations } from '../../../src/db/migrations/nova/index.js';
import { migrate } from '../../../src/db/migrator.js';
import { SchedulerManager } from '../../../src/scheduler/manager.js';
import { defaultSchedulerSettings } from '../../../src/scheduler/opts.js';

const SECOND = 1000;

describe('the scheduler ends builds no compute host claimed', () => {
  let dir: string;
  let db: Db;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nova-unclaimed-'));
    db = (await openDatabase(`sqlite:///${join(dir, 'nova.sqlite')}`)) as Db;
    await migrate(db, NOVA_REPOSITORY, novaMigrations);
  });

  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function scheduling(at: Date): Promise<string> {
    const uuid = randomUUID();
    await db.kysely
      .insertInto('instances')
      .values({ uuid, project_id: 'p1', vm_state: 'building', task_state: 'scheduling', created_at: at, updated_at: at, deleted: 0 })
      .execute();
    return uuid;
  }

  function manager(now: Date, busHeldOnlySince: Date | null): SchedulerManager {
    return new SchedulerManager('sched1', {
      db,
      settings: defaultSchedulerSettings(),
      compute: {
        call: async () => {
          throw new Error('no compute calls expected');
        },
        cast: async () => {},
      },
      unclaimedBuilds: { serviceDownTime: 60, busHeldOnlySince, now: () => now },
    });
  }

  it('at start-up fails the builds written before its in-process bus existed, and only those', async () => {
    const busStart = new Date(Date.now() - 10 * SECOND);
    const lost = await scheduling(new Date(busStart.getTime() - SECOND));
    const queued = await scheduling(new Date(busStart.getTime() + SECOND));
    await manager(new Date(), busStart).initHost();
    assert.equal((await instanceGetByUuid(db, null, lost)).vm_state, 'error');
    assert.equal((await instanceGetByUuid(db, null, queued)).vm_state, 'building');
    const faults = await instanceFaultGetByInstanceUuids(db, null, [lost]);
    assert.match(faults.get(lost)?.[0]?.message ?? '', /build request was lost/);
  });

  it('at start-up on a broker fails nothing: its queues may still hold the requests', async () => {
    const old = await scheduling(new Date(Date.now() - 3600 * SECOND));
    await manager(new Date(), null).initHost();
    assert.equal((await instanceGetByUuid(db, null, old)).vm_state, 'building');
    await db.kysely.deleteFrom('instances').where('uuid', '=', old).execute();
  });

  it('on a periodic pass fails the builds untouched for service_down_time', async () => {
    const now = new Date();
    const stale = await scheduling(new Date(now.getTime() - 61 * SECOND));
    const fresh = await scheduling(new Date(now.getTime() - 30 * SECOND));
    const m = manager(now, null);
    assert.ok(m.periodicTaskNames().includes('_fail_unclaimed_builds'));
    await m.runPeriodicTasks(adminContext(), () => now.getTime() / 1000);
    assert.equal((await instanceGetByUuid(db, null, stale)).vm_state, 'error');
    assert.equal((await instanceGetByUuid(db, null, fresh)).vm_state, 'building');
  });
});
