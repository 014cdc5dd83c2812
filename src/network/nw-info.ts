/**
 * Builds the network info model (nova/network/model.py) of an instance from its rows: one VIF per
 * virtual interface, its network with a v4 subnet (from `cidr`) and a v6 subnet (from
 * `cidr_v6`, empty when the network has none), addresses, DNS, gateway, DHCP server.
 */
import { createHash } from 'node:crypto';
import { formatIp, parseCidr } from '../common/ipaddr.js';
import type { FixedIp, Network, VirtualInterface } from '../db/types.js';
import { type FixedIP, makeFixedIp, makeNetwork, makeSubnet, makeVif, type NetworkInfo, type Subnet } from '../virt/network-model.js';
import type { ManagerKind } from './kinds.js';

export type Ipv6Backend = 'rfc2462' | 'account_identifier';

function macValue(mac: string): bigint {
  const hex = mac.replace(/[:-]/g, '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) throw new TypeError(`not a MAC address: ${mac}`);
  return BigInt(`0x${hex}`);
}

/**
 * The global IPv6 address of an interface in a /64 (or shorter) prefix: the EUI-64 of its
 * MAC (rfc2462), or the project's hash with the MAC's last three bytes (account_identifier).
 */
export function ipv6Address(cidrV6: string, mac: string, backend: Ipv6Backend, projectId: string | null): string | null {
  const prefix = parseCidr(cidrV6);
  if (prefix?.version !== 6) return null;
  const m = macValue(mac);
  let interfaceId: bigint;
  if (backend === 'account_identifier') {
    const projectHash = BigInt(
      `0x${createHash('sha1')
        .update(projectId ?? '')
        .digest('hex')
        .slice(0, 8)}`,
    );
    interfaceId = (projectHash << 32n) | (0xffn << 24n) | (m & 0xffffffn);
  } else {
    const high = (m >> 24n) ^ 0x020000n;
    interfaceId = (high << 40n) | (0xfffen << 24n) | (m & 0xffffffn);
  }
  return formatIp(prefix.network | interfaceId, 6);
}

export interface NwInfoInput {
  kind: ManagerKind;
  /** The instance's interfaces, in creation order. */
  vifs: readonly VirtualInterface[];
  networks: ReadonlyMap<number, Network>;
  /** The instance's fixed IPs. */
  fixedIps: readonly FixedIp[];
  /** DHCP server address per network id (DHCP managers only). */
  dhcpServers: ReadonlyMap<number, string | null>;
  rxtxFactor: number | null;
  useIpv6: boolean;
  ipv6Backend: Ipv6Backend;
  projectId: string | null;
  /** Floating addresses per fixed IP row id. */
  floatingIps?: ReadonlyMap<number, readonly string[]>;
}

function networkMeta(kind: ManagerKind, network: Network): Record<string, unknown> {
  const meta: Record<string, unknown> = { tenant_id: network.project_id };
  if (network.injected) meta.injected = true;
  if (kind.shouldCreateBridge) {
    meta.should_create_bridge = true;
    meta.bridge_interface = network.bridge_interface;
    meta.multi_host = !!network.multi_host;
  }
  if (kind.shouldCreateVlan) {
    meta.should_create_vlan = true;
    meta.vlan = network.vlan;
  }
  return meta;
}

export function buildNetworkInfo(input: NwInfoInput): NetworkInfo {
  const out: NetworkInfo = [];
  for (const vif of input.vifs) {
    const network = vif.network_id === null ? undefined : input.networks.get(vif.network_id);
    if (!network || !vif.address || !vif.uuid) continue;
    const v4Ips: FixedIP[] = input.fixedIps
      .filter((ip) => ip.virtual_interface_id === vif.id && ip.network_id === network.id && ip.address)
      .map((ip) => makeFixedIp(ip.address as string, [...(input.floatingIps?.get(ip.id) ?? [])]));
    const dhcpServer = input.kind.dhcp ? (input.dhcpServers.get(network.id) ?? network.gateway) : null;
    const v4: Subnet = makeSubnet({
      cidr: network.cidr,
      gateway: network.gateway,
      dns: [network.dns1, network.dns2].filter((d): d is string => !!d),
      ips: v4Ips,
      meta: dhcpServer ? { dhcp_server: dhcpServer } : {},
    });
    const v6Address =
      input.useIpv6 && network.cidr_v6 ? ipv6Address(network.cidr_v6, vif.address, input.ipv6Backend, input.projectId) : null;
    const v6: Subnet = makeSubnet({
      cidr: network.cidr_v6,
      gateway: network.cidr_v6 ? network.gateway_v6 : null,
      ips: v6Address ? [makeFixedIp(v6Address)] : [],
    });
    const meta: Record<string, unknown> = {};
    if (network.rxtx_base !== null && input.rxtxFactor !== null) meta.rxtx_cap = network.rxtx_base * input.rxtxFactor;
    out.push(
      makeVif({
        id: vif.uuid,
        address: vif.address,
        type: 'bridge',
        network: makeNetwork({
          id: network.uuid,
          label: network.label,
          bridge: network.bridge,
          subnets: [v4, v6],
          meta: networkMeta(input.kind, network),
        }),
        meta,
      }),
    );
  }
  return out;
}
