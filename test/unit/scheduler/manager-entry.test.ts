import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { adminContext } from '../../../src/context/context.js';
import type { Db } from '../../../src/db/api/common.js';
import { openDatabase } from '../../../src/db/engine.js';
import { NOVA_REPOSITORY, novaMigrations } from '../../../src/db/migrations/nova/index.js';
import { migrate } from '../../../src/db/migrator.js';
import { SchedulerManager } from '../../../src/scheduler/manager.js';
import { defaultSchedulerSettings } from '../../../src/scheduler/opts.js';
import type { RunInstanceRequest } from '../../../src/scheduler/types.js';

describe('SchedulerManager.run_instance entry', () => {
  let dir: string;
  let db: Db;
  const casts: unknown[] = [];
  let manager: SchedulerManager;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nova-sched-'));
    db = (await openDatabase(`sqlite:///${join(dir, 'nova.sqlite')}`)) as Db;
    await migrate(db, NOVA_REPOSITORY, novaMigrations);
    manager = new SchedulerManager('sched1', {
      db,
      settings: defaultSchedulerSettings(),
      compute: {
        call: async () => {
          throw new Error('no compute calls expected');
        },
        cast: async (...args: unknown[]) => {
          casts.push(args);
        },
      },
    });
  });

  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const empty: [string, unknown][] = [
    ['no instance uuids', { request_spec: { instance_uuids: [], num_instances: 0 }, filter_properties: {} }],
    ['no instance properties', { request_spec: { instance_uuids: ['a1b2c3d4-0000-4000-8000-000000000001'] }, filter_properties: {} }],
    ['no request spec', { filter_properties: {} }],
  ];
  for (const [what, args] of empty) {
    test(`a cast with ${what} is dropped with a warning, without an error or a cast to a host`, async () => {
      await manager.run_instance(adminContext(), args as RunInstanceRequest);
      assert.equal(casts.length, 0);
    });
  }
});
