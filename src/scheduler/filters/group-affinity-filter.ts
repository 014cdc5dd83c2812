import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, HostFilter } from './base.js';
import { groupHasPolicy } from './group-anti-affinity-filter.js';

/** With an affinity group, only a host that already holds a member of the group, once it has one (Havana). */
export class GroupAffinityFilter implements HostFilter {
  readonly name = 'GroupAffinityFilter';
  hostPasses(host: HostState, props: FilterProperties): boolean {
    if (!groupHasPolicy(props, 'affinity')) return true;
    const groupHosts = props.group_hosts ?? [];
    return groupHosts.length === 0 || groupHosts.includes(host.host);
  }
}

export const groupAffinityFilter: FilterDefinition = {
  name: 'GroupAffinityFilter',
  classPath: 'nova.scheduler.filters.affinity_filter.GroupAffinityFilter',
  create: () => new GroupAffinityFilter(),
};
