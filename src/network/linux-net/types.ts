/**
 * What nova-network's manager asks of the host (docs/network.md): the data it hands over and
 * the driver interface. Everything here is plain data; a driver never reads the database.
 */

/** What the host needs to know of a network to serve it. */
export interface HostNetwork {
  id: number;
  uuid: string | null;
  label: string | null;
  bridge: string | null;
  /** The physical interface bridged in: `flat_interface` or the network's own (VLAN: the trunk, unless `vlan_interface`). */
  bridgeInterface: string | null;
  cidr: string | null;
  cidrV6: string | null;
  gateway: string | null;
  broadcast: string | null;
  netmask: string | null;
  dhcpStart: string | null;
  vlan: number | null;
  multiHost: boolean;
  /** The address dnsmasq listens on for this network on this host. */
  dhcpServer: string | null;
  /** Upstream DNS of the network (dnsmasq forwards to them with `use_network_dns_servers`). */
  dns1?: string | null;
  dns2?: string | null;
}

/** One line of a dnsmasq hosts file: this MAC gets this address and name. */
export interface DhcpHost {
  mac: string;
  address: string;
  hostname: string;
  vifId: number;
  /**
   * False for an interface that is not its instance's first one: with
   * `use_single_default_gateway` it gets no default route. Unknown counts as first.
   */
  firstVif?: boolean;
}

/** One line of a network's DNS hosts file (multi_host): this name resolves to this address. */
export interface DnsHost {
  address: string;
  hostname: string;
}

/** A floating address to plumb: where it is bound and which fixed address it reaches. */
export interface FloatingIpPlumbing {
  floatingAddress: string;
  fixedAddress: string;
  /**
   * The floating IP row's `interface`. The device actually used is `public_interface` when
   * that option is set, else this one (as Grizzly's FloatingIP mixin decides).
   */
  interface: string | null;
  /** The fixed address's network: its bridge and cidr keep in-network traffic bridged. */
  network: Pick<HostNetwork, 'bridge' | 'cidr'> | null;
}

export type PlumbingCall =
  | { op: 'initHost'; networks: number[] }
  | { op: 'setupNetwork'; network: number; hosts: number }
  | { op: 'teardownNetwork'; network: number; hosts: number }
  | { op: 'removeNetwork'; network: number }
  | { op: 'updateDns'; network: number; hosts: number }
  | { op: 'releaseDhcp'; device: string | null; address: string; mac: string }
  | { op: 'addFloatingIp'; floating: string; fixed: string; interface: string | null }
  | { op: 'removeFloatingIp'; floating: string; fixed: string; interface: string | null }
  | { op: 'addVpn'; publicIp: string; port: number; privateIp: string };

export interface LinuxNetDriver {
  readonly name: string;
  /** Once at service start: NAT for the fixed ranges, metadata forwarding. */
  initHost(networks: readonly HostNetwork[]): Promise<void>;
  /** Makes the host serve a network: bridge, gateway address, DHCP hosts file, dnsmasq (re)start, radvd with IPv6. */
  setupNetwork(network: HostNetwork, hosts: readonly DhcpHost[]): Promise<void>;
  /** Rewrites the DHCP hosts after an address left. */
  teardownNetwork(network: HostNetwork, hosts: readonly DhcpHost[]): Promise<void>;
  /** Stops serving a network on this host: dnsmasq and radvd killed, its gateway bridge (and VLAN) removed. */
  removeNetwork(network: HostNetwork): Promise<void>;
  /** Rewrites a network's DNS hosts file (multi_host `update_dns`) and reloads dnsmasq. */
  updateDns(network: HostNetwork, hosts: readonly DnsHost[]): Promise<void>;
  /** Ends a DHCP lease now (force_dhcp_release). */
  releaseDhcp(device: string | null, address: string, mac: string): Promise<void>;
  /** The network's IPv6 gateway on this host: the link-local address of its device (null without one). */
  linkLocalGateway(network: HostNetwork): Promise<string | null>;
  /** Binds a floating address on the public device and NATs it to its fixed address. */
  addFloatingIp(plumbing: FloatingIpPlumbing): Promise<void>;
  /** Undoes addFloatingIp. */
  removeFloatingIp(plumbing: FloatingIpPlumbing): Promise<void>;
  /** Forwards a cloudpipe VPN's public port to its instance. */
  addVpn(publicIp: string, port: number, privateIp: string): Promise<void>;
}
