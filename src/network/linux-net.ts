/**
 * The host plumbing of nova-network (network.md §9): bridges, gateway addresses, dnsmasq,
 * NAT. The manager decides *what* a host must serve; a LinuxNetDriver makes the host
 * serve it. The manager never runs a command itself.
 *
 * The embedded default, NoopLinuxNet, changes nothing on the host: nova-ts's embedded
 * cloud runs unprivileged with the fake driver, where guests are not real and need no
 * bridge or DHCP server. It still records what it was asked, so a test (or an operator
 * with debug logging) can see the plumbing a real host would have done.
 */
import { InvalidConfig } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import type { Config } from '../config/config.js';
import { LINUX_NET_DRIVER, NOOP_NETWORK_DRIVER, networkManagerOpts } from './opts.js';

const log = getLogger('nova.network.linux_net');

/** What the host needs to know of a network to serve it. */
export interface HostNetwork {
  id: number;
  uuid: string | null;
  label: string | null;
  bridge: string | null;
  bridgeInterface: string | null;
  cidr: string | null;
  cidrV6: string | null;
  gateway: string | null;
  broadcast: string | null;
  netmask: string | null;
  dhcpStart: string | null;
  vlan: number | null;
  multiHost: boolean;
  /** The address dnsmasq listens on for this network on this host. */
  dhcpServer: string | null;
}

/** One line of a dnsmasq hosts file: this MAC gets this address and name. */
export interface DhcpHost {
  mac: string;
  address: string;
  hostname: string;
  vifId: number;
}

export type PlumbingCall =
  | { op: 'initHost'; networks: number[] }
  | { op: 'setupNetwork'; network: number; hosts: number }
  | { op: 'teardownNetwork'; network: number; hosts: number }
  | { op: 'releaseDhcp'; device: string | null; address: string; mac: string };

export interface LinuxNetDriver {
  readonly name: string;
  /** Once at service start: NAT for the fixed ranges, metadata forwarding. */
  initHost(networks: readonly HostNetwork[]): Promise<void>;
  /** Makes the host serve a network: bridge, gateway address, DHCP hosts file, dnsmasq (re)start. */
  setupNetwork(network: HostNetwork, hosts: readonly DhcpHost[]): Promise<void>;
  /** Rewrites the DHCP hosts after an address left; may stop serving a network no longer used here. */
  teardownNetwork(network: HostNetwork, hosts: readonly DhcpHost[]): Promise<void>;
  /** Ends a DHCP lease now (force_dhcp_release). */
  releaseDhcp(device: string | null, address: string, mac: string): Promise<void>;
}

/** Touches nothing on the host; remembers the calls it got (the last 1000). */
export class NoopLinuxNet implements LinuxNetDriver {
  readonly name = NOOP_NETWORK_DRIVER;
  readonly calls: PlumbingCall[] = [];

  #record(call: PlumbingCall): void {
    this.calls.push(call);
    if (this.calls.length > 1000) this.calls.shift();
    log.debug(call, 'host plumbing skipped (embedded driver)');
  }

  async initHost(networks: readonly HostNetwork[]): Promise<void> {
    this.#record({ op: 'initHost', networks: networks.map((n) => n.id) });
  }
  async setupNetwork(network: HostNetwork, hosts: readonly DhcpHost[]): Promise<void> {
    this.#record({ op: 'setupNetwork', network: network.id, hosts: hosts.length });
  }
  async teardownNetwork(network: HostNetwork, hosts: readonly DhcpHost[]): Promise<void> {
    this.#record({ op: 'teardownNetwork', network: network.id, hosts: hosts.length });
  }
  async releaseDhcp(device: string | null, address: string, mac: string): Promise<void> {
    this.#record({ op: 'releaseDhcp', device, address, mac });
  }
}

/** The dnsmasq hosts-file line of one address (network.md §9.6). */
export function dhcpHostLine(host: DhcpHost, dhcpDomain: string | null, singleDefaultGateway = false): string {
  const name = dhcpDomain ? `${host.hostname}.${dhcpDomain}` : host.hostname;
  const line = `${host.mac},${name},${host.address}`;
  return singleDefaultGateway ? `${line},net:NW-${host.vifId}` : line;
}

/** The driver `network_driver` names. */
export function loadLinuxNetDriver(conf: Config): LinuxNetDriver {
  const name = conf.get(networkManagerOpts).network_driver ?? NOOP_NETWORK_DRIVER;
  if (name === NOOP_NETWORK_DRIVER) return new NoopLinuxNet();
  if (name === LINUX_NET_DRIVER) {
    throw new InvalidConfig(
      `network_driver ${LINUX_NET_DRIVER} (bridges, dnsmasq, iptables on this host) is not part of this build; use ${NOOP_NETWORK_DRIVER}`,
    );
  }
  throw new InvalidConfig(`unknown network_driver ${name}`);
}
