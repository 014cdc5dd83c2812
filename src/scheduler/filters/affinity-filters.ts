import type { FilterProperties, SchedulerHints } from '../types.js';
import { hintList } from './base.js';

/**
 * The instance uuids whose hosts the caller must resolve into
 * `filter_properties.instance_hosts` before scheduling a request with these hints.
 */
export function affinityInstanceUuids(hints: SchedulerHints | null | undefined): string[] {
  if (!hints) return [];
  return [...new Set([...hintList(hints.same_host), ...hintList(hints.different_host)])];
}

/** Hosts of the named instances that still exist (unresolved or deleted instances have none). */
export function hostsOfInstances(props: FilterProperties, uuids: readonly string[]): Set<string> {
  const known = props.instance_hosts ?? {};
  const hosts = new Set<string>();
  for (const uuid of uuids) {
    const host = known[uuid];
    if (host) hosts.add(host);
  }
  return hosts;
}
