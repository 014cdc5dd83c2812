/**
 * The gateway address of a network on its device (initialize_gateway_device
 * in Grizzly's nova/network/linux_net.py): forwarding on, and the DHCP server's address first on the device, because dnsmasq
 * answers from the device's first address.
 */
import { parseCidr } from '../../common/ipaddr.js';
import { Devices } from './devices.js';
import type { CommandExecutor } from './executor.js';
import type { HostNetwork } from './types.js';

export interface GatewayOptions {
  useIpv6: boolean;
  /** `send_arp_for_ha_count` when `send_arp_for_ha` is on, else 0. */
  arpCount: number;
}

/** Gratuitous ARP for `address` from `device`, so that neighbours learn where it moved. */
export async function sendArp(executor: CommandExecutor, address: string, device: string, count: number): Promise<void> {
  await executor.run(['arping', '-U', address, '-A', '-I', device, '-c', String(count)], { allowedExitCodes: 'any' });
}

export async function initializeGatewayDevice(
  executor: CommandExecutor,
  dev: string,
  network: HostNetwork,
  options: GatewayOptions,
): Promise<void> {
  await executor.run(['sysctl', '-w', 'net.ipv4.ip_forward=1']);
  const cidr = network.cidr ? parseCidr(network.cidr) : null;
  if (network.dhcpServer && cidr) {
    const devices = new Devices(executor);
    const wanted = `${network.dhcpServer}/${cidr.prefix}`;
    const first = [wanted, ...(network.broadcast ? ['brd', network.broadcast] : [])];
    const existing = await devices.addresses(dev);
    if (existing[0]?.cidr !== wanted) {
      const routes = await devices.takeViaRoutes(dev);
      for (const address of existing) await devices.deleteAddress(dev, address.params);
      await devices.addAddress(dev, first);
      for (const address of existing) {
        if (address.cidr !== wanted) await devices.addAddress(dev, address.params);
      }
      await devices.addRoutes(routes);
      if (options.arpCount > 0) await sendArp(executor, network.dhcpServer, dev, options.arpCount);
    }
  }
  if (options.useIpv6 && network.cidrV6) {
    await executor.run(['ip', '-f', 'inet6', 'addr', 'change', network.cidrV6, 'dev', dev]);
  }
}
