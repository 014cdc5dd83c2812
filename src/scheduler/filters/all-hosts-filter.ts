import type { FilterDefinition, HostFilter } from './base.js';

export class AllHostsFilter implements HostFilter {
  readonly name = 'AllHostsFilter';
  hostPasses(): boolean {
    return true;
  }
}

export const allHostsFilter: FilterDefinition = {
  name: 'AllHostsFilter',
  classPath: 'nova.scheduler.filters.all_hosts_filter.AllHostsFilter',
  create: () => new AllHostsFilter(),
};
