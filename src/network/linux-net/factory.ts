/**
 * Builds the real linux_net driver from nova.conf. The pieces share one executor and one
 * iptables manager (chains `nova-network-*`); tests and namespaced runs hand in their own
 * executor (e.g. `ip netns exec <ns>`), and hosts without 8021q their own VLAN step.
 */
import { existsSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidConfig } from '../../common/errors.js';
import type { Config } from '../../config/config.js';
import { linuxNetOpts, networkManagerOpts } from '../opts.js';
import { Devices } from './devices.js';
import { DhcpServers } from './dhcp-server.js';
import { LinuxNet } from './driver.js';
import { Ebtables } from './ebtables.js';
import { type CommandExecutor, ProcessExecutor, RecordingExecutor } from './executor.js';
import { LINUX_BRIDGE_DRIVER, LinuxBridgeInterfaceDriver, unsupportedInterfaceDriver, type VlanCreator } from './interface-driver.js';
import { type IptablesFlavour, IptablesManager } from './iptables/manager.js';
import { LINUX_NET_L3, LinuxNetL3, NULL_L3, NullL3 } from './l3.js';
import type { ProcessTable } from './processes.js';

export interface LinuxNetOverrides {
  /** Where commands run; default: this host, for real (or only logged with `fake_network`). */
  executor?: CommandExecutor;
  createVlan?: VlanCreator;
  processes?: ProcessTable;
  flavour?: IptablesFlavour;
  /** Whether /dev/vhost-net exists (DHCP checksum rule); default: looks. */
  vhostNet?: () => boolean;
}

/** nova-ts's own bin/ directory (this file is three levels below the package root, in src/ or dist/). */
const PACKAGE_BIN = fileURLToPath(new URL('../../../bin/', import.meta.url));

/**
 * dnsmasq runs its --dhcp-script by path, without a PATH search, so a bare `dhcpbridge` name
 * is resolved here: on PATH first, then nova-ts's own bin/.
 */
export function resolveDhcpbridge(name: string, path = process.env.PATH ?? ''): string {
  if (isAbsolute(name)) return name;
  for (const dir of path.split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  for (const candidate of [join(PACKAGE_BIN, name), join(PACKAGE_BIN, `${name}.js`)]) {
    if (existsSync(candidate)) return candidate;
  }
  return name;
}

/**
 * The configuration files nova-dhcpbridge is told to read: `dhcpbridge_flagfile` when set,
 * else the files this service itself was started with (so that nova-all's generated
 * nova.conf reaches it), else the option's default.
 */
export function dhcpbridgeFlagfile(conf: Config): string[] {
  if (conf.isSet(linuxNetOpts.group, 'dhcpbridge_flagfile') || conf.files.length === 0) return conf.get(linuxNetOpts).dhcpbridge_flagfile;
  return conf.files.map((file) => resolve(file));
}

export function createLinuxNet(conf: Config, overrides: LinuxNetOverrides = {}): LinuxNet {
  const n = conf.get(networkManagerOpts);
  const o = conf.get(linuxNetOpts);
  if (o.linuxnet_interface_driver && o.linuxnet_interface_driver !== LINUX_BRIDGE_DRIVER) {
    unsupportedInterfaceDriver(o.linuxnet_interface_driver);
  }
  const l3Name = n.l3_lib ?? LINUX_NET_L3;
  if (l3Name !== LINUX_NET_L3 && l3Name !== NULL_L3) throw new InvalidConfig(`unknown l3_lib ${l3Name}; use ${LINUX_NET_L3} or ${NULL_L3}`);
  if (!overrides.executor && !n.fake_network && typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new InvalidConfig(
      'network_driver nova.network.linux_net builds bridges, runs dnsmasq and writes iptables rules, so nova-network must run as root; ' +
        'leave network_driver at its default to run without host plumbing',
    );
  }
  const executor = overrides.executor ?? (n.fake_network ? new RecordingExecutor({ log: true }) : new ProcessExecutor());
  const useIpv6 = n.use_ipv6;
  const iptables = new IptablesManager({
    executor,
    binaryName: 'nova-network',
    useIpv6,
    topRegex: o.iptables_top_regex,
    bottomRegex: o.iptables_bottom_regex,
    ...(overrides.flavour ? { flavour: overrides.flavour } : {}),
  });
  const ebtables = new Ebtables(executor);
  const interfaces = new LinuxBridgeInterfaceDriver({
    executor,
    iptables,
    ebtables,
    options: {
      flatInterface: n.flat_interface,
      vlanInterface: n.vlan_interface,
      networkDeviceMtu: o.network_device_mtu,
      forwardBridgeInterface: o.forward_bridge_interface,
      shareDhcpAddress: n.share_dhcp_address,
    },
    ...(overrides.createVlan ? { createVlan: overrides.createVlan } : {}),
  });
  const arpCount = o.send_arp_for_ha ? (o.send_arp_for_ha_count ?? 0) : 0;
  const l3 =
    l3Name === NULL_L3
      ? new NullL3()
      : new LinuxNetL3({
          executor,
          iptables,
          ebtables,
          interfaces,
          options: {
            routingSourceIp: o.routing_source_ip,
            forceSnatRange: o.force_snat_range,
            publicInterface: o.public_interface,
            dmzCidr: o.dmz_cidr,
            metadataHost: o.metadata_host ?? '127.0.0.1',
            metadataPort: o.metadata_port,
            useIpv6,
            arpCount,
          },
        });
  const dhcp = new DhcpServers({
    executor,
    iptables,
    options: {
      networksPath: o.networks_path ?? 'networks',
      configFile: o.dnsmasq_config_file ?? '',
      dhcpbridge: resolveDhcpbridge(o.dhcpbridge ?? 'nova-dhcpbridge'),
      dhcpbridgeFlagfile: dhcpbridgeFlagfile(conf),
      leaseTime: o.dhcp_lease_time ?? 120,
      domain: n.dhcp_domain,
      dnsServers: o.dns_server,
      useNetworkDnsServers: o.use_network_dns_servers,
      useSingleDefaultGateway: o.use_single_default_gateway,
    },
    ...(overrides.processes ? { processes: overrides.processes } : {}),
    vhostNet: overrides.vhostNet ?? (() => existsSync('/dev/vhost-net')),
  });
  return new LinuxNet({
    interfaces,
    l3,
    dhcp,
    devices: new Devices(executor),
    iptables,
    options: { fixedRange: n.fixed_range || null, useIpv6, publicInterface: o.public_interface || null, fakeNetwork: n.fake_network },
  });
}
