import type { ConductorInstance } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import { configDriveForInstance, configDriveRequired } from '../../metadata/config-drive.js';
import type { InjectedContent } from '../../metadata/instance-metadata.js';
import type { ConfigDriveContents } from '../../virt/types.js';
import type { ComputeHost } from './host.js';

/** What a host's config drives need from nova.conf beyond the drive settings. */
export interface MetadataDefaults {
  /** `default_availability_zone`: the zone of a host no aggregate names one for. */
  defaultAvailabilityZone: string | null;
  /** `dhcp_domain`: appended to the hostname. */
  dhcpDomain: string;
  useIpv6: boolean;
}

/**
 * The config drive of an instance, or null when it gets none (it did not ask and
 * `force_config_drive` is unset). The files are those the metadata service would serve
 * it, plus the personality files and admin password of the request, which only the drive
 * carries. Spawn hands the result to the driver; a rebuild calls this again, so the new
 * drive shows the instance as it is after the rebuild.
 */
export async function configDriveFor(
  h: ComputeHost,
  ctx: RequestContext,
  instance: ConductorInstance,
  request: { files: readonly InjectedContent[]; adminPass: string | null },
): Promise<ConfigDriveContents | null> {
  if (!configDriveRequired(instance, h.configDrive)) return null;
  const extras = await h.conductor.call(ctx, 'instance_metadata_extras', { instance: { uuid: instance.uuid as string } });
  const content = configDriveForInstance(
    instance,
    {
      blockDeviceMappings: extras.block_device_mappings,
      availabilityZone: extras.host_availability_zone ?? h.metadataDefaults.defaultAvailabilityZone,
      ec2Ids: extras.ec2_ids,
      dhcpDomain: h.metadataDefaults.dhcpDomain,
      useIpv6: h.metadataDefaults.useIpv6,
    },
    request,
    h.configDrive,
  );
  return content ? { files: content.files } : null;
}
