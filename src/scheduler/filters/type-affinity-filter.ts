import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, HostFilter } from './base.js';

/**
 * TypeAffinityFilter: a host runs instances of one flavor only. Needs the host's flavor
 * ids (HostRecord.instance_type_ids); a host whose ids were not resolved is let through.
 */
export class TypeAffinityFilter implements HostFilter {
  readonly name = 'TypeAffinityFilter';
  hostPasses(host: HostState, props: FilterProperties): boolean {
    const flavorId = props.instance_type?.id;
    if (flavorId === undefined || host.instance_type_ids === null) return true;
    return host.instance_type_ids.every((id) => id === flavorId);
  }
}

export const typeAffinityFilter: FilterDefinition = {
  name: 'TypeAffinityFilter',
  classPath: 'nova.scheduler.filters.type_filter.TypeAffinityFilter',
  create: () => new TypeAffinityFilter(),
};
