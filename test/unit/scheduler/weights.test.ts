import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchedulerCostFunctionNotFound } from '../../../src/scheduler/errors.js';
import { defaultSchedulerSettings } from '../../../src/scheduler/opts.js';
import { LeastCostWeigher, loadWeighers, RamWeigher, weighHosts } from '../../../src/scheduler/weights/index.js';
import { hostState, props } from './fixtures.js';

const hosts = () => [
  hostState({ host: 'small', compute: { free_ram_mb: 1024 } }),
  hostState({ host: 'big', compute: { free_ram_mb: 4096 } }),
  hostState({ host: 'mid', compute: { free_ram_mb: 2048 } }),
];

describe('RAM weigher', () => {
  it('puts the host with most free RAM first with a positive multiplier (spread)', () => {
    const weighed = weighHosts([new RamWeigher(1.0)], hosts(), props());
    assert.deepEqual(
      weighed.map((w) => [w.host.host, w.weight]),
      [
        ['big', 4096],
        ['mid', 2048],
        ['small', 1024],
      ],
    );
  });
  it('puts the fullest host first with a negative multiplier (stack)', () => {
    assert.deepEqual(
      weighHosts([new RamWeigher(-1.0)], hosts(), props()).map((w) => w.host.host),
      ['small', 'mid', 'big'],
    );
  });
  it('sums raw contributions without normalising them', () => {
    const weighed = weighHosts([new RamWeigher(2.0), new RamWeigher(0.5)], hosts(), props());
    assert.equal(weighed[0]?.weight, 4096 * 2.5);
  });
  it('keeps input order among equal weights', () => {
    const equal = [hostState({ host: 'a' }), hostState({ host: 'b' }), hostState({ host: 'c' })];
    assert.deepEqual(
      weighHosts([new RamWeigher(1)], equal, props()).map((w) => w.host.host),
      ['a', 'b', 'c'],
    );
  });
});

describe('loadWeighers', () => {
  it('all_weighers is the RAM weigher with ram_weight_multiplier', () => {
    const weighers = loadWeighers(defaultSchedulerSettings({ ram_weight_multiplier: -2 }));
    assert.equal(weighers.length, 1);
    assert.ok(weighers[0] instanceof RamWeigher);
    assert.equal((weighers[0] as RamWeigher).multiplier, -2);
  });
  it('switches to the legacy least-cost weigher when its options are set, and replaces weights', () => {
    const settings = defaultSchedulerSettings({
      least_cost_functions: ['nova.scheduler.least_cost.compute_fill_first_cost_fn', 'nova.scheduler.least_cost.noop_cost_fn'],
      noop_cost_fn_weight: 10,
    });
    const weighers = loadWeighers(settings);
    assert.ok(weighers[0] instanceof LeastCostWeigher);
    const weighed = weighHosts(weighers, hosts(), props());
    // compute_fill_first weight defaults to -1.0: weight = free_ram_mb + 10, so it still spreads.
    assert.deepEqual(
      weighed.map((w) => [w.host.host, w.weight]),
      [
        ['big', 4106],
        ['mid', 2058],
        ['small', 1034],
      ],
    );
  });
  it('fills hosts first with a positive compute_fill_first_cost_fn_weight', () => {
    const weighers = loadWeighers(defaultSchedulerSettings({ compute_fill_first_cost_fn_weight: 1.0 }));
    assert.deepEqual(
      weighHosts(weighers, hosts(), props()).map((w) => w.host.host),
      ['small', 'mid', 'big'],
    );
  });
  it('skips functions outside compute_/noop and rejects unknown ones', () => {
    const skipped = new LeastCostWeigher(defaultSchedulerSettings({ least_cost_functions: ['nova.scheduler.least_cost.evil_fn'] }));
    assert.equal(skipped.functions.length, 0);
    assert.throws(
      () => new LeastCostWeigher(defaultSchedulerSettings({ least_cost_functions: ['nova.scheduler.least_cost.compute_nope'] })),
      SchedulerCostFunctionNotFound,
    );
  });
  it('rejects an unknown weigher class', () => {
    assert.throws(
      () => loadWeighers(defaultSchedulerSettings({ scheduler_weight_classes: ['x.Y'] })),
      /Scheduler weight class x\.Y could not be found/,
    );
  });
});
