import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';
import type { FilterDefinition, HostFilter } from './base.js';

const CHECKED_PROPERTIES = ['architecture', 'hypervisor_type', 'vm_mode'] as const;

/**
 * An image asking for an architecture, hypervisor type or vm mode needs a host that
 * advertises one `[arch, hypervisor_type, vm_mode]` entry covering every value it asks for.
 */
export class ImagePropertiesFilter implements HostFilter {
  readonly name = 'ImagePropertiesFilter';

  hostPasses(host: HostState, props: FilterProperties): boolean {
    const imageProps = props.request_spec?.image?.properties ?? {};
    const wanted = CHECKED_PROPERTIES.map((k) => imageProps[k]).filter((v) => v !== undefined && v !== null && v !== '');
    if (wanted.length === 0) return true;
    const supported = host.capabilities.supported_instances;
    if (!Array.isArray(supported) || supported.length === 0) return false;
    return supported.some((entry) => Array.isArray(entry) && wanted.every((v) => entry.includes(v)));
  }
}

export const imagePropertiesFilter: FilterDefinition = {
  name: 'ImagePropertiesFilter',
  classPath: 'nova.scheduler.filters.image_props_filter.ImagePropertiesFilter',
  create: () => new ImagePropertiesFilter(),
};
