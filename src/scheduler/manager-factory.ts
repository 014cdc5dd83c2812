import { computeContract } from '../compute/contract.js';
import type { Config } from '../config/config.js';
import type { Db } from '../db/api/common.js';
import { notifierFromConf } from '../notifications/factory.js';
import { ContractClient } from '../rpc/contract-client.js';
import type { Transport } from '../rpc/transport.js';
import { serviceOpts, topicOpts } from '../service/opts.js';
import { SchedulerManager } from './manager.js';
import { schedulerOpts, schedulerSettingsFrom } from './opts.js';

/** The scheduler manager nova-scheduler runs, built from nova.conf. */
export function schedulerManagerFromConf(host: string, db: Db, conf: Config, transport: Transport): SchedulerManager {
  return new SchedulerManager(host, {
    db,
    settings: schedulerSettingsFrom(conf),
    compute: new ContractClient(transport, computeContract, conf.get(topicOpts).compute_topic ?? 'compute'),
    notifier: notifierFromConf(conf, transport),
    schedulerDriver: conf.get(schedulerOpts).scheduler_driver ?? '',
    unclaimedBuilds: {
      serviceDownTime: conf.get(serviceOpts).service_down_time ?? 60,
      busHeldOnlySince: transport.heldOnlySince ?? null,
    },
  });
}
