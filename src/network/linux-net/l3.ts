/**
 * L3 drivers (`l3_lib`, nova/network/l3.py in Grizzly): gateways, NAT for the fixed ranges, metadata
 * forwarding, floating addresses and cloudpipe VPN forwarding. LinuxNetL3 does it with
 * iptables and `ip addr`; NullL3 leaves layer 3 to someone else.
 */
import { randomInt } from 'node:crypto';
import { getLogger } from '../../common/log.js';
import { IP_TOLERATED } from './devices.js';
import type { Ebtables } from './ebtables.js';
import { NoFloatingIpInterface, ProcessExecutionError } from './errors.js';
import type { CommandExecutor } from './executor.js';
import { initializeGatewayDevice, sendArp } from './gateway.js';
import type { InterfaceDriver } from './interface-driver.js';
import type { IptablesManager } from './iptables/manager.js';
import {
  floatingAddressPattern,
  floatingEbtablesRule,
  floatingForwardRules,
  forceSnatEbtablesRules,
  initHostRules,
  METADATA_ADDRESS,
  metadataForwardRule,
  snatRules,
  vpnForwardRules,
} from './rules.js';
import type { HostNetwork } from './types.js';

const log = getLogger('nova.network.l3');

export const LINUX_NET_L3 = 'nova.network.l3.LinuxNetL3';
export const NULL_L3 = 'nova.network.l3.NullL3';

export interface L3Driver {
  /** Once per service: SNAT for `fixedRange` (or, when it is empty, for each network), metadata forwarding. */
  initialize(options: { fixedRange: string | null; networks: readonly HostNetwork[] }): Promise<void>;
  isInitialized(): boolean;
  /** SNAT and pass-through rules for one fixed range. */
  initializeNetwork(cidr: string): Promise<void>;
  /** Undoes initializeNetwork. */
  removeNetwork(cidr: string): Promise<void>;
  /** The network's device with the DHCP server's address on it; returns the device. */
  initializeGateway(network: HostNetwork): Promise<string | null>;
  removeGateway(network: HostNetwork): Promise<void>;
  addFloatingIp(
    floating: string,
    fixed: string,
    device: string | null,
    network: Pick<HostNetwork, 'bridge' | 'cidr'> | null,
  ): Promise<void>;
  removeFloatingIp(
    floating: string,
    fixed: string,
    device: string | null,
    network: Pick<HostNetwork, 'bridge' | 'cidr'> | null,
  ): Promise<void>;
  addVpn(publicIp: string, port: number, privateIp: string): Promise<void>;
  removeVpn(publicIp: string, port: number, privateIp: string): Promise<void>;
}

export interface LinuxNetL3Options {
  routingSourceIp: string | null;
  forceSnatRange: readonly string[];
  publicInterface: string | null;
  dmzCidr: readonly string[];
  metadataHost: string;
  metadataPort: number;
  useIpv6: boolean;
  /** Gratuitous ARPs sent when an address moves here (0 = none). */
  arpCount: number;
}

export interface LinuxNetL3Deps {
  executor: CommandExecutor;
  iptables: IptablesManager;
  ebtables: Ebtables;
  interfaces: InterfaceDriver;
  options: LinuxNetL3Options;
}

