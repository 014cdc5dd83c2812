/**
 * Turns the arguments of a security group rule request into a rule (Grizzly's
 * nova/compute/api.py SecurityGroupAPI._rule_args_to_dict and its checks): a CIDR rule needs
 * a protocol and ports; a source-group rule may leave them out (all traffic from the group).
 * ICMP puts the type in from_port and the code in to_port, -1 meaning any.
 */
import { InvalidInput } from '../common/errors.js';
import { parseCidr } from '../common/ipaddr.js';
import { InvalidCidr } from '../common/network-errors.js';
import { InvalidIpProtocol, InvalidPortRange } from '../common/security-group-errors.js';

export interface RuleArgs {
  ip_protocol?: unknown;
  from_port?: unknown;
  to_port?: unknown;
  cidr?: unknown;
  /** Source group id, already resolved by the caller. */
  group_id?: number | null;
}

export interface ParsedRule {
  protocol: string | null;
  from_port: number | null;
  to_port: number | null;
  cidr: string | null;
  group_id: number | null;
}

const PROTOCOLS = new Set(['tcp', 'udp', 'icmp']);

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function integer(value: unknown, message: string): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^-?\d{1,10}$/.test(text)) throw new InvalidInput(message);
  return Number.parseInt(text, 10);
}

/** A CIDR as Nova accepts it: a valid network, and /0 only for the all-zeros network. */
export function validCidr(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidCidr(String(value));
  const text = value.trim();
  const parsed = parseCidr(text);
  if (!parsed || !text.includes('/')) throw new InvalidCidr(text);
  const [address] = text.split('/');
  if (parsed.prefix === 0 && !/^(0\.0\.0\.0|::)$/.test(address ?? '')) throw new InvalidCidr(text);
  return text;
}

/** The protocol and port checks shared by group rules and default rules. */
export function parsePorts(
  ipProtocol: unknown,
  fromPort: unknown,
  toPort: unknown,
): { protocol: string; from_port: number; to_port: number } {
  if (typeof ipProtocol !== 'string') throw new InvalidIpProtocol(String(ipProtocol));
  const protocol = ipProtocol.toLowerCase();
  const icmp = protocol === 'icmp';
  const message = icmp ? 'Type and Code must be integers for ICMP protocol type' : 'To and From ports must be integers';
  const from = integer(fromPort, message);
  const to = integer(toPort, message);
  if (!PROTOCOLS.has(protocol)) throw new InvalidIpProtocol(ipProtocol);
  if (!icmp && from > to) throw new InvalidPortRange(from, to, 'Former value cannot be greater than the later');
  if (!icmp && (from < 1 || to > 65535)) throw new InvalidPortRange(from, to, 'Valid TCP ports should be between 1-65535');
  if (icmp && (from < -1 || from > 255 || to < -1 || to > 255))
    throw new InvalidPortRange(from, to, 'For ICMP, the type:code must be valid');
  return { protocol, from_port: from, to_port: to };
}

export function parseRule(args: RuleArgs): ParsedRule {
  const groupId = args.group_id ?? null;
  const cidr = groupId === null ? (present(args.cidr) ? validCidr(args.cidr) : '0.0.0.0/0') : null;
  if (present(args.ip_protocol) && present(args.from_port) && present(args.to_port)) {
    return { ...parsePorts(args.ip_protocol, args.from_port, args.to_port), cidr, group_id: groupId };
  }
  if (groupId === null) throw new InvalidInput('Not enough parameters to build a valid rule.');
  // A source-group rule with only some of the three is as incomplete as a CIDR rule.
  if (present(args.ip_protocol) || present(args.from_port) || present(args.to_port)) {
    throw new InvalidInput('Not enough parameters to build a valid rule.');
  }
  return { protocol: null, from_port: null, to_port: null, cidr: null, group_id: groupId };
}

/** Whether two rules admit the same traffic (Nova's duplicate check). */
export function sameRule(
  a: { protocol: string | null; from_port: number | null; to_port: number | null; cidr: string | null; group_id: number | null },
  b: ParsedRule,
): boolean {
  return (
    (a.protocol ?? null)?.toLowerCase() === (b.protocol ?? null)?.toLowerCase() &&
    a.from_port === b.from_port &&
    a.to_port === b.to_port &&
    (a.cidr ?? null) === b.cidr &&
    (a.group_id ?? null) === b.group_id
  );
}
