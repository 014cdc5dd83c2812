import { type Clock, systemClock, type Timer } from '../common/clock.js';
import { getLogger } from '../common/log.js';
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

/**
 * The heartbeat: every report_interval seconds bump report_count, which bumps
 * updated_at. Failures are logged once and recovery is announced, so a database outage
 * does not flood the log.
 */
export class DbHeartbeat {
  #timer: Timer | null = null;
  #running: Promise<void> | null = null;
  #disconnected = false;
  #record: ServiceRecord;

  constructor(
    private readonly store: ServiceRecordStore,
    record: ServiceRecord,
    private readonly reportInterval: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.#record = record;
  }

  get record(): ServiceRecord {
    return this.#record;
  }

  start(): void {
    if (this.reportInterval <= 0 || this.#timer) return;
    this.#scheduleNext();
  }

  /** One beat per interval; a beat still running when the next is due is not doubled. */
  #scheduleNext(): void {
    this.#timer = this.clock.setTimer(this.reportInterval * 1000, () => {
      if (!this.#timer) return undefined;
      this.#running ??= this.beat().finally(() => {
        this.#running = null;
      });
      this.#scheduleNext();
      return this.#running;
    });
  }

  async beat(): Promise<void> {
    try {
      this.#record = await this.store.update(this.#record.id, { report_count: this.#record.report_count + 1 });
      if (this.#disconnected) {
        this.#disconnected = false;
        log.warn('Recovered model server connection!');
      }
    } catch (err) {
      if (!this.#disconnected) {
        this.#disconnected = true;
        log.error({ err }, 'model server went away');
      }
    }
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = null;
    await this.#running;
  }
}
