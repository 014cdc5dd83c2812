/**
 * The host plumbing of nova-network (docs/network.md): bridges, gateway addresses, dnsmasq,
 * NAT, floating addresses. The manager decides *what* a host must serve; a LinuxNetDriver
 * makes the host serve it. The manager never runs a command itself.
 *
 * `network_driver` picks the driver:
 * - `nova.network.noop_linux_net` (default): NoopLinuxNet changes nothing on the host, so the
 *   embedded cloud runs unprivileged with the fake driver, where guests are not real and need
 *   no bridge or DHCP server. It records what it was asked, so a test (or an operator with
 *   debug logging) sees the plumbing a real host would have done.
 * - `nova.network.linux_net`: the real driver of linux-net/ (root only).
 */
import { InvalidConfig } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import type { Config } from '../config/config.js';
import { createLinuxNet, type LinuxNetOverrides } from './linux-net/factory.js';
import type { DhcpHost, DnsHost, FloatingIpPlumbing, HostNetwork, LinuxNetDriver, PlumbingCall } from './linux-net/types.js';
import { LINUX_NET_DRIVER, NOOP_NETWORK_DRIVER, networkManagerOpts } from './opts.js';

export { dhcpHostLine } from './linux-net/dnsmasq.js';
export type { DhcpHost, DnsHost, FloatingIpPlumbing, HostNetwork, LinuxNetDriver, PlumbingCall } from './linux-net/types.js';

const log = getLogger('nova.network.linux_net');

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
  async removeNetwork(network: HostNetwork): Promise<void> {
    this.#record({ op: 'removeNetwork', network: network.id });
  }
  async updateDns(network: HostNetwork, hosts: readonly DnsHost[]): Promise<void> {
    this.#record({ op: 'updateDns', network: network.id, hosts: hosts.length });
  }
  async releaseDhcp(device: string | null, address: string, mac: string): Promise<void> {
    this.#record({ op: 'releaseDhcp', device, address, mac });
  }
  async linkLocalGateway(): Promise<string | null> {
    return null;
  }
  async addFloatingIp(p: FloatingIpPlumbing): Promise<void> {
    this.#record({ op: 'addFloatingIp', floating: p.floatingAddress, fixed: p.fixedAddress, interface: p.interface });
  }
  async removeFloatingIp(p: FloatingIpPlumbing): Promise<void> {
    this.#record({ op: 'removeFloatingIp', floating: p.floatingAddress, fixed: p.fixedAddress, interface: p.interface });
  }
  async addVpn(publicIp: string, port: number, privateIp: string): Promise<void> {
    this.#record({ op: 'addVpn', publicIp, port, privateIp });
  }
}

/** The driver `network_driver` names; `overrides` reach the real one (an executor in a namespace, say). */
export function loadLinuxNetDriver(conf: Config, overrides: LinuxNetOverrides = {}): LinuxNetDriver {
  const name = conf.get(networkManagerOpts).network_driver ?? NOOP_NETWORK_DRIVER;
  if (name === NOOP_NETWORK_DRIVER) return new NoopLinuxNet();
  if (name === LINUX_NET_DRIVER) return createLinuxNet(conf, overrides);
  throw new InvalidConfig(`unknown network_driver ${name}`);
}
