/**
 * Interface drivers (`linuxnet_interface_driver`, docs/network.md): how the device a network
 * is served on comes to exist. The Linux bridge driver makes a bridge per network (on a
 * VLAN interface for VLAN networks) and keeps its forwarding rules; the Open vSwitch and
 * Quantum bridge drivers are not part of this build.
 */
import { getLogger } from '../../common/log.js';
import { Devices } from './devices.js';
import type { Ebtables } from './ebtables.js';
import { NetworkDriverNotSupported } from './errors.js';
import type { CommandExecutor } from './executor.js';
import type { IptablesManager } from './iptables/manager.js';
import { type ChainRule, gatewayRules, isolateDhcpRules, nonGatewayRules } from './rules.js';
import type { HostNetwork } from './types.js';

const log = getLogger('nova.network.linux_net');

export const LINUX_BRIDGE_DRIVER = 'nova.network.linux_net.LinuxBridgeInterfaceDriver';
export const OVS_DRIVER = 'nova.network.linux_net.LinuxOVSInterfaceDriver';
export const QUANTUM_BRIDGE_DRIVER = 'nova.network.linux_net.QuantumLinuxBridgeInterfaceDriver';

export interface InterfaceDriver {
  /** Makes the network's device exist and carry traffic; returns its name. */
  plug(network: HostNetwork, mac: string | null, gateway: boolean): Promise<string>;
  /** Removes the network's device; returns its name. */
  unplug(network: HostNetwork): Promise<string>;
  /** The device a network is served on. */
  getDev(network: HostNetwork): string;
}

/**
 * The one step of VLAN plumbing that needs the kernel's 8021q support: creating interface
 * `name` tagged `vlan` on `trunk`. Injectable so that hosts (and tests) without 8021q can
 * substitute or record it.
 */
export type VlanCreator = (vlan: { id: number; trunk: string; name: string }) => Promise<void>;

/** The real VlanCreator: `ip link add link <trunk> name vlan<N> type vlan id <N>`. */
export function ipLinkVlanCreator(executor: CommandExecutor): VlanCreator {
  return async ({ id, trunk, name }) => {
    await executor.run(['ip', 'link', 'add', 'link', trunk, 'name', name, 'type', 'vlan', 'id', String(id)], {
      allowedExitCodes: [0, 2, 254],
    });
  };
}

export interface BridgeDriverOptions {
  flatInterface: string | null;
  vlanInterface: string | null;
  networkDeviceMtu: string | null;
  forwardBridgeInterface: readonly string[];
  shareDhcpAddress: boolean;
}

export interface BridgeDriverDeps {
  executor: CommandExecutor;
  /** nova-network's iptables (filter FORWARD rules of the bridges go there). */
  iptables: IptablesManager;
  ebtables: Ebtables;
  options: BridgeDriverOptions;
  createVlan?: VlanCreator;
}

function requireBridge(network: HostNetwork): string {
  if (!network.bridge)
    throw new NetworkDriverNotSupported(`network ${network.uuid ?? network.id} without a bridge`, 'a bridge name is required');
  return network.bridge;
}

