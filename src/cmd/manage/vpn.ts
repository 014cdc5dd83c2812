/**
 * `nova-manage vpn`: each project's cloudpipe VPN (its network's public address and port,
 * the VPN instance and whether OpenVPN answers), and `change` to move a project's VPN to
 * another public address/port.
 */
import type { Command } from 'commander';
import { cloudpipeOpts } from '../../cloudpipe/opts.js';
import { setProjectVpn } from '../../cloudpipe/project-vpn.js';
import { vpnPing } from '../../cloudpipe/vpn-ping.js';
import { adminContext } from '../../context/context.js';
import { instanceGetAllByFilters } from '../../db/api/instances.js';
import { networkGetAll } from '../../db/api/networks.js';
import { type ConfigProvider, ManageError } from './context.js';
import { withDb } from './with-db.js';

const WIDTHS = [34, 16, 8, 16, 38, 10];

function line(cells: readonly unknown[]): string {
  return cells
    .map((c, i) => (c === null || c === undefined ? 'None' : String(c)).padEnd(WIDTHS[i] ?? 0))
    .join(' ')
    .trimEnd();
}

export function registerVpnCommands(program: Command, config: ConfigProvider): void {
  const vpn = program.command('vpn').description('cloudpipe VPNs of the projects');

  vpn
    .command('list')
    .description("list each project's VPN: public address and port, private address, instance and state")
    .action(async () => {
      await withDb(config, async (db) => {
        const ctx = adminContext();
        const imageId = config().get(cloudpipeOpts).vpn_image_id;
        const instances = imageId && imageId !== '0' ? await instanceGetAllByFilters(db, ctx, { image_ref: imageId, deleted: false }) : [];
        const lines = [line(['project', 'public address', 'port', 'private address', 'instance', 'state'])];
        for (const n of await networkGetAll(db, ctx)) {
          if (!n.project_id) continue;
          const instance = instances.find((i) => i.project_id === n.project_id);
          let state = 'pending';
          if (instance) {
            if (!n.vpn_public_address || !n.vpn_public_port) state = 'invalid';
            else state = (await vpnPing(n.vpn_public_address, n.vpn_public_port)) ? 'running' : 'down';
          }
          lines.push(line([n.project_id, n.vpn_public_address, n.vpn_public_port, n.vpn_private_address, instance?.uuid, state]));
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });

  vpn
    .command('change')
    .description('change the public address and port of a project VPN (every network of the project)')
    .requiredOption('--project <project>', 'project id')
    .requiredOption('--ip <address>', 'public address')
    .requiredOption('--port <port>', 'public UDP port')
    .action(async (opts: { project: string; ip: string; port: string }) => {
      if (!opts.project) throw new ManageError('--project is required', 1);
      await withDb(config, (db) => setProjectVpn(db, adminContext(), opts.project, opts.ip, opts.port));
    });
}
