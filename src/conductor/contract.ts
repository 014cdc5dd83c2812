/**
 * The conductor's RPC contract (topic `conductor`; Grizzly's conductor API 1.48, every
 * method a call). Compute hosts are not trusted with the database, so every argument is
 * validated against its schema before the manager runs; results are rows whose datetimes
 * are revived on the host's side.
 */
import { type Static, Type } from 'typebox';
import type { BwUsage } from '../db/api/bw-usage.js';
import type { InfoCache } from '../db/api/instances.js';
import type { Service } from '../db/types.js';
import {
  reviveBlockDeviceMapping,
  reviveComputeNode,
  reviveInstance,
  reviveInstanceActionEvent,
  reviveInstanceFault,
  reviveList,
  reviveMigration,
  reviveService,
} from '../db/wire.js';
import { nothing, plain, revived, validated, wireDate, wireDateOrNull } from '../rpc/codec.js';
import { call, cast, defineContract, type Endpoint } from '../rpc/contract.js';
import type { ContractClient } from '../rpc/contract-client.js';
import { errorTable } from '../rpc/error-table.js';
import type { ProviderFirewallRule, SecurityGroupRule } from '../virt/firewall/types.js';
import * as conductorErrors from './errors.js';
import {
  type ActionEventValues,
  ActionEventValuesSchema,
  BdmDestroyArgsSchema,
  ComputeNodeCreateSchema,
  ComputeNodeWriteSchema,
  FaultValuesSchema,
  type InstanceMetadataExtras,
  InstanceRefSchema,
  type InstanceUpdates,
  InstanceUpdatesSchema,
  RowRefSchema,
  ServiceCreateSchema,
  ServiceUpdateSchema,
} from './types.js';

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);
const TaskLogArgsSchema = Type.Object({
  task_name: Type.String(),
  begin: Type.String(),
  end: Type.String(),
  host: Type.String(),
  state: Type.Optional(NullableString),
});

function reviveUpdates(wire: Static<typeof InstanceUpdatesSchema>): InstanceUpdates {
  const { launched_at, terminated_at, updated_at, ...rest } = wire;
  return {
    ...rest,
    ...(launched_at === undefined ? {} : { launched_at: wireDateOrNull(launched_at) }),
    ...(terminated_at === undefined ? {} : { terminated_at: wireDateOrNull(terminated_at) }),
    ...(updated_at === undefined ? {} : { updated_at: wireDateOrNull(updated_at) }),
  };
}

function reviveEvent(wire: Static<typeof ActionEventValuesSchema>): ActionEventValues {
  const { start_time, finish_time, ...rest } = wire;
  return {
    ...rest,
    ...(start_time === undefined ? {} : { start_time: wireDate(start_time) }),
    ...(finish_time === undefined ? {} : { finish_time: wireDate(finish_time) }),
  };
}

const instanceResult = revived(reviveInstance);
const serviceResult = revived<Service>(reviveService);
const computeNodeResult = revived(reviveComputeNode);
const eventResult = revived(reviveInstanceActionEvent);
const instanceRef = { instance: InstanceRefSchema };
const migrationResult = revived(reviveMigration);
const MigrationWriteSchema = Type.Object({
  instance_uuid: Type.Optional(Type.String()),
  source_compute: Type.Optional(NullableString),
  source_node: Type.Optional(NullableString),
  dest_compute: Type.Optional(NullableString),
  dest_node: Type.Optional(NullableString),
  dest_host: Type.Optional(NullableString),
  old_instance_type_id: Type.Optional(NullableInteger),
  new_instance_type_id: Type.Optional(NullableInteger),
  status: Type.Optional(Type.String()),
});

/** A bandwidth usage row as it crosses the bus (datetimes as strings). */
function reviveBwUsage(wire: unknown): BwUsage | null {
  if (wire === null || wire === undefined) return null;
  const w = wire as Record<string, unknown>;
  return {
    ...(w as unknown as BwUsage),
    start_period: new Date(String(w.start_period)),
    last_refreshed: w.last_refreshed ? new Date(String(w.last_refreshed)) : null,
  };
}

