import type { ServiceRecord } from '../servicegroup/types.js';
import type { HostLimits, InstanceProperties } from './types.js';

/** The `compute_nodes` row (with its stats) as the host manager receives it. */
export interface ComputeNodeRecord {
  id?: number;
  hypervisor_hostname: string;
  memory_mb: number;
  free_ram_mb: number;
  local_gb: number;
  local_gb_used: number;
  free_disk_gb: number;
  disk_available_least: number | null;
  vcpus: number;
  vcpus_used: number;
  hypervisor_type?: string | null;
  hypervisor_version?: number | null;
  cpu_info?: string | null;
  updated_at: Date | string | null;
  /** compute_node_stats as key → value; values are strings in the database. */
  stats?: Record<string, string | number>;
}

/**
 * One compute node as the scheduler sees it, with the data some filters need that Nova's
 * filters fetched from the database themselves. The caller resolves it once per pass.
 */
export interface HostRecord {
  compute: ComputeNodeRecord;
  service: ServiceRecord;
  /** Latest update_service_capabilities from this (host, node); the host manager fills it. */
  capabilities?: Record<string, unknown> | null;
  /** Per key, every value across the aggregates that contain the host. */
  aggregate_metadata?: Record<string, string[]>;
  /** Flavor ids of the host's non-deleted instances; needed by TypeAffinityFilter only. */
  instance_type_ids?: number[];
}

/** Task states that make an instance count as an I/O-heavy operation. */
export const IO_TASK_STATES: readonly string[] = ['resize_migrating', 'rebuilding', 'resize_prep', 'image_snapshot', 'image_backup'];

function toDate(value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
}

function toInt(value: string | number | undefined): number {
  if (value === undefined) return 0;
  const n = typeof value === 'number' ? Math.trunc(value) : Number.parseInt(value, 10);
  return Number.isNaN(n) ? 0 : n;
}

function bump(counts: Record<string, number>, key: string | null | undefined): void {
  const k = key ?? 'None';
  counts[k] = (counts[k] ?? 0) + 1;
}

function countsWithPrefix(stats: Record<string, string | number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(stats)) {
    if (key.startsWith(prefix)) out[key.slice(prefix.length)] = toInt(value);
  }
  return out;
}

/**
 * Mutable view of one (host, node). Field names are Nova's, because JsonFilter queries
 * address them as `$free_ram_mb`, `$capabilities.enabled`, ...
 */
export class HostState {
  readonly host: string;
  readonly nodename: string;
  capabilities: Readonly<Record<string, unknown>> = {};
  service: Readonly<ServiceRecord> | null = null;

  total_usable_ram_mb = 0;
  free_ram_mb = 0;
  total_usable_disk_gb = 0;
  free_disk_mb = 0;
  disk_mb_used = 0;
  vcpus_total = 0;
  vcpus_used = 0;

  num_instances = 0;
  num_instances_by_project: Record<string, number> = {};
  vm_states: Record<string, number> = {};
  task_states: Record<string, number> = {};
  num_instances_by_os_type: Record<string, number> = {};
  num_io_ops = 0;

  hypervisor_type: string | null = null;
  hypervisor_version: number | null = null;
  hypervisor_hostname: string | null = null;
  cpu_info: string | null = null;
  allowed_vm_type = 'all';

  aggregate_metadata: Record<string, string[]> = {};
  /** null when the caller did not resolve it. */
  instance_type_ids: number[] | null = null;

  /** Written by RamFilter, DiskFilter and CoreFilter; kept between requests as in Nova. */
  limits: HostLimits = {};
  updated: Date | null = null;

  constructor(host: string, nodename: string, capabilities?: Record<string, unknown> | null, service?: ServiceRecord | null) {
    this.host = host;
    this.nodename = nodename;
    this.updateCapabilities(capabilities, service);
  }

  updateCapabilities(capabilities?: Record<string, unknown> | null, service?: ServiceRecord | null): void {
    this.capabilities = Object.freeze({ ...(capabilities ?? {}) });
    this.service = service ? Object.freeze({ ...service }) : null;
    const allowed = this.capabilities.allowed_vm_type;
    if (typeof allowed === 'string') this.allowed_vm_type = allowed;
  }

  /**
   * Takes the compute node's latest report, unless this state was changed by a
   * consumption after that report was written: the virtual consumption must survive until
   * the compute host reports again.
   */
  updateFromComputeNode(compute: ComputeNodeRecord): void {
    const reported = toDate(compute.updated_at);
    if (this.updated && (reported === null || this.updated > reported)) return;

    const freeDiskGb = compute.disk_available_least ?? compute.free_disk_gb;
    this.total_usable_ram_mb = compute.memory_mb;
    this.free_ram_mb = compute.free_ram_mb;
    this.total_usable_disk_gb = compute.local_gb;
    this.free_disk_mb = freeDiskGb * 1024;
    this.disk_mb_used = compute.local_gb_used * 1024;
    this.vcpus_total = compute.vcpus;
    this.vcpus_used = compute.vcpus_used;
    this.hypervisor_type = compute.hypervisor_type ?? null;
    this.hypervisor_version = compute.hypervisor_version ?? null;
    this.hypervisor_hostname = compute.hypervisor_hostname;
    this.cpu_info = compute.cpu_info ?? null;
    this.updated = reported;

    const stats = compute.stats ?? {};
    this.num_instances = toInt(stats.num_instances);
    this.num_instances_by_project = countsWithPrefix(stats, 'num_proj_');
    this.vm_states = countsWithPrefix(stats, 'num_vm_');
    this.task_states = countsWithPrefix(stats, 'num_task_');
    this.num_instances_by_os_type = countsWithPrefix(stats, 'num_os_type_');
    this.num_io_ops = toInt(stats.io_workload);
  }

  /** Charges an instance chosen for this host, so the rest of the pass sees the host fuller. */
  consumeFromInstance(instance: InstanceProperties, now: Date = new Date()): void {
    this.free_ram_mb -= instance.memory_mb;
    this.free_disk_mb -= (instance.root_gb + instance.ephemeral_gb) * 1024;
    this.vcpus_used += instance.vcpus;
    this.updated = now;

    this.num_instances += 1;
    bump(this.num_instances_by_project, instance.project_id);
    const vmState = instance.vm_state ?? 'building';
    bump(this.vm_states, vmState);
    bump(this.task_states, instance.task_state);
    bump(this.num_instances_by_os_type, instance.os_type);
    if (vmState === 'building' || (instance.task_state != null && IO_TASK_STATES.includes(instance.task_state))) {
      this.num_io_ops += 1;
    }
  }

  toString(): string {
    return `(${this.host}, ${this.nodename}) ram:${this.free_ram_mb} disk:${this.free_disk_mb} io_ops:${this.num_io_ops} instances:${this.num_instances}`;
  }
}

/** Builds a fresh HostState from plain records (the host manager reuses states instead). */
export function hostStateFromRecord(record: HostRecord): HostState {
  const state = new HostState(record.service.host ?? '', record.compute.hypervisor_hostname, record.capabilities, record.service);
  applyHostRecord(state, record);
  return state;
}

/** Refreshes a state from a record: capabilities, service, compute node report and the pre-resolved lookups. */
export function applyHostRecord(state: HostState, record: HostRecord): void {
  state.updateCapabilities(record.capabilities, record.service);
  state.aggregate_metadata = record.aggregate_metadata ?? {};
  state.instance_type_ids = record.instance_type_ids ?? null;
  state.updateFromComputeNode(record.compute);
}
