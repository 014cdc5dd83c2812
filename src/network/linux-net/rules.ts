/**
 * The iptables and ebtables rules nova-network writes (docs/network.md; Grizzly's
 * nova/network/linux_net.py), as pure functions of their inputs. Each iptables rule is a
 * `[chain, rule]` pair for IptablesTable.addRule, in the table the caller names; `$x` is the
 * service's wrapped chain x.
 */

export type ChainRule = readonly [chain: string, rule: string];

/** The address guests reach the metadata service at. */
export const METADATA_ADDRESS = '169.254.169.254';

export interface SnatOptions {
  routingSourceIp: string | null;
  forceSnatRange: readonly string[];
  publicInterface: string | null;
}

/** nat `snat`: outbound traffic of a fixed range leaves as `routing_source_ip`. */
export function snatRules(range: string, o: SnatOptions): ChainRule[] {
  if (!o.routingSourceIp) return [];
  const destinations = o.forceSnatRange.length > 0 ? o.forceSnatRange : ['0.0.0.0/0'];
  return destinations.map((dest) => {
    const rule = `-s ${range} -d ${dest} -j SNAT --to-source ${o.routingSourceIp}`;
    return ['snat', o.publicInterface ? `${rule} -o ${o.publicInterface}` : rule] as const;
  });
}

/** nat `POSTROUTING`: traffic of a fixed range that must keep its source (metadata, DMZ, same range). */
export function initHostRules(range: string, o: { metadataHost: string; dmzCidr: readonly string[] }): ChainRule[] {
  return [
    ['POSTROUTING', `-s ${range} -d ${o.metadataHost}/32 -j ACCEPT`],
    ...o.dmzCidr.map((dmz) => ['POSTROUTING', `-s ${range} -d ${dmz} -j ACCEPT`] as const),
    ['POSTROUTING', `-s ${range} -d ${range} -m conntrack ! --ctstate DNAT -j ACCEPT`],
  ];
}

/** ebtables nat: traffic of a fixed range to a force_snat_range is routed (and so SNATed), not bridged. */
export function forceSnatEbtablesRules(range: string, forceSnatRange: readonly string[]): string[] {
  return forceSnatRange.map((dest) => `PREROUTING -p ipv4 --ip-src ${range} --ip-dst ${dest} -j redirect --redirect-target ACCEPT`);
}

/**
 * nat `PREROUTING`: guests' requests to 169.254.169.254:80 go to the metadata service. A
 * metadata service on this host's loopback is reached by REDIRECT, since DNAT to 127.0.0.1
 * of routed traffic is dropped by the kernel.
 */
export function metadataForwardRule(metadataHost: string, metadataPort: number): ChainRule {
  const match = `-s 0.0.0.0/0 -d ${METADATA_ADDRESS}/32 -p tcp -m tcp --dport 80`;
  if (metadataHost === '127.0.0.1') return ['PREROUTING', `${match} -j REDIRECT --to-ports ${metadataPort}`];
  return ['PREROUTING', `${match} -j DNAT --to-destination ${metadataHost}:${metadataPort}`];
}

/** filter `INPUT`: lets guests' metadata requests in (nova-api-metadata's own init). */
export function metadataAcceptRule(metadataHost: string, metadataPort: number): ChainRule {
  return ['INPUT', `-s 0.0.0.0/0 -d ${metadataHost} -p tcp -m tcp --dport ${metadataPort} -j ACCEPT`];
}

/** nat rules that make a floating address reach a fixed one and the fixed one leave as the floating. */
export function floatingForwardRules(floating: string, fixed: string, device: string | null): ChainRule[] {
  const snat = `-s ${fixed} -j SNAT --to ${floating}`;
  const rules: ChainRule[] = device
    ? [
        ['float-snat', `${snat} -d ${fixed}`],
        ['float-snat', `${snat} -o ${device}`],
      ]
    : [['float-snat', snat]];
  rules.push(
    ['PREROUTING', `-d ${floating} -j DNAT --to ${fixed}`],
    ['OUTPUT', `-d ${floating} -j DNAT --to ${fixed}`],
    ['POSTROUTING', `-s ${fixed} -m conntrack --ctstate DNAT -j SNAT --to-source ${floating}`],
  );
  return rules;
}

