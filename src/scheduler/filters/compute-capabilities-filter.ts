import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, HostFilter } from './base.js';
import { matchesRequirement } from './extra-specs-ops.js';

/**
 * Flavor extra_specs that are unscoped or scoped `capabilities:` must match the host's
 * capabilities; further `:` segments walk into nested capability dictionaries.
 */
export class ComputeCapabilitiesFilter implements HostFilter {
  readonly name = 'ComputeCapabilitiesFilter';

  hostPasses(host: HostState, props: FilterProperties): boolean {
    const specs = props.instance_type?.extra_specs;
    if (!specs) return true;
    for (const [key, requirement] of Object.entries(specs)) {
      let path = key.split(':');
      if (path.length > 1) {
        if (path[0] !== 'capabilities') continue;
        path = path.slice(1);
      }
      let value: unknown = host.capabilities;
      for (const segment of path) {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
        value = (value as Record<string, unknown>)[segment];
        if (value === undefined || value === null) return false;
      }
      if (!matchesRequirement(value, requirement)) return false;
    }
    return true;
  }
}

export const computeCapabilitiesFilter: FilterDefinition = {
  name: 'ComputeCapabilitiesFilter',
  classPath: 'nova.scheduler.filters.compute_capabilities_filter.ComputeCapabilitiesFilter',
  create: () => new ComputeCapabilitiesFilter(),
};