export const conductorContract = defineContract({
  topic: 'conductor',
  baseVersion: '1.0',
  version: '1.49',
  errors: errorTable(conductorErrors),
  methods: {
    ping: call('1.22', validated(Type.Object({ arg: Type.Unknown() })), plain<{ service: string; arg: unknown }>()),
    service_get_all_by: call(
      '1.28',
      validated(Type.Object({ topic: NullableString, host: NullableString, binary: NullableString })),
      revived(reviveList(reviveService)),
    ),
    service_create: call('1.27', validated(Type.Object({ values: ServiceCreateSchema })), serviceResult),
    service_update: call('1.34', validated(Type.Object({ service: RowRefSchema, values: ServiceUpdateSchema })), serviceResult),
    service_destroy: call('1.29', validated(Type.Object({ service_id: Type.Integer() })), nothing),
    instance_update: call(
      '1.38',
      validated(Type.Object({ instance_uuid: Type.String(), updates: InstanceUpdatesSchema, service: NullableString }), (wire) => ({
        ...wire,
        updates: reviveUpdates(wire.updates),
      })),
      instanceResult,
    ),
    instance_get_by_uuid: call('1.2', validated(Type.Object({ instance_uuid: Type.String() })), instanceResult),
    instance_get_all_by_host: call(
      '1.47',
      validated(
        Type.Object({ host: Type.String(), node: NullableString, columns_to_join: Type.Union([Type.Array(Type.String()), Type.Null()]) }),
      ),
      revived(reviveList(reviveInstance)),
    ),
    instance_get_active_by_window_joined: call(
      '1.15',
      validated(Type.Object({ begin: Type.String(), end: NullableString, project_id: NullableString, host: NullableString }), (wire) => ({
        ...wire,
        begin: wireDate(wire.begin),
        end: wireDateOrNull(wire.end),
      })),
      revived(reviveList(reviveInstance)),
    ),
    task_log_get: call(
      '1.37',
      validated(TaskLogArgsSchema, (wire) => ({ ...wire, begin: wireDate(wire.begin), end: wireDate(wire.end) })),
      plain<{ state: string; task_items: number | null; errors: number | null } | null>(),
    ),
    task_log_begin_task: call(
      '1.37',
      validated(Type.Object({ ...TaskLogArgsSchema.properties, task_items: NullableInteger, message: NullableString }), (wire) => ({
        ...wire,
        begin: wireDate(wire.begin),
        end: wireDate(wire.end),
      })),
      nothing,
    ),
    task_log_end_task: call(
      '1.37',
      validated(Type.Object({ ...TaskLogArgsSchema.properties, errors: Type.Integer(), message: NullableString }), (wire) => ({
        ...wire,
        begin: wireDate(wire.begin),
        end: wireDate(wire.end),
      })),
      nothing,
    ),
    instance_destroy: call('1.16', validated(Type.Object(instanceRef)), instanceResult),
    instance_info_cache_update: call(
      '1.26',
      validated(Type.Object({ ...instanceRef, values: Type.Object({ network_info: NullableString }) })),
      plain<InfoCache>(),
    ),
    instance_info_cache_delete: call('1.17', validated(Type.Object(instanceRef)), nothing),
    /** The rules of the instance's security groups, source groups resolved to their members' fixed IPs. */
    security_group_rules_for_instance: call('1.48', validated(Type.Object(instanceRef)), plain<SecurityGroupRule[]>()),
    provider_fw_rule_get_all: call('1.17', validated(Type.Object({})), plain<ProviderFirewallRule[]>()),
    instance_fault_create: call('1.36', validated(Type.Object({ values: FaultValuesSchema })), revived(reviveInstanceFault)),
    action_event_start: call(
      '1.25',
      validated(Type.Object({ values: ActionEventValuesSchema }), (wire) => ({ values: reviveEvent(wire.values) })),
      eventResult,
    ),
    action_event_finish: call(
      '1.25',
      validated(Type.Object({ values: ActionEventValuesSchema }), (wire) => ({ values: reviveEvent(wire.values) })),
      eventResult,
    ),
    compute_node_create: call('1.33', validated(Type.Object({ values: ComputeNodeCreateSchema })), computeNodeResult),
    compute_node_update: call(
      '1.33',
      validated(Type.Object({ node: RowRefSchema, values: Type.Partial(ComputeNodeWriteSchema), prune_stats: Type.Boolean() })),
      computeNodeResult,
    ),
    compute_node_delete: call('1.44', validated(Type.Object({ node: RowRefSchema })), nothing),
    block_device_mapping_get_all_by_instance: call(
      '1.13',
      validated(Type.Object(instanceRef)),
      revived(reviveList(reviveBlockDeviceMapping)),
    ),
    block_device_mapping_destroy: call('1.14', validated(BdmDestroyArgsSchema), nothing),
    /**
     * nova-ts: what the metadata of an instance needs beyond its record, for the config
     * drive a host builds (Grizzly's compute read these from the database itself).
     */
    instance_metadata_extras: call('1.49', validated(Type.Object(instanceRef)), plain<InstanceMetadataExtras>()),
    // Resize and cold migration records (Grizzly's conductor 1.x migration_* methods).
    migration_create: call('1.12', validated(Type.Object({ instance: InstanceRefSchema, values: MigrationWriteSchema })), migrationResult),
    migration_update: call('1.1', validated(Type.Object({ migration_id: Type.Integer(), status: Type.String() })), migrationResult),
    migration_get: call('1.4', validated(Type.Object({ migration_id: Type.Integer() })), migrationResult),
    migration_get_unconfirmed_by_dest_compute: call(
      '1.20',
      validated(Type.Object({ confirm_window: Type.Integer(), dest_compute: Type.String(), at: Type.String() })),
      revived(reviveList(reviveMigration)),
    ),
    bw_usage_get: call(
      '1.5',
      validated(Type.Object({ uuid: Type.String(), start_period: Type.String({ minLength: 1 }), mac: Type.String() })),
      revived<BwUsage | null>(reviveBwUsage),
    ),
    bw_usage_update: call(
      '1.5',
      validated(
        Type.Object({
          uuid: Type.String(),
          mac: Type.String(),
          start_period: Type.String({ minLength: 1 }),
          bw_in: Type.Number(),
          bw_out: Type.Number(),
          last_ctr_in: Type.Number(),
          last_ctr_out: Type.Number(),
          last_refreshed: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
        }),
      ),
      revived<BwUsage | null>(reviveBwUsage),
    ),
    /** Compute tasks (Havana's ComputeTaskManager): an unshelve that needs a host is scheduled here. */
    unshelve_instance: cast('1.48', validated(Type.Object({ instance_uuid: Type.String() }))),
  },
});

export type ConductorContract = typeof conductorContract;
/** What nova-compute talks to the conductor through, over the bus or in-process. */
export type ConductorClient = ContractClient<ConductorContract>;
/** What the conductor manager implements. */
export type ConductorEndpoint = Endpoint<ConductorContract>;
