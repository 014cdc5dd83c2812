import { defineGroup, opt } from '../config/registry.js';

/** Grizzly's class paths of the three managers, accepted as values of `network_manager`. */
export const FLAT_MANAGER = 'nova.network.manager.FlatManager';
export const FLAT_DHCP_MANAGER = 'nova.network.manager.FlatDHCPManager';
export const VLAN_MANAGER = 'nova.network.manager.VlanManager';

/** The host plumbing drivers `network_driver` may name (see linux-net.ts). */
export const NOOP_NETWORK_DRIVER = 'nova.network.noop_linux_net';
export const LINUX_NET_DRIVER = 'nova.network.linux_net';

/** Options of the nova-network managers (nova/network/manager.py, nova/network/api.py). */
export const networkManagerOpts = defineGroup('DEFAULT', {
  network_manager: opt.str(
    FLAT_DHCP_MANAGER,
    'Network manager class. Grizzly defaulted to VlanManager, which needs a VLAN-capable interface on every host; ' +
      'nova-ts defaults to FlatDHCPManager so that the embedded cloud boots servers with an address out of the box.',
    { choices: [FLAT_MANAGER, FLAT_DHCP_MANAGER, VLAN_MANAGER, 'FlatManager', 'FlatDHCPManager', 'VlanManager'] },
  ),
  flat_network_bridge: opt.str(null, 'Bridge of networks created without --bridge.'),
  flat_network_dns: opt.str('8.8.4.4', 'dns1 of networks created without --dns1.'),
  flat_injected: opt.bool(false, 'Inject the network configuration into the guest image (sets networks.injected on setup).'),
  flat_interface: opt.str(null, "Physical interface bridged into flat networks (overrides a network's bridge_interface)."),
  vlan_start: opt.int(100, 'First VLAN id of networks created by VlanManager.', { min: 1, max: 4094 }),
  vlan_interface: opt.str(null, "Physical interface carrying VLANs (overrides a network's bridge_interface)."),
  num_networks: opt.int(1, 'Networks made by one `network create`.', { min: 1 }),
  vpn_ip: opt.str('$my_ip', 'Public IP of cloudpipe VPN servers.'),
  vpn_start: opt.int(1000, 'First public port of cloudpipe VPNs.', { min: 1, max: 65535 }),
  network_size: opt.int(256, 'Addresses per network.', { min: 4 }),
  fixed_range: opt.str('10.0.0.0/8', 'Deprecated: range SNATed on network hosts at start; empty means per network.'),
  fixed_range_v6: opt.str('fd00::/48', 'IPv6 block networks are cut from.'),
  gateway: opt.str(null, 'Default IPv4 gateway of created networks (else the first host address).'),
  gateway_v6: opt.str(null, 'Default IPv6 gateway of created networks (else the first host address).'),
  cnt_vpn_clients: opt.int(0, 'Extra addresses reserved at the top of VLAN networks for VPN clients.', { min: 0 }),
  fixed_ip_disassociate_timeout: opt.int(600, 'Seconds after deallocation before a fixed IP is disassociated from its instance.', {
    min: 0,
  }),
  create_unique_mac_address_attempts: opt.int(5, 'Attempts at a MAC address not used yet before giving up.', { min: 1 }),
  fake_network: opt.bool(false, 'Only log the host commands instead of running them.'),
  teardown_unused_network_gateway: opt.bool(false, 'VLAN + multi_host: remove the bridge and VLAN of networks a host no longer uses.'),
  force_dhcp_release: opt.bool(false, 'On deallocation, tell dnsmasq to release the lease at once so the address is free immediately.'),
  share_dhcp_address: opt.bool(false, 'multi_host: every host serves DHCP from the network gateway address.'),
  update_dns_entries: opt.bool(false, 'Tell every network host to rewrite its DNS hosts file on allocation and release (multi_host).'),
  dns_update_periodic_interval: opt.int(-1, 'Seconds between DNS hosts file refreshes; negative disables.'),
  dhcp_domain: opt.str('novalocal', 'Domain of DHCP host names.'),
  l3_lib: opt.str('nova.network.l3.LinuxNetL3', 'L3 driver (gateway, NAT, floating IPs); nova.network.l3.NullL3 leaves them alone.', {
    choices: ['nova.network.l3.LinuxNetL3', 'nova.network.l3.NullL3'],
  }),
  multi_host: opt.bool(false, "Default multi_host of created networks; also sends allocation requests to the instance's own host."),
  network_driver: opt.str(
    NOOP_NETWORK_DRIVER,
    `Host plumbing driver. The default touches nothing on the host, so nova-network runs unprivileged; ${LINUX_NET_DRIVER} ` +
      'builds bridges, runs dnsmasq and writes iptables rules, and needs root.',
    {
      choices: [NOOP_NETWORK_DRIVER, LINUX_NET_DRIVER],
    },
  ),
  use_ipv6: opt.bool(false, 'Give instances IPv6 addresses too.'),
  ipv6_backend: opt.str('rfc2462', 'How IPv6 addresses are derived from MACs.', { choices: ['rfc2462', 'account_identifier'] }),
});

