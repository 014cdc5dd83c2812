/**
 * `nova-manage floating create|list|delete` (nova/network/floating_ips.py): floating IP pools, written
 * straight to the database as Grizzly's FloatingIpCommands did; no host is touched.
 */
import type { Command } from 'commander';
import { NovaError } from '../../common/errors.js';
import { adminContext } from '../../context/context.js';
import type { Db } from '../../db/api/common.js';
import { openConfiguredDatabase } from '../../db/manage.js';
import { NoopLinuxNet } from '../../network/linux-net.js';
import { NetworkManager } from '../../network/manager.js';
import { type ConfigProvider, ManageError } from './context.js';

function show(value: unknown): string {
  return value === null || value === undefined ? 'None' : String(value);
}

export function registerFloatingCommands(program: Command, config: ConfigProvider): void {
  const floating = program.command('floating').description('floating IP pools of nova-network');

  async function withManager(fn: (manager: NetworkManager) => Promise<void>): Promise<void> {
    const db: Db = await openConfiguredDatabase(config(), { maxRetries: 0 });
    try {
      await fn(new NetworkManager('nova-manage', { db, conf: config(), driver: new NoopLinuxNet() }));
    } catch (err) {
      if (err instanceof NovaError) throw new ManageError(err.message, 1);
      throw err;
    } finally {
      await db.close();
    }
  }

  floating
    .command('create')
    .description('create floating IPs: one address, or every host address of a CIDR')
    .requiredOption('--ip_range <range>', 'an address or a CIDR, e.g. 203.0.113.0/24')
    .option('--pool <pool>', 'pool the addresses join (default: default_floating_pool)')
    .option('--interface <iface>', 'interface the addresses are bound to (default: public_interface)')
    .action(async (opts: { ip_range: string; pool?: string; interface?: string }) => {
      await withManager(async (manager) => {
        await manager.floating.createRange(adminContext(), {
          ip_range: opts.ip_range,
          pool: opts.pool ?? null,
          interface: opts.interface ?? null,
        });
      });
    });

  floating
    .command('list')
    .description('list floating IPs (project, address, instance, pool, interface)')
    .option('--host <host>', 'only the addresses this network host carries')
    .action(async (opts: { host?: string }) => {
      await withManager(async (manager) => {
        let rows: Awaited<ReturnType<typeof manager.floating.listAll>>;
        try {
          rows = await manager.floating.listAll(adminContext(), opts.host ?? null);
        } catch (err) {
          if (err instanceof NovaError && err.code === 404) rows = [];
          else throw err;
        }
        if (rows.length === 0) {
          process.stdout.write('No floating IP addresses have been defined.\n');
          return;
        }
        const lines = rows.map((f) => [f.project_id, f.address, f.instance_uuid, f.pool, f.interface].map(show).join('\t'));
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });

  floating
    .command('delete')
    .description('delete floating IPs: one address, or every host address of a CIDR')
    .requiredOption('--ip_range <range>', 'an address or a CIDR')
    .action(async (opts: { ip_range: string }) => {
      await withManager(async (manager) => {
        await manager.floating.deleteRange(adminContext(), opts.ip_range);
      });
    });
}
