import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DbHeartbeat, serviceIsUp } from '../../../src/servicegroup/db-driver.js';
import type { ServiceRecord, ServiceRecordStore } from '../../../src/servicegroup/types.js';

function record(over: Partial<ServiceRecord> = {}): ServiceRecord {
  return { id: 1, host: 'h', binary: 'nova-x', topic: 'x', report_count: 0, disabled: false, created_at: null, updated_at: null, ...over };
}

describe('serviceIsUp', () => {
  const now = new Date('2026-01-01T00:01:00Z');
  it('is up while the last heartbeat is within service_down_time', () => {
    assert.equal(serviceIsUp(record({ updated_at: new Date('2026-01-01T00:00:00Z') }), 60, now), true);
    assert.equal(serviceIsUp(record({ updated_at: new Date('2025-12-31T23:59:59Z') }), 60, now), false);
  });
  it('falls back to created_at before the first heartbeat', () => {
    assert.equal(serviceIsUp(record({ created_at: new Date('2026-01-01T00:00:30Z') }), 60, now), true);
  });
  it('reads naive UTC timestamps that crossed the bus as UTC', () => {
    assert.equal(serviceIsUp(record({ updated_at: '2026-01-01T00:00:30.000000' }), 60, now), true);
    assert.equal(serviceIsUp(record({ updated_at: '2025-12-31T23:00:00.000000' }), 60, now), false);
  });
  it('is down with no timestamps at all', () => {
    assert.equal(serviceIsUp(record(), 60, now), false);
  });
});

describe('DbHeartbeat', () => {
  it('increments report_count on each beat and survives a failing store', async () => {
    let fail = false;
    const rows = new Map<number, ServiceRecord>([[1, record()]]);
    const store: ServiceRecordStore = {
      find: async () => null,
      create: async () => record(),
      update: async (id, values) => {
        if (fail) throw new Error('db down');
        const next = { ...(rows.get(id) as ServiceRecord), ...values };
        rows.set(id, next);
        return next;
      },
    };
    const hb = new DbHeartbeat(store, record(), 10);
    await hb.beat();
    await hb.beat();
    assert.equal(rows.get(1)?.report_count, 2);
    fail = true;
    await hb.beat();
    assert.equal(hb.record.report_count, 2);
    fail = false;
    await hb.beat();
    assert.equal(rows.get(1)?.report_count, 3);
  });
});
