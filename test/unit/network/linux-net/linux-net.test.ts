import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Config } from '../../../../src/config/config.js';
import '../../../../src/cmd/all-opts.js';
import { NetworkDriverNotSupported, NoFloatingIpInterface } from '../../../../src/network/linux-net/errors.js';
import {
  createLinuxNet,
  dhcpbridgeFlagfile,
  type LinuxNetOverrides,
  resolveDhcpbridge,
} from '../../../../src/network/linux-net/factory.js';
import type { ProcessTable } from '../../../../src/network/linux-net/processes.js';
import type { HostNetwork } from '../../../../src/network/linux-net/types.js';
import { loadLinuxNetDriver, NoopLinuxNet } from '../../../../src/network/linux-net.js';
import { fakeHost } from './fake-host.js';

const dir = mkdtempSync(join(tmpdir(), 'linux-net-unit-'));
mkdirSync(join(dir, 'networks'));
after(() => rmSync(dir, { recursive: true, force: true }));

function conf(extra: Record<string, unknown> = {}): Config {
  return Config.load({
    overrides: {
      DEFAULT: {
        state_path: dir,
        network_driver: 'nova.network.linux_net',
        fixed_range: '',
        public_interface: 'eth0',
        routing_source_ip: '192.0.2.10',
        metadata_host: '192.0.2.10',
        dhcpbridge: '/usr/local/bin/nova-dhcpbridge',
        ...extra,
      },
    },
  });
}

const flat: HostNetwork = {
  id: 1,
  uuid: 'n1',
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
};

const noProcesses: ProcessTable = { cmdline: async () => null };

function driver(host: ReturnType<typeof fakeHost>, extra: Record<string, unknown> = {}, overrides: LinuxNetOverrides = {}) {
  return createLinuxNet(conf(extra), { executor: host.executor, processes: noProcesses, vhostNet: () => false, ...overrides });
}

