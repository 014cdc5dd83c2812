import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DnsmasqOptions,
  dhcpHostsText,
  dhcpOptsText,
  dnsHostsText,
  dnsmasqArgv,
  dnsmasqEnvironment,
  leaseLine,
  radvdConfig,
} from '../../../../src/network/linux-net/dnsmasq.js';
import type { HostNetwork } from '../../../../src/network/linux-net/types.js';

const network: HostNetwork = {
  id: 3,
  uuid: 'net-uuid',
  label: 'private',
  bridge: 'br100',
  bridgeInterface: null,
  cidr: '10.0.0.0/24',
  cidrV6: null,
  gateway: '10.0.0.1',
  broadcast: '10.0.0.255',
  netmask: '255.255.255.0',
  dhcpStart: '10.0.0.2',
  vlan: null,
  multiHost: false,
  dhcpServer: '10.0.0.1',
  dns1: '8.8.4.4',
  dns2: null,
};

const options: DnsmasqOptions = {
  networksPath: '/var/lib/nova/networks',
  configFile: '',
  dhcpbridge: '/usr/bin/nova-dhcpbridge',
  dhcpbridgeFlagfile: ['/etc/nova/nova-dhcpbridge.conf'],
  leaseTime: 120,
  domain: 'novalocal',
  dnsServers: [],
  useNetworkDnsServers: false,
  useSingleDefaultGateway: false,
};

describe('dnsmasq command line', () => {
  it("is Grizzly's for a single-host network", () => {
    assert.deepEqual(dnsmasqArgv('br100', network, options), [
      'dnsmasq',
      '--strict-order',
      '--bind-interfaces',
      '--conf-file=',
      '--pid-file=/var/lib/nova/networks/nova-br100.pid',
      '--listen-address=10.0.0.1',
      '--except-interface=lo',
      '--dhcp-range=set:private,10.0.0.2,static,255.255.255.0,120s',
      '--dhcp-lease-max=256',
      '--dhcp-hostsfile=/var/lib/nova/networks/nova-br100.conf',
      '--dhcp-script=/usr/bin/nova-dhcpbridge',
      '--leasefile-ro',
      '--domain=novalocal',
    ]);
    assert.deepEqual(dnsmasqEnvironment(network, options), ['CONFIG_FILE=["/etc/nova/nova-dhcpbridge.conf"]', 'NETWORK_ID=3']);
  });

  it('adds the DNS hosts file for multi_host, upstream servers, and the options file for a single default gateway', () => {
    const argv = dnsmasqArgv(
      'br100',
      { ...network, multiHost: true },
      {
        ...options,
        domain: null,
        dnsServers: ['192.0.2.53'],
        useNetworkDnsServers: true,
        useSingleDefaultGateway: true,
      },
    );
    assert.ok(!argv.some((a) => a.startsWith('--domain')), 'no --domain when dhcp_domain is empty');
    assert.deepEqual(argv.slice(12), [
      '--no-hosts',
      '--addn-hosts=/var/lib/nova/networks/nova-br100.hosts',
      '--no-resolv',
      '--server=192.0.2.53',
      '--server=8.8.4.4',
      '--dhcp-optsfile=/var/lib/nova/networks/nova-br100.opts',
    ]);
  });

  it('refuses a network it could not serve', () => {
    assert.throws(() => dnsmasqArgv('br100', { ...network, dhcpServer: null }, options), /lacks/);
  });
});

describe('dnsmasq files', () => {
  const hosts = [
    { mac: 'fa:16:3e:00:00:01', address: '10.0.0.3', hostname: 'vm-a', vifId: 11 },
    { mac: 'fa:16:3e:00:00:01', address: '10.0.0.9', hostname: 'vm-a', vifId: 11 },
    { mac: 'fa:16:3e:00:00:02', address: '10.0.0.4', hostname: 'vm-b', vifId: 12, firstVif: false },
  ];

  it('gives one hosts line per MAC', () => {
    assert.equal(
      dhcpHostsText(hosts, 'novalocal', false),
      'fa:16:3e:00:00:01,vm-a.novalocal,10.0.0.3\nfa:16:3e:00:00:02,vm-b.novalocal,10.0.0.4',
    );
  });

  it('tags hosts and withholds the router from secondary interfaces with use_single_default_gateway', () => {
    assert.equal(
      dhcpHostsText(hosts, 'novalocal', true),
      'fa:16:3e:00:00:01,vm-a.novalocal,10.0.0.3,net:NW-11\nfa:16:3e:00:00:02,vm-b.novalocal,10.0.0.4,net:NW-12',
    );
    assert.equal(dhcpOptsText(hosts), 'NW-12,3');
  });

  it('writes DNS hosts, leases and the radvd configuration as dnsmasq and radvd read them', () => {
    assert.equal(dnsHostsText([{ address: '10.0.0.3', hostname: 'vm-a' }], 'novalocal'), '10.0.0.3\tvm-a.novalocal');
    assert.equal(
      leaseLine({ mac: 'fa:16:3e:00:00:01', address: '10.0.0.3', hostname: null }, 1700000120),
      '1700000120 fa:16:3e:00:00:01 10.0.0.3 * *',
    );
    const ra = radvdConfig('br100', 'fd00:1::/64');
    assert.match(ra, /interface br100\n\{\n {3}AdvSendAdvert on;/);
    assert.match(ra, /prefix fd00:1::\/64\n {3}\{\n {8}AdvOnLink on;\n {8}AdvAutonomous on;/);
  });
});
