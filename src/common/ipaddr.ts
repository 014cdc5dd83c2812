/**
 * Just enough IP arithmetic for IPAM: parsing and printing v4/v6 addresses and CIDRs,
 * sizes, the n-th address of a block, cutting a block into equal subnets, containment.
 * Addresses are BigInts so one code path serves both families.
 */
import { isIP } from 'node:net';

export type IpVersion = 4 | 6;

export interface Cidr {
  readonly version: IpVersion;
  /** The network address (host bits cleared). */
  readonly network: bigint;
  readonly prefix: number;
}

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

export function bitsOf(version: IpVersion): number {
  return BITS[version];
}

export function parseIp(text: string): { version: IpVersion; value: bigint } | null {
  const version = isIP(text);
  if (version === 4) {
    const value = text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number.parseInt(part, 10)), 0n);
    return { version: 4, value };
  }
  if (version === 6) return { version: 6, value: parseIpv6(text) };
  return null;
}

function parseIpv6(text: string): bigint {
  let head = text;
  // An embedded dotted quad (::ffff:1.2.3.4) becomes two hextets.
  const lastColon = head.lastIndexOf(':');
  const tail = head.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIp(tail);
    const n = v4?.value ?? 0n;
    head = `${head.slice(0, lastColon + 1)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [left = '', right] = head.split('::');
  const leftParts = left === '' ? [] : left.split(':');
  const rightParts = right === undefined || right === '' ? [] : right.split(':');
  const missing = 8 - leftParts.length - rightParts.length;
  const parts = right === undefined ? leftParts : [...leftParts, ...Array<string>(missing).fill('0'), ...rightParts];
  return parts.reduce((acc, p) => (acc << 16n) | BigInt(Number.parseInt(p, 16)), 0n);
}

/** The canonical text of an address: dotted quad, or RFC 5952 shortened IPv6. */
export function formatIp(value: bigint, version: IpVersion): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => ((value >> s) & 0xffn).toString()).join('.');
  const hextets = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt((7 - i) * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (hextets[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && hextets[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = hextets.map((h) => h.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text of an address given as text; null when it is not an address. */
export function normaliseIp(text: string): string | null {
  const ip = parseIp(text);
  return ip ? formatIp(ip.value, ip.version) : null;
}

/** Parses `a.b.c.d/n` or `x::/n` (a bare address is a /32 or /128); host bits are cleared. */
export function parseCidr(text: string): Cidr | null {
  const [addr = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  const bits = BITS[ip.version];
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number.parseInt(prefixText, 10) : Number.NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return null;
  return { version: ip.version, network: ip.value & maskOf(ip.version, prefix), prefix };
}

function maskOf(version: IpVersion, prefix: number): bigint {
  const bits = BigInt(BITS[version]);
  const all = (1n << bits) - 1n;
  return (all << (bits - BigInt(prefix))) & all;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.network, c.version)}/${c.prefix}`;
}

export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(BITS[c.version] - c.prefix);
}

/** The address `index` places into the block (negative counts from the end). */
export function addressAt(c: Cidr, index: bigint | number): string {
  const i = BigInt(index);
  const offset = i < 0n ? cidrSize(c) + i : i;
  return formatIp(c.network + offset, c.version);
}

export function netmaskOf(c: Cidr): string {
  return formatIp(maskOf(c.version, c.prefix), c.version);
}

/** The first `count` subnets of prefix `prefix` inside the block, in address order. */
export function subnetsOf(c: Cidr, prefix: number, count = Number.POSITIVE_INFINITY): Cidr[] {
  if (prefix < c.prefix) return [];
  const step = 1n << BigInt(BITS[c.version] - prefix);
  const total = cidrSize(c) / step;
  const out: Cidr[] = [];
  for (let i = 0n; i < total && out.length < count; i++) out.push({ version: c.version, network: c.network + i * step, prefix });
  return out;
}

/** Whether `inner` lies entirely within `outer` (a block contains itself). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.version !== inner.version || inner.prefix < outer.prefix) return false;
  return (inner.network & maskOf(outer.version, outer.prefix)) === outer.network;
}

export function cidrEquals(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && a.prefix === b.prefix && a.network === b.network;
}

/** Whether an address lies in a block. */
export function addressIn(c: Cidr, address: string): boolean {
  const ip = parseIp(address);
  return !!ip && ip.version === c.version && (ip.value & maskOf(c.version, c.prefix)) === c.network;
}

/** Every address of a block, as text, in order. */
export function* addressesOf(c: Cidr): Generator<string> {
  const size = cidrSize(c);
  for (let i = 0n; i < size; i++) yield formatIp(c.network + i, c.version);
}
