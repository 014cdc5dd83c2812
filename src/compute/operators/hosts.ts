/**
 * Compute hosts as os-hosts shows them (Grizzly's compute HostAPI): the hosts of enabled
 * services with their zones, a host's resources and who uses them, and the driver's
 * host-level switches (enable, maintenance mode, power) asked of the host's compute service.
 */
import type { RequestContext } from '../../context/context.js';
import type { Db } from '../../db/api/common.js';
import { instanceGetAllByHost } from '../../db/api/instances.js';
import { serviceGetByComputeHost } from '../../db/api/services.js';
import type { AvailabilityZoneAPI } from '../availability-zones.js';
import type { ComputeClient } from '../contract.js';

export interface HostListing {
  host_name: string | null;
  service: string | null;
  zone: string;
}

export interface HostResource {
  host: string;
  project: string;
  cpu: number;
  memory_mb: number;
  disk_gb: number;
}

export type HostPowerAction = 'startup' | 'shutdown' | 'reboot';

/**
 * The host's capacity `(total)`, what its node reports in use `(used_now)`, what its
 * instances' flavors add up to `(used_max)`, then the same sums per project.
 * ComputeHostNotFound (404) for a host without a compute service.
 */
export async function describeHost(db: Db, ctx: RequestContext, host: string): Promise<HostResource[]> {
  const service = await serviceGetByComputeHost(db, ctx, host);
  const node = service.compute_node[0];
  const row = (project: string, cpu = 0, memory_mb = 0, disk_gb = 0): HostResource => ({ host, project, cpu, memory_mb, disk_gb });
  const resources = [
    row('(total)', node?.vcpus ?? 0, node?.memory_mb ?? 0, node?.local_gb ?? 0),
    row('(used_now)', node?.vcpus_used ?? 0, node?.memory_mb_used ?? 0, node?.local_gb_used ?? 0),
  ];
  const usedMax = row('(used_max)');
  const byProject = new Map<string, HostResource>();
  for (const inst of await instanceGetAllByHost(db, ctx, host)) {
    const project = inst.project_id ?? '';
    const perProject = byProject.get(project) ?? row(project);
    byProject.set(project, perProject);
    for (const sum of [usedMax, perProject]) {
      sum.cpu += inst.vcpus ?? 0;
      sum.memory_mb += inst.memory_mb ?? 0;
      sum.disk_gb += (inst.root_gb ?? 0) + (inst.ephemeral_gb ?? 0);
    }
  }
  return [...resources, usedMax, ...byProject.values()];
}

export class HostAPI {
  constructor(
    private readonly db: Db,
    private readonly zones: AvailabilityZoneAPI,
    private readonly compute: Pick<ComputeClient, 'call'>,
  ) {}

  /** One row per enabled service, optionally only those in `zone`. */
  async list(_ctx: RequestContext, zone?: string): Promise<HostListing[]> {
    const { services } = await this.zones.zonedServices();
    return services
      .filter(({ service, zone: z }) => !service.disabled && (!zone || z === zone))
      .map(({ service, zone: z }) => ({ host_name: service.host, service: service.topic, zone: z }));
  }

  describe(ctx: RequestContext, host: string): Promise<HostResource[]> {
    return describeHost(this.db, ctx, host);
  }

  async setEnabled(ctx: RequestContext, host: string, enabled: boolean): Promise<'enabled' | 'disabled'> {
    await serviceGetByComputeHost(this.db, ctx, host);
    return this.compute.call(ctx, 'set_host_enabled', { enabled }, { server: host });
  }

  async setMaintenance(ctx: RequestContext, host: string, mode: boolean): Promise<'on_maintenance' | 'off_maintenance'> {
    await serviceGetByComputeHost(this.db, ctx, host);
    return this.compute.call(ctx, 'host_maintenance_mode', { host, mode }, { server: host });
  }

  async powerAction(ctx: RequestContext, host: string, action: HostPowerAction): Promise<string> {
    await serviceGetByComputeHost(this.db, ctx, host);
    return this.compute.call(ctx, 'host_power_action', { action }, { server: host });
  }
}
