import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchedulerHostFilterNotFound } from '../../../../src/scheduler/errors.js';
import { ALL_FILTERS, availableFilters, chooseFilters } from '../../../../src/scheduler/filters/index.js';
import { DEFAULT_FILTERS } from '../../../../src/scheduler/opts.js';

describe('filter registry', () => {
  it('all_filters makes the 23 usable filters available, including the whole default list', () => {
    const available = availableFilters(['nova.scheduler.filters.all_filters']);
    assert.equal(available.size, 23);
    assert.deepEqual(
      chooseFilters(available, DEFAULT_FILTERS).map((d) => d.name),
      [...DEFAULT_FILTERS],
    );
  });
  it('accepts Grizzly class paths one by one', () => {
    const available = availableFilters([
      'nova.scheduler.filters.ram_filter.RamFilter',
      'nova.scheduler.filters.affinity_filter.SameHostFilter',
    ]);
    assert.deepEqual([...available.keys()], ['RamFilter', 'SameHostFilter']);
  });
  it('names every unknown filter in one SchedulerHostFilterNotFound', () => {
    const available = availableFilters(['nova.scheduler.filters.ram_filter.RamFilter']);
    assert.throws(
      () => chooseFilters(available, ['RamFilter', 'CoreFilter', 'Bogus']),
      (err: unknown) =>
        err instanceof SchedulerHostFilterNotFound && err.message === 'Scheduler Host Filter CoreFilter, Bogus could not be found.',
    );
  });
  it('rejects an unknown class path', () => {
    assert.throws(
      () => availableFilters(['nova.scheduler.filters.nope.Nope']),
      /Class nova\.scheduler\.filters\.nope\.Nope could not be found/,
    );
  });
  it('gives every filter a unique name and class path', () => {
    assert.equal(new Set(ALL_FILTERS.map((d) => d.name)).size, ALL_FILTERS.length);
    assert.equal(new Set(ALL_FILTERS.map((d) => d.classPath)).size, ALL_FILTERS.length);
  });
});
