export { ChanceScheduler, type ChanceSchedulerOptions } from './chance.js';
export * from './errors.js';
export {
  FilterScheduler,
  type FilterSchedulerOptions,
  isPlacement,
  type Placement,
  type PlacementFailure,
  type PlacementResult,
} from './filter-scheduler.js';
export { affinityInstanceUuids } from './filters/affinity-filters.js';
export { matchesRequirement } from './filters/extra-specs-ops.js';
export {
  ALL_FILTERS,
  ALL_FILTERS_PATH,
  availableFilters,
  chooseFilters,
  type FilterDefinition,
  type FilterDeps,
  type HostFilter,
} from './filters/index.js';
export type { AttestationState, AttestationTransport } from './filters/trusted-attestation.js';
export { type ComputeNodeWithService, HostManager, type HostManagerOptions } from './host-manager.js';
export { applyHostRecord, type ComputeNodeRecord, type HostRecord, HostState, hostStateFromRecord, IO_TASK_STATES } from './host-state.js';
export * from './opts.js';
export { SchedulerOptionsFile } from './scheduler-options.js';
export type * from './types.js';
export {
  ALL_WEIGHERS_PATH,
  type HostWeigher,
  LeastCostWeigher,
  loadWeighers,
  RamWeigher,
  type WeighedHost,
  weighHosts,
} from './weights/index.js';
