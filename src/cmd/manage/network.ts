import type { Command } from 'commander';
import { adminContext } from '../../context/context.js';
import type { Db } from '../../db/api/common.js';
import { networkGetAll, networkGetByCidr, networkUpdate } from '../../db/api/networks.js';
import type { CreateNetworksArgs } from '../../network/create.js';
import { NoopLinuxNet } from '../../network/linux-net.js';
import { NetworkManager } from '../../network/manager.js';
import { type ConfigProvider, ManageError } from './context.js';
import { withDb as withConfiguredDb } from './with-db.js';

interface CreateOpts {
  label?: string;
  fixed_range_v4?: string;
  num_networks?: string;
  network_size?: string;
  vlan?: string;
  vpn?: string;
  fixed_range_v6?: string;
  gateway?: string;
  gateway_v6?: string;
  bridge?: string;
  bridge_interface?: string;
  multi_host?: string;
  dns1?: string;
  dns2?: string;
  uuid?: string;
  fixed_cidr?: string;
  project_id?: string;
  priority?: string;
}

/** Only options given a non-empty value are passed on, as nova-manage does. */
function createArgs(opts: CreateOpts): CreateNetworksArgs {
  const pairs: [keyof CreateNetworksArgs, string | undefined][] = [
    ['label', opts.label],
    ['cidr', opts.fixed_range_v4],
    ['num_networks', opts.num_networks],
    ['network_size', opts.network_size],
    ['vlan_start', opts.vlan],
    ['vpn_start', opts.vpn],
    ['cidr_v6', opts.fixed_range_v6],
    ['gateway', opts.gateway],
    ['gateway_v6', opts.gateway_v6],
    ['bridge', opts.bridge],
    ['bridge_interface', opts.bridge_interface],
    ['dns1', opts.dns1],
    ['dns2', opts.dns2],
    ['uuid', opts.uuid],
    ['fixed_cidr', opts.fixed_cidr],
    ['project_id', opts.project_id],
    ['priority', opts.priority],
  ];
  const args: Record<string, string | boolean> = {};
  for (const [key, value] of pairs) if (value) args[key] = value;
  // `--multi_host T` turns it on, any other value off; absent, the multi_host option decides.
  if (opts.multi_host !== undefined) args.multi_host = opts.multi_host === 'T';
  return args as CreateNetworksArgs;
}

function show(value: unknown): string {
  return value === null || value === undefined ? 'None' : String(value);
}

const LIST_WIDTHS = [5, 18, 15, 15, 15, 15, 15, 15, 15];

function listLine(cells: unknown[]): string {
  return cells.map((c, i) => show(c).padEnd(LIST_WIDTHS[i] ?? 0)).join('\t');
}

export function registerNetworkCommands(program: Command, config: ConfigProvider): void {
  const network = program.command('network').description('fixed networks of nova-network');

  const withDb = (fn: (db: Db) => Promise<void>): Promise<void> => withConfiguredDb(config, fn);

  // nova-manage plans networks and writes them itself; no host is set up from the CLI.
  const managerFor = (db: Db): NetworkManager => new NetworkManager('nova-manage', { db, conf: config(), driver: new NoopLinuxNet() });

  network
    .command('create')
    .description('create one or more networks and their fixed IPs')
    .option('--label <label>', 'label of the network (e.g. public)')
    .option('--fixed_range_v4 <cidr>', 'IPv4 range of the network(s), e.g. 10.0.0.0/24')
    .option('--num_networks <n>', 'number of networks to create')
    .option('--network_size <n>', 'number of addresses in each network')
    .option('--vlan <id>', 'first VLAN id (VlanManager)')
    .option('--vpn <port>', 'first VPN port (VlanManager)')
    .option('--fixed_range_v6 <cidr>', 'IPv6 range of the network(s)')
    .option('--gateway <ip>', 'IPv4 gateway')
    .option('--gateway_v6 <ip>', 'IPv6 gateway')
    .option('--bridge <bridge>', 'bridge instances are plugged into, e.g. br100')
    .option('--bridge_interface <iface>', 'interface the bridge is attached to, e.g. eth0')
    .option('--multi_host <T|F>', "'T' to give every compute host its own gateway and DHCP")
    .option('--dns1 <ip>', 'first DNS server')
    .option('--dns2 <ip>', 'second DNS server')
    .option('--uuid <uuid>', 'accepted for compatibility; nova-network assigns its own uuid')
    .option('--fixed_cidr <cidr>', 'part of the range to hand out as fixed IPs')
    .option('--project_id <project>', 'project the network belongs to')
    .option('--priority <n>', 'accepted for compatibility; not stored')
    .action(async (opts: CreateOpts) => {
      await withDb(async (db) => {
        await managerFor(db).create_networks(adminContext(), createArgs(opts));
      });
    });

  network
    .command('list')
    .description('list every network')
    .action(async () => {
      await withDb(async (db) => {
        const networks = await networkGetAll(db, adminContext());
        const lines = [listLine(['id', 'IPv4', 'IPv6', 'start address', 'DNS1', 'DNS2', 'VlanID', 'project', 'uuid'])];
        for (const n of networks)
          lines.push(listLine([n.id, n.cidr, n.cidr_v6, n.dhcp_start, n.dns1, n.dns2, n.vlan, n.project_id, n.uuid]));
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });

  network
    .command('delete')
    .description('delete a network that no instance uses')
    .option('--fixed_range <cidr>', 'range of the network to delete')
    .option('--uuid <uuid>', 'uuid of the network to delete')
    .action(async (opts: { fixed_range?: string; uuid?: string }) => {
      if (!opts.fixed_range && !opts.uuid) throw new ManageError('Please specify either fixed_range or uuid', 1);
      await withDb(async (db) => {
        await managerFor(db).delete_network(adminContext(), { uuid: opts.uuid ?? null, fixed_range: opts.fixed_range ?? null });
      });
    });

  network
    .command('modify')
    .description('associate a network with a project or host, or clear either')
    .requiredOption('--fixed_range <cidr>', 'range of the network to modify')
    .option('--project <project>', 'project to associate')
    .option('--host <host>', 'host to associate')
    .option('--disassociate-project', 'clear the project of the network')
    .option('--disassociate-host', 'clear the host of the network')
    .action(
      async (opts: { fixed_range: string; project?: string; host?: string; disassociateProject?: boolean; disassociateHost?: boolean }) => {
        await withDb(async (db) => {
          const ctx = adminContext();
          const target = await networkGetByCidr(db, ctx, opts.fixed_range);
          const values: { project_id?: string | null; host?: string | null } = {};
          if (opts.project) values.project_id = opts.project;
          else if (opts.disassociateProject) values.project_id = null;
          if (opts.host) values.host = opts.host;
          else if (opts.disassociateHost) values.host = null;
          await networkUpdate(db, ctx, target.id, values);
        });
      },
    );
}
