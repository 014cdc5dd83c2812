/**
 * DescribeSecurityGroups, CreateSecurityGroup, DeleteSecurityGroup and
 * Authorize/RevokeSecurityGroupIngress over nova-network's security groups (Grizzly's
 * cloud.py, with AWS's shapes where today's clients need them: `groupId` as `sg-` plus the
 * group's number, `return` and `groupId` from CreateSecurityGroup).
 */
import { InvalidSecurityGroup } from '../../../common/security-group-errors.js';
import { parseRule, type RuleArgs, sameRule } from '../../../compute/security-group-rules.js';
import type { SecurityGroupWithRules } from '../../../compute/security-groups.js';
import { ec2Opts } from '../../../config/ec2-api-opts.js';
import type { RequestContext } from '../../../context/context.js';
import { Ec2Error, invalidParameterValue, missingParameter } from '../errors.js';
import { applyFilters } from '../filters.js';
import type { Ec2Params } from '../params.js';
import type { Ec2Services } from '../services.js';
import type { XmlObject } from '../xml.js';
import { defineEc2Actions } from './registry.js';

export function ec2GroupId(id: number): string {
  return `sg-${id.toString(16).padStart(8, '0')}`;
}

/** `sg-0000000a` or Nova's plain `10`; null for anything else. */
export function parseGroupId(text: string): number | null {
  if (/^sg-[0-9a-f]{1,12}$/i.test(text)) return Number.parseInt(text.slice(3), 16);
  if (/^\d{1,12}$/.test(text)) return Number(text);
  return null;
}

function groupNotFound(what: string): Ec2Error {
  return new Ec2Error('InvalidGroup.NotFound', `The security group '${what}' does not exist`);
}

const ALL_TRAFFIC = [
  { ipProtocol: 'icmp', fromPort: -1, toPort: -1 },
  { ipProtocol: 'tcp', fromPort: 1, toPort: 65535 },
  { ipProtocol: 'udp', fromPort: 1, toPort: 65535 },
];

function permissionsOf(group: SecurityGroupWithRules): XmlObject[] {
  return group.rules.flatMap((r): XmlObject[] => {
    if (r.group_id !== null && r.group_id !== undefined) {
      const grantee = {
        userId: r.grantee_group?.project_id ?? '',
        groupName: r.grantee_group?.name ?? '',
        groupId: ec2GroupId(r.group_id),
      };
      const ports = r.protocol === null ? ALL_TRAFFIC : [{ ipProtocol: r.protocol, fromPort: r.from_port ?? -1, toPort: r.to_port ?? -1 }];
      return ports.map((p) => ({ ...p, groups: [grantee], ipRanges: [] }));
    }
    return [
      {
        ipProtocol: r.protocol ?? '',
        fromPort: r.from_port ?? -1,
        toPort: r.to_port ?? -1,
        groups: [],
        ipRanges: [{ cidrIp: r.cidr ?? '' }],
      },
    ];
  });
}

function formatGroup(group: SecurityGroupWithRules): XmlObject {
  return {
    ownerId: group.project_id ?? '',
    groupId: ec2GroupId(group.id),
    groupName: group.name ?? '',
    groupDescription: group.description ?? '',
    ipPermissions: permissionsOf(group),
    ipPermissionsEgress: [],
  };
}

/** The group a request names by GroupId or GroupName (within the caller's project). */
async function targetGroup(ctx: RequestContext, services: Ec2Services, params: Ec2Params): Promise<SecurityGroupWithRules> {
  const byId = params.get('GroupId');
  if (byId !== undefined) {
    const id = parseGroupId(byId);
    if (id === null) throw new Ec2Error('InvalidGroupId.Malformed', `Invalid id: "${byId}"`);
    return services.securityGroups.get(ctx, id).catch(() => {
      throw groupNotFound(byId);
    });
  }
  const name = params.get('GroupName');
  if (name === undefined || name === '') throw missingParameter('GroupName');
  const group = (await services.securityGroups.list(ctx)).find((g) => g.name === name && g.project_id === ctx.projectId);
  if (!group) throw groupNotFound(name);
  return group;
}

const PROTOCOL_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp' };

interface Permission {
  protocol: string;
  from?: string;
  to?: string;
  cidrs: string[];
  groups: { name?: string; id?: string; owner?: string }[];
}

