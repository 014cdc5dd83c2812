/**
 * Turning an instances/cores/ram OverQuota into what the user sees (nova/compute/api.py, _check_num_instances_quota):
 * either a smaller number of instances that still fits between min_count and max_count, or
 * TooManyInstances with Nova's message.
 */

import { type OverQuota, TooManyInstances } from '../common/errors.js';

export interface InstanceFlavorSize {
  vcpus: number;
  memoryMb: number;
}

export interface InstanceRequest extends InstanceFlavorSize {
  minCount: number;
  maxCount: number;
}

/** The instances/cores/ram deltas of creating `count` instances of one flavor. */
export function instanceDeltas(count: number, flavor: InstanceFlavorSize): { instances: number; cores: number; ram: number } {
  return { instances: count, cores: count * flavor.vcpus, ram: count * flavor.memoryMb };
}

/** What is left under a resource's limit; unlimited (-1) or unchecked resources leave room without end. */
function headroom(over: OverQuota, resource: string): number {
  const limit = over.quotas[resource];
  if (limit === undefined || limit < 0) return Number.POSITIVE_INFINITY;
  const usage = over.usages[resource];
  return limit - ((usage?.in_use ?? 0) + (usage?.reserved ?? 0));
}

/** How many instances of this flavor still fit under instances, cores and ram (never below 0). */
export function instancesAllowed(over: OverQuota, flavor: InstanceFlavorSize): number {
  let allowed = headroom(over, 'instances');
  if (flavor.vcpus) allowed = Math.min(allowed, Math.floor(headroom(over, 'cores') / flavor.vcpus));
  if (flavor.memoryMb) allowed = Math.min(allowed, Math.floor(headroom(over, 'ram') / flavor.memoryMb));
  return Math.max(0, allowed);
}

/**
 * Nova's TooManyInstances for the first resource over its limit: "Quota exceeded for
 * <overs>: Requested <req>, but already used <used> of <limit> <resource>". `requested`
 * holds the amount asked of each resource (for a create: instances = min_count, cores and
 * ram for max_count; for a resize: the positive deltas).
 */
export function tooManyInstancesError(over: OverQuota, requested: Readonly<Record<string, number>>): TooManyInstances {
  const resource = over.overs[0] ?? 'instances';
  const limit = over.quotas[resource] ?? 0;
  const usage = over.usages[resource];
  const used = (usage?.in_use ?? 0) + (usage?.reserved ?? 0);
  const req = requested[resource] ?? 0;
  const overs = over.overs.join(',');
  return new TooManyInstances(`Quota exceeded for ${overs}: Requested ${req}, but already used ${used} of ${limit} ${resource}`, {
    kwargs: { overs, req, used, allowed: limit, resource },
  });
}

/**
 * After a create asking for request.maxCount instances was refused: the smaller count to
 * try again with, when it is still at least minCount; otherwise throws TooManyInstances.
 */
export function reduceInstanceCount(over: OverQuota, request: InstanceRequest): number {
  const allowed = instancesAllowed(over, request);
  if (allowed > 0 && allowed >= request.minCount && allowed < request.maxCount) return allowed;
  const deltas = instanceDeltas(request.maxCount, request);
  throw tooManyInstancesError(over, { ...deltas, instances: request.minCount });
}
