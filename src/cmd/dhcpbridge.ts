/**
 * nova-dhcpbridge: the program dnsmasq runs (`--dhcp-script`) on lease events.
 *
 *   nova-dhcpbridge add|old|del <mac> <ip> [hostname]
 *   nova-dhcpbridge init            (prints the leases of $NETWORK_ID for dnsmasq)
 *
 * dnsmasq passes the configuration files in CONFIG_FILE (a JSON list; FLAGFILE in older
 * setups) and the network id in NETWORK_ID. Lease events go to nova-network over the bus;
 * with the embedded local bus, which another process cannot reach, the manager's lease
 * methods run here against the database, as Grizzly's did with fake_rabbit.
 */
import { existsSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { commonOpts } from '../config/common-opts.js';
import { Config, ConfigFileError } from '../config/config.js';
import { adminContext } from '../context/context.js';
import { openConfiguredDatabase } from '../db/manage.js';
import { NetworkAPI } from '../network/api.js';
import {
  currentLeases,
  type DhcpbridgeAction,
  handleLeaseEvent,
  type LeaseNotifier,
  localLeaseNotifier,
  rpcLeaseNotifier,
} from '../network/dhcp-leases.js';
import { NoopLinuxNet } from '../network/linux-net.js';
import { NetworkManager } from '../network/manager.js';
import { linuxNetOpts } from '../network/opts.js';
import { createTransport, effectiveTransportUrl } from '../rpc/factory.js';
import { parseTransportUrl } from '../rpc/transport-url.js';
import { EXIT_CONFIG_ERROR, setupLogging, withConfigArgs } from './common.js';
import './all-opts.js';

export interface DhcpbridgeIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
}

class UsageError extends Error {}

function parseAction(args: string[]): DhcpbridgeAction {
  const [action, mac, ip, hostname] = args;
  if (action === 'init') return { action };
  if (action === 'add' || action === 'old' || action === 'del') {
    if (!mac || !ip) throw new UsageError(`${action} needs a MAC and an IP address`);
    return { action, mac, ip, hostname: hostname || null };
  }
  throw new UsageError(`unknown action ${action ?? '(none)'}; expected add, old, del or init`);
}

/** The configuration files dnsmasq named; ones that do not exist are skipped so dnsmasq keeps running. */
function filesFromEnvironment(env: DhcpbridgeIo['env'], io: DhcpbridgeIo): string[] {
  const raw = env.CONFIG_FILE ?? env.FLAGFILE;
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = [raw];
  }
  const files = (Array.isArray(parsed) ? parsed : [parsed]).filter((f): f is string => typeof f === 'string');
  return files.filter((file) => {
    if (existsSync(file)) return true;
    io.stderr(`nova-dhcpbridge: config file ${file} not found, skipped\n`);
    return false;
  });
}

async function run(action: DhcpbridgeAction, conf: Config, io: DhcpbridgeIo): Promise<void> {
  const host = conf.get(commonOpts).host ?? 'localhost';
  const ctx = adminContext();
  if (action.action === 'init') {
    const networkId = Number.parseInt(io.env.NETWORK_ID ?? '', 10);
    if (!Number.isInteger(networkId)) throw new UsageError("Environment variable 'NETWORK_ID' must be set.");
    const db = await openConfiguredDatabase(conf);
    try {
      const leases = await currentLeases(db, ctx, networkId, { host, leaseTime: conf.get(linuxNetOpts).dhcp_lease_time ?? 120 });
      io.stdout(leases ? `${leases}\n` : '');
    } finally {
      await db.close();
    }
    return;
  }
  if (action.action === 'old') return;
  if (parseTransportUrl(effectiveTransportUrl(conf)).scheme === 'local') {
    const db = await openConfiguredDatabase(conf);
    try {
      const manager = new NetworkManager(host, { db, conf, driver: new NoopLinuxNet() });
      await handleLeaseEvent(action, localLeaseNotifier(manager, ctx));
    } finally {
      await db.close();
    }
    return;
  }
  const transport = await createTransport(conf);
  try {
    const notifier: LeaseNotifier = rpcLeaseNotifier(NetworkAPI.fromConfig(conf, transport), ctx, host);
    await handleLeaseEvent(action, notifier);
  } finally {
    await transport.close();
  }
}

/** Runs nova-dhcpbridge; returns the exit code. */
export async function dhcpbridgeMain(argv: string[], io: DhcpbridgeIo): Promise<number> {
  const program = withConfigArgs(new Command('nova-dhcpbridge'))
    .description('tell nova-network about DHCP lease events (run by dnsmasq)')
    .argument('<action>', 'add, old, del or init')
    .argument('[args...]', 'MAC, IP address and (optionally) hostname for add/old/del')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  let positional: string[];
  try {
    program.parse(argv, { from: 'user' });
    positional = program.args;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  const opts = program.opts<{ configFile: string[]; configDir?: string }>();
  let conf: Config;
  let action: DhcpbridgeAction;
  try {
    action = parseAction(positional);
    conf = Config.load({ configFiles: [...filesFromEnvironment(io.env, io), ...opts.configFile], configDir: opts.configDir ?? null });
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`nova-dhcpbridge: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ConfigFileError) {
      io.stderr(`configuration error: ${err.message}\n`);
      return EXIT_CONFIG_ERROR;
    }
    throw err;
  }
  setupLogging(conf, 'nova-dhcpbridge', { sync: true });
  try {
    await run(action, conf, io);
    return 0;
  } catch (err) {
    io.stderr(`nova-dhcpbridge: ${(err as Error).message}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
