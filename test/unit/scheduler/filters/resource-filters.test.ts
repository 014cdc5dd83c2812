import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreFilter } from '../../../../src/scheduler/filters/core-filter.js';
import { DiskFilter } from '../../../../src/scheduler/filters/disk-filter.js';
import { IoOpsFilter } from '../../../../src/scheduler/filters/io-ops-filter.js';
import { NumInstancesFilter } from '../../../../src/scheduler/filters/num-instances-filter.js';
import { RamFilter } from '../../../../src/scheduler/filters/ram-filter.js';
import { flavor, hostState, props, requestSpec } from '../fixtures.js';

function withFlavor(memory_mb: number, vcpus = 1, root_gb = 1, ephemeral_gb = 0) {
  return props({}, requestSpec({}, flavor({ memory_mb, vcpus, root_gb, ephemeral_gb })));
}

describe('RamFilter', () => {
  it('passes up to total × ram_allocation_ratio and records limits.memory_mb', () => {
    // 1024 MB total, 1024 used: with ratio 1.5 there are 512 MB of virtual room left.
    const h = hostState({ compute: { memory_mb: 1024, free_ram_mb: 0 } });
    assert.equal(new RamFilter(1.5).hostPasses(h, withFlavor(512)), true);
    assert.equal(h.limits.memory_mb, 1536);
  });
  it('rejects a flavor bigger than the oversubscribed room and sets no limit', () => {
    const h = hostState({ compute: { memory_mb: 1024, free_ram_mb: 0 } });
    assert.equal(new RamFilter(1.5).hostPasses(h, withFlavor(513)), false);
    assert.equal(h.limits.memory_mb, undefined);
  });
  it('rejects any oversubscription with ratio 1.0', () => {
    const h = hostState({ compute: { memory_mb: 1024, free_ram_mb: 511 } });
    assert.equal(new RamFilter(1.0).hostPasses(h, withFlavor(512)), false);
    assert.equal(new RamFilter(1.0).hostPasses(h, withFlavor(511)), true);
  });
  it('treats negative free RAM as more usage', () => {
    const h = hostState({ compute: { memory_mb: 1000, free_ram_mb: -400 } });
    assert.equal(new RamFilter(1.5).hostPasses(h, withFlavor(100)), true);
    assert.equal(new RamFilter(1.5).hostPasses(h, withFlavor(101)), false);
  });
});

describe('CoreFilter', () => {
  it('passes up to vcpus_total × cpu_allocation_ratio and records limits.vcpu', () => {
    const h = hostState({ compute: { vcpus: 2, vcpus_used: 30 } });
    assert.equal(new CoreFilter(16).hostPasses(h, withFlavor(1, 2)), true);
    assert.equal(h.limits.vcpu, 32);
    assert.equal(new CoreFilter(16).hostPasses(h, withFlavor(1, 3)), false);
  });
  it('lets a host that reports no vCPUs through (fail-safe)', () => {
    const h = hostState({ compute: { vcpus: 0, vcpus_used: 100 } });
    assert.equal(new CoreFilter(1).hostPasses(h, withFlavor(1, 64)), true);
    assert.equal(h.limits.vcpu, undefined);
  });
  it('passes without a flavor', () => {
    assert.equal(new CoreFilter(1).hostPasses(hostState({ compute: { vcpus: 1, vcpus_used: 5 } }), {}), true);
  });
});

describe('DiskFilter', () => {
  it('counts root plus ephemeral disk against the oversubscribed disk and records limits.disk_gb', () => {
    const h = hostState({ compute: { local_gb: 10, free_disk_gb: 4, disk_available_least: null } });
    assert.equal(new DiskFilter(1.0).hostPasses(h, withFlavor(1, 1, 3, 1)), true);
    assert.equal(h.limits.disk_gb, 10);
    assert.equal(new DiskFilter(1.0).hostPasses(h, withFlavor(1, 1, 4, 1)), false);
  });
  it('allows oversubscription with a ratio above 1', () => {
    const h = hostState({ compute: { local_gb: 10, free_disk_gb: 0 } });
    assert.equal(new DiskFilter(1.0).hostPasses(h, withFlavor(1, 1, 5)), false);
    assert.equal(new DiskFilter(1.5).hostPasses(h, withFlavor(1, 1, 5)), true);
    assert.equal(h.limits.disk_gb, 15);
  });
});

describe('IoOpsFilter and NumInstancesFilter', () => {
  it('IoOpsFilter passes only below max_io_ops_per_host', () => {
    assert.equal(new IoOpsFilter(8).hostPasses(hostState({ compute: { stats: { io_workload: '7' } } })), true);
    assert.equal(new IoOpsFilter(8).hostPasses(hostState({ compute: { stats: { io_workload: '8' } } })), false);
  });
  it('NumInstancesFilter passes only below max_instances_per_host', () => {
    assert.equal(new NumInstancesFilter(50).hostPasses(hostState({ compute: { stats: { num_instances: '49' } } })), true);
    assert.equal(new NumInstancesFilter(50).hostPasses(hostState({ compute: { stats: { num_instances: '50' } } })), false);
  });
});
