/** `nova-manage host list`: every host once, with its availability zone. */
import type { Command } from 'commander';
import { AvailabilityZoneAPI } from '../../compute/availability-zones.js';
import type { ConfigProvider } from './context.js';
import { out, pad, withDb } from './format.js';

export function registerHostCommands(program: Command, config: ConfigProvider): void {
  const host = program.command('host').description('hosts');
  host
    .command('list')
    .description('list hosts and their zones, optionally only those in a zone')
    .argument('[zone]')
    .action(async (zone: string | undefined) => {
      const conf = config();
      const { services } = await withDb(conf, (db) => new AvailabilityZoneAPI(db, conf).zonedServices());
      out(`${pad('host', 25)}\t${pad('zone', 15)}`);
      const seen = new Set<string | null>();
      for (const { service, zone: z } of services) {
        if ((zone && z !== zone) || seen.has(service.host)) continue;
        seen.add(service.host);
        out(`${pad(service.host, 25)}\t${pad(z, 15)}`);
      }
    });
}
