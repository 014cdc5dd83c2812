import type { TaskState } from '../common/states/task-states.js';
import type { ComputeNodeStats } from '../db/api/compute-nodes.js';
import type { InstanceRecord } from '../db/api/instances.js';
import type { BlockDeviceMapping, ComputeNode, ComputeNodeStat, InstanceActionEvent, InstanceFault, Service } from '../db/types.js';

/**
 * An instance as the conductor hands it to a host: the row with metadata, system metadata
 * and info cache. Over the bus its datetimes arrive as ISO strings.
 */
export type ConductorInstance = InstanceRecord;

/** The columns a host may change through instance_update (cells-conductor-services.md §2.2). */
export const INSTANCE_UPDATE_KEYS = [
  'task_state',
  'vm_state',
  'expected_task_state',
  'power_state',
  'access_ip_v4',
  'access_ip_v6',
  'launched_at',
  'terminated_at',
  'host',
  'node',
  'memory_mb',
  'vcpus',
  'root_gb',
  'ephemeral_gb',
  'instance_type_id',
  'root_device_name',
  'launched_on',
  'progress',
  'vm_mode',
  'default_ephemeral_device',
  'default_swap_device',
  'system_metadata',
  'updated_at',
] as const;

export interface InstanceUpdates {
  task_state?: TaskState | null;
  vm_state?: string | null;
  /** Compare-and-swap guard: the write applies only while task_state is one of these. */
  expected_task_state?: TaskState | null | readonly (TaskState | null)[];
  power_state?: number | null;
  access_ip_v4?: string | null;
  access_ip_v6?: string | null;
  launched_at?: Date | string | null;
  terminated_at?: Date | string | null;
  host?: string | null;
  node?: string | null;
  memory_mb?: number | null;
  vcpus?: number | null;
  root_gb?: number | null;
  ephemeral_gb?: number | null;
  instance_type_id?: number | null;
  root_device_name?: string | null;
  launched_on?: string | null;
  progress?: number | null;
  vm_mode?: string | null;
  default_ephemeral_device?: string | null;
  default_swap_device?: string | null;
  system_metadata?: Record<string, string>;
  updated_at?: Date | string | null;
}

export interface FaultValues {
  instance_uuid: string;
  code: number;
  message: string;
  details?: string | null;
  host?: string | null;
}

export interface ActionEventValues {
  instance_uuid: string;
  request_id: string;
  event: string;
  start_time?: Date | string;
  finish_time?: Date | string;
  result?: string;
  traceback?: string | null;
}

/** compute_nodes columns the resource tracker writes, with stats as key → value. */
export interface ComputeNodeWrite {
  service_id?: number;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  vcpus_used: number;
  memory_mb_used: number;
  local_gb_used: number;
  hypervisor_type: string;
  hypervisor_version: number;
  hypervisor_hostname: string;
  cpu_info: string;
  disk_available_least: number | null;
  free_ram_mb: number;
  free_disk_gb: number;
  current_workload: number;
  running_vms: number;
  stats?: ComputeNodeStats;
}

export interface ComputeNodeRecord extends ComputeNode {
  service: Service | null;
  stats: ComputeNodeStat[];
}

export interface BdmDestroyArgs {
  bdms?: readonly Pick<BlockDeviceMapping, 'id'>[] | null;
  instance?: Pick<InstanceRecord, 'uuid'> | null;
  volume_id?: string | null;
  device_name?: string | null;
}

export type { BlockDeviceMapping, InstanceActionEvent, InstanceFault };