describe('LinuxNet driver', () => {
  it('sets up a flat DHCP network: bridge, gateway address, forwarding, NAT, dnsmasq with its hosts file', async () => {
    const host = fakeHost();
    const net = driver(host);
    await net.initHost([flat]);
    await net.setupNetwork(flat, [{ mac: 'fa:16:3e:00:00:10', address: '10.0.0.3', hostname: 'vm1', vifId: 1 }]);
    const lines = host.lines();
    const bridgeAt = lines.indexOf('ip link add br100 type bridge forward_delay 0 stp_state 0');
    assert.ok(bridgeAt >= 0, lines.join('\n'));
    assert.match(lines[bridgeAt + 1] as string, /^ip link set br100 address fa:16:3e(:[0-9a-f]{2}){3}$/);
    assert.ok(lines.includes('sysctl -w net.ipv4.ip_forward=1'));
    assert.ok(lines.includes('ip addr add 10.0.0.1/24 brd 10.0.0.255 dev br100'));
    assert.ok(lines.includes('ip addr add 169.254.169.254/32 scope link dev lo'));
    const dnsmasq = lines.find((l) => l.startsWith('env '));
    assert.ok(dnsmasq?.startsWith(`env CONFIG_FILE=["/etc/nova/nova-dhcpbridge.conf"] NETWORK_ID=1 dnsmasq --strict-order`), dnsmasq);
    assert.ok(dnsmasq?.includes('--dhcp-script=/usr/local/bin/nova-dhcpbridge'));
    const hostsFile = join(dir, 'networks', 'nova-br100.conf');
    assert.equal(readFileSync(hostsFile, 'utf8'), 'fa:16:3e:00:00:10,vm1.novalocal,10.0.0.3');
    assert.equal(statSync(hostsFile).mode & 0o777, 0o644, 'dnsmasq reads it as nobody');
    const rules = host.saved.iptables;
    for (const rule of [
      '-A nova-network-snat -s 10.0.0.0/24 -d 0.0.0.0/0 -j SNAT --to-source 192.0.2.10 -o eth0',
      '-A nova-network-POSTROUTING -s 10.0.0.0/24 -d 192.0.2.10/32 -j ACCEPT',
      '-A nova-network-POSTROUTING -s 10.0.0.0/24 -d 10.0.0.0/24 -m conntrack ! --ctstate DNAT -j ACCEPT',
      '-A nova-network-PREROUTING -s 0.0.0.0/0 -d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 192.0.2.10:8775',
      '-A nova-network-FORWARD -i br100 -j ACCEPT',
      '-A nova-network-FORWARD -o br100 -j ACCEPT',
      '-A nova-network-INPUT -i br100 -p udp -m udp --dport 67 -j ACCEPT',
      '-A nova-network-INPUT -i br100 -p tcp -m tcp --dport 53 -j ACCEPT',
    ]) {
      assert.ok(rules.includes(rule), `missing ${rule}\n${rules}`);
    }
  });

  it('redirects metadata to the local port when the metadata service is on 127.0.0.1', async () => {
    const host = fakeHost();
    await driver(host, { metadata_host: '127.0.0.1' }).initHost([flat]);
    assert.match(host.saved.iptables, /-d 169\.254\.169\.254\/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 8775/);
  });

  it('HUPs a running dnsmasq started with the same arguments and restarts one whose arguments changed', async () => {
    const host = fakeHost({ devices: ['br100'] });
    writeFileSync(join(dir, 'networks', 'nova-br100.pid'), '4242\n');
    let running: string[] | null = null;
    // The process is gone once killed.
    const killed = () => host.lines().includes('kill -KILL 4242');
    const processes: ProcessTable = { cmdline: async (pid) => (pid === 4242 && !killed() ? running : null) };
    const net = driver(host, {}, { processes });
    await net.setupNetwork(flat, []);
    const started = host.lines().find((l) => l.startsWith('env '));
    assert.ok(started, 'a stale pid file means a fresh start');
    running = (started as string).split(' ').slice(3);
    host.executor.clear();
    await net.teardownNetwork(flat, []);
    assert.ok(host.lines().includes('kill -HUP 4242'));
    assert.ok(!host.lines().some((l) => l.startsWith('env ')));
    host.executor.clear();
    running = [...running, '--some-old-flag'];
    await net.teardownNetwork(flat, []);
    assert.ok(host.lines().includes('kill -KILL 4242'));
    assert.ok(host.lines().some((l) => l.startsWith('env ')));
  });

  it('removes a network: dnsmasq killed by pid, bridge deleted, its rules gone', async () => {
    const host = fakeHost();
    writeFileSync(join(dir, 'networks', 'nova-br100.pid'), '5151\n');
    let started = false;
    const conffile = join(dir, 'networks', 'nova-br100.conf');
    const alive = () => started && !host.lines().includes('kill -KILL 5151');
    const processes: ProcessTable = {
      cmdline: async (pid) => (pid === 5151 && alive() ? ['dnsmasq', `--dhcp-hostsfile=${conffile}`] : null),
    };
    const net = driver(host, {}, { processes });
    await net.setupNetwork(flat, []);
    started = true;
    host.executor.clear();
    await net.removeNetwork(flat);
    assert.ok(host.lines().includes('kill -KILL 5151'));
    assert.ok(host.lines().includes('ip link delete br100'));
    assert.ok(!host.devices.has('br100'));
    assert.ok(!host.saved.iptables.includes('br100'), host.saved.iptables);
    assert.ok(!host.saved.iptables.includes('-s 10.0.0.0/24'), 'the per-network NAT goes with it');
  });

  it('plumbs a floating address on public_interface and takes it away again', async () => {
    const host = fakeHost({ devices: ['eth0'] });
    const net = driver(host);
    const plumbing = {
      floatingAddress: '192.0.2.50',
      fixedAddress: '10.0.0.3',
      interface: 'eth1',
      network: { bridge: 'br100', cidr: '10.0.0.0/24' },
    };
    await net.addFloatingIp(plumbing);
    assert.deepEqual(host.devices.get('eth0'), ['192.0.2.50/32'], 'public_interface wins over the row interface');
    for (const rule of [
      '-A nova-network-PREROUTING -d 192.0.2.50 -j DNAT --to 10.0.0.3',
      '-A nova-network-OUTPUT -d 192.0.2.50 -j DNAT --to 10.0.0.3',
      '-A nova-network-float-snat -s 10.0.0.3 -j SNAT --to 192.0.2.50 -d 10.0.0.3',
      '-A nova-network-float-snat -s 10.0.0.3 -j SNAT --to 192.0.2.50 -o eth0',
      '-A nova-network-POSTROUTING -s 10.0.0.3 -m conntrack --ctstate DNAT -j SNAT --to-source 192.0.2.50',
    ]) {
      assert.ok(host.saved.iptables.includes(rule), `missing ${rule}`);
    }
    assert.ok(host.lines().some((l) => l.startsWith('ebtables -t nat -I PREROUTING --logical-in br100 -p ipv4 --ip-src 10.0.0.3')));
    await net.removeFloatingIp(plumbing);
    assert.deepEqual(host.devices.get('eth0'), []);
    assert.ok(!host.saved.iptables.includes('192.0.2.50'));
  });

  it('a floating address on a missing device is NoFloatingIpInterface and leaves no NAT behind', async () => {
    const host = fakeHost();
    const net = driver(host, { public_interface: '' });
    const plumbing = { floatingAddress: '192.0.2.51', fixedAddress: '10.0.0.4', interface: 'nosuch0', network: null };
    await assert.rejects(net.addFloatingIp(plumbing), NoFloatingIpInterface);
    assert.ok(!host.saved.iptables.includes('192.0.2.51'));
  });

  it('sends gratuitous ARPs for a floating address with send_arp_for_ha', async () => {
    const host = fakeHost({ devices: ['eth0'] });
    await driver(host, { send_arp_for_ha: true, send_arp_for_ha_count: 2 }).addFloatingIp({
      floatingAddress: '192.0.2.52',
      fixedAddress: '10.0.0.5',
      interface: null,
      network: null,
    });
    assert.ok(host.lines().includes('arping -U 192.0.2.52 -A -I eth0 -c 2'));
  });

  it('builds a VLAN network on a VLAN interface made by the injectable step, once', async () => {
    const host = fakeHost({ devices: ['eth1'] });
    const made: { id: number; trunk: string; name: string }[] = [];
    const net = driver(
      host,
      { vlan_interface: 'eth1', network_device_mtu: '1400' },
      {
        createVlan: async (vlan) => {
          made.push(vlan);
          host.devices.set(vlan.name, []);
        },
      },
    );
    const vlanNet: HostNetwork = { ...flat, bridge: 'br101', vlan: 101, cidr: '10.1.0.0/24', dhcpServer: '10.1.0.1', gateway: '10.1.0.1' };
    await net.setupNetwork(vlanNet, []);
    await net.setupNetwork(vlanNet, []);
    assert.deepEqual(made, [{ id: 101, trunk: 'eth1', name: 'vlan101' }]);
    const lines = host.lines();
    assert.ok(lines.includes('ip link set vlan101 up'));
    assert.ok(lines.includes('ip link set vlan101 mtu 1400'));
    assert.ok(lines.includes('ip link set vlan101 master br101'));
    await net.removeNetwork(vlanNet);
    assert.ok(!host.devices.has('vlan101') && !host.devices.has('br101'));
  });

  it('refuses the Open vSwitch interface driver with a clear error; the default network_driver is the no-op one', () => {
    assert.throws(
      () =>
        createLinuxNet(conf({ linuxnet_interface_driver: 'nova.network.linux_net.LinuxOVSInterfaceDriver' }), {
          executor: fakeHost().executor,
        }),
      (err: unknown) => err instanceof NetworkDriverNotSupported && /not supported here/.test(err.message),
    );
    assert.ok(loadLinuxNetDriver(Config.load({ overrides: { DEFAULT: { state_path: dir } } })) instanceof NoopLinuxNet);
  });

  it('fake_network only logs: nothing runs and no DHCP files are written', async () => {
    const net = createLinuxNet(conf({ fake_network: true, networks_path: join(dir, 'fake-networks') }));
    await net.initHost([flat]);
    await net.setupNetwork(flat, []);
    assert.throws(() => statSync(join(dir, 'fake-networks', 'nova-br100.conf')));
  });

  it('with use_ipv6: the v6 address on the bridge, radvd started with its configuration, the link-local gateway read back', async () => {
    const host = fakeHost();
    const net = driver(host, { use_ipv6: true });
    const v6: HostNetwork = { ...flat, bridge: 'br102', cidrV6: 'fd00:2::/64' };
    await net.setupNetwork(v6, []);
    const conf = join(dir, 'networks', 'nova-ra-br102.conf');
    assert.match(readFileSync(conf, 'utf8'), /interface br102\n\{[\s\S]*prefix fd00:2::\/64/);
    assert.ok(host.lines().includes('ip -f inet6 addr change fd00:2::/64 dev br102'));
    assert.ok(host.lines().includes(`radvd -C ${conf} -p ${join(dir, 'networks', 'nova-ra-br102.pid')}`));
    assert.equal(await net.linkLocalGateway(v6), null, 'the pretend host has no link-local address');
  });
});

describe('dhcpbridge location and configuration', () => {
  it('resolves a bare dhcpbridge name on PATH, then in nova-ts bin/', () => {
    assert.equal(resolveDhcpbridge('/opt/x/nova-dhcpbridge'), '/opt/x/nova-dhcpbridge');
    assert.equal(resolveDhcpbridge('sh', '/usr/bin:/bin'), '/usr/bin/sh');
    assert.match(resolveDhcpbridge('nova-dhcpbridge', ''), /\/bin\/nova-dhcpbridge\.js$/);
  });

  it("hands dnsmasq the service's own config files unless dhcpbridge_flagfile is set", () => {
    const file = join(dir, 'nova.conf');
    writeFileSync(file, '[DEFAULT]\n');
    assert.deepEqual(dhcpbridgeFlagfile(Config.load({ configFiles: [file] })), [file]);
    assert.deepEqual(
      dhcpbridgeFlagfile(Config.load({ configFiles: [file], overrides: { DEFAULT: { dhcpbridge_flagfile: ['/etc/x.conf'] } } })),
      ['/etc/x.conf'],
    );
    assert.deepEqual(dhcpbridgeFlagfile(Config.load({})), ['/etc/nova/nova-dhcpbridge.conf']);
  });
});
