import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FilterScheduler, isPlacement } from '../../../src/scheduler/filter-scheduler.js';
import { HostManager } from '../../../src/scheduler/host-manager.js';
import { defaultSchedulerSettings } from '../../../src/scheduler/opts.js';
import { flavor, hostState, NOW, requestSpec } from './fixtures.js';

const hostArb = fc
  .record({
    memory_mb: fc.integer({ min: 512, max: 16384 }),
    usedRamFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    local_gb: fc.integer({ min: 1, max: 200 }),
    usedDiskFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    vcpus: fc.integer({ min: 1, max: 16 }),
    vcpus_used: fc.integer({ min: 0, max: 16 }),
  })
  .map((h) => ({ ...h, usedRam: Math.floor(h.memory_mb * h.usedRamFraction), usedDisk: Math.floor(h.local_gb * h.usedDiskFraction) }));

const requestArb = fc.record({
  memory_mb: fc.integer({ min: 64, max: 8192 }),
  vcpus: fc.integer({ min: 1, max: 8 }),
  root_gb: fc.integer({ min: 0, max: 40 }),
  ephemeral_gb: fc.integer({ min: 0, max: 20 }),
  count: fc.integer({ min: 1, max: 6 }),
});

const settingsArb = fc.record({
  ram_allocation_ratio: fc.constantFrom(1.0, 1.5, 2.0),
  cpu_allocation_ratio: fc.constantFrom(1.0, 4.0, 16.0),
  disk_allocation_ratio: fc.constantFrom(1.0, 1.2),
  ram_weight_multiplier: fc.constantFrom(1.0, -1.0, 0),
  scheduler_host_subset_size: fc.integer({ min: 1, max: 4 }),
});

describe('filter scheduler capacity', () => {
  it('never places more RAM, vCPUs or disk on a host than its ratio-adjusted capacity', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostArb, { minLength: 1, maxLength: 5 }),
        fc.array(requestArb, { minLength: 1, maxLength: 8 }),
        settingsArb,
        fc.infiniteStream(fc.double({ min: 0, max: 0.999999, noNaN: true })),
        async (hostSpecs, requests, settings, randoms) => {
          const s = defaultSchedulerSettings({
            ...settings,
            scheduler_default_filters: ['RetryFilter', 'RamFilter', 'CoreFilter', 'DiskFilter', 'ComputeFilter'],
          });
          const scheduler = new FilterScheduler(new HostManager(s, { now: () => NOW }), {
            now: () => NOW,
            random: () => randoms.next().value,
          });
          const hosts = hostSpecs.map((h, i) =>
            hostState({
              host: `h${i}`,
              compute: {
                memory_mb: h.memory_mb,
                free_ram_mb: h.memory_mb - h.usedRam,
                local_gb: h.local_gb,
                local_gb_used: h.usedDisk,
                free_disk_gb: h.local_gb - h.usedDisk,
                vcpus: h.vcpus,
                vcpus_used: Math.min(h.vcpus_used, h.vcpus),
              },
            }),
          );
          const placed = new Map<string, { ram: number; disk: number; vcpus: number }>();
          for (const [r, req] of requests.entries()) {
            const type = flavor({ memory_mb: req.memory_mb, vcpus: req.vcpus, root_gb: req.root_gb, ephemeral_gb: req.ephemeral_gb });
            const uuids = Array.from({ length: req.count }, (_, i) => `r${r}-${i}`);
            const results = await scheduler.scheduleRunInstance(requestSpec({ instance_uuids: uuids }, type), {}, hosts);
            assert.equal(results.length, req.count);
            for (const result of results) {
              if (!isPlacement(result)) continue;
              const sum = placed.get(result.host) ?? { ram: 0, disk: 0, vcpus: 0 };
              sum.ram += req.memory_mb;
              sum.disk += req.root_gb + req.ephemeral_gb;
              sum.vcpus += req.vcpus;
              placed.set(result.host, sum);
              assert.ok(result.limits.memory_mb !== undefined && result.limits.disk_gb !== undefined && result.limits.vcpu !== undefined);
            }
          }
          hostSpecs.forEach((h, i) => {
            const sum = placed.get(`h${i}`) ?? { ram: 0, disk: 0, vcpus: 0 };
            assert.ok(h.usedRam + sum.ram <= h.memory_mb * s.ram_allocation_ratio, `RAM over capacity on h${i}`);
            assert.ok(Math.min(h.vcpus_used, h.vcpus) + sum.vcpus <= h.vcpus * s.cpu_allocation_ratio, `vCPUs over capacity on h${i}`);
            assert.ok((h.usedDisk + sum.disk) * 1024 <= h.local_gb * 1024 * s.disk_allocation_ratio + 1e-6, `disk over capacity on h${i}`);
            const state = hosts[i];
            assert.equal(state?.free_ram_mb, h.memory_mb - h.usedRam - sum.ram, 'the host state charged exactly what was placed');
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
