import assert from 'node:assert/strict';
import { NotFound } from '../../../src/common/errors.js';
import {
  actionEventFinish,
  actionEventStart,
  actionEventsGet,
  actionFinish,
  actionGetByRequestId,
  actionStart,
  actionsGet,
  InstanceActionNotFound,
} from '../../../src/db/api/instance-actions.js';
import { forEachEngine } from './engines.js';
import { insertInstance } from './rows.js';

forEachEngine('instance-actions DB API', async (t, { db }) => {
  const uuid = await insertInstance(db);
  const started = new Date(Date.UTC(2013, 3, 4, 12, 0, 0));

  await t.test('actionStart records the request; actionGetByRequestId finds it, or null for another request', async () => {
    const action = await actionStart(db, null, {
      action: 'create',
      instance_uuid: uuid,
      request_id: 'req-1',
      user_id: 'u1',
      project_id: 'p1',
      start_time: started,
    });
    assert.equal(action.action, 'create');
    assert.equal(action.start_time?.getTime(), started.getTime());
    assert.equal(action.finish_time, null);
    assert.equal((await actionGetByRequestId(db, null, uuid, 'req-1'))?.id, action.id);
    assert.equal(await actionGetByRequestId(db, null, uuid, 'req-9'), null);
    assert.equal(await actionGetByRequestId(db, null, await insertInstance(db), 'req-1'), null, 'request ids are per instance');
  });

  await t.test('events start and finish under the action of their request', async () => {
    const event = await actionEventStart(db, null, { instance_uuid: uuid, request_id: 'req-1', event: 'compute_run_instance' });
    assert.equal(event.result, null);
    const finished = await actionEventFinish(db, null, {
      instance_uuid: uuid,
      request_id: 'req-1',
      event: 'compute_run_instance',
      result: 'Error',
      traceback: 'Traceback (most recent call last): …',
    });
    assert.equal(finished.id, event.id);
    assert.equal(finished.result, 'Error');
    assert.match(finished.traceback ?? '', /^Traceback/);
    assert.ok(finished.finish_time instanceof Date);
    const action = await actionGetByRequestId(db, null, uuid, 'req-1');
    assert.deepEqual(
      (await actionEventsGet(db, null, action?.id as number)).map((e) => e.event),
      ['compute_run_instance'],
    );
  });

  await t.test('an event of an unknown request or an unstarted event is NotFound', async () => {
    await assert.rejects(actionEventStart(db, null, { instance_uuid: uuid, request_id: 'req-9', event: 'x' }), InstanceActionNotFound);
    await assert.rejects(
      actionEventFinish(db, null, { instance_uuid: uuid, request_id: 'req-1', event: 'never_started', result: 'Success' }),
      NotFound,
    );
    await assert.rejects(actionFinish(db, null, { instance_uuid: uuid, request_id: 'req-9' }), InstanceActionNotFound);
  });

  await t.test('actionFinish sets finish_time and message; actionsGet lists newest first', async () => {
    const done = await actionFinish(db, null, { instance_uuid: uuid, request_id: 'req-1', message: 'Error' });
    assert.ok(done.finish_time instanceof Date);
    assert.equal(done.message, 'Error');
    await actionStart(db, null, { action: 'delete', instance_uuid: uuid, request_id: 'req-2', user_id: 'u1', project_id: 'p1' });
    assert.deepEqual(
      (await actionsGet(db, null, uuid)).map((a) => a.action),
      ['delete', 'create'],
    );
  });
});
