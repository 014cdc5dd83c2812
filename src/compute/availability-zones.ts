import { defineGroup, opt } from '../config/registry.js';

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
