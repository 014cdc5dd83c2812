/**
 * The real linux_net driver, driven by the FlatDHCP manager, inside network namespaces this
 * test creates: "host" (nova-network's host: bridge, dnsmasq, NAT), "guest" (an instance,
 * attached to the bridge by a veth pair, asking for its address by DHCP) and "outside" (a
 * machine on the public network reaching the guest through its floating address).
 *
 * Needs root, iproute2, dnsmasq (dnsmasq-base), dhcp_release (dnsmasq-utils), iptables and
 * busybox; scripts/setup.sh installs them.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { adminContext } from '../../../src/context/context.js';
import { fixedIpGetByAddress } from '../../../src/db/api/fixed-ips.js';
import { virtualInterfaceGetByInstance } from '../../../src/db/api/virtual-interfaces.js';
import type { Network } from '../../../src/db/types.js';
import { dhcpFile } from '../../../src/network/linux-net/dnsmasq.js';
import { namespaceExecutor } from '../../../src/network/linux-net/executor.js';
import { procfs, readPidFile } from '../../../src/network/linux-net/processes.js';
import type { LinuxNetDriver } from '../../../src/network/linux-net/types.js';
import { loadLinuxNetDriver } from '../../../src/network/linux-net.js';
import { NetworkManager } from '../../../src/network/manager.js';
import { loadFirewallDriver } from '../../../src/virt/firewall/factory.js';
import type { FirewallDriver, SecurityGroupRule } from '../../../src/virt/firewall/types.js';
import { allFixedIps } from '../../../src/virt/network-model.js';
import { type NetworkTestEnv, networkTestEnv } from '../../functional/network/harness.js';
import { requireExternal } from '../../support/externals.js';
import { connectFrom, HTTP_GET, HTTP_SERVER, LISTENER, Namespace, onPath, runId, waitFor } from './netns.js';

const REPO = resolve(import.meta.dirname, '../../..');
const admin = adminContext();
const TOOLS = ['ip', 'dnsmasq', 'dhcp_release', 'iptables', 'busybox'];

function missingPrerequisite(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'root is required to create network namespaces';
  const missing = TOOLS.filter((tool) => !onPath(tool));
  return missing.length > 0 ? `missing ${missing.join(', ')} (run scripts/setup.sh)` : null;
}

/** A udhcpc script that configures the interface and default route, and leaves /etc/resolv.conf alone. */
const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route replace default via "$router" dev "$interface"
    ;;