export class LinuxBridgeInterfaceDriver implements InterfaceDriver {
  readonly #devices: Devices;
  readonly #iptables: IptablesManager;
  readonly #ebtables: Ebtables;
  readonly #options: BridgeDriverOptions;
  readonly #createVlan: VlanCreator;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(deps: BridgeDriverDeps) {
    this.#devices = new Devices(deps.executor);
    this.#iptables = deps.iptables;
    this.#ebtables = deps.ebtables;
    this.#options = deps.options;
    this.#createVlan = deps.createVlan ?? ipLinkVlanCreator(deps.executor);
  }

  // Bridge and VLAN creation check-then-create; one at a time keeps two callers from racing.
  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#lock.then(fn, fn);
    this.#lock = next.catch(() => undefined);
    return next;
  }

  getDev(network: HostNetwork): string {
    return requireBridge(network);
  }

  async plug(network: HostNetwork, mac: string | null, gateway: boolean): Promise<string> {
    const bridge = requireBridge(network);
    let iface: string | null;
    if (network.vlan !== null) {
      const trunk = this.#options.vlanInterface ?? network.bridgeInterface;
      if (!trunk)
        throw new NetworkDriverNotSupported(`VLAN ${network.vlan}`, 'neither vlan_interface nor the network names a trunk interface');
      iface = await this.ensureVlanBridge(network.vlan, bridge, trunk, mac);
    } else {
      iface = this.#options.flatInterface ?? network.bridgeInterface;
      await this.ensureBridge(bridge, iface, { gateway, mac });
    }
    if (this.#options.shareDhcpAddress && iface && network.dhcpServer) await this.#isolateDhcp(iface, network.dhcpServer, true);
    await this.#iptables.apply();
    return bridge;
  }

  async unplug(network: HostNetwork): Promise<string> {
    const bridge = requireBridge(network);
    let iface: string | null;
    if (network.vlan !== null) {
      iface = `vlan${network.vlan}`;
      await this.removeBridge(bridge, { gateway: true });
      await this.#locked(() => this.#devices.delete(iface as string));
    } else {
      iface = this.#options.flatInterface ?? network.bridgeInterface;
      await this.removeBridge(bridge, { gateway: true });
    }
    if (this.#options.shareDhcpAddress && iface && network.dhcpServer) await this.#isolateDhcp(iface, network.dhcpServer, false);
    await this.#iptables.apply();
    return bridge;
  }

  /** A VLAN interface on `trunk` and a bridge on it; returns the VLAN interface's name. */
  async ensureVlanBridge(vlan: number, bridge: string, trunk: string, mac: string | null): Promise<string> {
    const iface = await this.ensureVlan(vlan, trunk, mac);
    await this.ensureBridge(bridge, iface, { gateway: true, mac: null });
    return iface;
  }

  /**
   * Interface `vlan<N>` on `trunk`, created unless it exists. It gets the gateway MAC, which
   * the bridge on it then inherits.
   */
  ensureVlan(vlan: number, trunk: string, mac: string | null): Promise<string> {
    const iface = `vlan${vlan}`;
    return this.#locked(async () => {
      if (await this.#devices.exists(iface)) return iface;
      log.debug({ iface, trunk }, 'starting VLAN interface');
      await this.#createVlan({ id: vlan, trunk, name: iface });
      if (mac) await this.#devices.setAddress(iface, mac);
      await this.#devices.setUp(iface);
      if (this.#options.networkDeviceMtu) await this.#devices.setMtu(iface, this.#options.networkDeviceMtu);
      return iface;
    });
  }

  /**
   * A bridge, created unless it exists, with `iface` as a port (its addresses and routes
   * moved onto the bridge), and the filter rules of a gateway or non-gateway bridge.
   */
  async ensureBridge(
    bridge: string,
    iface: string | null,
    options: { gateway: boolean; mac: string | null; filtering?: boolean },
  ): Promise<void> {
    await this.#locked(async () => {
      if (!(await this.#devices.exists(bridge))) {
        log.debug({ bridge }, 'starting bridge');
        await this.#devices.createBridge(bridge, options.mac);
      }
      if (iface) {
        await this.#devices.addToBridge(bridge, iface);
        await this.#devices.moveAddresses(iface, bridge);
      }
    });
    if (options.filtering ?? true) {
      const filter = this.#iptables.ipv4.filter;
      for (const [chain, rule] of this.#bridgeRules(bridge, options.gateway)) filter.addRule(chain, rule);
    }
  }

  async removeBridge(bridge: string, options: { gateway: boolean; filtering?: boolean }): Promise<void> {
    await this.#locked(async () => {
      if (!(await this.#devices.exists(bridge))) return;
      if (options.filtering ?? true) {
        const filter = this.#iptables.ipv4.filter;
        for (const [chain, rule] of this.#bridgeRules(bridge, options.gateway)) filter.removeRule(chain, rule);
      }
      await this.#devices.delete(bridge);
    });
  }

  #bridgeRules(bridge: string, gateway: boolean): ChainRule[] {
    return gateway ? gatewayRules(bridge, this.#options.forwardBridgeInterface) : nonGatewayRules(bridge);
  }

  async #isolateDhcp(iface: string, address: string, on: boolean): Promise<void> {
    const rules = isolateDhcpRules(iface, address);
    const filter = this.#iptables.ipv4.filter;
    if (on) {
      await this.#ebtables.ensure(rules.ebtables, 'filter');
      for (const rule of rules.forward) filter.addRule('FORWARD', rule, { top: true });
    } else {
      await this.#ebtables.remove(rules.ebtables, 'filter');
      for (const rule of rules.forward) filter.removeRule('FORWARD', rule, { top: true });
    }
  }
}

/** Refuses, at start-up, an interface driver this build cannot run. */
export function unsupportedInterfaceDriver(name: string): never {
  const why =
    name === OVS_DRIVER
      ? 'nova-ts plumbs nova-network with Linux bridges only; Open vSwitch (ovs-vsctl) is not driven'
      : name === QUANTUM_BRIDGE_DRIVER
        ? 'the Quantum Linux bridge layout belongs to Quantum deployments, which nova-network does not serve'
        : 'unknown interface driver';
  throw new NetworkDriverNotSupported(`linuxnet_interface_driver ${name}`, `${why}; use ${LINUX_BRIDGE_DRIVER}`);
}
