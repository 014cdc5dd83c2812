import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, FilterDeps, HostFilter } from './base.js';
import type { AttestationCache } from './trusted-attestation.js';

function requestedTrust(props: FilterProperties): string | undefined {
  return props.instance_type?.extra_specs?.['trust:trusted_host'];
}

/** Flavors with extra_spec `trust:trusted_host` run only on hosts the attestation server rates at that level. */
export class TrustedFilter implements HostFilter {
  readonly name = 'TrustedFilter';
  constructor(private readonly attestation: AttestationCache) {}

  async prepare(hosts: readonly HostState[], props: FilterProperties): Promise<void> {
    if (!requestedTrust(props)) return;
    await this.attestation.refresh(hosts.map((h) => h.host));
  }

  hostPasses(host: HostState, props: FilterProperties): boolean {
    const trust = requestedTrust(props);
    if (!trust) return true;
    return this.attestation.levelOf(host.host) === trust;
  }
}

export const trustedFilter: FilterDefinition = {
  name: 'TrustedFilter',
  classPath: 'nova.scheduler.filters.trusted_filter.TrustedFilter',
  create: (deps: FilterDeps) => new TrustedFilter(deps.attestation),
};
