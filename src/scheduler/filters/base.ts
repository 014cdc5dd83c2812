import type { HostState } from '../host-state.js';
import type { SchedulerSettings } from '../opts.js';
import type { FilterProperties } from '../types.js';
import type { AttestationCache } from './trusted-attestation.js';

/** What a filter may depend on besides the request: options, the clock, shared caches. */
export interface FilterDeps {
  settings: SchedulerSettings;
  now: () => Date;
  attestation: AttestationCache;
}

export interface HostFilter {
  /** The class name operators put in scheduler_default_filters. */
  readonly name: string;
  /**
   * Fetches, once per filtering round and before any host is tested, data that needs I/O
   * (only the TrustedFilter has any).
   */
  prepare?(hosts: readonly HostState[], props: FilterProperties): Promise<void>;
  hostPasses(host: HostState, props: FilterProperties): boolean;
}

export interface FilterDefinition {
  name: string;
  /** The Grizzly class path, accepted in scheduler_available_filters. */
  classPath: string;
  create(deps: FilterDeps): HostFilter;
}

/** A hint value as a list: the API passes single values as strings and repeated ones as lists. */
export function hintList(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

/** A single-valued hint given as a list (novaclient repeats keys) counts by its first value. */
export function hintValue(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length ? String(value[0]) : undefined;
  if (value === undefined || value === null) return undefined;
  return String(value);
}
