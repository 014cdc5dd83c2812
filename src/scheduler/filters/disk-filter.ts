import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, FilterDeps, HostFilter } from './base.js';

/** Root plus ephemeral disk against the host's disk, oversubscribed by disk_allocation_ratio. */
export class DiskFilter implements HostFilter {
  readonly name = 'DiskFilter';
  constructor(private readonly ratio: number) {}

  hostPasses(host: HostState, props: FilterProperties): boolean {
    const flavor = props.instance_type;
    if (!flavor) return true;
    const requestedMb = 1024 * (flavor.root_gb + flavor.ephemeral_gb);
    const totalMb = host.total_usable_disk_gb * 1024;
    const limitMb = totalMb * this.ratio;
    const usedMb = totalMb - host.free_disk_mb;
    if (!(limitMb - usedMb >= requestedMb)) return false;
    host.limits.disk_gb = limitMb / 1024;
    return true;
  }
}

export const diskFilter: FilterDefinition = {
  name: 'DiskFilter',
  classPath: 'nova.scheduler.filters.disk_filter.DiskFilter',
  create: (deps: FilterDeps) => new DiskFilter(deps.settings.disk_allocation_ratio),
};
