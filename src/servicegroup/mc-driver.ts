/**
 * The memcached service group driver (Grizzly's MemcachedDriver): every report_interval a
 * service sets `<topic>:<host>` with an expiry of service_down_time, and it is up while
 * that key exists. The services table still holds its record; report_count is not bumped.
 */
import { type Clock, systemClock, type Timer } from '../common/clock.js';
import { getLogger } from '../common/log.js';
import type { MemcacheClient } from './memcache-client.js';
import type { Heartbeat, Liveness, ServiceRecord } from './types.js';

const log = getLogger('nova.servicegroup.mc');

function keyOf(service: Pick<ServiceRecord, 'topic' | 'host'>): string {
  return `${service.topic}:${service.host}`;
}

export class McHeartbeat implements Heartbeat {
  #timer: Timer | null = null;
  #running: Promise<void> | null = null;
  #disconnected = false;

  constructor(
    private readonly client: MemcacheClient,
    readonly record: ServiceRecord,
    private readonly reportInterval: number,
    private readonly serviceDownTime: number,
    private readonly clock: Clock = systemClock,
  ) {}

  start(): void {
    if (this.reportInterval <= 0 || this.#timer) return;
    this.#scheduleNext();
  }

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
      await this.client.set(keyOf(this.record), new Date(this.clock.now()).toISOString(), this.serviceDownTime);
      if (this.#disconnected) {
        this.#disconnected = false;
        log.warn('Recovered memcached connection!');
      }
    } catch (err) {
      if (!this.#disconnected) {
        this.#disconnected = true;
        log.error({ err }, 'memcached went away');
      }
    }
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = null;
    await this.#running;
  }
}

/** Up while the service's key has not expired. */
export class McLiveness implements Liveness {
  constructor(private readonly client: MemcacheClient) {}

  async isUp(service: ServiceRecord): Promise<boolean> {
    return (await this.client.get(keyOf(service))) !== null;
  }
}
