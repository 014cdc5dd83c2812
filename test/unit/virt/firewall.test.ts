import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IptablesManager } from '../../../src/network/linux-net/iptables/manager.js';
import { IptablesFirewallDriver } from '../../../src/virt/firewall/iptables.js';
import { NoopFirewallDriver } from '../../../src/virt/firewall/noop.js';
import { instanceRules, providerRules, securityGroupRuleLines } from '../../../src/virt/firewall/rules.js';
import type { FirewallRuleSource, ProviderFirewallRule, SecurityGroupRule } from '../../../src/virt/firewall/types.js';
import { makeFixedIp, makeNetwork, makeSubnet, makeVif, type NetworkInfo } from '../../../src/virt/network-model.js';
import { fakeHost } from '../network/linux-net/fake-host.js';

function nwInfo(address = '10.0.0.3', v6: string | null = null): NetworkInfo {
  return [
    makeVif({
      id: 'vif-1',
      address: 'fa:16:3e:00:00:03',
      network: makeNetwork({
        id: 'net-1',
        label: 'private',
        bridge: 'br100',
        subnets: [
          makeSubnet({ cidr: '10.0.0.0/24', gateway: '10.0.0.1', ips: [makeFixedIp(address)], meta: { dhcp_server: '10.0.0.1' } }),
          makeSubnet({ cidr: v6 ? 'fd00::/64' : null, gateway: v6 ? 'fe80::1' : null, ips: v6 ? [makeFixedIp(v6)] : [], version: 6 }),
        ],
      }),
    }),
  ];
}

const rule = (r: Partial<SecurityGroupRule>): SecurityGroupRule => ({
  protocol: null,
  from_port: null,
  to_port: null,
  cidr: null,
  grantee_ips: null,
  ...r,
});

describe('security group rules as iptables rules', () => {
  it('renders ports, port ranges and ICMP type/code as Grizzly did', () => {
    assert.deepEqual(securityGroupRuleLines(rule({ protocol: 'TCP', from_port: 22, to_port: 22, cidr: '0.0.0.0/0' })).ipv4, [
      '-j ACCEPT -p tcp --dport 22 -s 0.0.0.0/0',
    ]);
    assert.deepEqual(securityGroupRuleLines(rule({ protocol: 'udp', from_port: 1000, to_port: 2000, cidr: '192.0.2.0/24' })).ipv4, [
      '-j ACCEPT -p udp -m multiport --dports 1000:2000 -s 192.0.2.0/24',
    ]);
    assert.deepEqual(securityGroupRuleLines(rule({ protocol: 'icmp', from_port: 8, to_port: -1, cidr: '0.0.0.0/0' })).ipv4, [
      '-j ACCEPT -p icmp -m icmp --icmp-type 8 -s 0.0.0.0/0',
    ]);
    assert.deepEqual(securityGroupRuleLines(rule({ protocol: 'icmp', from_port: 3, to_port: 4, cidr: '0.0.0.0/0' })).ipv4, [
      '-j ACCEPT -p icmp -m icmp --icmp-type 3/4 -s 0.0.0.0/0',
    ]);
    assert.deepEqual(securityGroupRuleLines(rule({ protocol: 'icmp', from_port: -1, to_port: -1, cidr: '0.0.0.0/0' })).ipv4, [
      '-j ACCEPT -p icmp -s 0.0.0.0/0',
    ]);
  });

  it('puts an IPv6 cidr rule in the IPv6 chain, ICMP becoming ICMPv6', () => {
    const lines = securityGroupRuleLines(rule({ protocol: 'icmp', from_port: 128, to_port: -1, cidr: '::/0' }));
    assert.deepEqual(lines, { ipv4: [], ipv6: ['-j ACCEPT -p icmpv6 -m icmp6 --icmpv6-type 128 -s ::/0'] });
  });

  it('admits each IPv4 member address of a source group, and nobody when it has none', () => {
    const lines = securityGroupRuleLines(
      rule({ protocol: 'tcp', from_port: 80, to_port: 80, grantee_ips: ['10.0.0.8', 'fd00::8', '10.0.0.9'] }),
    );
    assert.deepEqual(lines.ipv4, ['-j ACCEPT -p tcp --dport 80 -s 10.0.0.8', '-j ACCEPT -p tcp --dport 80 -s 10.0.0.9']);
    assert.deepEqual(securityGroupRuleLines(rule({ protocol: 'tcp', from_port: 80, to_port: 80 })), { ipv4: [], ipv6: [] });
  });

  it('orders an instance chain: invalid, established, provider, DHCP, same net, groups, fallback', () => {
    const groups = [rule({ protocol: 'tcp', from_port: 22, to_port: 22, cidr: '0.0.0.0/0' })];
    const out = instanceRules(nwInfo(), groups, { allowSameNetTraffic: true, useIpv6: false });
    assert.deepEqual(out.ipv4, [
      '-m state --state INVALID -j DROP',
      '-m state --state ESTABLISHED,RELATED -j ACCEPT',
      '-j $provider',
      '-s 10.0.0.1 -p udp --sport 67 --dport 68 -j ACCEPT',
      '-s 10.0.0.0/24 -j ACCEPT',
      '-j ACCEPT -p tcp --dport 22 -s 0.0.0.0/0',
      '-j $sg-fallback',
    ]);
    assert.equal(out.usesDhcp, true);
    const isolated = instanceRules(nwInfo(), [], { allowSameNetTraffic: false, useIpv6: false });
    assert.ok(!isolated.ipv4.includes('-s 10.0.0.0/24 -j ACCEPT'), 'allow_same_net_traffic off drops the same-net accept');
  });

  it('accepts router advertisements from the IPv6 gateway with use_ipv6', () => {
    const out = instanceRules(nwInfo('10.0.0.3', 'fd00::3'), [], { allowSameNetTraffic: true, useIpv6: true });
    assert.ok(out.ipv6.includes('-s fd00::/64 -j ACCEPT'));
    assert.ok(out.ipv6.includes('-s fe80::1/128 -p icmpv6 -j ACCEPT'));
  });

  it('renders provider rules as drops', () => {
    const rules: ProviderFirewallRule[] = [
      { protocol: 'tcp', from_port: 25, to_port: 25, cidr: '198.51.100.0/24' },
      { protocol: 'icmp', from_port: -1, to_port: -1, cidr: '203.0.113.0/24' },
    ];
    assert.deepEqual(providerRules(rules).ipv4, ['-p tcp -s 198.51.100.0/24 --dport 25 -j DROP', '-p icmp -s 203.0.113.0/24 -j DROP']);
  });
});

