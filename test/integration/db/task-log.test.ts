import assert from 'node:assert/strict';
import { adminContext } from '../../../src/context/context.js';
import {
  TaskAlreadyRunning,
  TaskNotRunning,
  taskLogBeginTask,
  taskLogEndTask,
  taskLogGet,
  taskLogGetAll,
} from '../../../src/db/api/task-log.js';
import { forEachEngine } from './engines.js';

const admin = adminContext();
const begin = new Date('2013-01-01T00:00:00Z');
const end = new Date('2013-02-01T00:00:00Z');
const key = { taskName: 'instance_usage_audit', host: 'h1', begin, end };

forEachEngine('task_log DB API', async (t, { db }) => {
  await t.test('begin records RUNNING, end records DONE with errors and message', async () => {
    assert.equal(await taskLogGet(db, admin, key), null);
    await taskLogBeginTask(db, admin, key, { taskItems: 3, message: 'started' });
    assert.equal((await taskLogGet(db, admin, key))?.state, 'RUNNING');
    assert.equal(await taskLogGet(db, admin, key, 'DONE'), null);
    await taskLogEndTask(db, admin, key, 1, 'finished');
    const row = await taskLogGet(db, admin, key, 'DONE');
    assert.deepEqual([row?.task_items, row?.errors, row?.message], [3, 1, 'finished']);
  });

  await t.test('a task begun twice for the same host and period is refused; ending one never begun is not found', async () => {
    await assert.rejects(taskLogBeginTask(db, admin, key), TaskAlreadyRunning);
    await assert.rejects(taskLogEndTask(db, admin, { ...key, host: 'h9' }, 0, ''), TaskNotRunning);
  });

  await t.test('getAll lists every host of the period, optionally one host or state', async () => {
    await taskLogBeginTask(db, admin, { ...key, host: 'h2' });
    assert.deepEqual(
      (await taskLogGetAll(db, admin, key.taskName, begin, end)).map((r) => r.host),
      ['h1', 'h2'],
    );
    assert.deepEqual(
      (await taskLogGetAll(db, admin, key.taskName, begin, end, { state: 'RUNNING' })).map((r) => r.host),
      ['h2'],
    );
    assert.deepEqual(await taskLogGetAll(db, admin, key.taskName, end, new Date('2013-03-01T00:00:00Z')), []);
  });
});