/** Matches every rendered nat rule that mentions a floating address (stale ones are removed before adding). */
export function floatingAddressPattern(floating: string): RegExp {
  const escaped = floating.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`.*\\s+${escaped}(/32|\\s+|$)`);
}

/** ebtables nat: a fixed address's traffic leaving its network is routed through the host, where floating SNAT applies. */
export function floatingEbtablesRule(fixed: string, bridge: string, networkCidr: string): string {
  return `PREROUTING --logical-in ${bridge} -p ipv4 --ip-src ${fixed} ! --ip-dst ${networkCidr} -j redirect --redirect-target ACCEPT`;
}

/** A cloudpipe VPN: UDP to the public port reaches the VPN instance's 1194. */
export function vpnForwardRules(publicIp: string, port: number, privateIp: string): { filter: ChainRule[]; nat: ChainRule[] } {
  const dnat = `-d ${publicIp} -p udp --dport ${port} -j DNAT --to ${privateIp}:1194`;
  return {
    filter: [['FORWARD', `-d ${privateIp} -p udp --dport 1194 -j ACCEPT`]],
    nat: [
      ['PREROUTING', dnat],
      ['OUTPUT', dnat],
    ],
  };
}

/** filter `INPUT`: DHCP and DNS requests reach dnsmasq on the network's device. */
export function dnsmasqAcceptRules(dev: string): ChainRule[] {
  const out: ChainRule[] = [];
  for (const port of [67, 53]) {
    for (const proto of ['udp', 'tcp']) out.push(['INPUT', `-i ${dev} -p ${proto} -m ${proto} --dport ${port} -j ACCEPT`]);
  }
  return out;
}

/** mangle `POSTROUTING`: fills DHCP reply checksums that vhost-net guests would otherwise drop. */
export function dhcpChecksumRule(dev: string): ChainRule {
  return ['POSTROUTING', `-o ${dev} -p udp -m udp --dport 68 -j CHECKSUM --checksum-fill`];
}

/** filter `FORWARD` of a gateway bridge: what it may forward, per `forward_bridge_interface`. */
export function gatewayRules(bridge: string, forwardInterfaces: readonly string[]): ChainRule[] {
  if (forwardInterfaces.includes('all')) {
    return [
      ['FORWARD', `-i ${bridge} -j ACCEPT`],
      ['FORWARD', `-o ${bridge} -j ACCEPT`],
    ];
  }
  const rules: ChainRule[] = [];
  for (const iface of forwardInterfaces) {
    rules.push(['FORWARD', `-i ${bridge} -o ${iface} -j ACCEPT`], ['FORWARD', `-i ${iface} -o ${bridge} -j ACCEPT`]);
  }
  rules.push(['FORWARD', `-i ${bridge} -o ${bridge} -j ACCEPT`], ['FORWARD', `-i ${bridge} -j DROP`], ['FORWARD', `-o ${bridge} -j DROP`]);
  return rules;
}

/** filter `FORWARD` of a bridge that is not a gateway: nothing is forwarded in or out. */
export function nonGatewayRules(bridge: string): ChainRule[] {
  return [
    ['FORWARD', `--in-interface ${bridge} -j DROP`],
    ['FORWARD', `--out-interface ${bridge} -j DROP`],
  ];
}

/**
 * share_dhcp_address: every host answers DHCP from the same address, so that address must not
 * be reachable across `iface` (ebtables filter rules, iptables filter FORWARD rules at the top).
 */
export function isolateDhcpRules(iface: string, address: string): { ebtables: string[]; forward: string[] } {
  return {
    ebtables: [`INPUT -p ARP -i ${iface} --arp-ip-dst ${address} -j DROP`, `OUTPUT -p ARP -o ${iface} --arp-ip-src ${address} -j DROP`],
    forward: [
      `-m physdev --physdev-in ${iface} -d 255.255.255.255 -p udp --dport 67 -j DROP`,
      `-m physdev --physdev-out ${iface} -d 255.255.255.255 -p udp --dport 67 -j DROP`,
      `-m physdev --physdev-in ${iface} -d ${address} -j DROP`,
      `-m physdev --physdev-out ${iface} -s ${address} -j DROP`,
    ],
  };
}
