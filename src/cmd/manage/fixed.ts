/**
 * `nova-manage fixed list|reserve|unreserve` (nova/network/manager.py): fixed IPs with their network
 * and instance, and keeping an address out of (or back in) the pool.
 */
import type { Command } from 'commander';
import { NovaError } from '../../common/errors.js';
import { adminContext } from '../../context/context.js';
import { openConfiguredDatabase } from '../../db/manage.js';
import { NoopLinuxNet } from '../../network/linux-net.js';
import { NetworkManager } from '../../network/manager.js';
import { type ConfigProvider, ManageError } from './context.js';

function show(value: unknown): string {
  return value === null || value === undefined ? 'None' : String(value);
}

export function registerFixedCommands(program: Command, config: ConfigProvider): void {
  const fixed = program.command('fixed').description('fixed IPs of nova-network');

  async function withManager(fn: (manager: NetworkManager) => Promise<void>): Promise<void> {
    const db = await openConfiguredDatabase(config(), { maxRetries: 0 });
    try {
      await fn(new NetworkManager('nova-manage', { db, conf: config(), driver: new NoopLinuxNet() }));
    } catch (err) {
      if (err instanceof NovaError) throw new ManageError(err.message, err.code === 404 ? 2 : 1);
      throw err;
    } finally {
      await db.close();
    }
  }

  fixed
    .command('list')
    .description('list fixed IPs: network, address, instance hostname, instance host')
    .option('--host <host>', 'only the addresses of instances on this compute host')
    .action(async (opts: { host?: string }) => {
      await withManager(async (manager) => {
        const rows = await manager.list_fixed_ip_details(adminContext(), { host: opts.host ?? null });
        const line = (cells: unknown[]) =>
          [show(cells[0]).padEnd(18), show(cells[1]).padEnd(15), show(cells[2]).padEnd(15), show(cells[3])].join('\t');
        const lines = [
          line(['network', 'IP address', 'hostname', 'host']),
          ...rows.map((r) => line([r.cidr, r.address, r.hostname, r.host])),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });

  for (const [name, reserved] of [
    ['reserve', true],
    ['unreserve', false],
  ] as const) {
    fixed
      .command(name)
      .description(reserved ? 'keep an address out of the pool' : 'give a reserved address back to the pool')
      .requiredOption('--address <ip>', 'the fixed IP')
      .action(async (opts: { address: string }) => {
        await withManager(async (manager) => {
          await manager.set_fixed_ip_reserved(adminContext(), { address: opts.address, reserved });
        });
      });
  }
}
