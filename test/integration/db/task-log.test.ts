import assert from 'node:assert/strict';
import { softDeleteWhere } from '../../../src/db/api/common.js';
import {
  TaskAlreadyRunning,
  TaskNotRunning,
  taskLogBeginTask,
  taskLogEndTask,
  taskLogGet,
  taskLogGetAll,
} from '../../../src/db/api/task-log.js';
import { forEachEngine } from './engines.js';

const begin = new Date(Date.UTC(2013, 2, 1));
const end = new Date(Date.UTC(2013, 3, 1));
const audit = 'instance_usage_audit';
const key = (host: string, b = begin, e = end) => ({ taskName: audit, host, begin: b, end: e });

forEachEngine('task-log DB API', async (t, { db }) => {
  await t.test('taskLogBeginTask records the task RUNNING with its item count, and the period reads back exactly', async () => {
    await taskLogBeginTask(db, null, key('cmp1'), { taskItems: 7, message: 'started' });
    const row = await taskLogGet(db, null, key('cmp1'));
    assert.ok(row);
    assert.deepEqual(
      [row.task_name, row.host, row.state, row.task_items, row.errors, row.message],
      [audit, 'cmp1', 'RUNNING', 7, 0, 'started'],
    );
    assert.equal(row.period_beginning.getTime(), begin.getTime());
    assert.equal(row.period_ending.getTime(), end.getTime());
    assert.ok(row.created_at instanceof Date);
  });

  await t.test('taskLogGet matches the whole key and, when given, the state', async () => {
    assert.equal(await taskLogGet(db, null, key('cmp2')), null);
    assert.equal(await taskLogGet(db, null, key('cmp1', begin, new Date(Date.UTC(2013, 3, 2)))), null);
    assert.equal(await taskLogGet(db, null, { ...key('cmp1'), taskName: 'other' }), null);
    assert.equal((await taskLogGet(db, null, key('cmp1'), 'RUNNING'))?.host, 'cmp1');
    assert.equal(await taskLogGet(db, null, key('cmp1'), 'DONE'), null);
  });

  await t.test('beginning a task already recorded for that host and period is TaskAlreadyRunning', async () => {
    await assert.rejects(taskLogBeginTask(db, null, key('cmp1')), TaskAlreadyRunning);
    assert.equal((await taskLogGetAll(db, null, audit, begin, end)).length, 1);
  });

  await t.test('two hosts beginning at once both get a row; two racing for one key leave one row and one TaskAlreadyRunning', async () => {
    await Promise.all([taskLogBeginTask(db, null, key('cmp2')), taskLogBeginTask(db, null, key('cmp3'))]);
    const results = await Promise.allSettled([taskLogBeginTask(db, null, key('cmp4')), taskLogBeginTask(db, null, key('cmp4'))]);
    const rejected = results.filter((r) => r.status === 'rejected');
    assert.equal(rejected.length, 1);
    assert.ok((rejected[0] as PromiseRejectedResult).reason instanceof TaskAlreadyRunning);
    assert.equal((await taskLogGetAll(db, null, audit, begin, end, { host: 'cmp4' })).length, 1);
  });

  await t.test('taskLogEndTask marks the task DONE with errors and message; a task never begun is TaskNotRunning', async () => {
    await taskLogEndTask(db, null, key('cmp2'), 3, 'finished with errors');
    const row = await taskLogGet(db, null, key('cmp2'), 'DONE');
    assert.deepEqual([row?.state, row?.errors, row?.message], ['DONE', 3, 'finished with errors']);
    assert.ok(row?.updated_at instanceof Date);
    await assert.rejects(taskLogEndTask(db, null, key('nowhere'), 0, ''), TaskNotRunning);
    await assert.rejects(taskLogEndTask(db, null, key('cmp1', new Date(Date.UTC(2013, 1, 1))), 0, ''), TaskNotRunning);
  });

  await t.test('taskLogGetAll lists the period across hosts in creation order, filtered by host or state', async () => {
    await taskLogBeginTask(db, null, key('cmp1', end, new Date(Date.UTC(2013, 4, 1))));
    assert.deepEqual(
      (await taskLogGetAll(db, null, audit, begin, end)).map((r) => r.host),
      ['cmp1', 'cmp2', 'cmp3', 'cmp4'],
    );
    assert.deepEqual(
      (await taskLogGetAll(db, null, audit, begin, end, { state: 'DONE' })).map((r) => r.host),
      ['cmp2'],
    );
    assert.deepEqual(
      (await taskLogGetAll(db, null, audit, begin, end, { host: 'cmp3', state: 'RUNNING' })).map((r) => r.host),
      ['cmp3'],
    );
    assert.deepEqual(await taskLogGetAll(db, null, 'other_task', begin, end), []);
  });

  await t.test('soft-deleted rows are invisible to every read and cannot be ended', async () => {
    await softDeleteWhere(db, 'task_log', { host: 'cmp3' });
    assert.equal(await taskLogGet(db, null, key('cmp3')), null);
    assert.deepEqual(
      (await taskLogGetAll(db, null, audit, begin, end)).map((r) => r.host),
      ['cmp1', 'cmp2', 'cmp4'],
    );
    await assert.rejects(taskLogEndTask(db, null, key('cmp3'), 0, ''), TaskNotRunning);
  });
});