/** The permissions of an Authorize/Revoke request, in AWS's IpPermissions.N form or the legacy flat one. */
function permissionsFrom(params: Ec2Params): Permission[] {
  const listed = params.members('IpPermissions').map((p) => ({
    protocol: p.require('IpProtocol'),
    ...(p.get('FromPort') !== undefined ? { from: p.get('FromPort') } : {}),
    ...(p.get('ToPort') !== undefined ? { to: p.get('ToPort') } : {}),
    cidrs: p.members('IpRanges').map((r) => r.require('CidrIp')),
    groups: p.members('Groups').map((g) => ({ name: g.get('GroupName'), id: g.get('GroupId'), owner: g.get('UserId') })),
  }));
  if (listed.length > 0) return listed as Permission[];
  const sourceName = params.get('SourceSecurityGroupName');
  const protocol = params.get('IpProtocol');
  if (protocol === undefined && sourceName === undefined) throw missingParameter('IpPermissions');
  const cidr = params.get('CidrIp');
  return [
    {
      protocol: protocol ?? '-1',
      ...(params.get('FromPort') !== undefined ? { from: params.get('FromPort') } : {}),
      ...(params.get('ToPort') !== undefined ? { to: params.get('ToPort') } : {}),
      cidrs: cidr !== undefined ? [cidr] : [],
      groups: sourceName !== undefined ? [{ name: sourceName, owner: params.get('SourceSecurityGroupOwnerId') }] : [],
    },
  ] as Permission[];
}

/** The rules one permission stands for: one per CIDR and per source group; protocol -1 is all of ICMP, TCP and UDP. */
async function rulesOf(ctx: RequestContext, services: Ec2Services, p: Permission): Promise<RuleArgs[]> {
  const raw = p.protocol.toLowerCase();
  const protocol = PROTOCOL_NUMBERS[raw] ?? raw;
  if (!['tcp', 'udp', 'icmp', '-1', 'all'].includes(protocol)) {
    throw invalidParameterValue(`Invalid value '${p.protocol}' for IP protocol. Unknown protocol.`);
  }
  const all = protocol === '-1' || protocol === 'all';
  const sourceIds: number[] = [];
  for (const g of p.groups) sourceIds.push(await sourceGroupId(ctx, services, g));
  const out: RuleArgs[] = [];
  for (const groupId of sourceIds) {
    if (all) out.push({ group_id: groupId });
    else {
      const full = protocol === 'icmp' ? ['-1', '-1'] : ['1', '65535'];
      out.push({ ip_protocol: protocol, from_port: p.from ?? full[0], to_port: p.to ?? full[1], group_id: groupId });
    }
  }
  const cidrs = p.cidrs.length > 0 || p.groups.length === 0 ? (p.cidrs.length > 0 ? p.cidrs : ['0.0.0.0/0']) : [];
  for (const cidr of cidrs) {
    const decoded = decodeURIComponent(cidr);
    if (all) for (const t of ALL_TRAFFIC) out.push({ ip_protocol: t.ipProtocol, from_port: t.fromPort, to_port: t.toPort, cidr: decoded });
    else out.push({ ip_protocol: protocol, from_port: p.from, to_port: p.to, cidr: decoded });
  }
  return out;
}

/** A source group by id, or by name within its owner's project (`user:project` or a project id; the caller's by default). */
async function sourceGroupId(ctx: RequestContext, services: Ec2Services, g: Permission['groups'][number]): Promise<number> {
  if (g.id !== undefined) {
    const id = parseGroupId(g.id);
    if (id === null) throw new Ec2Error('InvalidGroupId.Malformed', `Invalid id: "${g.id}"`);
    await services.securityGroups.get(ctx, id).catch(() => {
      throw groupNotFound(g.id as string);
    });
    return id;
  }
  if (!g.name) throw missingParameter('Groups.GroupName');
  const owner = g.owner ? (g.owner.includes(':') ? g.owner.slice(g.owner.indexOf(':') + 1) : g.owner) : ctx.projectId;
  const groups = await services.securityGroups.list(ctx, { allTenants: ctx.isAdmin });
  const found = groups.find((x) => x.name === g.name && x.project_id === owner);
  if (!found) throw groupNotFound(g.name);
  return found.id;
}

async function requestedRules(ctx: RequestContext, services: Ec2Services, params: Ec2Params): Promise<RuleArgs[]> {
  const rules: RuleArgs[] = [];
  for (const p of permissionsFrom(params)) rules.push(...(await rulesOf(ctx, services, p)));
  return rules;
}

function checkGroupText(value: string, what: 'GroupName' | 'GroupDescription', strict: boolean): void {
  if (value.length > 255)
    throw invalidParameterValue(`Value (${value.slice(0, 20)}...) for parameter ${what} is invalid. Length exceeds 255.`);
  const ok = strict ? /^[a-zA-Z0-9_\- ]+$/.test(value) : /^[\x20-\x7e]+$/.test(value);
  if (!ok)
    throw invalidParameterValue(
      `Value (${value}) for parameter ${what} is invalid. Character sets beyond ${strict ? '[a-zA-Z0-9_- ]' : 'printable ASCII'} are not allowed.`,
    );
}

