import assert from 'node:assert/strict';
import { adminContext } from '../../../src/context/context.js';
import { instanceGetActiveByWindow } from '../../../src/db/api/instance-windows.js';
import { instanceCreate, instanceUpdate } from '../../../src/db/api/instances.js';
import { forEachEngine } from './engines.js';

const admin = adminContext();
const at = (s: string) => new Date(`${s}Z`);

forEachEngine('instance windows DB API', async (t, { db }) => {
  await t.test('instances launched before the end and not terminated before the start, deleted ones included', async () => {
    const make = async (name: string, project: string, launched: Date | null, terminated: Date | null) => {
      const inst = await instanceCreate(db, admin, { display_name: name, project_id: project, host: 'h1' });
      await instanceUpdate(db, admin, inst.uuid as string, { launched_at: launched, terminated_at: terminated });
      return name;
    };
    await make('running', 'p1', at('2012-12-01T00:00:00'), null);
    await make('ended-inside', 'p2', at('2012-12-01T00:00:00'), at('2013-01-15T00:00:00'));
    await make('ended-before', 'p1', at('2012-12-01T00:00:00'), at('2012-12-15T00:00:00'));
    await make('launched-after', 'p1', at('2013-03-01T00:00:00'), null);
    await make('never-launched', 'p1', null, null);
    const found = await instanceGetActiveByWindow(db, admin, at('2013-01-01T00:00:00'), at('2013-02-01T00:00:00'));
    assert.deepEqual(
      found.map((i) => i.display_name),
      ['running', 'ended-inside'],
    );
    const p1 = await instanceGetActiveByWindow(db, admin, at('2013-01-01T00:00:00'), at('2013-02-01T00:00:00'), { projectId: 'p1' });
    assert.deepEqual(
      p1.map((i) => i.display_name),
      ['running'],
    );
    assert.deepEqual(await instanceGetActiveByWindow(db, admin, at('2013-01-01T00:00:00'), at('2013-02-01T00:00:00'), { host: 'h9' }), []);
  });
});
