import type { Command } from 'commander';
import { ComputeHostNotFound, HostBinaryNotFound } from '../../common/errors.js';
import { availabilityZoneOpts, serviceAvailabilityZone } from '../../compute/availability-zones.js';
import { describeHost } from '../../compute/operators/hosts.js';
import { adminContext } from '../../context/context.js';
import { aggregateZonesByHost } from '../../db/api/aggregates.js';
import { serviceGetAll, serviceGetByArgs, serviceUpdate } from '../../db/api/services.js';
import { openConfiguredDatabase } from '../../db/manage.js';
import { serviceOpts } from '../../service/opts.js';
import { serviceIsUp } from '../../servicegroup/db-driver.js';
import { type ConfigProvider, ManageError } from './context.js';
import { out, pad, withDb } from './format.js';

function formatTime(value: Date | string | null): string {
  if (value === null) return 'None';
  const d = value instanceof Date ? value : new Date(value);
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '');
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd((widths[i] ?? 0) + 1))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

export function registerServiceCommands(program: Command, config: ConfigProvider): void {
  const service = program.command('service').description('services and their liveness');

  service
    .command('list')
    .description('show every service with its host, zone, status and whether it is up')
    .option('--host <host>', 'only services on this host')
    .option('--service <binary>', 'only this binary, e.g. nova-compute')
    .action(async (opts: { host?: string; service?: string }) => {
      const conf = config();
      const db = await openConfiguredDatabase(conf, { maxRetries: 0 });
      try {
        const ctx = adminContext();
        const downTime = conf.get(serviceOpts).service_down_time ?? 60;
        const az = conf.get(availabilityZoneOpts);
        const zones = {
          internal: az.internal_service_availability_zone ?? 'internal',
          default: az.default_availability_zone ?? 'nova',
          byHost: await aggregateZonesByHost(db, ctx),
        };
        const services = (await serviceGetAll(db, ctx))
          .filter((s) => !opts.host || s.host === opts.host)
          .filter((s) => !opts.service || s.binary === opts.service)
          .sort((a, b) => `${a.host}${a.binary}`.localeCompare(`${b.host}${b.binary}`));
        const rows = [['Binary', 'Host', 'Zone', 'Status', 'State', 'Updated_At']];
        for (const s of services) {
          rows.push([
            s.binary ?? '',
            s.host ?? '',
            serviceAvailabilityZone(s, zones),
            s.disabled ? 'disabled' : 'enabled',
            serviceIsUp(s, downTime) ? ':-)' : 'XXX',
            formatTime(s.updated_at),
          ]);
        }
        process.stdout.write(`${table(rows)}\n`);
      } finally {
        await db.close();
      }
    });

  for (const [name, disabled] of [
    ['enable', false],
    ['disable', true],
  ] as const) {
    service
      .command(name)
      .description(`${name} a service so the scheduler ${disabled ? 'skips' : 'uses'} it`)
      .requiredOption('--host <host>', 'host of the service')
      .requiredOption('--service <binary>', 'binary of the service, e.g. nova-compute')
      .action(async (opts: { host: string; service: string }) => {
        const db = await openConfiguredDatabase(config(), { maxRetries: 0 });
        try {
          const ctx = adminContext();
          let svc: Awaited<ReturnType<typeof serviceGetByArgs>>;
          try {
            svc = await serviceGetByArgs(db, ctx, opts.host, opts.service);
          } catch (err) {
            if (err instanceof HostBinaryNotFound) throw new ManageError(`Unable to find service ${opts.service} on host ${opts.host}`, 2);
            throw err;
          }
          await serviceUpdate(db, ctx, svc.id, { disabled });
          process.stdout.write(`Service ${opts.service} on host ${opts.host} ${disabled ? 'disabled' : 'enabled'}.\n`);
        } finally {
          await db.close();
        }
      });
  }

  service
    .command('describe_resource')
    .description("show a compute host's capacity, what is in use and what each project uses")
    .requiredOption('--host <host>', 'compute host')
    .action(async (opts: { host: string }) => {
      const rows = await withDb(config(), async (db) => {
        try {
          return await describeHost(db, adminContext(), opts.host);
        } catch (err) {
          if (err instanceof ComputeHostNotFound) throw new ManageError((err as Error).message, 2);
          throw err;
        }
      });
      out(
        `${pad('HOST', 25)}${pad('PROJECT', 16, 'right')}${pad('cpu', 8, 'right')}${pad('mem(mb)', 8, 'right')}${pad('hdd', 8, 'right')}`,
      );
      const widths: Record<string, number> = { '(total)': 26, '(used_now)': 23, '(used_max)': 23 };
      for (const r of rows) {
        const summary = widths[r.project];
        if (summary !== undefined) {
          out(`${pad(r.host, 16)}${r.project}${pad(r.cpu, summary, 'right')}${pad(r.memory_mb, 8, 'right')}${pad(r.disk_gb, 8, 'right')}`);
        } else {
          out(
            `${pad(r.host, 25)}${pad(r.project, 16, 'right')}${pad(r.cpu, 8, 'right')}${pad(r.memory_mb, 8, 'right')}${pad(r.disk_gb, 8, 'right')}`,
          );
        }
      }
    });
}
