import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Config } from '../../../src/config/config.js';
import { defaultSchedulerSettings, schedulerSettingsFrom } from '../../../src/scheduler/opts.js';

describe('scheduler options', () => {
  it("has Grizzly's defaults, plus the server group filters", () => {
    const s = defaultSchedulerSettings();
    assert.equal(s.scheduler_max_attempts, 3);
    assert.equal(s.scheduler_host_subset_size, 1);
    assert.deepEqual(s.scheduler_default_filters, [
      'RetryFilter',
      'AvailabilityZoneFilter',
      'RamFilter',
      'ComputeFilter',
      'ComputeCapabilitiesFilter',
      'ImagePropertiesFilter',
      'GroupAntiAffinityFilter',
      'GroupAffinityFilter',
    ]);
    assert.deepEqual(s.scheduler_available_filters, ['nova.scheduler.filters.all_filters']);
    assert.deepEqual(s.scheduler_weight_classes, ['nova.scheduler.weights.all_weighers']);
    assert.equal(s.ram_weight_multiplier, 1.0);
    assert.equal(s.ram_allocation_ratio, 1.5);
    assert.equal(s.cpu_allocation_ratio, 16.0);
    assert.equal(s.disk_allocation_ratio, 1.0);
    assert.equal(s.max_io_ops_per_host, 8);
    assert.equal(s.max_instances_per_host, 50);
    assert.equal(s.default_availability_zone, 'nova');
    assert.equal(s.service_down_time, 60);
    assert.equal(s.least_cost_functions, null);
    assert.equal(s.compute_fill_first_cost_fn_weight, null);
    assert.equal(s.trusted_computing.attestation_port, '8443');
    assert.equal(s.trusted_computing.attestation_auth_timeout, 60);
  });
  it('reads values from a loaded configuration, legacy switches only when set', () => {
    const conf = Config.load({
      overrides: { DEFAULT: { ram_allocation_ratio: 1.0, scheduler_default_filters: ['RamFilter'], service_down_time: 30 } },
    });
    const s = schedulerSettingsFrom(conf);
    assert.equal(s.ram_allocation_ratio, 1.0);
    assert.deepEqual(s.scheduler_default_filters, ['RamFilter']);
    assert.equal(s.service_down_time, 30);
    assert.equal(s.least_cost_functions, null);
    conf.set('DEFAULT', 'least_cost_functions', []);
    assert.deepEqual(schedulerSettingsFrom(conf).least_cost_functions, []);
  });
});
