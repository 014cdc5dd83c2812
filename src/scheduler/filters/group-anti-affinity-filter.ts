import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, HostFilter } from './base.js';

/** Whether the request's group (hint `group`, resolved by the scheduler) carries this policy. */
export function groupHasPolicy(props: FilterProperties, policy: 'affinity' | 'anti-affinity'): boolean {
  return (props.group_policies ?? []).includes(policy);
}

/**
 * With an anti-affinity group, never a host that already holds a member of the group
 * (group_hosts). A free-form Grizzly group hint counts as anti-affinity.
 */
export class GroupAntiAffinityFilter implements HostFilter {
  readonly name = 'GroupAntiAffinityFilter';
  hostPasses(host: HostState, props: FilterProperties): boolean {
    if (!groupHasPolicy(props, 'anti-affinity')) return true;
    const groupHosts = props.group_hosts ?? [];
    return groupHosts.length === 0 || !groupHosts.includes(host.host);
  }
}

export const groupAntiAffinityFilter: FilterDefinition = {
  name: 'GroupAntiAffinityFilter',
  classPath: 'nova.scheduler.filters.affinity_filter.GroupAntiAffinityFilter',
  create: () => new GroupAntiAffinityFilter(),
};
