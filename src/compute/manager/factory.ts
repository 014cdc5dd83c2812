import { cloudpipeOpts } from '../../cloudpipe/opts.js';
import type { Clock } from '../../common/clock.js';
import type { ConductorClient } from '../../conductor/contract.js';
import { commonOpts } from '../../config/common-opts.js';
import type { Config } from '../../config/config.js';
import { GlanceImageService } from '../../image/glance-client.js';
import { glanceOpts } from '../../image/opts.js';
import { configDriveSettings } from '../../metadata/config-drive.js';
import { NetworkAPI } from '../../network/api.js';
import { networkManagerOpts } from '../../network/opts.js';
import { notifierFromConf } from '../../notifications/factory.js';
import { ContractClient } from '../../rpc/contract-client.js';
import type { Transport } from '../../rpc/transport.js';
import { schedulerContract } from '../../scheduler/contract.js';
import { schedulerOpts } from '../../scheduler/opts.js';
import { topicOpts } from '../../service/opts.js';
import { loadDriver } from '../../virt/factory.js';
import { imageCacheOpts } from '../../virt/imagecache/opts.js';
import { computeApiOpts } from '../api-opts.js';
import { usageAuditOpts } from '../audit-opts.js';
import { availabilityZoneOpts } from '../availability-zones.js';
import { computeContract } from '../contract.js';
import { ConductorFirewallRules } from '../firewall-rules.js';
import { computePeriodicOpts } from '../manager-opts.js';
import { ComputeManager } from './index.js';

/** The compute manager nova-compute runs, built from nova.conf (compute_driver is required). */
export function computeManagerFromConf(
  host: string,
  conf: Config,
  transport: Transport,
  conductor: ConductorClient,
  clock?: Clock,
): ComputeManager {
  const sched = conf.get(schedulerOpts);
  const audit = conf.get(usageAuditOpts);
  const o = conf.get(computePeriodicOpts);
  return new ComputeManager(host, {
    driver: loadDriver(conf, { firewallRules: new ConductorFirewallRules(conductor) }),
    conductor,
    network: NetworkAPI.fromConfig(conf, transport),
    compute: new ContractClient(transport, computeContract, conf.get(topicOpts).compute_topic ?? 'compute'),
    scheduler: new ContractClient(transport, schedulerContract, conf.get(topicOpts).scheduler_topic ?? 'scheduler'),
    allowResizeToSameHost: conf.get(computeApiOpts).allow_resize_to_same_host,
    notifier: notifierFromConf(conf, transport),
    ...(conf.get(glanceOpts).api_servers.length ? { images: GlanceImageService.fromConfig(conf) } : {}),
    imageCacheManagerInterval: conf.get(imageCacheOpts).image_cache_manager_interval ?? 2400,
    instanceNameTemplate: conf.get(computeApiOpts).instance_name_template ?? 'instance-%08x',
    schedulerMaxAttempts: sched.scheduler_max_attempts ?? 3,
    vpnImageId: conf.get(cloudpipeOpts).vpn_image_id ?? null,
    configDrive: configDriveSettings(conf),
    metadataDefaults: {
      defaultAvailabilityZone: conf.get(availabilityZoneOpts).default_availability_zone ?? 'nova',
      dhcpDomain: conf.get(networkManagerOpts).dhcp_domain ?? '',
      useIpv6: conf.get(networkManagerOpts).use_ipv6,
    },
    reservedHostMemoryMb: sched.reserved_host_memory_mb ?? 512,
    reservedHostDiskMb: sched.reserved_host_disk_mb ?? 0,
    hostIp: conf.get(commonOpts).my_ip ?? '127.0.0.1',
    ...(clock ? { clock } : {}),
    periodic: {
      syncPowerStateInterval: o.sync_power_state_interval ?? 600,
      healInstanceInfoCacheInterval: o.heal_instance_info_cache_interval ?? 60,
      rebootTimeout: o.reboot_timeout ?? 0,
      rescueTimeout: o.rescue_timeout ?? 0,
      instanceBuildTimeout: o.instance_build_timeout ?? 0,
      reclaimInstanceInterval: conf.get(computeApiOpts).reclaim_instance_interval ?? 0,
      runningDeletedInstanceAction: (o.running_deleted_instance_action ?? 'log') as 'noop' | 'log' | 'reap',
      runningDeletedInstancePollInterval: o.running_deleted_instance_poll_interval ?? 1800,
      runningDeletedInstanceTimeout: o.running_deleted_instance_timeout ?? 0,
      instanceUsageAudit: audit.instance_usage_audit,
      instanceUsageAuditPeriod: audit.instance_usage_audit_period ?? 'month',
      bandwidthPollInterval: o.bandwidth_poll_interval ?? 600,
      shelvedOffloadTime: o.shelved_offload_time ?? 0,
      shelvedPollInterval: o.shelved_poll_interval ?? 3600,
      resizeConfirmWindow: o.resize_confirm_window ?? 0,
    },
  });
}
