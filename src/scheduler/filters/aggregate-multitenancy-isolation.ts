import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, HostFilter } from './base.js';

/** Hosts in aggregates with `filter_tenant_id` metadata accept only those tenants. */
export class AggregateMultiTenancyIsolation implements HostFilter {
  readonly name = 'AggregateMultiTenancyIsolation';
  hostPasses(host: HostState, props: FilterProperties): boolean {
    const tenants = host.aggregate_metadata.filter_tenant_id;
    if (!tenants || tenants.length === 0) return true;
    const projectId = props.request_spec?.instance_properties?.project_id;
    return typeof projectId === 'string' && tenants.includes(projectId);
  }
}

export const aggregateMultiTenancyIsolation: FilterDefinition = {
  name: 'AggregateMultiTenancyIsolation',
  classPath: 'nova.scheduler.filters.aggregate_multitenancy_isolation.AggregateMultiTenancyIsolation',
  create: () => new AggregateMultiTenancyIsolation(),
};
