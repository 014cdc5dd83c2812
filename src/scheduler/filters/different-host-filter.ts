import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import { hostsOfInstances } from './affinity-filters.js';
import { type FilterDefinition, type HostFilter, hintList } from './base.js';

/** With hint `different_host`, only hosts holding none of the named instances. */
export class DifferentHostFilter implements HostFilter {
  readonly name = 'DifferentHostFilter';
  hostPasses(host: HostState, props: FilterProperties): boolean {
    const uuids = hintList(props.scheduler_hints?.different_host);
    if (uuids.length === 0) return true;
    return !hostsOfInstances(props, uuids).has(host.host);
  }
}

export const differentHostFilter: FilterDefinition = {
  name: 'DifferentHostFilter',
  classPath: 'nova.scheduler.filters.affinity_filter.DifferentHostFilter',
  create: () => new DifferentHostFilter(),
};