/** Options of the host plumbing (nova/network/linux_net.py; see docs/network.md). */
export const linuxNetOpts = defineGroup('DEFAULT', {
  dhcpbridge_flagfile: opt.multi(['/etc/nova/nova-dhcpbridge.conf'], 'Config files nova-dhcpbridge reads, handed to dnsmasq.'),
  networks_path: opt.str('$state_path/networks', 'Where dnsmasq and radvd files are kept.'),
  public_interface: opt.str('eth0', 'Interface floating IPs are bound to.'),
  network_device_mtu: opt.str(null, 'MTU of VLAN and OVS gateway devices.'),
  dhcpbridge: opt.str('nova-dhcpbridge', "Program dnsmasq runs on lease events; a bare name is looked up on PATH, then in nova-ts's bin/."),
  routing_source_ip: opt.str('$my_ip', 'Source address of outbound SNAT.'),
  dhcp_lease_time: opt.int(120, 'Seconds a DHCP lease lasts.', { min: 1 }),
  dns_server: opt.multi([], 'Upstream DNS servers dnsmasq forwards to.'),
  use_network_dns_servers: opt.bool(false, "Add the networks' dns1/dns2 to dnsmasq's upstream servers."),
  dmz_cidr: opt.list([], 'Destinations exempt from SNAT.'),
  force_snat_range: opt.multi([], 'Destinations always SNATed.'),
  dnsmasq_config_file: opt.str('', 'Extra dnsmasq configuration file.'),
  linuxnet_interface_driver: opt.str('nova.network.linux_net.LinuxBridgeInterfaceDriver', 'How bridges are made.', {
    choices: [
      'nova.network.linux_net.LinuxBridgeInterfaceDriver',
      'nova.network.linux_net.LinuxOVSInterfaceDriver',
      'nova.network.linux_net.QuantumLinuxBridgeInterfaceDriver',
    ],
  }),
  linuxnet_ovs_integration_bridge: opt.str('br-int', 'Open vSwitch integration bridge.'),
  send_arp_for_ha: opt.bool(false, 'Send gratuitous ARPs when a floating IP or gateway is brought up.'),
  send_arp_for_ha_count: opt.int(3, 'Gratuitous ARPs sent each time.', { min: 0 }),
  use_single_default_gateway: opt.bool(false, "Only an instance's first interface gets a default route from DHCP."),
  forward_bridge_interface: opt.multi(['all'], 'Interfaces bridges may forward to.'),
  metadata_host: opt.str('$my_ip', "Where instances' metadata requests are sent."),
  metadata_port: opt.port(8775, 'Port of the metadata service.'),
  iptables_top_regex: opt.str('', 'Existing iptables rules matching this stay on top.'),
  iptables_bottom_regex: opt.str('', 'Existing iptables rules matching this stay at the bottom.'),
});

/** Options of floating IPs and DNS entries (nova/network/floating_ips.py, nova/network/manager.py). */
export const floatingIpOpts = defineGroup('DEFAULT', {
  default_floating_pool: opt.str('nova', 'Pool floating IPs are allocated from when a request names none.'),
  auto_assign_floating_ip: opt.bool(false, 'Give every new instance a floating IP from the default pool.'),
  floating_ip_dns_manager: opt.str('nova.network.noop_dns_driver.NoopDNSDriver', 'DNS driver of floating IP entries.'),
  instance_dns_manager: opt.str('nova.network.noop_dns_driver.NoopDNSDriver', 'DNS driver of instance entries.'),
  instance_dns_domain: opt.str('', 'Domain instance entries are created in; empty creates none.'),
});
