/**
 * The service group driver `servicegroup_driver` names: how a running service keeps itself
 * alive (its heartbeat) and how everyone else decides it is up (its liveness).
 */
import type { Clock } from '../common/clock.js';
import { InvalidConfig } from '../common/errors.js';
import type { Config } from '../config/config.js';
import { serviceOpts } from '../service/opts.js';
import { DbHeartbeat, serviceIsUp } from './db-driver.js';
import { McHeartbeat, McLiveness } from './mc-driver.js';
import { MemcacheClient } from './memcache-client.js';
import type { Heartbeat, Liveness, ServiceRecord, ServiceRecordStore } from './types.js';

export interface ServiceGroup {
  heartbeat(records: ServiceRecordStore, record: ServiceRecord, clock: Clock): Heartbeat;
  liveness: Liveness;
  close(): void;
}

export function serviceGroupFromConf(conf: Config): ServiceGroup {
  const opts = conf.get(serviceOpts);
  const interval = opts.report_interval ?? 10;
  const downTime = opts.service_down_time ?? 60;
  switch (opts.servicegroup_driver) {
    case 'mc': {
      const servers = opts.memcached_servers ?? [];
      if (servers.length === 0) throw new InvalidConfig('servicegroup_driver = mc needs memcached_servers (host:port, ...)');
      const client = new MemcacheClient(servers);
      return {
        heartbeat: (_records, record, clock) => new McHeartbeat(client, record, interval, downTime, clock),
        liveness: new McLiveness(client),
        close: () => client.close(),
      };
    }
    case 'zk':
      // Grizzly's zk driver needs the evzookeeper Python binding; nova-ts ships no ZooKeeper client.
      throw new InvalidConfig('servicegroup_driver = zk is not supported by nova-ts (no ZooKeeper client); use db or mc');
    default:
      return {
        heartbeat: (records, record, clock) => new DbHeartbeat(records, record, interval, clock),
        liveness: { isUp: async (service, now) => serviceIsUp(service, downTime, now) },
        close: () => undefined,
      };
  }
}
