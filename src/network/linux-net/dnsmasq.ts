/**
 * dnsmasq's and radvd's command lines and files for one network (docs/network.md; nova/network/linux_net.py in Grizzly), as
 * pure functions. Files live in `networks_path`: `nova-<dev>.conf` (DHCP hosts),
 * `nova-<dev>.hosts` (DNS hosts, multi_host), `nova-<dev>.opts` (DHCP options), `nova-<dev>.pid`,
 * and `nova-ra-<dev>.conf` / `.pid` for radvd.
 */
import { join, resolve } from 'node:path';
import { cidrSize, parseCidr } from '../../common/ipaddr.js';
import type { DhcpHost, DnsHost, HostNetwork } from './types.js';

export type DhcpFileKind = 'conf' | 'hosts' | 'opts' | 'pid';

export function dhcpFile(networksPath: string, dev: string, kind: DhcpFileKind): string {
  return resolve(join(networksPath, `nova-${dev}.${kind}`));
}

export function raFile(networksPath: string, dev: string, kind: 'conf' | 'pid'): string {
  return resolve(join(networksPath, `nova-ra-${dev}.${kind}`));
}

export interface DnsmasqOptions {
  networksPath: string;
  /** `dnsmasq_config_file`: passed as `--conf-file=` even when empty, which stops dnsmasq reading /etc/dnsmasq.conf. */
  configFile: string;
  /** `dhcpbridge`: the script dnsmasq runs on lease events. */
  dhcpbridge: string;
  /** `dhcpbridge_flagfile`: handed to the script as JSON in CONFIG_FILE. */
  dhcpbridgeFlagfile: readonly string[];
  leaseTime: number;
  domain: string | null;
  dnsServers: readonly string[];
  useNetworkDnsServers: boolean;
  useSingleDefaultGateway: boolean;
}

/** Upstream DNS servers for a network: `dns_server`, plus dns1/dns2 with `use_network_dns_servers`. */
export function upstreamDnsServers(network: HostNetwork, o: DnsmasqOptions): string[] {
  const servers = new Set(o.dnsServers);
  if (o.useNetworkDnsServers) {
    if (network.dns1) servers.add(network.dns1);
    if (network.dns2) servers.add(network.dns2);
  }
  return [...servers];
}

/** The environment dnsmasq hands to nova-dhcpbridge (as `env` assignments). */
export function dnsmasqEnvironment(network: HostNetwork, o: DnsmasqOptions): string[] {
  return [`CONFIG_FILE=${JSON.stringify(o.dhcpbridgeFlagfile)}`, `NETWORK_ID=${network.id}`];
}

/** dnsmasq's argv (program first) serving DHCP for a network on `dev`, with Grizzly's flags. */
export function dnsmasqArgv(dev: string, network: HostNetwork, o: DnsmasqOptions): string[] {
  const cidr = network.cidr ? parseCidr(network.cidr) : null;
  if (!cidr || !network.dhcpServer || !network.dhcpStart || !network.netmask) {
    throw new Error(`network ${network.id} lacks the cidr, DHCP server, start or netmask dnsmasq needs`);
  }
  const argv = [
    'dnsmasq',
    '--strict-order',
    '--bind-interfaces',
    `--conf-file=${o.configFile}`,
    `--pid-file=${dhcpFile(o.networksPath, dev, 'pid')}`,
    `--listen-address=${network.dhcpServer}`,
    '--except-interface=lo',
    `--dhcp-range=set:${network.label ?? ''},${network.dhcpStart},static,${network.netmask},${o.leaseTime}s`,
    `--dhcp-lease-max=${cidrSize(cidr)}`,
    `--dhcp-hostsfile=${dhcpFile(o.networksPath, dev, 'conf')}`,
    `--dhcp-script=${o.dhcpbridge}`,
    '--leasefile-ro',
  ];
  // dnsmasq refuses an empty --domain, so it is given only when set.
  if (o.domain) argv.push(`--domain=${o.domain}`);
  const servers = upstreamDnsServers(network, o);
  if (network.multiHost || servers.length > 0) argv.push('--no-hosts');
  if (network.multiHost) argv.push(`--addn-hosts=${dhcpFile(o.networksPath, dev, 'hosts')}`);
  if (servers.length > 0) argv.push('--no-resolv');
  for (const server of servers) argv.push(`--server=${server}`);
  if (o.useSingleDefaultGateway) argv.push(`--dhcp-optsfile=${dhcpFile(o.networksPath, dev, 'opts')}`);
  return argv;
}

function qualified(hostname: string, domain: string | null): string {
  return domain ? `${hostname}.${domain}` : hostname;
}

/** The dnsmasq hosts-file line of one address. */
export function dhcpHostLine(host: DhcpHost, domain: string | null, singleDefaultGateway = false): string {
  const line = `${host.mac},${qualified(host.hostname, domain)},${host.address}`;
  return singleDefaultGateway ? `${line},net:NW-${host.vifId}` : line;
}

/** The `--dhcp-hostsfile` contents: one line per MAC (the first address of a MAC wins). */
export function dhcpHostsText(hosts: readonly DhcpHost[], domain: string | null, singleDefaultGateway: boolean): string {
  const macs = new Set<string>();
  const lines: string[] = [];
  for (const host of hosts) {
    if (macs.has(host.mac)) continue;
    macs.add(host.mac);
    lines.push(dhcpHostLine(host, domain, singleDefaultGateway));
  }
  return lines.join('\n');
}

/** The `--dhcp-optsfile` contents: interfaces other than an instance's first get an empty router option. */
export function dhcpOptsText(hosts: readonly DhcpHost[]): string {
  return hosts
    .filter((h) => h.firstVif === false)
    .map((h) => `NW-${h.vifId},3`)
    .join('\n');
}

/** The `--addn-hosts` contents: `<address>\t<hostname>.<domain>`. */
export function dnsHostsText(hosts: readonly DnsHost[], domain: string | null): string {
  return hosts.map((h) => `${h.address}\t${qualified(h.hostname, domain)}`).join('\n');
}

/** A lease as `nova-dhcpbridge init` prints it for dnsmasq: `<expiry> <mac> <address> <hostname or *> *`. */
export function leaseLine(lease: { mac: string; address: string; hostname: string | null }, expiresAt: number): string {
  return `${expiresAt} ${lease.mac} ${lease.address} ${lease.hostname || '*'} *`;
}

/** radvd's configuration advertising a network's IPv6 prefix on `dev`. */
export function radvdConfig(dev: string, cidrV6: string): string {
  return [
    '',
    `interface ${dev}`,
    '{',
    '   AdvSendAdvert on;',
    '   MinRtrAdvInterval 3;',
    '   MaxRtrAdvInterval 10;',
    `   prefix ${cidrV6}`,
    '   {',
    '        AdvOnLink on;',
    '        AdvAutonomous on;',
    '   };',
    '};',
    '',
  ].join('\n');
}
