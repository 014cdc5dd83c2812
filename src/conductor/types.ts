/**
 * The values compute hosts send the conductor, declared once as JSON Schemas (TypeBox):
 * the conductor validates what arrives against them (it is the trust boundary facing the
 * hypervisor hosts), and the TypeScript types both sides use are derived from them.
 */
import { type Static, Type } from 'typebox';
import { ALL_TASK_STATES, type TaskState } from '../common/states/task-states.js';
import type { ComputeNodeWithRelations } from '../db/api/compute-nodes.js';
import type { InstanceRecord } from '../db/api/instances.js';
import type { BlockDeviceMapping, InstanceActionEvent, InstanceFault } from '../db/types.js';
import type { BlockDeviceRow } from '../metadata/block-devices.js';
import type { Ec2Ids } from '../metadata/source.js';

/**
 * An instance as the conductor hands it to a host: the row with metadata, system metadata
 * and info cache (its datetimes revived from the wire).
 */
export type ConductorInstance = InstanceRecord;

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
/** A datetime as JSON or Nova writes it; revived into a Date after validation. */
const WireDateTime = Type.String({ minLength: 1 });
const NullableDateTime = Type.Union([WireDateTime, Type.Null()]);
const TaskStateOrNull = Type.Union([Type.Enum(ALL_TASK_STATES), Type.Null()]);

/** The columns a host may change through instance_update (Grizzly's conductor whitelist). */
export const InstanceUpdatesSchema = Type.Object({
  task_state: Type.Optional(TaskStateOrNull),
  vm_state: Type.Optional(NullableString),
  /** Compare-and-swap guard: the write applies only while task_state is one of these. */
  expected_task_state: Type.Optional(Type.Union([TaskStateOrNull, Type.Array(TaskStateOrNull)])),
  power_state: Type.Optional(NullableInteger),
  access_ip_v4: Type.Optional(NullableString),
  access_ip_v6: Type.Optional(NullableString),
  launched_at: Type.Optional(NullableDateTime),
  terminated_at: Type.Optional(NullableDateTime),
  host: Type.Optional(NullableString),
  node: Type.Optional(NullableString),
  memory_mb: Type.Optional(NullableInteger),
  vcpus: Type.Optional(NullableInteger),
  root_gb: Type.Optional(NullableInteger),
  ephemeral_gb: Type.Optional(NullableInteger),
  instance_type_id: Type.Optional(NullableInteger),
  root_device_name: Type.Optional(NullableString),
  launched_on: Type.Optional(NullableString),
  progress: Type.Optional(NullableInteger),
  vm_mode: Type.Optional(NullableString),
  default_ephemeral_device: Type.Optional(NullableString),
  default_swap_device: Type.Optional(NullableString),
  system_metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
  updated_at: Type.Optional(NullableDateTime),
});

export const INSTANCE_UPDATE_KEYS: readonly string[] = Object.keys(InstanceUpdatesSchema.properties);

const UPDATE_DATETIMES = ['launched_at', 'terminated_at', 'updated_at'] as const;
type UpdateDatetime = (typeof UPDATE_DATETIMES)[number];

export type InstanceUpdates = Omit<Static<typeof InstanceUpdatesSchema>, UpdateDatetime | 'expected_task_state'> & {
  expected_task_state?: TaskState | null | readonly (TaskState | null)[];
} & { [K in UpdateDatetime]?: Date | null };

export const FaultValuesSchema = Type.Object({
  instance_uuid: Type.String(),
  code: Type.Integer(),
  message: Type.String(),
  details: Type.Optional(NullableString),
  host: Type.Optional(NullableString),
});
export type FaultValues = Static<typeof FaultValuesSchema>;

export const ActionEventValuesSchema = Type.Object({
  instance_uuid: Type.String(),
  request_id: Type.String(),
  event: Type.String(),
  start_time: Type.Optional(WireDateTime),
  finish_time: Type.Optional(WireDateTime),
  result: Type.Optional(Type.String()),
  traceback: Type.Optional(NullableString),
});
export type ActionEventValues = Omit<Static<typeof ActionEventValuesSchema>, 'start_time' | 'finish_time'> & {
  start_time?: Date;
  finish_time?: Date;
};

const ComputeNodeStatsSchema = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]));

/** compute_nodes columns the resource tracker writes, with stats as key → value. */
export const ComputeNodeWriteSchema = Type.Object({
  vcpus: Type.Integer(),
  memory_mb: Type.Integer(),
  local_gb: Type.Integer(),
  vcpus_used: Type.Integer(),
  memory_mb_used: Type.Integer(),
  local_gb_used: Type.Integer(),
  hypervisor_type: Type.String(),
  hypervisor_version: Type.Integer(),
  hypervisor_hostname: Type.String(),
  cpu_info: Type.String(),
  disk_available_least: NullableNumber,
  free_ram_mb: Type.Number(),
  free_disk_gb: Type.Number(),
  current_workload: Type.Integer(),
  running_vms: Type.Integer(),
  host_ip: Type.Optional(Type.String()),
  stats: Type.Optional(ComputeNodeStatsSchema),
});
export type ComputeNodeWrite = Static<typeof ComputeNodeWriteSchema>;

export const ComputeNodeCreateSchema = Type.Intersect([ComputeNodeWriteSchema, Type.Object({ service_id: Type.Integer() })]);
export type ComputeNodeCreate = ComputeNodeWrite & { service_id: number };

export const ServiceCreateSchema = Type.Object({
  host: Type.String(),
  binary: Type.String(),
  topic: Type.String(),
  report_count: Type.Integer(),
});
export type ServiceCreateValues = Static<typeof ServiceCreateSchema>;

export const ServiceUpdateSchema = Type.Object({
  report_count: Type.Optional(Type.Integer()),
  disabled: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
});
export type ServiceUpdateValues = Static<typeof ServiceUpdateSchema>;

/** An instance named in arguments: hosts send the whole record, the conductor reads only its uuid. */
export const InstanceRefSchema = Type.Object({ uuid: Type.String({ minLength: 1 }) });
/** A row named by id (a compute node, a service). */
export const RowRefSchema = Type.Object({ id: Type.Integer() });

export const BdmDestroyArgsSchema = Type.Object({
  bdms: Type.Union([Type.Array(RowRefSchema), Type.Null()]),
  instance: Type.Union([InstanceRefSchema, Type.Null()]),
  volume_id: NullableString,
  device_name: NullableString,
});
export type BdmDestroyArgs = Static<typeof BdmDestroyArgsSchema>;

export type ComputeNodeRecord = ComputeNodeWithRelations;

export type { BlockDeviceMapping, InstanceActionEvent, InstanceFault };

/** What the conductor adds to an instance record for its metadata (config drive): plain data, no datetimes. */
export interface InstanceMetadataExtras {
  block_device_mappings: BlockDeviceRow[];
  /** The zone of an aggregate holding the instance's host; null when none names one (the default zone applies). */
  host_availability_zone: string | null;
  ec2_ids: Ec2Ids;
}
