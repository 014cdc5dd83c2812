/**
 * What a guest learns about its addresses: the fixed and floating IPs of its network info,
 * and, for networks created with `flat_injected`, a Debian `interfaces(5)` file with the
 * static configuration (Grizzly's injected network template), which the metadata service
 * and the config drive publish as `content/0000`.
 */
import { addressAt, netmaskOf, parseCidr } from '../common/ipaddr.js';
import type { NetworkInfo, Subnet } from '../virt/network-model.js';

export interface IpInfo {
  fixedIps: string[];
  fixedIp6s: string[];
  floatingIps: string[];
}

export function ipInfo(nwInfo: NetworkInfo): IpInfo {
  const out: IpInfo = { fixedIps: [], fixedIp6s: [], floatingIps: [] };
  for (const vif of nwInfo) {
    for (const subnet of vif.network?.subnets ?? []) {
      for (const ip of subnet.ips) {
        (ip.version === 4 ? out.fixedIps : out.fixedIp6s).push(ip.address);
        for (const f of ip.floating_ips) out.floatingIps.push(f.address);
      }
    }
  }
  return out;
}

interface StaticInterface {
  name: string;
  address: string;
  netmask: string;
  broadcast: string;
  gateway: string;
  dns: string;
  v6: { address: string; prefix: string; gateway: string } | null;
}

function firstSubnet(subnets: readonly Subnet[], version: 4 | 6): Subnet | undefined {
  return subnets.find((s) => s.version === version && s.ips.length > 0);
}

function staticInterface(name: string, subnets: readonly Subnet[], useIpv6: boolean): StaticInterface | null {
  const v4 = firstSubnet(subnets, 4);
  const cidr = v4?.cidr ? parseCidr(v4.cidr) : null;
  const ip = v4?.ips[0];
  if (!v4 || !cidr || !ip) return null;
  const v6subnet = useIpv6 ? firstSubnet(subnets, 6) : undefined;
  const v6cidr = v6subnet?.cidr ? parseCidr(v6subnet.cidr) : null;
  return {
    name,
    address: ip.address,
    netmask: netmaskOf(cidr),
    broadcast: addressAt(cidr, -1),
    gateway: v4.gateway?.address ?? '',
    dns: v4.dns.map((d) => d.address).join(' '),
    v6:
      v6subnet && v6cidr && v6subnet.ips[0]
        ? { address: v6subnet.ips[0].address, prefix: String(v6cidr.prefix), gateway: v6subnet.gateway?.address ?? '' }
        : null,
  };
}

/** The interfaces file for the injected networks of an instance, or null when none is injected. */
export function injectedNetworkConfig(nwInfo: NetworkInfo, useIpv6: boolean): string | null {
  const interfaces: StaticInterface[] = [];
  nwInfo.forEach((vif, index) => {
    if (vif.network?.meta.injected !== true) return;
    const ifc = staticInterface(`eth${index}`, vif.network.subnets, useIpv6);
    if (ifc) interfaces.push(ifc);
  });
  if (interfaces.length === 0) return null;
  const lines = [
    '# Written by nova-ts when the instance was built: the static configuration of its',
    '# injected networks. See interfaces(5).',
    '',
    'auto lo',
    'iface lo inet loopback',
    '',
  ];
  for (const ifc of interfaces) {
    lines.push(
      `auto ${ifc.name}`,
      `iface ${ifc.name} inet static`,
      `        address ${ifc.address}`,
      `        netmask ${ifc.netmask}`,
      `        broadcast ${ifc.broadcast}`,
      `        gateway ${ifc.gateway}`,
    );
    if (ifc.dns) lines.push(`        dns-nameservers ${ifc.dns}`);
    lines.push('');
    if (ifc.v6) {
      lines.push(
        `iface ${ifc.name} inet6 static`,
        `    address ${ifc.v6.address}`,
        `    netmask ${ifc.v6.prefix}`,
        `    gateway ${ifc.v6.gateway}`,
        '',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
