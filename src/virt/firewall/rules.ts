/**
 * Security groups and provider rules as iptables rules (docs/network.md; IptablesFirewallDriver
 * in Grizzly's nova/virt/firewall.py), as pure functions. Rules are written as after
 * `-A <chain>`; `$x` is the compute service's wrapped chain x.
 */
import { isIP } from 'node:net';
import type { NetworkInfo, VIF } from '../network-model.js';
import type { FirewallInstance, ProviderFirewallRule, SecurityGroupRule } from './types.js';

export interface InstanceRuleOptions {
  allowSameNetTraffic: boolean;
  useIpv6: boolean;
}

export interface VersionedRules {
  ipv4: string[];
  ipv6: string[];
}

/** The instance's chain, `inst-<id>` (wrapped: `nova-compute-inst-<id>`). */
export function instanceChainName(instance: FirewallInstance): string {
  return `inst-${instance.id}`;
}

function ipVersionOf(cidrOrAddress: string): 4 | 6 {
  return isIP(cidrOrAddress.split('/')[0] ?? '') === 6 ? 6 : 4;
}

interface VifFacts {
  ipsV4: string[];
  ipsV6: string[];
  dhcpServer: string | null;
  cidr: string | null;
  cidrV6: string | null;
  gatewayV6: string | null;
}

/** What the firewall needs of one interface (Grizzly read it from the legacy network info). */
function vifFacts(vif: VIF): VifFacts {
  const subnets = vif.network?.subnets ?? [];
  const v4 = subnets.filter((s) => s.version === 4);
  const v6 = subnets.filter((s) => s.version === 6 && s.cidr);
  const first4 = v4[0];
  const dhcp = first4?.meta.dhcp_server;
  return {
    ipsV4: v4.flatMap((s) => s.ips.map((ip) => ip.address)),
    ipsV6: v6.flatMap((s) => s.ips.map((ip) => ip.address)),
    dhcpServer: typeof dhcp === 'string' ? dhcp : (first4?.gateway?.address ?? null),
    cidr: first4?.cidr ?? null,
    cidrV6: v6[0]?.cidr ?? null,
    gatewayV6: v6[0]?.gateway?.address ?? null,
  };
}

/** The `local` chain's jumps: traffic to each of the instance's addresses goes through its chain. */
export function instanceJumpRules(networkInfo: NetworkInfo, chain: string, useIpv6: boolean): VersionedRules {
  const facts = networkInfo.map(vifFacts);
  return {
    ipv4: facts.flatMap((f) => f.ipsV4).map((ip) => `-d ${ip} -j $${chain}`),
    ipv6: useIpv6 ? facts.flatMap((f) => f.ipsV6).map((ip) => `-d ${ip} -j $${chain}`) : [],
  };
}

function portArgs(fromPort: number | null, toPort: number | null): string[] {
  if (fromPort === toPort) return ['--dport', String(fromPort)];
  return ['-m', 'multiport', '--dports', `${fromPort}:${toPort}`];
}

function icmpArgs(type: number | null, code: number | null, version: 4 | 6): string[] {
  if (type === -1 || type === null) return [];
  const spec = code === -1 || code === null ? `${type}` : `${type}/${code}`;
  return version === 4 ? ['-m', 'icmp', '--icmp-type', spec] : ['-m', 'icmp6', '--icmpv6-type', spec];
}

/** The match and target of one security-group rule, without its source (`-j ACCEPT -p tcp --dport 22`). */
export function securityGroupRuleArgs(rule: SecurityGroupRule, version: 4 | 6): string[] {
  let protocol = rule.protocol ? rule.protocol.toLowerCase() : null;
  if (version === 6 && protocol === 'icmp') protocol = 'icmpv6';
  const args = ['-j ACCEPT'];
  if (protocol) args.push('-p', protocol);
  if (protocol === 'tcp' || protocol === 'udp') args.push(...portArgs(rule.from_port, rule.to_port));
  else if (protocol === 'icmp' || protocol === 'icmpv6') args.push(...icmpArgs(rule.from_port, rule.to_port, version));
  return args;
}

