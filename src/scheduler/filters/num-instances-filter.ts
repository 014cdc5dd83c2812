import type { HostState } from '../host-state.js';
import type { FilterDefinition, FilterDeps, HostFilter } from './base.js';

export class NumInstancesFilter implements HostFilter {
  readonly name = 'NumInstancesFilter';
  constructor(private readonly maxInstances: number) {}
  hostPasses(host: HostState): boolean {
    return host.num_instances < this.maxInstances;
  }
}

export const numInstancesFilter: FilterDefinition = {
  name: 'NumInstancesFilter',
  classPath: 'nova.scheduler.filters.num_instances_filter.NumInstancesFilter',
  create: (deps: FilterDeps) => new NumInstancesFilter(deps.settings.max_instances_per_host),
};
