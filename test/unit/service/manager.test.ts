import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Manager, type PeriodicTaskSpec } from '../../../src/service/manager.js';

class TestManager extends Manager {
  add(spec: PeriodicTaskSpec): void {
    this.addPeriodicTask(spec);
  }
}

describe('Manager periodic tasks', () => {
  it('runs a run_immediately task on the first pass and a spaced task one spacing after the first pass', async () => {
    let clock = 1000;
    const m = new TestManager('h');
    const ran: string[] = [];
    m.add({ name: 'now', spacing: 10, runImmediately: true, run: async () => void ran.push('now') });
    m.add({ name: 'later', spacing: 30, run: async () => void ran.push('later') });
    const idle1 = await m.runPeriodicTasks(undefined, () => clock);
    assert.deepEqual(ran, ['now']);
    assert.equal(idle1, 10);
    clock += 20;
    await m.runPeriodicTasks(undefined, () => clock);
    assert.deepEqual(ran, ['now', 'now'], 'later is not due 20 s after the first pass');
    clock += 10;
    await m.runPeriodicTasks(undefined, () => clock);
    assert.deepEqual(ran, ['now', 'now', 'now', 'later']);
  });

  it('keeps running other tasks when one throws', async () => {
    const m = new TestManager('h');
    const ran: string[] = [];
    m.add({
      name: 'bad',
      spacing: 0,
      run: async () => {
        throw new Error('boom');
      },
    });
    m.add({ name: 'good', spacing: 0, run: async () => void ran.push('good') });
    await m.runPeriodicTasks();
    assert.deepEqual(ran, ['good']);
  });

  it('does not register a task with negative spacing', () => {
    const m = new TestManager('h');
    m.add({ name: 'off', spacing: -1, run: async () => {} });
    assert.deepEqual(m.periodicTaskNames(), []);
  });

  it('skips external-process tasks when run_external_periodic_tasks is off', async () => {
    const m = new TestManager('h');
    let ran = 0;
    m.add({ name: 'ext', spacing: 0, externalProcessOk: true, run: async () => void ran++ });
    m.setRunExternalTasks(false);
    await m.runPeriodicTasks();
    assert.equal(ran, 0);
    m.setRunExternalTasks(true);
    await m.runPeriodicTasks();
    assert.equal(ran, 1);
  });

  it('never asks to sleep longer than 60 seconds', async () => {
    const m = new TestManager('h');
    m.add({ name: 'rare', spacing: 3600, runImmediately: true, run: async () => {} });
    assert.equal(await m.runPeriodicTasks(), 60);
  });
});
