import type { Config } from '../config/config.js';
import { defineGroup, opt } from '../config/registry.js';
import { aggregateZonesByHost } from '../db/api/aggregates.js';
import type { Db } from '../db/api/common.js';
import { serviceGetAll } from '../db/api/services.js';
import { serviceOpts } from '../service/opts.js';
import { serviceIsUp } from '../servicegroup/db-driver.js';

export const availabilityZoneOpts = defineGroup('DEFAULT', {
  internal_service_availability_zone: opt.str('internal', 'Availability zone shown for services other than nova-compute.'),
  default_availability_zone: opt.str('nova', 'Availability zone of hosts that belong to no aggregate naming one.'),
});

/**
 * The zone a service is shown in: compute hosts take their aggregates' zone (or the
 * default zone), every other service the internal zone, as Grizzly's
 * availability_zones.set_availability_zones does.
 */
export function serviceAvailabilityZone(
  service: { topic: string | null; host: string | null },
  zones: { internal: string; default: string; byHost: ReadonlyMap<string, string> },
): string {
  if (service.topic !== 'compute') return zones.internal;
  return (service.host && zones.byHost.get(service.host)) || zones.default;
}

/** A service as the zone listings show it. */
export interface ZonedService {
  zone: string;
  host: string | null;
  binary: string | null;
  disabled: boolean;
  up: boolean;
  updatedAt: Date | null;
}

export interface AvailabilityZoneListing {
  /** Zones with at least one enabled service, sorted. */
  available: string[];
  /** Zones whose services are all disabled, sorted. */
  unavailable: string[];
  /** `internal_service_availability_zone`, which listings hide. */
  internal: string;
  services: ZonedService[];
}

/** Every service's zone and liveness, and the zones they make (Grizzly's get_availability_zones). */
export async function listAvailabilityZones(db: Db, conf: Config, now: Date = new Date()): Promise<AvailabilityZoneListing> {
  const opts = conf.get(availabilityZoneOpts);
  const downTime = conf.get(serviceOpts).service_down_time ?? 60;
  const zones = {
    internal: opts.internal_service_availability_zone ?? 'internal',
    default: opts.default_availability_zone ?? 'nova',
    byHost: await aggregateZonesByHost(db, null),
  };
  const services = (await serviceGetAll(db, null)).map((s) => ({
    zone: serviceAvailabilityZone(s, zones),
    host: s.host,
    binary: s.binary,
    disabled: !!s.disabled,
    up: serviceIsUp(s, downTime, now),
    updatedAt: s.updated_at ?? s.created_at ?? null,
  }));
  const available = [...new Set(services.filter((s) => !s.disabled).map((s) => s.zone))].sort();
  const unavailable = [...new Set(services.filter((s) => s.disabled).map((s) => s.zone))].filter((z) => !available.includes(z)).sort();
  return { available, unavailable, internal: zones.internal, services };
}
