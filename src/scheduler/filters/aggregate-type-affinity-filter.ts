import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, HostFilter } from './base.js';

/** AggregateTypeAffinityFilter: aggregates with `instance_type` metadata accept only those flavor names. */
export class AggregateTypeAffinityFilter implements HostFilter {
  readonly name = 'AggregateTypeAffinityFilter';
  hostPasses(host: HostState, props: FilterProperties): boolean {
    const names = host.aggregate_metadata.instance_type;
    if (!names || names.length === 0) return true;
    const name = props.instance_type?.name;
    return typeof name === 'string' && names.includes(name);
  }
}

export const aggregateTypeAffinityFilter: FilterDefinition = {
  name: 'AggregateTypeAffinityFilter',
  classPath: 'nova.scheduler.filters.type_filter.AggregateTypeAffinityFilter',
  create: () => new AggregateTypeAffinityFilter(),
};
