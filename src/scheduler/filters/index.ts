import { ClassNotFound, SchedulerHostFilterNotFound } from '../errors.js';
import { aggregateInstanceExtraSpecsFilter } from './aggregate-instance-extra-specs-filter.js';
import { aggregateMultiTenancyIsolation } from './aggregate-multitenancy-isolation.js';
import { aggregateTypeAffinityFilter } from './aggregate-type-affinity-filter.js';
import { allHostsFilter } from './all-hosts-filter.js';
import { availabilityZoneFilter } from './availability-zone-filter.js';
import type { FilterDefinition } from './base.js';
import { computeCapabilitiesFilter } from './compute-capabilities-filter.js';
import { computeFilter } from './compute-filter.js';
import { coreFilter } from './core-filter.js';
import { differentHostFilter } from './different-host-filter.js';
import { diskFilter } from './disk-filter.js';
import { groupAffinityFilter } from './group-affinity-filter.js';
import { groupAntiAffinityFilter } from './group-anti-affinity-filter.js';
import { imagePropertiesFilter } from './image-props-filter.js';
import { ioOpsFilter } from './io-ops-filter.js';
import { isolatedHostsFilter } from './isolated-hosts-filter.js';
import { jsonFilter } from './json-filter.js';
import { numInstancesFilter } from './num-instances-filter.js';
import { ramFilter } from './ram-filter.js';
import { retryFilter } from './retry-filter.js';
import { sameHostFilter } from './same-host-filter.js';
import { simpleCidrAffinityFilter } from './simple-cidr-affinity-filter.js';
import { trustedFilter } from './trusted-filter.js';
import { typeAffinityFilter } from './type-affinity-filter.js';

export type { FilterDefinition, FilterDeps, HostFilter } from './base.js';

/** Stands for every built-in filter in scheduler_available_filters. */
export const ALL_FILTERS_PATH = 'nova.scheduler.filters.all_filters';

/** Every usable built-in filter (Nova's affinity base class has no behaviour and is left out). */
export const ALL_FILTERS: readonly FilterDefinition[] = [
  aggregateInstanceExtraSpecsFilter,
  aggregateMultiTenancyIsolation,
  aggregateTypeAffinityFilter,
  allHostsFilter,
  availabilityZoneFilter,
  computeCapabilitiesFilter,
  computeFilter,
  coreFilter,
  differentHostFilter,
  diskFilter,
  groupAffinityFilter,
  groupAntiAffinityFilter,
  imagePropertiesFilter,
  ioOpsFilter,
  isolatedHostsFilter,
  jsonFilter,
  numInstancesFilter,
  ramFilter,
  retryFilter,
  sameHostFilter,
  simpleCidrAffinityFilter,
  trustedFilter,
  typeAffinityFilter,
];

/** The filters scheduler_available_filters makes available, by class name. Unknown class paths stop start-up. */
export function availableFilters(entries: readonly string[]): Map<string, FilterDefinition> {
  const out = new Map<string, FilterDefinition>();
  for (const entry of entries) {
    if (entry === ALL_FILTERS_PATH) {
      for (const def of ALL_FILTERS) out.set(def.name, def);
      continue;
    }
    const def = ALL_FILTERS.find((d) => d.classPath === entry);
    if (!def) throw new ClassNotFound(entry, 'no such built-in filter');
    out.set(def.name, def);
  }
  return out;
}

/** The definitions for filter class names, in order; every unknown name is reported at once. */
export function chooseFilters(available: ReadonlyMap<string, FilterDefinition>, names: readonly string[]): FilterDefinition[] {
  const bad = names.filter((n) => !available.has(n));
  if (bad.length > 0) throw new SchedulerHostFilterNotFound(bad.join(', '));
  return names.map((n) => available.get(n) as FilterDefinition);
}
