/** Builds the firewall driver `firewall_driver` names (or the virt driver's default). */
import { InvalidConfig } from '../../common/errors.js';
import type { Config } from '../../config/config.js';
import { type CommandExecutor, ProcessExecutor } from '../../network/linux-net/executor.js';
import { type IptablesFlavour, IptablesManager } from '../../network/linux-net/iptables/manager.js';
import { linuxNetOpts, networkManagerOpts } from '../../network/opts.js';
import { IPTABLES_FIREWALL_DRIVER, IptablesFirewallDriver } from './iptables.js';
import { NOOP_FIREWALL_DRIVER, NoopFirewallDriver } from './noop.js';
import { firewallOpts } from './opts.js';
import type { FirewallDriver, FirewallRuleSource } from './types.js';

export interface FirewallDeps {
  /** Where the security group rules come from (the compute side, over the conductor). */
  source: FirewallRuleSource;
  /** The driver used when `firewall_driver` is unset. */
  defaultDriver: string;
  /** Where iptables commands run; default: this host (root needed). */
  executor?: CommandExecutor;
  flavour?: IptablesFlavour;
}

export function loadFirewallDriver(conf: Config, deps: FirewallDeps): FirewallDriver {
  const name = conf.get(firewallOpts).firewall_driver ?? deps.defaultDriver;
  if (name === NOOP_FIREWALL_DRIVER) return new NoopFirewallDriver();
  if (name !== IPTABLES_FIREWALL_DRIVER) throw new InvalidConfig(`unknown firewall_driver ${name}`);
  if (!deps.executor && typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new InvalidConfig(`firewall_driver ${IPTABLES_FIREWALL_DRIVER} writes iptables rules, so nova-compute must run as root`);
  }
  const useIpv6 = conf.get(networkManagerOpts).use_ipv6;
  const o = conf.get(linuxNetOpts);
  const iptables = new IptablesManager({
    executor: deps.executor ?? new ProcessExecutor(),
    binaryName: 'nova-compute',
    useIpv6,
    topRegex: o.iptables_top_regex,
    bottomRegex: o.iptables_bottom_regex,
    ...(deps.flavour ? { flavour: deps.flavour } : {}),
  });
  return new IptablesFirewallDriver({
    iptables,
    source: deps.source,
    options: { allowSameNetTraffic: conf.get(firewallOpts).allow_same_net_traffic, useIpv6 },
  });
}
