/**
 * Link and address commands on network devices (`ip link`, `ip addr`, `ip route`), and the
 * parsing of their output. Bridges are made with `ip link ... type bridge` rather than
 * bridge-utils' brctl, which Debian no longer installs by default; the effect is the same
 * (forward delay 0, STP off).
 */
import type { CommandExecutor } from './executor.js';

/** Exit codes `ip` gives when the address or device is already there / already gone. */
export const IP_TOLERATED = [0, 2, 254] as const;

/** One global IPv4 address of a device, as `ip addr add` takes it back: `<cidr> [brd <broadcast>]`. */
export interface DeviceAddress {
  cidr: string;
  params: string[];
}

/** Global IPv4 addresses in `ip addr show dev X scope global` output, in order. */
export function parseAddresses(output: string): DeviceAddress[] {
  const out: DeviceAddress[] = [];
  for (const line of output.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== 'inet' || !fields[1]) continue;
    const params = [fields[1]];
    const brd = fields.indexOf('brd');
    if (brd > 0 && fields[brd + 1]) params.push('brd', fields[brd + 1] as string);
    out.push({ cidr: fields[1], params });
  }
  return out;
}

/** Routes through a gateway (`... via ...`) in `ip route show dev X` output, as field lists. */
export function parseViaRoutes(output: string): string[][] {
  return output
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.includes('via'));
}

/** The first link-local IPv6 address in `ip -f inet6 -o addr show dev X scope link` output. */
export function parseLinkLocal(output: string): string | null {
  const m = /inet6\s+([0-9a-fA-F:]+)\/\d+/.exec(output);
  return m ? (m[1] as string) : null;
}

export class Devices {
  readonly #executor: CommandExecutor;

  constructor(executor: CommandExecutor) {
    this.#executor = executor;
  }

  async exists(dev: string): Promise<boolean> {
    const r = await this.#executor.run(['ip', 'link', 'show', 'dev', dev], { allowedExitCodes: 'any' });
    return r.exitCode === 0 && r.stderr.trim() === '';
  }

  /** Deletes a device if it exists. */
  async delete(dev: string): Promise<void> {
    if (!(await this.exists(dev))) return;
    await this.#executor.run(['ip', 'link', 'delete', dev], { allowedExitCodes: IP_TOLERATED });
  }

  async createBridge(bridge: string, mac: string | null): Promise<void> {
    await this.#executor.run(['ip', 'link', 'add', bridge, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0']);
    if (mac) await this.#executor.run(['ip', 'link', 'set', bridge, 'address', mac]);
    await this.#executor.run(['ip', 'link', 'set', bridge, 'up']);
  }

  /** Makes `dev` a port of `bridge` (a no-op when it already is). */
  async addToBridge(bridge: string, dev: string): Promise<void> {
    await this.#executor.run(['ip', 'link', 'set', dev, 'master', bridge]);
  }

  async setUp(dev: string): Promise<void> {
    await this.#executor.run(['ip', 'link', 'set', dev, 'up'], { allowedExitCodes: IP_TOLERATED });
  }

  async setAddress(dev: string, mac: string): Promise<void> {
    await this.#executor.run(['ip', 'link', 'set', dev, 'address', mac], { allowedExitCodes: IP_TOLERATED });
  }

  async setMtu(dev: string, mtu: string): Promise<void> {
    await this.#executor.run(['ip', 'link', 'set', dev, 'mtu', mtu], { allowedExitCodes: IP_TOLERATED });
  }

  async addresses(dev: string): Promise<DeviceAddress[]> {
    const r = await this.#executor.run(['ip', 'addr', 'show', 'dev', dev, 'scope', 'global']);
    return parseAddresses(r.stdout);
  }

  async addAddress(dev: string, params: readonly string[]): Promise<void> {
    await this.#executor.run(['ip', 'addr', 'add', ...params, 'dev', dev], { allowedExitCodes: IP_TOLERATED });
  }

  async deleteAddress(dev: string, params: readonly string[]): Promise<void> {
    await this.#executor.run(['ip', 'addr', 'del', ...params, 'dev', dev], { allowedExitCodes: IP_TOLERATED });
  }

  /** Removes and returns the routes through a gateway that leave via `dev`. */
  async takeViaRoutes(dev: string): Promise<string[][]> {
    const r = await this.#executor.run(['ip', 'route', 'show', 'dev', dev]);
    const routes = parseViaRoutes(r.stdout);
    for (const fields of routes) await this.#executor.run(['ip', 'route', 'del', fields[0] as string, 'dev', dev]);
    return routes;
  }

  async addRoutes(routes: readonly string[][]): Promise<void> {
    for (const fields of routes) await this.#executor.run(['ip', 'route', 'add', ...fields]);
  }

  /**
   * Moves every global IPv4 address (and the routes through a gateway) of `from` onto `to`,
   * so that bridging an interface that carries the host's address keeps the host reachable.
   */
  async moveAddresses(from: string, to: string): Promise<void> {
    const routes = await this.takeViaRoutes(from);
    for (const address of await this.addresses(from)) {
      await this.deleteAddress(from, address.params);
      await this.addAddress(to, address.params);
    }
    await this.addRoutes(routes);
  }

  async linkLocal(dev: string): Promise<string | null> {
    const r = await this.#executor.run(['ip', '-f', 'inet6', '-o', 'addr', 'show', 'dev', dev, 'scope', 'link'], {
      allowedExitCodes: 'any',
    });
    return parseLinkLocal(r.stdout);
  }
}
