/** DescribeRegions and DescribeAvailabilityZones. */

import { ec2Opts } from '../../../config/ec2-api-opts.js';
import { Ec2Error } from '../errors.js';
import { applyFilters } from '../filters.js';
import type { Ec2Services } from '../services.js';
import type { XmlObject } from '../xml.js';
import { defineEc2Actions } from './registry.js';

interface Region {
  regionName: string;
  regionEndpoint: string;
}

function regions(services: Ec2Services): Region[] {
  const o = services.conf.get(ec2Opts);
  const endpoint = (host: string) => `${o.ec2_scheme ?? 'http'}://${host}:${o.ec2_port}${o.ec2_path ?? '/services/Cloud'}`;
  if (o.region_list.length === 0) return [{ regionName: 'nova', regionEndpoint: endpoint(o.ec2_host ?? '127.0.0.1') }];
  return o.region_list.map((item) => {
    const eq = item.indexOf('=');
    return eq < 0
      ? { regionName: item, regionEndpoint: endpoint(o.ec2_host ?? '127.0.0.1') }
      : { regionName: item.slice(0, eq), regionEndpoint: endpoint(item.slice(eq + 1)) };
  });
}

export const regionActions = defineEc2Actions('regions', {
  async DescribeRegions({ params, services }) {
    let list = regions(services);
    const names = params.list('RegionName');
    for (const name of names) {
      if (!list.some((r) => r.regionName === name)) throw new Ec2Error('InvalidParameterValue', `Invalid region: ${name}`);
    }
    if (names.length > 0) list = list.filter((r) => names.includes(r.regionName));
    list = applyFilters(list, params.filters(), { 'region-name': (r) => r.regionName, endpoint: (r) => r.regionEndpoint });
    return { regionInfo: list.map((r) => ({ ...r })) };
  },

  async DescribeAvailabilityZones({ ctx, params, services }) {
    const listing = await services.zones(ctx);
    const region = regions(services)[0]?.regionName ?? 'nova';
    const names = params.list('ZoneName');
    if (names.includes('verbose') && ctx.isAdmin) {
      const rows: XmlObject[] = [];
      for (const zone of listing.available) {
        rows.push({ zoneName: zone, zoneState: 'available', regionName: region });
        const here = listing.services.filter((s) => s.zone === zone && !s.disabled);
        for (const host of [...new Set(here.map((s) => s.host ?? ''))]) {
          rows.push({ zoneName: `|- ${host}`, zoneState: '' });
          for (const s of here.filter((x) => (x.host ?? '') === host)) {
            const state = `${s.disabled ? 'disabled' : 'enabled'} ${s.up ? ':-)' : 'XXX'} ${s.updatedAt?.toISOString() ?? ''}`;
            rows.push({ zoneName: `| |- ${s.binary ?? ''}`, zoneState: state });
          }
        }
      }
      for (const zone of listing.unavailable) rows.push({ zoneName: zone, zoneState: 'not available', regionName: region });
      return { availabilityZoneInfo: rows };
    }
    let zones = [
      ...listing.available.filter((z) => z !== listing.internal).map((z) => ({ zoneName: z, zoneState: 'available' })),
      ...listing.unavailable.filter((z) => z !== listing.internal).map((z) => ({ zoneName: z, zoneState: 'not available' })),
    ];
    const wanted = names.filter((n) => n !== 'verbose');
    for (const name of wanted) {
      if (!zones.some((z) => z.zoneName === name)) throw new Ec2Error('InvalidParameterValue', `Invalid availability zone: [${name}]`);
    }
    if (wanted.length > 0) zones = zones.filter((z) => wanted.includes(z.zoneName));
    zones = applyFilters(zones, params.filters(), {
      'zone-name': (z) => z.zoneName,
      state: (z) => z.zoneState,
      'region-name': () => region,
    });
    return { availabilityZoneInfo: zones.map((z) => ({ ...z, regionName: region, messageSet: [] })) };
  },
});
