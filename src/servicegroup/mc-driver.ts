/**
 * The memcached service group driver (Grizzly's MemcachedDriver): every report_interval a
 * service sets `<topic>:<host>` with an expiry of service_down_time, and it is up while
 * that key exists. The services table still holds its record; report_count is not bumped.
 */
import { type Clock, systemClock } from '../common/clock.js';
import { getLogger } from '../common/log.js';
import { PeriodicHeartbeat } from './heartbeat.js';
import type { MemcacheClient } from './memcache-client.js';
import type { Liveness, ServiceRecord } from './types.js';

const log = getLogger('nova.servicegroup.mc');

function keyOf(service: Pick<ServiceRecord, 'topic' | 'host'>): string {
  return `${service.topic}:${service.host}`;
}

export class McHeartbeat extends PeriodicHeartbeat {
  constructor(
    private readonly client: MemcacheClient,
    readonly record: ServiceRecord,
    reportInterval: number,
    private readonly serviceDownTime: number,
    clock: Clock = systemClock,
  ) {
    super(reportInterval, clock, log, { lost: 'memcached went away', recovered: 'Recovered memcached connection!' });
  }

  protected async report(): Promise<void> {
    await this.client.set(keyOf(this.record), new Date(this.clock.now()).toISOString(), this.serviceDownTime);
  }
}

/** Up while the service's key has not expired. */
export class McLiveness implements Liveness {
  constructor(private readonly client: MemcacheClient) {}

  async isUp(service: ServiceRecord): Promise<boolean> {
    return (await this.client.get(keyOf(service))) !== null;
  }
}
