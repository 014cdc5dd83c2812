/**
 * The availability zones a server can be built in: the zones of enabled compute
 * services, each in its aggregate's zone or the default one. Nova's compute API refuses
 * any other zone a request names (`nova/compute/api.py`, _validate_and_build_base_options).
 */
import type { Config } from '../../config/config.js';
import { adminContext } from '../../context/context.js';
import { aggregateZonesByHost } from '../../db/api/aggregates.js';
import type { Db } from '../../db/api/common.js';
import { serviceGetAll } from '../../db/api/services.js';
import { availabilityZoneOpts, serviceAvailabilityZone } from '../availability-zones.js';

export async function schedulableZones(db: Db, conf: Config): Promise<Set<string>> {
  const opts = conf.get(availabilityZoneOpts);
  const zones = {
    internal: opts.internal_service_availability_zone ?? 'internal',
    default: opts.default_availability_zone ?? 'nova',
    byHost: await aggregateZonesByHost(db, null),
  };
  const services = await serviceGetAll(db, adminContext(), { disabled: false });
  return new Set(services.filter((s) => s.topic === 'compute').map((s) => serviceAvailabilityZone(s, zones)));
}
