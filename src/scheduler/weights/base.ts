import type { HostState } from '../host-state.js';
import type { FilterProperties } from '../types.js';

export interface WeighedHost {
  host: HostState;
  weight: number;
}

export interface HostWeigher {
  readonly name: string;
  /** Adds (or, for the legacy least-cost weigher, sets) each host's weight. */
  weighObjects(weighed: WeighedHost[], props: FilterProperties): void;
}

/**
 * Weights start at 0.0, every weigher contributes in turn, and the best (highest) comes
 * first; equal weights keep the input order. Raw values are summed without normalisation,
 * as in Grizzly.
 */
export function weighHosts(weighers: readonly HostWeigher[], hosts: readonly HostState[], props: FilterProperties): WeighedHost[] {
  if (hosts.length === 0) return [];
  const weighed = hosts.map((host) => ({ host, weight: 0.0 }));
  for (const weigher of weighers) weigher.weighObjects(weighed, props);
  return weighed
    .map((w, i) => ({ w, i }))
    .sort((a, b) => b.w.weight - a.w.weight || a.i - b.i)
    .map(({ w }) => w);
}
