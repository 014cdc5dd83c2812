import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Manager } from '../../../src/service/manager.js';
import { Service, type ServiceOptions } from '../../../src/service/service.js';
import type { ServiceRecord, ServiceRecordStore } from '../../../src/servicegroup/types.js';
import { ManualClock } from '../../support/manual-clock.js';

class CountingManager extends Manager {
  readonly RPC_API_VERSION = '1.0';
  readonly rpcMethods = [];
  readonly runs: number[] = [];

  constructor(
    private readonly clock: ManualClock,
    spacing: number,
  ) {
    super('h1');
    this.addPeriodicTask({ name: 'audit', spacing, run: async () => void this.runs.push(this.clock.now()) });
  }
}

class MemoryRecords implements ServiceRecordStore {
  readonly rows = new Map<number, ServiceRecord>();
  async find(host: string, binary: string): Promise<ServiceRecord | null> {
    return [...this.rows.values()].find((r) => r.host === host && r.binary === binary) ?? null;
  }
  async create(values: { host: string; binary: string; topic: string; report_count: number }): Promise<ServiceRecord> {
    const row: ServiceRecord = { id: this.rows.size + 1, disabled: false, created_at: null, updated_at: null, ...values };
    this.rows.set(row.id, row);
    return row;
  }
  async update(id: number, values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>): Promise<ServiceRecord> {
    const row = { ...(this.rows.get(id) as ServiceRecord), ...values };
    this.rows.set(id, row);
    return row;
  }
}

function service(clock: ManualClock, manager: Manager, records: ServiceRecordStore, over: Partial<ServiceOptions> = {}): Service {
  return new Service({
    binary: 'nova-test',
    topic: 'test',
    host: 'h1',
    manager,
    endpoint: { RPC_API_VERSION: '1.0', rpcMethods: [] },
    records,
    serveRpc: async () => ({ stop: async () => {} }),
    reportInterval: 10,
    periodicEnable: true,
    periodicFuzzyDelay: 60,
    periodicIntervalMax: null,
    clock,
    random: () => 0.5,
    ...over,
  });
}

describe('Service timers on an injected clock', () => {
  it('waits the fuzzy delay before the first periodic pass, then one spacing between runs', async () => {
    const clock = new ManualClock();
    const start = clock.now();
    const manager = new CountingManager(clock, 40);
    const s = service(clock, manager, new MemoryRecords());
    await s.start();
    await clock.advance(29_999);
    assert.equal(clock.nextDueIn(), 1, 'the first pass is due 30 s (0.5 × 60) after start');
    await clock.advance(1 + 40_000);
    assert.deepEqual(manager.runs, [start + 70_000], 'the task runs one spacing after the first pass');
    await clock.advance(40_000);
    assert.deepEqual(manager.runs, [start + 70_000, start + 110_000]);
    await s.stop();
  });

  it('caps the sleep between passes at periodic_interval_max', async () => {
    const clock = new ManualClock();
    const manager = new CountingManager(clock, 40);
    const s = service(clock, manager, new MemoryRecords(), { periodicFuzzyDelay: 0, periodicIntervalMax: 5, reportInterval: 0 });
    await s.start();
    await clock.advance(0);
    assert.equal(clock.nextDueIn(), 5000, 'the next pass is 5 s away, not 40');
    await s.stop();
  });

  it('heartbeats once per report_interval and stops with the service', async () => {
    const clock = new ManualClock();
    const records = new MemoryRecords();
    const s = service(clock, new CountingManager(clock, 40), records, { periodicEnable: false });
    await s.start();
    assert.equal(s.record?.report_count, 0);
    await clock.advance(35_000);
    assert.equal(records.rows.get(1)?.report_count, 3);
    await s.stop();
    assert.equal(clock.pending, 0, 'no timer is left behind');
    await clock.advance(60_000);
    assert.equal(records.rows.get(1)?.report_count, 3);
  });

  it('reuses the record of a service that ran on the host before and reports itself up as it starts', async () => {
    const clock = new ManualClock();
    const records = new MemoryRecords();
    await records.create({ host: 'h1', binary: 'nova-test', topic: 'test', report_count: 41 });
    let consumingAt: number | null = null;
    const s = service(clock, new CountingManager(clock, 40), records, {
      periodicEnable: false,
      serveRpc: async () => {
        consumingAt = records.rows.get(1)?.report_count ?? null;
        return { stop: async () => {} };
      },
    });
    await s.start();
    assert.equal(records.rows.size, 1);
    assert.equal(consumingAt, 42, 'the heartbeat is written before the service consumes, not one report_interval later');
    await clock.advance(10_000);
    assert.equal(records.rows.get(1)?.report_count, 43);
    await s.stop();
  });
});
