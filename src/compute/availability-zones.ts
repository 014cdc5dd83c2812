import type { Config } from '../config/config.js';
import { defineGroup, opt } from '../config/registry.js';
import type { RequestContext } from '../context/context.js';
import { aggregateZonesByHost } from '../db/api/aggregates.js';
import type { Db } from '../db/api/common.js';
import { serviceGetAll } from '../db/api/services.js';
import type { Service } from '../db/types.js';
import { serviceOpts } from '../service/opts.js';
import { serviceIsUp } from '../servicegroup/db-driver.js';

export type { Service } from '../db/types.js';

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

export interface ZonedServices {
  /** Zone → enabled services in it, in zone-name order. */
  available: Map<string, Service[]>;
  /** Zones that only disabled services are in. */
  unavailable: string[];
  internal: string;
}

/** A service as the EC2 zone listing shows it. */
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

/** Availability zones of hosts and services, as the APIs show them. */
export class AvailabilityZoneAPI {
  constructor(
    private readonly db: Db,
    private readonly conf: Config,
  ) {}

  /** The zone of each compute host: its aggregate's zone, else the default zone. */
  async hostZones(ctx: RequestContext | null): Promise<(host: string) => string> {
    const byHost = await aggregateZonesByHost(this.db, ctx);
    const defaultZone = this.conf.get(availabilityZoneOpts).default_availability_zone ?? 'nova';
    return (host) => byHost.get(host) ?? defaultZone;
  }

  /** Every service row with the zone it is shown in. */
  async zonedServices(): Promise<{ internal: string; services: { service: Service; zone: string }[] }> {
    const opts = this.conf.get(availabilityZoneOpts);
    const zones = {
      internal: opts.internal_service_availability_zone ?? 'internal',
      default: opts.default_availability_zone ?? 'nova',
      byHost: await aggregateZonesByHost(this.db, null),
    };
    const services = (await serviceGetAll(this.db, null)).map((service) => ({ service, zone: serviceAvailabilityZone(service, zones) }));
    return { internal: zones.internal, services };
  }

  /** Every service grouped by the zone it is shown in. */
  async servicesByZone(): Promise<ZonedServices> {
    const { internal, services } = await this.zonedServices();
    const available = new Map<string, Service[]>();
    const disabledZones = new Set<string>();
    for (const { service, zone } of services) {
      if (service.disabled) {
        disabledZones.add(zone);
        continue;
      }
      const list = available.get(zone) ?? [];
      list.push(service);
      available.set(zone, list);
    }
    const sorted = new Map([...available].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const unavailable = [...disabledZones].filter((z) => !available.has(z)).sort();
    return { available: sorted, unavailable, internal };
  }

  /** Every service's zone and liveness, and the zones they make (Grizzly's get_availability_zones). */
  async listing(now: Date = new Date()): Promise<AvailabilityZoneListing> {
    const { internal, services: zoned } = await this.zonedServices();
    const services = zoned.map(({ service, zone }) => ({
      zone,
      host: service.host,
      binary: service.binary,
      disabled: !!service.disabled,
      up: this.isUp(service, now),
      updatedAt: service.updated_at ?? service.created_at ?? null,
    }));
    const available = [...new Set(services.filter((s) => !s.disabled).map((s) => s.zone))].sort();
    const unavailable = [...new Set(services.filter((s) => s.disabled).map((s) => s.zone))].filter((z) => !available.includes(z)).sort();
    return { available, unavailable, internal, services };
  }

  /** Whether the service reported within service_down_time of `now`. */
  isUp(service: Service, now: Date): boolean {
    return serviceIsUp(service, this.conf.get(serviceOpts).service_down_time ?? 60, now);
  }
}