class Source implements FirewallRuleSource {
  rules = new Map<number, SecurityGroupRule[]>();
  provider: ProviderFirewallRule[] = [];
  async securityGroupRules(instance: { id: number }) {
    return this.rules.get(instance.id) ?? [];
  }
  async providerRules() {
    return this.provider;
  }
}

function firewall(host = fakeHost()) {
  const source = new Source();
  const iptables = new IptablesManager({ executor: host.executor, binaryName: 'nova-compute', flavour: 'nft' });
  const driver = new IptablesFirewallDriver({ iptables, source, options: { allowSameNetTraffic: true, useIpv6: false } });
  return { host, source, driver };
}

describe('IptablesFirewallDriver', () => {
  const vm = { id: 42, uuid: 'uuid-42' };

  it('gives a filtered instance its chain, jumped to for its address, and removes it with the instance', async () => {
    const { host, source, driver } = firewall();
    source.rules.set(42, [rule({ protocol: 'tcp', from_port: 22, to_port: 22, cidr: '0.0.0.0/0' })]);
    await driver.prepareInstanceFilter(vm, nwInfo());
    const text = host.saved.iptables;
    for (const line of [
      ':nova-compute-inst-42 - [0:0]',
      '-A nova-compute-local -d 10.0.0.3 -j nova-compute-inst-42',
      '-A nova-compute-inst-42 -j ACCEPT -p tcp --dport 22 -s 0.0.0.0/0',
      '-A nova-compute-inst-42 -j nova-compute-sg-fallback',
      '-A nova-compute-sg-fallback -j DROP',
      ':nova-compute-provider - [0:0]',
      '-A nova-compute-INPUT -s 0.0.0.0/32 -d 255.255.255.255/32 -p udp -m udp --sport 68 --dport 67 -j ACCEPT',
    ]) {
      assert.ok(text.includes(line), `missing ${line}\n${text}`);
    }
    assert.equal(await driver.instanceFilterExists(vm), true);
    await driver.unfilterInstance(vm);
    assert.ok(!host.saved.iptables.includes('inst-42'));
    assert.equal(await driver.instanceFilterExists(vm), false);
  });

  it('rebuilds filtered instances from the source when a group rule or membership changes', async () => {
    const { host, source, driver } = firewall();
    source.rules.set(42, [rule({ protocol: 'tcp', from_port: 80, to_port: 80, grantee_ips: ['10.0.0.8'] })]);
    await driver.prepareInstanceFilter(vm, nwInfo());
    source.rules.set(42, [rule({ protocol: 'tcp', from_port: 80, to_port: 80, grantee_ips: ['10.0.0.8', '10.0.0.9'] })]);
    await driver.refreshSecurityGroupMembers(7);
    assert.ok(host.saved.iptables.includes('-A nova-compute-inst-42 -j ACCEPT -p tcp --dport 80 -s 10.0.0.9'));
    source.rules.set(42, []);
    await driver.refreshSecurityGroupRules(7);
    assert.ok(!host.saved.iptables.includes('--dport 80'));
  });

  it('refreshes the provider chain', async () => {
    const { host, source, driver } = firewall();
    await driver.prepareInstanceFilter(vm, nwInfo());
    source.provider = [{ protocol: 'udp', from_port: 53, to_port: 53, cidr: '198.51.100.7/32' }];
    await driver.refreshProviderFwRules();
    assert.ok(host.saved.iptables.includes('-A nova-compute-provider -p udp -s 198.51.100.7/32 --dport 53 -j DROP'));
  });

  it('the noop driver touches nothing and says the filter exists', async () => {
    const noop = new NoopFirewallDriver();
    await noop.prepareInstanceFilter();
    assert.equal(await noop.instanceFilterExists(), true);
  });
});
