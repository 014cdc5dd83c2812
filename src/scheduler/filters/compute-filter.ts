import { serviceIsUp } from '../../servicegroup/db-driver.js';
import type { HostState } from '../host-state.js';
import type { FilterDefinition, FilterDeps, HostFilter } from './base.js';

/** Only hosts whose compute service heartbeats, is not disabled and does not report itself disabled. */
export class ComputeFilter implements HostFilter {
  readonly name = 'ComputeFilter';
  constructor(
    private readonly serviceDownTime: number,
    private readonly now: () => Date,
  ) {}

  hostPasses(host: HostState): boolean {
    const service = host.service;
    if (!service || !serviceIsUp(service, this.serviceDownTime, this.now()) || service.disabled) return false;
    return host.capabilities.enabled !== false;
  }
}

export const computeFilter: FilterDefinition = {
  name: 'ComputeFilter',
  classPath: 'nova.scheduler.filters.compute_filter.ComputeFilter',
  create: (deps: FilterDeps) => new ComputeFilter(deps.settings.service_down_time, deps.now),
};
