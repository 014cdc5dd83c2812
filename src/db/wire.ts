/**
 * Rows as they arrive from another service: JSON turned their datetime columns into
 * strings, and these turn them back. Which columns are datetimes comes from the table
 * definitions, so the revivers cannot drift from the schema. Nothing here touches the
 * database; compute hosts use it to read what the conductor sends them.
 */
import { parseUtc } from '../common/datetime.js';
import type { ComputeNodeWithRelations } from './api/compute-nodes.js';
import type { InstanceRecord } from './api/instances.js';
import type { TableDef } from './columns.js';
import * as S from './migrations/nova/schema.js';
import type {
  BlockDeviceMapping,
  ComputeNodeStat,
  FixedIp,
  InstanceActionEvent,
  InstanceFault,
  Migration,
  Network,
  SecurityGroup,
  Service,
  VirtualInterface,
} from './types.js';

/** Nova writes naive UTC datetimes; JSON writes them with a `Z`. Either becomes a Date. */
function toDate(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const date = parseUtc(value);
  return Number.isNaN(date.getTime()) ? value : date;
}

type Reviver<T> = (wire: unknown) => T;

function rowReviver<T>(table: TableDef): Reviver<T> {
  const datetimes = table.columns.filter((c) => c.spec.kind === 'datetime').map((c) => c.name);
  return (wire) => {
    if (wire === null || typeof wire !== 'object') return wire as T;
    const row: Record<string, unknown> = { ...(wire as Record<string, unknown>) };
    for (const name of datetimes) if (name in row) row[name] = toDate(row[name]);
    return row as T;
  };
}

/** A list of what `revive` revives (an empty list for anything else). */
export function reviveList<T>(revive: Reviver<T>): Reviver<T[]> {
  return (wire) => (Array.isArray(wire) ? wire.map(revive) : []);
}

export const reviveService: Reviver<Service> = rowReviver(S.services);
export const reviveInstanceFault: Reviver<InstanceFault> = rowReviver(S.instanceFaults);
export const reviveInstanceActionEvent: Reviver<InstanceActionEvent> = rowReviver(S.instanceActionsEvents);
export const reviveBlockDeviceMapping: Reviver<BlockDeviceMapping> = rowReviver(S.blockDeviceMapping);
export const reviveNetwork: Reviver<Network> = rowReviver(S.networks);
export const reviveFixedIp: Reviver<FixedIp> = rowReviver(S.fixedIps);
export const reviveVirtualInterface: Reviver<VirtualInterface> = rowReviver(S.virtualInterfaces);
export const reviveMigration: Reviver<Migration> = rowReviver(S.migrations);

const instanceRow = rowReviver<InstanceRecord>(S.instances);
const securityGroups = reviveList(rowReviver<SecurityGroup>(S.securityGroups));

/** An instance with its relations (metadata, system metadata, info cache, security groups). */
export function reviveInstance(wire: unknown): InstanceRecord {
  const instance = instanceRow(wire);
  return Array.isArray(instance.security_groups) ? { ...instance, security_groups: securityGroups(instance.security_groups) } : instance;
}

const computeNodeRow = rowReviver<ComputeNodeWithRelations>(S.computeNodes);
const computeNodeStats = reviveList(rowReviver<ComputeNodeStat>(S.computeNodeStats));

/** A compute node with its service and its stats. */
export function reviveComputeNode(wire: unknown): ComputeNodeWithRelations {
  const node = computeNodeRow(wire);
  return {
    ...node,
    service: node.service ? reviveService(node.service) : null,
    stats: computeNodeStats(node.stats),
  };
}
