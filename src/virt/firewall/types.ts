/**
 * The firewall a virt driver drives for its instances (nova/virt/firewall.py in Grizzly):
 * security groups and provider rules turned into host packet filtering. A firewall driver
 * knows nothing of the database or the bus: it gets instances and their network info as
 * plain data, and asks a FirewallRuleSource (implemented by the compute side, over the
 * conductor) for the rules that apply.
 */
import type { NetworkInfo } from '../network-model.js';

/** What a firewall needs of an instance: its database id names its chain (`inst-<id>`). */
export interface FirewallInstance {
  readonly id: number;
  readonly uuid: string;
  readonly name?: string;
}

/** One rule of a security group the instance belongs to. */
export interface SecurityGroupRule {
  /** `tcp`, `udp`, `icmp` (any case), or null for every protocol. */
  readonly protocol: string | null;
  /** tcp/udp: first port; icmp: type (-1 = any). */
  readonly from_port: number | null;
  /** tcp/udp: last port; icmp: code (-1 = any). */
  readonly to_port: number | null;
  /** Source range the rule admits; null for a rule that admits a source group instead. */
  readonly cidr: string | null;
  /**
   * For a source-group rule (no cidr): the fixed IPs of the grantee group's member instances,
   * skipping instances whose info cache is deleted. Null or empty admits nobody.
   */
  readonly grantee_ips: readonly string[] | null;
}

/** A provider-wide drop rule (`provider_fw_rules`). */
export interface ProviderFirewallRule {
  readonly protocol: string;
  readonly from_port: number | null;
  readonly to_port: number | null;
  readonly cidr: string;
}

/** Where a firewall driver gets the rules from (Grizzly's virtapi security group calls). */
export interface FirewallRuleSource {
  /** Every rule of every security group of the instance, source groups resolved to member IPs. */
  securityGroupRules(instance: FirewallInstance): Promise<readonly SecurityGroupRule[]>;
  providerRules(): Promise<readonly ProviderFirewallRule[]>;
}

export interface FirewallDriver {
  readonly name: string;
  /** Anti-spoofing and DHCP basics, before prepareInstanceFilter (libvirt's nwfilters; nothing for plain iptables). */
  setupBasicFiltering(instance: FirewallInstance, networkInfo: NetworkInfo): Promise<void>;
  /** Builds and applies the instance's rules; called before the guest starts. */
  prepareInstanceFilter(instance: FirewallInstance, networkInfo: NetworkInfo): Promise<void>;
  /** Whatever prepareInstanceFilter could not do before the guest existed. */
  applyInstanceFilter(instance: FirewallInstance, networkInfo: NetworkInfo): Promise<void>;
  /** Removes every rule of the instance. */
  unfilterInstance(instance: FirewallInstance, networkInfo: NetworkInfo): Promise<void>;
  /** Batch changes until filterDeferApplyOff (many instances at host start). */
  filterDeferApplyOn(): void;
  filterDeferApplyOff(): Promise<void>;
  /** A rule of the group changed: every filtered instance's rules are rebuilt. */
  refreshSecurityGroupRules(securityGroupId: number | string): Promise<void>;
  /** The group's members changed (source-group rules of others name their addresses). */
  refreshSecurityGroupMembers(securityGroupId: number | string): Promise<void>;
  refreshInstanceSecurityRules(instance: FirewallInstance): Promise<void>;
  refreshProviderFwRules(): Promise<void>;
  instanceFilterExists(instance: FirewallInstance, networkInfo: NetworkInfo): Promise<boolean>;
}