esac
exit 0
`;

describe('linux_net in network namespaces', { timeout: 180_000 }, () => {
  const problem = missingPrerequisite();
  const id = runId();
  const namespaces: Namespace[] = [];
  let hostNs: Namespace;
  let guestNs: Namespace;
  let outsideNs: Namespace;
  let env: NetworkTestEnv;
  let manager: NetworkManager;
  let driver: LinuxNetDriver;
  let network: Network;
  let instanceUuid: string;
  let address: string;
  let mac: string;
  let pidFile: string;

  before(async () => {
    if (problem) return;
    env = await networkTestEnv();
    // dnsmasq rereads its hosts file as `nobody`, so its directory must be traversable.
    chmodSync(env.dir, 0o755);
    const confFile = join(env.dir, 'nova-dhcpbridge.conf');
    writeFileSync(confFile, `[DEFAULT]\nstate_path = ${env.dir}\nhost = nethost\n[database]\nconnection = ${env.url}\n`);
    const dhcpbridge = join(env.dir, 'nova-dhcpbridge');
    writeFileSync(dhcpbridge, `#!/bin/sh\ncd '${REPO}' && exec node --import tsx src/cmd/nova-dhcpbridge.ts "$@"\n`, { mode: 0o755 });
    writeFileSync(join(env.dir, 'udhcpc.sh'), UDHCPC_SCRIPT, { mode: 0o755 });
    mkdirSync(join(env.dir, 'networks'), { mode: 0o755 });

    hostNs = await Namespace.create(`nova-ln-${id}-host`);
    namespaces.push(hostNs);
    guestNs = await Namespace.create(`nova-ln-${id}-guest`);
    namespaces.push(guestNs);
    outsideNs = await Namespace.create(`nova-ln-${id}-out`);
    namespaces.push(outsideNs);
    // The public network: pub0 on the network host, out0 on a machine outside.
    await hostNs.run(['ip', 'link', 'add', 'pub0', 'type', 'veth', 'peer', 'name', 'out0']);
    await hostNs.run(['ip', 'link', 'set', 'out0', 'netns', outsideNs.name]);
    await hostNs.run(['ip', 'addr', 'add', '192.0.2.1/24', 'dev', 'pub0']);
    await hostNs.run(['ip', 'link', 'set', 'pub0', 'up']);
    await outsideNs.run(['ip', 'addr', 'add', '192.0.2.2/24', 'dev', 'out0']);
    await outsideNs.run(['ip', 'link', 'set', 'out0', 'up']);

    const conf = env.conf({
      network_driver: 'nova.network.linux_net',
      fixed_range: '',
      public_interface: 'pub0',
      routing_source_ip: '192.0.2.1',
      metadata_host: '10.0.0.1',
      metadata_port: 8775,
      networks_path: join(env.dir, 'networks'),
      dhcpbridge,
      dhcpbridge_flagfile: [confFile],
      force_dhcp_release: true,
      firewall_driver: 'nova.virt.firewall.IptablesFirewallDriver',
    });
    driver = loadLinuxNetDriver(conf, { executor: namespaceExecutor(hostNs.name) });
    manager = new NetworkManager('nethost', { db: env.db, conf, driver });
    [network] = (await manager.create_networks(admin, { label: 'private', cidr: '10.0.0.0/24', bridge: 'br100' })) as [Network];
    pidFile = dhcpFile(join(env.dir, 'networks'), 'br100', 'pid');
  });

  after(async () => {
    if (problem) return;
    // dnsmasq daemonizes, so it is not a child of anything here: kill it by its pid file.
    const pid = pidFile ? await readPidFile(pidFile) : null;
    if (pid !== null && (await procfs.cmdline(pid))?.some((a) => a.includes('nova-br100'))) process.kill(pid, 'SIGKILL');
    for (const ns of namespaces) await ns.destroy();
    await env?.close();
  });

  test('a FlatDHCP network comes up: bridge, gateway address, dnsmasq', async (t) => {
    if (!requireExternal(t, 'network namespaces with dnsmasq and iptables', problem)) return;
    await manager.initHost();
    instanceUuid = await env.instance('proj-a', 'cmp1');
    const info = await manager.allocate_for_instance(admin, { instance_id: instanceUuid, project_id: 'proj-a', host: 'cmp1' });
    address = allFixedIps(info)[0]?.address as string;
    mac = (await virtualInterfaceGetByInstance(env.db, admin, instanceUuid))[0]?.address as string;
    assert.equal(address, '10.0.0.2');
    const addr = await hostNs.run(['ip', '-4', '-o', 'addr', 'show', 'dev', 'br100']);
    assert.match(addr.stdout, /inet 10\.0\.0\.1\/24 brd 10\.0\.0\.255/);
    const pid = await readPidFile(pidFile);
    assert.ok(pid !== null, 'dnsmasq wrote its pid file');
    assert.ok((await procfs.cmdline(pid))?.includes('--listen-address=10.0.0.1'), 'dnsmasq runs with the network addresses');
    const rules = await hostNs.run(['iptables-save']);
    assert.match(rules.stdout, /-A nova-network-snat -s 10\.0\.0\.0\/24 -o pub0 -j SNAT --to-source 192\.0\.2\.1/);
  });

  test('the guest gets its fixed IP by DHCP, nova-dhcpbridge reports the lease, and the gateway and metadata answer', async (t) => {
    if (!requireExternal(t, 'network namespaces with dnsmasq and iptables', problem)) return;
    await hostNs.run(['ip', 'link', 'add', 'vh0', 'type', 'veth', 'peer', 'name', 'vg0']);
    await hostNs.run(['ip', 'link', 'set', 'vg0', 'netns', guestNs.name]);
    await hostNs.run(['ip', 'link', 'set', 'vh0', 'master', 'br100']);
    await hostNs.run(['ip', 'link', 'set', 'vh0', 'up']);
    await guestNs.run(['ip', 'link', 'set', 'vg0', 'address', mac]);
    await guestNs.run(['ip', 'link', 'set', 'vg0', 'up']);
    await guestNs.run(['busybox', 'udhcpc', '-i', 'vg0', '-n', '-q', '-t', '10', '-T', '1', '-s', join(env.dir, 'udhcpc.sh')], {
      timeoutMs: 30_000,
    });
    const addr = await guestNs.run(['ip', '-4', '-o', 'addr', 'show', 'dev', 'vg0']);
    assert.match(addr.stdout, /inet 10\.0\.0\.2\/24/);
    await waitFor(
      'dnsmasq to report the lease through nova-dhcpbridge',
      async () => !!(await fixedIpGetByAddress(env.db, admin, address)).leased,
      60_000,
    );
    await guestNs.run(['busybox', 'ping', '-c', '1', '-W', '2', '10.0.0.1']);
    await hostNs.spawnReady(['node', '-e', HTTP_SERVER, '10.0.0.1', '8775', 'i-0000002a']);
    const metadata = await guestNs.run(['node', '-e', HTTP_GET, 'http://169.254.169.254/latest/meta-data/instance-id']);
    assert.equal(metadata.stdout.trim(), 'i-0000002a', 'the metadata DNAT reaches metadata_host:metadata_port');
  });

  test('a floating IP reaches the guest from outside and stops when removed; security group rules filter it', async (t) => {
    if (!requireExternal(t, 'network namespaces with dnsmasq and iptables', problem)) return;
    await guestNs.spawnReady(['node', '-e', LISTENER, '22', '23']);
    // Through the manager, as the API asks it: a pool, an allocation, an association.
    await manager.create_floating_ips(admin, { ip_range: '192.0.2.50', pool: 'public' });
    const floatingAddress = await manager.allocate_floating_ip(admin, { project_id: 'proj-a', pool: 'public' });
    assert.equal(floatingAddress, '192.0.2.50');
    await manager.associate_floating_ip(admin, { floating_address: floatingAddress, fixed_address: address });
    const bound = await hostNs.run(['ip', '-4', '-o', 'addr', 'show', 'dev', 'pub0']);
    assert.match(bound.stdout, /inet 192\.0\.2\.50\/32/, 'the floating address is bound on public_interface');
    assert.equal(await connectFrom(outsideNs, '192.0.2.50', 22), 'port 22');
    assert.equal(await connectFrom(outsideNs, '192.0.2.50', 23), 'port 23', 'without a firewall every port is open');

    const tcp22: SecurityGroupRule = { protocol: 'tcp', from_port: 22, to_port: 22, cidr: '0.0.0.0/0', grantee_ips: null };
    const firewall: FirewallDriver = loadFirewallDriver(env.conf({ firewall_driver: 'nova.virt.firewall.IptablesFirewallDriver' }), {
      source: { securityGroupRules: async () => [tcp22], providerRules: async () => [] },
      defaultDriver: 'nova.virt.firewall.NoopFirewallDriver',
      executor: namespaceExecutor(hostNs.name),
    });
    const instance = { id: 1, uuid: instanceUuid };
    const nwInfo = await manager.get_instance_nw_info(admin, { instance_id: instanceUuid, host: 'cmp1' });
    await firewall.prepareInstanceFilter(instance, nwInfo);
    assert.equal(await connectFrom(outsideNs, '192.0.2.50', 22), 'port 22', 'the security group rule lets tcp/22 through');
    assert.equal(await connectFrom(outsideNs, '192.0.2.50', 23, 1500), 'timeout', 'tcp/23 is dropped');
    await firewall.unfilterInstance(instance, nwInfo);
    assert.equal(await connectFrom(outsideNs, '192.0.2.50', 23), 'port 23', 'unfiltered again');

    await manager.disassociate_floating_ip(admin, { address: '192.0.2.50' });
    assert.notEqual(await connectFrom(outsideNs, '192.0.2.50', 22, 1500), 'port 22', 'no longer reachable once removed');
    const nat = await hostNs.run(['iptables-save', '-t', 'nat']);
    assert.ok(!nat.stdout.includes('192.0.2.50'), 'its NAT rules are gone');
  });

  test('deallocation releases the lease at once (force_dhcp_release) and deleting the network removes bridge and dnsmasq', async (t) => {
    if (!requireExternal(t, 'network namespaces with dnsmasq and iptables', problem)) return;
    const pid = (await readPidFile(pidFile)) as number;
    await manager.deallocate_for_instance(admin, { instance_id: instanceUuid, host: 'cmp1' });
    await waitFor(
      'dhcp_release to end the lease through dnsmasq and nova-dhcpbridge',
      async () => {
        const row = await fixedIpGetByAddress(env.db, admin, address);
        return !row.leased && row.instance_uuid === null;
      },
      60_000,
    );
    await manager.delete_network(admin, { uuid: network.uuid as string });
    const link = await hostNs.run(['ip', 'link', 'show', 'br100'], { allowedExitCodes: 'any' });
    assert.notEqual(link.exitCode, 0, 'the bridge is gone');
    assert.equal(await procfs.cmdline(pid), null, 'dnsmasq is gone');
  });
});
