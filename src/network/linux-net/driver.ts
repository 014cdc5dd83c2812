/**
 * The real host plumbing of nova-network (`network_driver = nova.network.linux_net`): what
 * Grizzly's manager did through linux_net and the L3 driver, behind the LinuxNetDriver
 * interface the manager calls (see types.ts for what each call means).
 */
import { LINUX_NET_DRIVER } from '../opts.js';
import type { Devices } from './devices.js';
import type { DhcpServers } from './dhcp-server.js';
import type { InterfaceDriver } from './interface-driver.js';
import type { IptablesManager } from './iptables/manager.js';
import type { L3Driver } from './l3.js';
import type { DhcpHost, DnsHost, FloatingIpPlumbing, HostNetwork, LinuxNetDriver } from './types.js';

export interface LinuxNetOptions {
  /** `fixed_range`: SNATed once at start; empty means each network's own cidr as it is set up. */
  fixedRange: string | null;
  useIpv6: boolean;
  /** `public_interface`: overrides the interface of every floating IP. */
  publicInterface: string | null;
  /** `fake_network`: commands are only logged and DHCP files are left alone, as in Grizzly. */
  fakeNetwork: boolean;
}

export interface LinuxNetDeps {
  interfaces: InterfaceDriver;
  l3: L3Driver;
  dhcp: DhcpServers;
  devices: Devices;
  /** nova-network's iptables, shared by the pieces above. */
  iptables: IptablesManager;
  options: LinuxNetOptions;
}

export class LinuxNet implements LinuxNetDriver {
  readonly name = LINUX_NET_DRIVER;
  readonly interfaces: InterfaceDriver;
  readonly l3: L3Driver;
  readonly dhcp: DhcpServers;
  readonly iptables: IptablesManager;
  readonly #devices: Devices;
  readonly #o: LinuxNetOptions;

  constructor(deps: LinuxNetDeps) {
    this.interfaces = deps.interfaces;
    this.l3 = deps.l3;
    this.dhcp = deps.dhcp;
    this.iptables = deps.iptables;
    this.#devices = deps.devices;
    this.#o = deps.options;
  }

  async initHost(networks: readonly HostNetwork[]): Promise<void> {
    await this.l3.initialize({ fixedRange: this.#o.fixedRange, networks });
  }

  async setupNetwork(network: HostNetwork, hosts: readonly DhcpHost[]): Promise<void> {
    if (!this.#o.fixedRange && network.cidr) await this.l3.initializeNetwork(network.cidr);
    const dev = (await this.l3.initializeGateway(network)) ?? this.interfaces.getDev(network);
    if (this.#o.fakeNetwork) return;
    await this.dhcp.update(dev, network, hosts);
    if (this.#o.useIpv6 && network.cidrV6) await this.dhcp.updateRa(dev, network);
  }

  async teardownNetwork(network: HostNetwork, hosts: readonly DhcpHost[]): Promise<void> {
    if (this.#o.fakeNetwork) return;
    await this.dhcp.update(this.interfaces.getDev(network), network, hosts);
  }

  async removeNetwork(network: HostNetwork): Promise<void> {
    const dev = this.interfaces.getDev(network);
    await this.dhcp.kill(dev);
    if (this.#o.useIpv6) await this.dhcp.killRa(dev);
    await this.l3.removeGateway(network);
    if (!this.#o.fixedRange && network.cidr) await this.l3.removeNetwork(network.cidr);
  }

  async updateDns(network: HostNetwork, hosts: readonly DnsHost[]): Promise<void> {
    if (this.#o.fakeNetwork) return;
    await this.dhcp.updateDns(this.interfaces.getDev(network), network, hosts);
  }

  async releaseDhcp(device: string | null, address: string, mac: string): Promise<void> {
    if (device) await this.dhcp.release(device, address, mac);
  }

  async linkLocalGateway(network: HostNetwork): Promise<string | null> {
    return this.#devices.linkLocal(this.interfaces.getDev(network));
  }

  #device(plumbing: FloatingIpPlumbing): string | null {
    return this.#o.publicInterface || plumbing.interface;
  }

  async addFloatingIp(plumbing: FloatingIpPlumbing): Promise<void> {
    await this.l3.addFloatingIp(plumbing.floatingAddress, plumbing.fixedAddress, this.#device(plumbing), plumbing.network);
  }

  async removeFloatingIp(plumbing: FloatingIpPlumbing): Promise<void> {
    await this.l3.removeFloatingIp(plumbing.floatingAddress, plumbing.fixedAddress, this.#device(plumbing), plumbing.network);
  }

  async addVpn(publicIp: string, port: number, privateIp: string): Promise<void> {
    await this.l3.addVpn(publicIp, port, privateIp);
  }
}
