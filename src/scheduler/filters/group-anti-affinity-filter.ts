import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, HostFilter } from './base.js';

/** With hint `group`, never a host that already holds a member of the group (group_hosts). */
export class GroupAntiAffinityFilter implements HostFilter {
  readonly name = 'GroupAntiAffinityFilter';
  hostPasses(host: HostState, props: FilterProperties): boolean {
    const groupHosts = props.group_hosts ?? [];
    return groupHosts.length === 0 || !groupHosts.includes(host.host);
  }
}

export const groupAntiAffinityFilter: FilterDefinition = {
  name: 'GroupAntiAffinityFilter',
  classPath: 'nova.scheduler.filters.affinity_filter.GroupAntiAffinityFilter',
  create: () => new GroupAntiAffinityFilter(),
};
