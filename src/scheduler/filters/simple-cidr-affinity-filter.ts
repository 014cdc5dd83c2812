import { BlockList, isIP } from 'node:net';
import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import { type FilterDefinition, type HostFilter, hintValue } from './base.js';

function family(address: string): 'ipv4' | 'ipv6' | null {
  const v = isIP(address);
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : null;
}

/** With hint `build_near_host_ip`, only hosts whose `host_ip` capability is in `<ip><cidr>` (cidr default /24). */
export class SimpleCIDRAffinityFilter implements HostFilter {
  readonly name = 'SimpleCIDRAffinityFilter';

  hostPasses(host: HostState, props: FilterProperties): boolean {
    const near = hintValue(props.scheduler_hints?.build_near_host_ip);
    if (!near) return true;
    const cidr = hintValue(props.scheduler_hints?.cidr) ?? '/24';
    const prefix = Number.parseInt(cidr.replace(/^\//, ''), 10);
    const hostIp = host.capabilities.host_ip;
    const netFamily = family(near);
    if (typeof hostIp !== 'string' || netFamily === null || Number.isNaN(prefix)) return false;
    if (family(hostIp) !== netFamily) return false;
    const network = new BlockList();
    try {
      network.addSubnet(near, prefix, netFamily);
    } catch {
      return false;
    }
    return network.check(hostIp, netFamily);
  }
}

export const simpleCidrAffinityFilter: FilterDefinition = {
  name: 'SimpleCIDRAffinityFilter',
  classPath: 'nova.scheduler.filters.affinity_filter.SimpleCIDRAffinityFilter',
  create: () => new SimpleCIDRAffinityFilter(),
};
