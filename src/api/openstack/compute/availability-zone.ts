/**
 * `os-availability-zone`: the zones of enabled services. Compute hosts are in the zone of
 * their aggregate (or the default zone), every other service in the internal zone; a zone
 * whose services are all disabled is listed as unavailable.
 */
import { availabilityZoneOpts, serviceAvailabilityZone } from '../../../compute/availability-zones.js';
import { aggregateZonesByHost } from '../../../db/api/aggregates.js';
import { serviceGetAll } from '../../../db/api/services.js';
import type { Service } from '../../../db/types.js';
import { serviceOpts } from '../../../service/opts.js';
import { serviceIsUp } from '../../../servicegroup/db-driver.js';
import { naiveIsoTime } from '../common.js';
import { defineResource, type ResourceModule } from '../routing.js';
import type { ComputeApiServices } from './index.js';

interface ZoneInfo {
  zoneName: string;
  zoneState: { available: boolean };
  hosts: Record<string, Record<string, { available: boolean; active: boolean; updated_at: string | null }>> | null;
}

interface ZonedServices {
  /** Zone → enabled services in it, in zone-name order. */
  available: Map<string, Service[]>;
  /** Zones that only disabled services are in. */
  unavailable: string[];
  internal: string;
}

export function availabilityZoneResource(services: ComputeApiServices): ResourceModule {
  async function zoned(): Promise<ZonedServices> {
    const opts = services.conf.get(availabilityZoneOpts);
    const zones = {
      internal: opts.internal_service_availability_zone ?? 'internal',
      default: opts.default_availability_zone ?? 'nova',
      byHost: await aggregateZonesByHost(services.db, null),
    };
    const all = await serviceGetAll(services.db, null);
    const available = new Map<string, Service[]>();
    const disabledZones = new Set<string>();
    for (const service of all) {
      const zone = serviceAvailabilityZone(service, zones);
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
    return { available: sorted, unavailable, internal: zones.internal };
  }

  return defineResource('os-availability-zone', (r) => {
    r.route({
      method: 'GET',
      path: '/os-availability-zone',
      handler: async (req) => {
        req.authorize('compute_extension:availability_zone:list');
        const z = await zoned();
        const info: ZoneInfo[] = [];
        for (const zone of z.available.keys()) {
          if (zone !== z.internal) info.push({ zoneName: zone, zoneState: { available: true }, hosts: null });
        }
        for (const zone of z.unavailable) {
          if (zone !== z.internal) info.push({ zoneName: zone, zoneState: { available: false }, hosts: null });
        }
        return { availabilityZoneInfo: info };
      },
    });
    r.route({
      method: 'GET',
      path: '/os-availability-zone/detail',
      handler: async (req) => {
        req.authorize('compute_extension:availability_zone:detail');
        const downTime = services.conf.get(serviceOpts).service_down_time ?? 60;
        const now = new Date();
        const z = await zoned();
        const info: ZoneInfo[] = [];
        for (const [zone, members] of z.available) {
          const hosts: NonNullable<ZoneInfo['hosts']> = {};
          for (const service of members) {
            if (!service.host || !service.binary) continue;
            const host = hosts[service.host] ?? {};
            host[service.binary] = {
              available: serviceIsUp(service, downTime, now),
              active: service.disabled !== true,
              updated_at: naiveIsoTime(service.updated_at),
            };
            hosts[service.host] = host;
          }
          info.push({ zoneName: zone, zoneState: { available: true }, hosts });
        }
        for (const zone of z.unavailable) info.push({ zoneName: zone, zoneState: { available: false }, hosts: null });
        return { availabilityZoneInfo: info };
      },
    });
  });
}
