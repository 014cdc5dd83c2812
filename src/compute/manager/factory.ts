import { cloudpipeOpts } from '../../cloudpipe/opts.js';
import type { ConductorClient } from '../../conductor/contract.js';
import type { Config } from '../../config/config.js';
import { GlanceImageService } from '../../image/glance-client.js';
import { glanceOpts } from '../../image/opts.js';
import { NetworkAPI } from '../../network/api.js';
import { notifierFromConf } from '../../notifications/factory.js';
import { ContractClient } from '../../rpc/contract-client.js';
import type { Transport } from '../../rpc/transport.js';
import { schedulerContract } from '../../scheduler/contract.js';
import { schedulerOpts } from '../../scheduler/opts.js';
import { topicOpts } from '../../service/opts.js';
import { loadDriver } from '../../virt/factory.js';
import { imageCacheOpts } from '../../virt/imagecache/opts.js';
import { computeApiOpts } from '../api-opts.js';
import { ConductorFirewallRules } from '../firewall-rules.js';
import { ComputeManager } from './index.js';

/** The compute manager nova-compute runs, built from nova.conf (compute_driver is required). */
export function computeManagerFromConf(host: string, conf: Config, transport: Transport, conductor: ConductorClient): ComputeManager {
  const sched = conf.get(schedulerOpts);
  return new ComputeManager(host, {
    driver: loadDriver(conf, { firewallRules: new ConductorFirewallRules(conductor) }),
    conductor,
    network: NetworkAPI.fromConfig(conf, transport),
    scheduler: new ContractClient(transport, schedulerContract, conf.get(topicOpts).scheduler_topic ?? 'scheduler'),
    notifier: notifierFromConf(conf, transport),
    ...(conf.get(glanceOpts).api_servers.length ? { images: GlanceImageService.fromConfig(conf) } : {}),
    imageCacheManagerInterval: conf.get(imageCacheOpts).image_cache_manager_interval ?? 2400,
    instanceNameTemplate: conf.get(computeApiOpts).instance_name_template ?? 'instance-%08x',
    schedulerMaxAttempts: sched.scheduler_max_attempts ?? 3,
    vpnImageId: conf.get(cloudpipeOpts).vpn_image_id ?? null,
    reservedHostMemoryMb: sched.reserved_host_memory_mb ?? 512,
    reservedHostDiskMb: sched.reserved_host_disk_mb ?? 0,
  });
}
