import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, FilterDeps, HostFilter } from './base.js';

/** Isolated images run only on isolated hosts, and isolated hosts run only isolated images. */
export class IsolatedHostsFilter implements HostFilter {
  readonly name = 'IsolatedHostsFilter';
  constructor(
    private readonly isolatedImages: readonly string[],
    private readonly isolatedHosts: readonly string[],
  ) {}

  hostPasses(host: HostState, props: FilterProperties): boolean {
    const imageRef = props.request_spec?.instance_properties?.image_ref;
    const imageIsolated = typeof imageRef === 'string' && this.isolatedImages.includes(imageRef);
    return imageIsolated === this.isolatedHosts.includes(host.host);
  }
}

export const isolatedHostsFilter: FilterDefinition = {
  name: 'IsolatedHostsFilter',
  classPath: 'nova.scheduler.filters.isolated_hosts_filter.IsolatedHostsFilter',
  create: (deps: FilterDeps) => new IsolatedHostsFilter(deps.settings.isolated_images, deps.settings.isolated_hosts),
};
