import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, FilterDeps, HostFilter } from './base.js';

/**
 * A host's zones are the `availability_zone` values of its aggregates; a host in no such
 * aggregate is in default_availability_zone.
 */
export class AvailabilityZoneFilter implements HostFilter {
  readonly name = 'AvailabilityZoneFilter';
  constructor(private readonly defaultZone: string) {}

  hostPasses(host: HostState, props: FilterProperties): boolean {
    const zone = props.request_spec?.instance_properties?.availability_zone;
    if (!zone) return true;
    const zones = host.aggregate_metadata.availability_zone;
    if (zones && zones.length > 0) return zones.includes(zone);
    return zone === this.defaultZone;
  }
}

export const availabilityZoneFilter: FilterDefinition = {
  name: 'AvailabilityZoneFilter',
  classPath: 'nova.scheduler.filters.availability_zone_filter.AvailabilityZoneFilter',
  create: (deps: FilterDeps) => new AvailabilityZoneFilter(deps.settings.default_availability_zone),
};
