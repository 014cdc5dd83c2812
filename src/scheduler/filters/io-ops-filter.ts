import type { HostState } from '../host-state.js';
import type { FilterDefinition, FilterDeps, HostFilter } from './base.js';

export class IoOpsFilter implements HostFilter {
  readonly name = 'IoOpsFilter';
  constructor(private readonly maxIoOps: number) {}
  hostPasses(host: HostState): boolean {
    return host.num_io_ops < this.maxIoOps;
  }
}

export const ioOpsFilter: FilterDefinition = {
  name: 'IoOpsFilter',
  classPath: 'nova.scheduler.filters.io_ops_filter.IoOpsFilter',
  create: (deps: FilterDeps) => new IoOpsFilter(deps.settings.max_io_ops_per_host),
};
