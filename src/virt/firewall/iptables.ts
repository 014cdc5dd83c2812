/**
 * Security groups enforced with iptables on the compute host (IptablesFirewallDriver of
 * Grizzly's nova/virt/firewall.py). Each filtered instance has a chain `inst-<id>` that
 * the compute service's `local` chain jumps to for each of its addresses; it is entered
 * from `nova-filter-top` at the top of FORWARD and OUTPUT, so it sees traffic bridged or
 * routed to the guest and traffic from the host itself.
 */
import { getLogger } from '../../common/log.js';
import type { IptablesManager } from '../../network/linux-net/iptables/manager.js';
import type { NetworkInfo } from '../network-model.js';
import { DHCP_REQUEST_RULE, instanceChainName, instanceJumpRules, instanceRules, providerRules } from './rules.js';
import type { FirewallDriver, FirewallInstance, FirewallRuleSource } from './types.js';

const log = getLogger('nova.virt.firewall');

export const IPTABLES_FIREWALL_DRIVER = 'nova.virt.firewall.IptablesFirewallDriver';

export interface IptablesFirewallOptions {
  allowSameNetTraffic: boolean;
  useIpv6: boolean;
}

interface Filtered {
  instance: FirewallInstance;
  networkInfo: NetworkInfo;
}

export class IptablesFirewallDriver implements FirewallDriver {
  readonly name: string = IPTABLES_FIREWALL_DRIVER;
  /** The compute service's iptables (chains `nova-compute-*`). */
  readonly iptables: IptablesManager;
  readonly #source: FirewallRuleSource;
  readonly #o: IptablesFirewallOptions;
  readonly #filtered = new Map<number, Filtered>();
  #dhcpRuleAdded = false;
  // Rebuilding chains reads rules asynchronously; one rebuild at a time keeps a slow one from undoing a newer one.
  #lock: Promise<unknown> = Promise.resolve();

  constructor(deps: { iptables: IptablesManager; source: FirewallRuleSource; options: IptablesFirewallOptions }) {
    this.iptables = deps.iptables;
    this.#source = deps.source;
    this.#o = deps.options;
    for (const filter of [this.iptables.ipv4.filter, this.iptables.ipv6.filter]) {
      filter.addChain('sg-fallback');
      filter.addRule('sg-fallback', '-j DROP');
    }
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#lock.then(fn, fn);
    this.#lock = next.catch(() => undefined);
    return next;
  }

  async setupBasicFiltering(): Promise<void> {}

  async applyInstanceFilter(): Promise<void> {}

  filterDeferApplyOn(): void {
    this.iptables.deferApplyOn();
  }

  async filterDeferApplyOff(): Promise<void> {
    await this.iptables.deferApplyOff();
  }

  async prepareInstanceFilter(instance: FirewallInstance, networkInfo: NetworkInfo): Promise<void> {
    await this.#locked(async () => {
      this.#filtered.set(instance.id, { instance, networkInfo });
      await this.#rebuildInstance(instance, networkInfo);
      await this.#rebuildProvider();
    });
    await this.iptables.apply();
  }

  async unfilterInstance(instance: FirewallInstance): Promise<void> {
    const removed = await this.#locked(async () => {
      if (!this.#filtered.delete(instance.id)) return false;
      this.#removeChains(instance);
      return true;
    });
    if (!removed) {
      log.info({ instance_uuid: instance.uuid }, 'Attempted to unfilter instance which is not filtered');
      return;
    }
    await this.iptables.apply();
  }

  /** Every filtered instance is rebuilt, whichever group changed: a rule can reach any of them. */
  async refreshSecurityGroupRules(_securityGroupId: number | string): Promise<void> {
    await this.#refreshAll();
  }

  async refreshSecurityGroupMembers(_securityGroupId: number | string): Promise<void> {
    await this.#refreshAll();
  }

  async refreshInstanceSecurityRules(instance: FirewallInstance): Promise<void> {
    await this.#locked(async () => {
      const known = this.#filtered.get(instance.id);
      if (known) await this.#rebuildInstance(known.instance, known.networkInfo);
    });
    await this.iptables.apply();
  }

  async refreshProviderFwRules(): Promise<void> {
    await this.#locked(() => this.#rebuildProvider());
    await this.iptables.apply();
  }

  async instanceFilterExists(instance: FirewallInstance): Promise<boolean> {
    return this.iptables.ipv4.filter.hasChain(instanceChainName(instance));
  }

  async #refreshAll(): Promise<void> {
    await this.#locked(async () => {
      for (const { instance, networkInfo } of this.#filtered.values()) await this.#rebuildInstance(instance, networkInfo);
    });
    await this.iptables.apply();
  }

  #removeChains(instance: FirewallInstance): void {
    const chain = instanceChainName(instance);
    this.iptables.ipv4.filter.removeChain(chain);
    if (this.#o.useIpv6) this.iptables.ipv6.filter.removeChain(chain);
  }

  /** Replaces the instance's chain (and the jumps to it) with rules built from the current security groups. */
  async #rebuildInstance(instance: FirewallInstance, networkInfo: NetworkInfo): Promise<void> {
    const groupRules = await this.#source.securityGroupRules(instance);
    const rules = instanceRules(networkInfo, groupRules, this.#o);
    const chain = instanceChainName(instance);
    const jumps = instanceJumpRules(networkInfo, chain, this.#o.useIpv6);
    this.#removeChains(instance);
    const v4 = this.iptables.ipv4.filter;
    v4.addChain(chain);
    for (const rule of jumps.ipv4) v4.addRule('local', rule);
    for (const rule of rules.ipv4) v4.addRule(chain, rule);
    if (this.#o.useIpv6) {
      const v6 = this.iptables.ipv6.filter;
      v6.addChain(chain);
      for (const rule of jumps.ipv6) v6.addRule('local', rule);
      for (const rule of rules.ipv6) v6.addRule(chain, rule);
    }
    if (rules.usesDhcp && !this.#dhcpRuleAdded) {
      v4.addRule('INPUT', DHCP_REQUEST_RULE);
      v4.addRule('FORWARD', DHCP_REQUEST_RULE);
      this.#dhcpRuleAdded = true;
    }
  }

  async #rebuildProvider(): Promise<void> {
    const rules = providerRules(await this.#source.providerRules());
    const tables = [[this.iptables.ipv4.filter, rules.ipv4] as const];
    if (this.#o.useIpv6) tables.push([this.iptables.ipv6.filter, rules.ipv6] as const);
    for (const [table, lines] of tables) {
      if (table.hasChain('provider')) table.emptyChain('provider');
      else table.addChain('provider');
      for (const rule of lines) table.addRule('provider', rule);
    }
  }
}