export const securityGroupActions = defineEc2Actions('security-groups', {
  async DescribeSecurityGroups({ ctx, params, services }) {
    const filters = params.filters();
    const allTenants = ctx.isAdmin && filters.some((f) => f.name === 'all_tenants' || f.name === 'all-tenants');
    let groups = await services.securityGroups.list(ctx, { allTenants });
    const names = params.list('GroupName');
    const ids = params.list('GroupId');
    for (const name of names) if (!groups.some((g) => g.name === name)) throw groupNotFound(name);
    for (const id of ids) {
      const n = parseGroupId(id);
      if (n === null) throw new Ec2Error('InvalidGroupId.Malformed', `Invalid id: "${id}"`);
      if (!groups.some((g) => g.id === n)) throw groupNotFound(id);
    }
    if (names.length > 0 || ids.length > 0) {
      const wantedIds = new Set(ids.map((i) => parseGroupId(i)));
      groups = groups.filter((g) => names.includes(g.name ?? '') || wantedIds.has(g.id));
    }
    const items = groups.sort((a, b) => `${a.project_id}\u0000${a.name}`.localeCompare(`${b.project_id}\u0000${b.name}`)).map(formatGroup);
    const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
    const perms = (i: XmlObject) => (i.ipPermissions as XmlObject[]) ?? [];
    const kept = applyFilters(
      items,
      filters.filter((f) => f.name !== 'all_tenants' && f.name !== 'all-tenants'),
      {
        'group-name': (i) => str(i.groupName),
        'group-id': (i) => str(i.groupId),
        description: (i) => str(i.groupDescription),
        'owner-id': (i) => str(i.ownerId),
        'ip-permission.protocol': (i) => perms(i).map((p) => str(p.ipProtocol) ?? ''),
        'ip-permission.from-port': (i) => perms(i).map((p) => str(p.fromPort) ?? ''),
        'ip-permission.to-port': (i) => perms(i).map((p) => str(p.toPort) ?? ''),
        'ip-permission.cidr': (i) => perms(i).flatMap((p) => (p.ipRanges as XmlObject[]).map((r) => str(r.cidrIp) ?? '')),
        'ip-permission.group-name': (i) => perms(i).flatMap((p) => (p.groups as XmlObject[]).map((g) => str(g.groupName) ?? '')),
      },
    );
    return { securityGroupInfo: kept };
  },

  async CreateSecurityGroup({ ctx, params, services }) {
    const name = params.require('GroupName');
    const description = params.require('GroupDescription');
    const strict = services.conf.get(ec2Opts).ec2_strict_validation;
    checkGroupText(name, 'GroupName', strict);
    checkGroupText(description, 'GroupDescription', strict);
    if (params.get('VpcId')) throw new Ec2Error('UnsupportedOperation', 'This cloud has no VPCs: security groups are EC2-Classic groups.');
    if ((await services.securityGroups.list(ctx)).some((g) => g.name === name && g.project_id === ctx.projectId)) {
      throw new Ec2Error('InvalidGroup.Duplicate', `The security group '${name}' already exists`);
    }
    const group = await services.securityGroups.create(ctx, name, description);
    return { return: true, groupId: ec2GroupId(group.id) };
  },

  async DeleteSecurityGroup({ ctx, params, services }) {
    const group = await targetGroup(ctx, services, params);
    if (group.name === 'default') throw new Ec2Error('CannotDelete', "The security group 'default' cannot be deleted.");
    try {
      await services.securityGroups.destroy(ctx, group.id);
    } catch (err) {
      if (err instanceof InvalidSecurityGroup) {
        throw new Ec2Error('InvalidGroup.InUse', `The security group '${group.name}' is in use: ${err.message}`);
      }
      throw err;
    }
    return { return: true };
  },

  async AuthorizeSecurityGroupIngress({ ctx, params, services }) {
    const group = await targetGroup(ctx, services, params);
    const rules = await requestedRules(ctx, services, params);
    // Every rule is checked before the first is added, so a bad one adds none.
    const parsed = rules.map((r) => parseRule(r));
    for (const rule of parsed) {
      if (group.rules.some((existing) => sameRule(existing, rule))) {
        throw new Ec2Error('InvalidPermission.Duplicate', `The specified rule already exists in group '${group.name}'`);
      }
    }
    for (const rule of rules) await services.securityGroups.addRule(ctx, group.id, rule);
    return { return: true };
  },

  async RevokeSecurityGroupIngress({ ctx, params, services }) {
    const group = await targetGroup(ctx, services, params);
    const rules = (await requestedRules(ctx, services, params)).map((r) => parseRule(r));
    const doomed = group.rules.filter((existing) => rules.some((r) => sameRule(existing, r)));
    if (doomed.length === 0) {
      throw new Ec2Error('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
    }
    for (const rule of doomed) await services.securityGroups.removeRule(ctx, rule.id);
    return { return: true };
  },
});