/** The iptables rules of one security-group rule: one per source (its cidr, or each grantee address of the version). */
export function securityGroupRuleLines(rule: SecurityGroupRule): VersionedRules {
  const out: VersionedRules = { ipv4: [], ipv6: [] };
  if (rule.cidr) {
    const version = ipVersionOf(rule.cidr);
    const line = [...securityGroupRuleArgs(rule, version), '-s', rule.cidr].join(' ');
    (version === 4 ? out.ipv4 : out.ipv6).push(line);
    return out;
  }
  // A rule without a cidr is an IPv4 rule; it admits the grantee group's IPv4 members.
  const args = securityGroupRuleArgs(rule, 4);
  for (const ip of rule.grantee_ips ?? []) {
    if (ipVersionOf(ip) === 4) out.ipv4.push([...args, `-s ${ip}`].join(' '));
  }
  return out;
}

/**
 * An instance chain's rules, in order: drop invalid, accept established, provider drops,
 * DHCP replies from the network's DHCP server, the instance's own networks (with
 * `allow_same_net_traffic`), router advertisements (IPv6), the security groups, and the
 * fallback that drops the rest.
 */
export function instanceRules(
  networkInfo: NetworkInfo,
  groupRules: readonly SecurityGroupRule[],
  o: InstanceRuleOptions,
): VersionedRules & { usesDhcp: boolean } {
  const facts = networkInfo.map(vifFacts);
  const ipv4 = ['-m state --state INVALID -j DROP', '-m state --state ESTABLISHED,RELATED -j ACCEPT', '-j $provider'];
  const ipv6 = [...ipv4];
  let usesDhcp = false;
  for (const f of facts) {
    if (!f.dhcpServer) continue;
    ipv4.push(`-s ${f.dhcpServer} -p udp --sport 67 --dport 68 -j ACCEPT`);
    usesDhcp = true;
  }
  if (o.allowSameNetTraffic) {
    for (const f of facts) if (f.cidr) ipv4.push(`-s ${f.cidr} -j ACCEPT`);
    if (o.useIpv6) for (const f of facts) if (f.cidrV6) ipv6.push(`-s ${f.cidrV6} -j ACCEPT`);
  }
  if (o.useIpv6) for (const f of facts) if (f.gatewayV6) ipv6.push(`-s ${f.gatewayV6}/128 -p icmpv6 -j ACCEPT`);
  for (const rule of groupRules) {
    const lines = securityGroupRuleLines(rule);
    ipv4.push(...lines.ipv4);
    ipv6.push(...lines.ipv6);
  }
  ipv4.push('-j $sg-fallback');
  ipv6.push('-j $sg-fallback');
  return { ipv4, ipv6, usesDhcp };
}

/** The `provider` chain: each provider rule drops its source. */
export function providerRules(rules: readonly ProviderFirewallRule[]): VersionedRules {
  const out: VersionedRules = { ipv4: [], ipv6: [] };
  for (const rule of rules) {
    const version = ipVersionOf(rule.cidr);
    let protocol = rule.protocol.toLowerCase();
    if (version === 6 && protocol === 'icmp') protocol = 'icmpv6';
    const args = ['-p', protocol, '-s', rule.cidr];
    if (protocol === 'tcp' || protocol === 'udp') args.push(...portArgs(rule.from_port, rule.to_port));
    else if (protocol === 'icmp' || protocol === 'icmpv6') args.push(...icmpArgs(rule.from_port, rule.to_port, version));
    args.push('-j DROP');
    (version === 4 ? out.ipv4 : out.ipv6).push(args.join(' '));
  }
  return out;
}

/** The DHCP requests of guests (0.0.0.0 → broadcast) pass INPUT and FORWARD once any instance uses DHCP. */
export const DHCP_REQUEST_RULE = '-s 0.0.0.0/32 -d 255.255.255.255/32 -p udp -m udp --sport 68 --dport 67 -j ACCEPT';
