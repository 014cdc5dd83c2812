import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, HostFilter } from './base.js';

/** Keeps a re-scheduled request away from every (host, node) it already failed on. */
export class RetryFilter implements HostFilter {
  readonly name = 'RetryFilter';
  hostPasses(host: HostState, props: FilterProperties): boolean {
    const retry = props.retry;
    if (!retry) return true;
    return !(retry.hosts ?? []).some(([h, n]) => h === host.host && n === host.nodename);
  }
}

export const retryFilter: FilterDefinition = {
  name: 'RetryFilter',
  classPath: 'nova.scheduler.filters.retry_filter.RetryFilter',
  create: () => new RetryFilter(),
};
