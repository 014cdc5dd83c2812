/**
 * `os-availability-zone`: the zones of enabled services. Compute hosts are in the zone of
 * their aggregate (or the default zone), every other service in the internal zone; a zone
 * whose services are all disabled is listed as unavailable.
 */
import { naiveIsoTime } from '../common.js';
import { defineResource, type ResourceModule } from '../routing.js';
import type { ComputeApiServices } from './index.js';

interface ZoneInfo {
  zoneName: string;
  zoneState: { available: boolean };
  hosts: Record<string, Record<string, { available: boolean; active: boolean; updated_at: string | null }>> | null;
}

export function availabilityZoneResource(services: ComputeApiServices): ResourceModule {
  const zones = services.zones;

  return defineResource('os-availability-zone', (r) => {
    r.route({
      method: 'GET',
      path: '/os-availability-zone',
      handler: async (req) => {
        req.authorize('compute_extension:availability_zone:list');
        const z = await zones.servicesByZone();
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
        const now = new Date();
        const z = await zones.servicesByZone();
        const info: ZoneInfo[] = [];
        for (const [zone, members] of z.available) {
          const hosts: NonNullable<ZoneInfo['hosts']> = {};
          for (const service of members) {
            if (!service.host || !service.binary) continue;
            const host = hosts[service.host] ?? {};
            host[service.binary] = {
              available: zones.isUp(service, now),
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
