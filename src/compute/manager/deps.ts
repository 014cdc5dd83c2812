import type { ConductorClient } from '../../conductor/contract.js';
import type { ImageService } from '../../image/glance-client.js';
import type { ConfigDriveSettings } from '../../metadata/config-drive.js';
import type { NetworkAPI } from '../../network/api.js';
import type { Notifier } from '../../notifications/notifier.js';
import type { SchedulerClient } from '../../scheduler/contract.js';
import type { ComputeDriver } from '../../virt/driver.js';
import type { MetadataDefaults } from './config-drive.js';

/** What the compute manager is built from; every collaborator is reached through these. */
export interface ComputeManagerDeps {
  driver: ComputeDriver;
  /** The database, through the conductor: compute hosts never open it themselves. */
  conductor: Pick<ConductorClient, 'call'>;
  network: Pick<NetworkAPI, 'allocateForInstance' | 'deallocateForInstance'>;
  /** Where a failed build goes back to for another host. */
  scheduler: Pick<SchedulerClient, 'cast'>;
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
  /** `instance_usage_audit_period` when `instance_usage_audit` is on; absent, no audit runs. */
  instanceUsageAuditPeriod?: string;
  /** `my_ip`, recorded on the compute node as `host_ip`. */
  hostIp?: string;
}
