import type { Clock } from '../../common/clock.js';
import type { ConductorClient } from '../../conductor/contract.js';
import type { ImageService } from '../../image/glance-client.js';
import type { ConfigDriveSettings } from '../../metadata/config-drive.js';
import type { NetworkAPI } from '../../network/api.js';
import type { Notifier } from '../../notifications/notifier.js';
import type { SchedulerClient } from '../../scheduler/contract.js';
import type { ComputeDriver } from '../../virt/driver.js';
import type { ComputeClient } from '../contract.js';
import type { MetadataDefaults } from './config-drive.js';

/** What the compute manager is built from; every collaborator is reached through these. */
export interface ComputeManagerDeps {
  driver: ComputeDriver;
  /** The database, through the conductor: compute hosts never open it themselves. */
  conductor: Pick<ConductorClient, 'call'>;
  network: Pick<NetworkAPI, 'allocateForInstance' | 'deallocateForInstance' | 'getInstanceNwInfo' | 'setupNetworksOnHost'>;
  /** Other compute hosts (live migration's two ends, a resize's two hosts); absent: a host can neither live-migrate nor resize to another. */
  compute?: Pick<ComputeClient, 'call' | 'cast'>;
  /** Where a failed build goes back to for another host. */
  scheduler: Pick<SchedulerClient, 'cast'>;
  allowResizeToSameHost?: boolean;
  notifier?: Notifier;
  /** Where drivers fetch images from, on behalf of the request (none: the driver's cache only). */
  images?: ImageService;
  /** `image_cache_manager_interval`: seconds between image cache passes of drivers that have one; 0 disables. */
  imageCacheManagerInterval?: number;
  /** `instance_name_template`. */
  instanceNameTemplate?: string;
  /** `scheduler_max_attempts`: a failed build is re-scheduled only while attempts remain. */
  schedulerMaxAttempts?: number;
  /** `vpn_image_id`: instances of this image are cloudpipe VPNs and get their network's VPN address. */
  vpnImageId?: string | null;
  /** Config drive options (`force_config_drive`, `config_drive_format`, skipped versions); no forced drive and iso9660 when unset. */
  configDrive?: ConfigDriveSettings;
  /** What a config drive's metadata takes from nova.conf (zone, DHCP domain, IPv6). */
  metadataDefaults?: MetadataDefaults;
  reservedHostMemoryMb?: number;
  reservedHostDiskMb?: number;
  /** `my_ip`, recorded on the compute node as `host_ip`. */
  hostIp?: string;
  /** Where the periodic tasks read the time (the service's clock); the system clock when absent. */
  clock?: Clock;
  /** The periodic tasks' options; each defaults as in nova.conf. */
  periodic?: Partial<PeriodicOptions>;
}

/** The options of the compute manager's periodic tasks (manager-opts.ts, and reclaim_instance_interval). */
export interface PeriodicOptions {
  syncPowerStateInterval: number;
  healInstanceInfoCacheInterval: number;
  rebootTimeout: number;
  rescueTimeout: number;
  instanceBuildTimeout: number;
  reclaimInstanceInterval: number;
  runningDeletedInstanceAction: 'noop' | 'log' | 'reap';
  runningDeletedInstancePollInterval: number;
  runningDeletedInstanceTimeout: number;
  instanceUsageAudit: boolean;
  instanceUsageAuditPeriod: string;
  bandwidthPollInterval: number;
  shelvedOffloadTime: number;
  shelvedPollInterval: number;
  /** Seconds after which a finished resize is confirmed automatically; 0 disables. */
  resizeConfirmWindow: number;
}

export const DEFAULT_PERIODIC_OPTIONS: PeriodicOptions = {
  syncPowerStateInterval: 600,
  healInstanceInfoCacheInterval: 60,
  rebootTimeout: 0,
  rescueTimeout: 0,
  instanceBuildTimeout: 0,
  reclaimInstanceInterval: 0,
  runningDeletedInstanceAction: 'log',
  runningDeletedInstancePollInterval: 1800,
  runningDeletedInstanceTimeout: 0,
  instanceUsageAudit: false,
  instanceUsageAuditPeriod: 'month',
  bandwidthPollInterval: 600,
  shelvedOffloadTime: 0,
  shelvedPollInterval: 3600,
  resizeConfirmWindow: 0,
};
