import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SchedulerOptionsFile } from '../../../src/scheduler/scheduler-options.js';

const dir = mkdtempSync(join(tmpdir(), 'sched-opts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SchedulerOptionsFile', () => {
  it('is empty when no location is configured', () => {
    assert.deepEqual(new SchedulerOptionsFile('').getConfiguration(), {});
  });
  it('reloads a changed file only after the five-minute check interval', () => {
    const file = join(dir, 'opts.json');
    writeFileSync(file, '{"a": 1}');
    utimesSync(file, 1000, 1000);
    let now = new Date('2026-03-01T00:00:00Z');
    const options = new SchedulerOptionsFile(file, () => now);
    assert.deepEqual(options.getConfiguration(), { a: 1 });
    writeFileSync(file, '{"a": 2}');
    utimesSync(file, 2000, 2000);
    now = new Date(now.getTime() + 60_000);
    assert.deepEqual(options.getConfiguration(), { a: 1 }, 'not checked again within five minutes');
    now = new Date(now.getTime() + 5 * 60_000);
    assert.deepEqual(options.getConfiguration(), { a: 2 });
  });
  it('treats invalid JSON as empty and a missing file as an error', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{nope');
    assert.deepEqual(new SchedulerOptionsFile(bad).getConfiguration(), {});
    assert.throws(() => new SchedulerOptionsFile(join(dir, 'missing.json')).getConfiguration(), /ENOENT/);
  });
});
