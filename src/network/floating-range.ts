/**
 * The `ip_range` of `nova-manage floating create/delete` and os-floating-ips-bulk: one
 * address, or a CIDR whose host addresses (network and broadcast left out) are meant
 * (nova/cmd/manage.py FloatingIpCommands.address_to_hosts).
 */
import { addressAt, cidrSize, parseCidr } from '../common/ipaddr.js';
import { InvalidFloatingIpRange } from '../common/network-errors.js';

/** Bulk operations beyond this many addresses are refused (as Grizzly refuses them). */
const MAX_ADDRESSES = 1_000_000n;

export function addressesOfRange(ipRange: string): string[] {
  const text = ipRange.trim();
  const cidr = parseCidr(text);
  if (!cidr) throw new InvalidFloatingIpRange(`${ipRange} is not a valid IP address or network.`);
  if (!text.includes('/')) return [addressAt(cidr, 0)];
  const size = cidrSize(cidr);
  if (size === 1n) return [addressAt(cidr, 0)];
  if (size < 4n) throw new InvalidFloatingIpRange('/31 and /32 networks should be specified as single address(es)');
  if (size >= MAX_ADDRESSES) {
    throw new InvalidFloatingIpRange(
      `Too many IP addresses will be generated. Please increase /${cidr.prefix} to reduce the number generated.`,
    );
  }
  const out: string[] = [];
  for (let i = 1n; i < size - 1n; i++) out.push(addressAt(cidr, i));
  return out;
}
