import { type Clock, systemClock } from '../common/clock.js';
import { getLogger } from '../common/log.js';
import { PeriodicHeartbeat } from './heartbeat.js';
import type { ServiceRecord, ServiceRecordStore } from './types.js';

const log = getLogger('nova.servicegroup');

function toDate(value: Date | string | null): Date | null {
  if (value === null) return null;
  if (value instanceof Date) return value;
  // Timestamps that crossed the bus are naive UTC strings.
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
}

/** Nova's DB servicegroup rule: up while the last heartbeat is no older than service_down_time. */
export function serviceIsUp(service: ServiceRecord, serviceDownTime: number, now: Date = new Date()): boolean {
  const last = toDate(service.updated_at) ?? toDate(service.created_at);
  if (!last) return false;
  return Math.abs(now.getTime() - last.getTime()) <= serviceDownTime * 1000;
}

/** The DB driver's heartbeat: each report bumps report_count, which bumps updated_at. */
export class DbHeartbeat extends PeriodicHeartbeat {
  #record: ServiceRecord;

  constructor(
    private readonly store: ServiceRecordStore,
    record: ServiceRecord,
    reportInterval: number,
    clock: Clock = systemClock,
  ) {
    super(reportInterval, clock, log, { lost: 'model server went away', recovered: 'Recovered model server connection!' });
    this.#record = record;
  }

  get record(): ServiceRecord {
    return this.#record;
  }

  protected async report(): Promise<void> {
    this.#record = await this.store.update(this.#record.id, { report_count: this.#record.report_count + 1 });
  }
}
