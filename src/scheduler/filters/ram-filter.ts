import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, FilterDeps, HostFilter } from './base.js';

/** Oversubscribes RAM up to ram_allocation_ratio and records the ceiling for the compute claim. */
export class RamFilter implements HostFilter {
  readonly name = 'RamFilter';
  constructor(private readonly ratio: number) {}

  hostPasses(host: HostState, props: FilterProperties): boolean {
    const flavor = props.instance_type;
    if (!flavor) return true;
    const limit = host.total_usable_ram_mb * this.ratio;
    const used = host.total_usable_ram_mb - host.free_ram_mb;
    if (!(limit - used >= flavor.memory_mb)) return false;
    host.limits.memory_mb = limit;
    return true;
  }
}

export const ramFilter: FilterDefinition = {
  name: 'RamFilter',
  classPath: 'nova.scheduler.filters.ram_filter.RamFilter',
  create: (deps: FilterDeps) => new RamFilter(deps.settings.ram_allocation_ratio),
};
