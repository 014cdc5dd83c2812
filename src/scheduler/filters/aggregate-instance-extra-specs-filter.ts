import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, HostFilter } from './base.js';
import { matchesRequirement } from './extra-specs-ops.js';

/**
 * Every unscoped flavor extra_spec must be matched by a value of the same key in the
 * metadata of the host's aggregates. Scoped keys (with a `:`) belong to other filters.
 */
export class AggregateInstanceExtraSpecsFilter implements HostFilter {
  readonly name = 'AggregateInstanceExtraSpecsFilter';

  hostPasses(host: HostState, props: FilterProperties): boolean {
    const specs = props.instance_type?.extra_specs;
    if (!specs) return true;
    for (const [key, requirement] of Object.entries(specs)) {
      if (key.includes(':')) continue;
      const values = host.aggregate_metadata[key];
      if (!values || values.length === 0) return false;
      if (!values.some((value) => matchesRequirement(value, requirement))) return false;
    }
    return true;
  }
}

export const aggregateInstanceExtraSpecsFilter: FilterDefinition = {
  name: 'AggregateInstanceExtraSpecsFilter',
  classPath: 'nova.scheduler.filters.aggregate_instance_extra_specs.AggregateInstanceExtraSpecsFilter',
  create: () => new AggregateInstanceExtraSpecsFilter(),
};
