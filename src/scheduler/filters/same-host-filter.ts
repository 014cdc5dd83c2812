import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import { hostsOfInstances } from './affinity-filters.js';
import { type FilterDefinition, type HostFilter, hintList } from './base.js';

/** With hint `same_host`, only hosts holding at least one of the named instances. */
export class SameHostFilter implements HostFilter {
  readonly name = 'SameHostFilter';
  hostPasses(host: HostState, props: FilterProperties): boolean {
    const uuids = hintList(props.scheduler_hints?.same_host);
    if (uuids.length === 0) return true;
    return hostsOfInstances(props, uuids).has(host.host);
  }
}

export const sameHostFilter: FilterDefinition = {
  name: 'SameHostFilter',
  classPath: 'nova.scheduler.filters.affinity_filter.SameHostFilter',
  create: () => new SameHostFilter(),
};
