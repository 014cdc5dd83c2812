import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, FilterDeps, HostFilter } from './base.js';

/** Oversubscribes vCPUs up to cpu_allocation_ratio; a host that reports no vCPUs at all is let through. */
export class CoreFilter implements HostFilter {
  readonly name = 'CoreFilter';
  constructor(private readonly ratio: number) {}

  hostPasses(host: HostState, props: FilterProperties): boolean {
    const flavor = props.instance_type;
    if (!flavor) return true;
    if (!host.vcpus_total) return true;
    const limit = host.vcpus_total * this.ratio;
    if (limit > 0) host.limits.vcpu = limit;
    return limit - host.vcpus_used >= flavor.vcpus;
  }
}

export const coreFilter: FilterDefinition = {
  name: 'CoreFilter',
  classPath: 'nova.scheduler.filters.core_filter.CoreFilter',
  create: (deps: FilterDeps) => new CoreFilter(deps.settings.cpu_allocation_ratio),
};