/** A locally administered MAC in OpenStack's fa:16:3e range, for a gateway device. */
export function gatewayMac(): string {
  const bytes = [randomInt(0x00, 0x80), randomInt(0x00, 0x100), randomInt(0x00, 0x100)];
  return `fa:16:3e:${bytes.map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

export class LinuxNetL3 implements L3Driver {
  readonly #executor: CommandExecutor;
  readonly #iptables: IptablesManager;
  readonly #ebtables: Ebtables;
  readonly #interfaces: InterfaceDriver;
  readonly #o: LinuxNetL3Options;
  #initialized = false;

  constructor(deps: LinuxNetL3Deps) {
    this.#executor = deps.executor;
    this.#iptables = deps.iptables;
    this.#ebtables = deps.ebtables;
    this.#interfaces = deps.interfaces;
    this.#o = deps.options;
  }

  isInitialized(): boolean {
    return this.#initialized;
  }

  async initialize(options: { fixedRange: string | null; networks: readonly HostNetwork[] }): Promise<void> {
    if (this.#initialized) return;
    if (options.fixedRange) await this.initializeNetwork(options.fixedRange);
    else for (const network of options.networks) if (network.cidr) await this.initializeNetwork(network.cidr);
    await this.#executor.run(['ip', 'addr', 'add', `${METADATA_ADDRESS}/32`, 'scope', 'link', 'dev', 'lo'], {
      allowedExitCodes: IP_TOLERATED,
    });
    const [chain, rule] = metadataForwardRule(this.#o.metadataHost, this.#o.metadataPort);
    this.#iptables.ipv4.nat.addRule(chain, rule);
    await this.#iptables.apply();
    this.#initialized = true;
  }

  async initializeNetwork(cidr: string): Promise<void> {
    const nat = this.#iptables.ipv4.nat;
    for (const [chain, rule] of this.#natRules(cidr)) nat.addRule(chain, rule);
    const ebtables = forceSnatEbtablesRules(cidr, this.#o.forceSnatRange);
    if (ebtables.length > 0) await this.#ebtables.ensure(ebtables, 'nat');
    await this.#iptables.apply();
  }

  async removeNetwork(cidr: string): Promise<void> {
    const nat = this.#iptables.ipv4.nat;
    for (const [chain, rule] of this.#natRules(cidr)) nat.removeRule(chain, rule);
    const ebtables = forceSnatEbtablesRules(cidr, this.#o.forceSnatRange);
    if (ebtables.length > 0) await this.#ebtables.remove(ebtables, 'nat');
    await this.#iptables.apply();
  }

  #natRules(cidr: string) {
    return [
      ...snatRules(cidr, {
        routingSourceIp: this.#o.routingSourceIp,
        forceSnatRange: this.#o.forceSnatRange,
        publicInterface: this.#o.publicInterface,
      }),
      ...initHostRules(cidr, { metadataHost: this.#o.metadataHost, dmzCidr: this.#o.dmzCidr }),
    ];
  }

  async initializeGateway(network: HostNetwork): Promise<string | null> {
    const dev = await this.#interfaces.plug(network, gatewayMac(), network.gateway !== null);
    await initializeGatewayDevice(this.#executor, dev, network, { useIpv6: this.#o.useIpv6, arpCount: this.#o.arpCount });
    return dev;
  }

  async removeGateway(network: HostNetwork): Promise<void> {
    await this.#interfaces.unplug(network);
  }

  async addFloatingIp(
    floating: string,
    fixed: string,
    device: string | null,
    network: Pick<HostNetwork, 'bridge' | 'cidr'> | null,
  ): Promise<void> {
    if (!device) throw new NoFloatingIpInterface('(none: set public_interface or the floating IP interface)');
    const nat = this.#iptables.ipv4.nat;
    const stale = nat.removeRulesMatching(floatingAddressPattern(floating));
    if (stale > 0) log.warn({ floating, count: stale }, 'removed duplicate rules for floating ip');
    for (const [chain, rule] of floatingForwardRules(floating, fixed, device)) nat.addRule(chain, rule);
    await this.#iptables.apply();
    await this.#routedEbtables(fixed, device, network, true);
    try {
      await this.#executor.run(['ip', 'addr', 'add', `${floating}/32`, 'dev', device], { allowedExitCodes: IP_TOLERATED });
    } catch (err) {
      await this.#removeForward(floating, fixed, device, network);
      if (err instanceof ProcessExecutionError && /Cannot find device/i.test(err.stderr)) throw new NoFloatingIpInterface(device);
      throw err;
    }
    if (this.#o.arpCount > 0) await sendArp(this.#executor, floating, device, this.#o.arpCount);
  }

  async removeFloatingIp(
    floating: string,
    fixed: string,
    device: string | null,
    network: Pick<HostNetwork, 'bridge' | 'cidr'> | null,
  ): Promise<void> {
    if (device) await this.#executor.run(['ip', 'addr', 'del', `${floating}/32`, 'dev', device], { allowedExitCodes: IP_TOLERATED });
    await this.#removeForward(floating, fixed, device, network);
  }

  async #removeForward(floating: string, fixed: string, device: string | null, network: Pick<HostNetwork, 'bridge' | 'cidr'> | null) {
    const nat = this.#iptables.ipv4.nat;
    for (const [chain, rule] of floatingForwardRules(floating, fixed, device)) nat.removeRule(chain, rule);
    await this.#iptables.apply();
    await this.#routedEbtables(fixed, device, network, false);
  }

  /**
   * When the floating address lives on another device than the network's bridge, traffic of
   * the fixed address leaving its network must be routed (to meet the floating SNAT), not
   * bridged. Kernels without ebtables' `--logical-in` refuse the rule; the floating address
   * still works for traffic that is routed anyway, so that is a warning, not a failure.
   */
  async #routedEbtables(fixed: string, device: string | null, network: Pick<HostNetwork, 'bridge' | 'cidr'> | null, on: boolean) {
    if (!network?.bridge || !network.cidr || device === network.bridge) return;
    const rule = floatingEbtablesRule(fixed, network.bridge, network.cidr);
    if (!on) {
      await this.#ebtables.remove([rule], 'nat');
      return;
    }
    try {
      await this.#ebtables.ensure([rule], 'nat');
    } catch (err) {
      log.warn({ err, rule }, 'the kernel refused the ebtables rule that routes floating traffic off the bridge');
    }
  }

  async addVpn(publicIp: string, port: number, privateIp: string): Promise<void> {
    const rules = vpnForwardRules(publicIp, port, privateIp);
    for (const [chain, rule] of rules.filter) this.#iptables.ipv4.filter.addRule(chain, rule);
    for (const [chain, rule] of rules.nat) this.#iptables.ipv4.nat.addRule(chain, rule);
    await this.#iptables.apply();
  }

  async removeVpn(publicIp: string, port: number, privateIp: string): Promise<void> {
    const rules = vpnForwardRules(publicIp, port, privateIp);
    for (const [chain, rule] of rules.filter) this.#iptables.ipv4.filter.removeRule(chain, rule);
    for (const [chain, rule] of rules.nat) this.#iptables.ipv4.nat.removeRule(chain, rule);
    await this.#iptables.apply();
  }
}

/** Touches no layer-3 state: the gateway, NAT and floating addresses are someone else's job. */
export class NullL3 implements L3Driver {
  isInitialized(): boolean {
    return true;
  }
  async initialize(): Promise<void> {}
  async initializeNetwork(): Promise<void> {}
  async removeNetwork(): Promise<void> {}
  async initializeGateway(): Promise<string | null> {
    return null;
  }
  async removeGateway(): Promise<void> {}
  async addFloatingIp(): Promise<void> {}
  async removeFloatingIp(): Promise<void> {}
  async addVpn(): Promise<void> {}
  async removeVpn(): Promise<void> {}
}
