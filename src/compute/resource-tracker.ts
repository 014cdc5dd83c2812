import { NotFound } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { VmState } from '../common/states/vm-states.js';
import type { ConductorClient } from '../conductor/contract.js';
import type { ComputeNodeWrite, ConductorInstance } from '../conductor/types.js';
import type { RequestContext } from '../context/context.js';
import type { HostLimits } from '../scheduler/types.js';
import type { ComputeDriver } from '../virt/driver.js';
import { AsyncLock } from './async-lock.js';
import { ComputeResourcesUnavailable } from './manager/errors.js';

const log = getLogger('nova.compute.resource_tracker');

/** Task states that make an instance count as I/O-heavy work on its host. */
const IO_TASK_STATES: readonly string[] = ['resize_migrating', 'rebuilding', 'resize_prep', 'image_snapshot', 'image_backup'];

/** What the tracker counts of an instance. */
export interface TrackedInstance {
  uuid: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  vm_state: string | null;
  task_state: string | null;
  project_id: string | null;
  os_type: string | null;
}

/** The conductor, through which the tracker reads the host's instances and writes its compute node. */
export type ResourceTrackerStore = Pick<ConductorClient, 'call'>;

export interface ResourceTrackerOptions {
  reservedHostMemoryMb: number;
  reservedHostDiskMb: number;
  /** `my_ip`: the address the compute node record shows as `host_ip` (Havana's tracker records it). */
  hostIp?: string;
}

/** The node's usage as the tracker computes it. */
export interface NodeUsage {
  memory_mb: number;
  memory_mb_used: number;
  local_gb: number;
  local_gb_used: number;
  vcpus: number;
  vcpus_used: number;
}

export function trackedFrom(
  instance: Pick<
    ConductorInstance,
    'uuid' | 'memory_mb' | 'vcpus' | 'root_gb' | 'ephemeral_gb' | 'vm_state' | 'task_state' | 'project_id' | 'os_type'
  >,
): TrackedInstance {
  return {
    uuid: instance.uuid ?? '',
    memory_mb: instance.memory_mb ?? 0,
    vcpus: instance.vcpus ?? 0,
    root_gb: instance.root_gb ?? 0,
    ephemeral_gb: instance.ephemeral_gb ?? 0,
    vm_state: instance.vm_state ?? null,
    task_state: instance.task_state ?? null,
    project_id: instance.project_id ?? null,
    os_type: instance.os_type ?? null,
  };
}

/** A successful claim: the instance is counted until the build finishes (keep) or fails (abort). */
export class Claim {
  #done = false;
  constructor(
    private readonly tracker: ResourceTracker,
    readonly instance: TrackedInstance,
  ) {}

  /** Releases the resources of a build that failed; the compute node row is rewritten. */
  async abort(ctx: RequestContext): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.tracker.dropInstance(ctx, this.instance.uuid);
  }
}

/**
 * One compute node's view of its resources (nova/compute/resource_tracker.py). Every
 * change runs under one lock per node, so two builds racing for the last slot are tested
 * one after the other against a usage that already counts the winner: the loser gets
 * ComputeResourcesUnavailable and goes back to the scheduler.
 */
export class ResourceTracker {
  readonly #lock = new AsyncLock();
  readonly #tracked = new Map<string, TrackedInstance>();
  #resources: { total: Omit<ComputeNodeWrite, 'stats' | 'service_id'> } | null = null;
  #computeNodeId: number | null = null;

  constructor(
    readonly host: string,
    readonly nodename: string,
    private readonly driver: ComputeDriver,
    private readonly store: ResourceTrackerStore,
    private readonly options: ResourceTrackerOptions,
  ) {}

  /** Whether the node's resources have been read at least once. */
  get ready(): boolean {
    return this.#resources !== null;
  }

  usage(): NodeUsage {
    const total = this.#resources?.total;
    let memory = this.options.reservedHostMemoryMb;
    let disk = this.options.reservedHostDiskMb / 1024;
    let vcpus = 0;
    for (const inst of this.#tracked.values()) {
      memory += inst.memory_mb;
      disk += inst.root_gb + inst.ephemeral_gb;
      vcpus += inst.vcpus;
    }
    return {
      memory_mb: total?.memory_mb ?? 0,
      memory_mb_used: memory,
      local_gb: total?.local_gb ?? 0,
      local_gb_used: disk,
      vcpus: total?.vcpus ?? 0,
      vcpus_used: vcpus,
    };
  }

  /** The reason the instance does not fit under `limits`, or null when it does. A missing limit is unlimited. */
  static overLimit(usage: NodeUsage, instance: TrackedInstance, limits: HostLimits | null | undefined): string | null {
    const checks: [string, number | undefined, number, number, string][] = [
      ['Memory', limits?.memory_mb, usage.memory_mb_used, instance.memory_mb, 'MB'],
      ['Disk', limits?.disk_gb, usage.local_gb_used, instance.root_gb + instance.ephemeral_gb, 'GB'],
      ['CPU', limits?.vcpu, usage.vcpus_used, instance.vcpus, 'VCPUs'],
    ];
    for (const [what, limit, used, requested, unit] of checks) {
      if (limit === undefined || limit === null) continue;
      const free = limit - used;
      if (requested > free) return `Free ${what.toLowerCase()} ${free} ${unit} < requested ${requested} ${unit}`;
    }
    return null;
  }

  /**
   * Claims the instance's resources against `limits` (what the scheduler's filters
   * computed for this node). On success the instance is counted, gets this host, node and
   * launched_on, and the compute node row is rewritten so the scheduler sees it at once.
   */
  async instanceClaim(ctx: RequestContext, instance: ConductorInstance, limits: HostLimits | null | undefined): Promise<Claim> {
    const tracked = trackedFrom(instance);
    await this.#lock.run(async () => {
      if (!this.#resources) await this.#audit(ctx);
      const reason = ResourceTracker.overLimit(this.usage(), tracked, limits);
      if (reason !== null) {
        log.for(ctx).info({ instance_uuid: tracked.uuid, reason, limits }, 'Claim failed');
        throw new ComputeResourcesUnavailable(reason);
      }
      this.#tracked.set(tracked.uuid, tracked);
      log.for(ctx).info({ instance_uuid: tracked.uuid, usage: this.usage() }, 'Claim successful');
      await this.#writeNode(ctx);
    });
    await this.store.call(ctx, 'instance_update', {
      instance_uuid: tracked.uuid,
      updates: { host: this.host, node: this.nodename, launched_on: this.host },
      service: 'conductor',
    });
    return new Claim(this, tracked);
  }

  /** Stops counting an instance (deleted, or its build failed) and rewrites the node row. */
  async dropInstance(ctx: RequestContext, uuid: string): Promise<void> {
    await this.#lock.run(async () => {
      if (this.#tracked.delete(uuid) && this.#resources) await this.#writeNode(ctx);
    });
  }

  /** Refreshes the state counters of a tracked instance (stats by vm/task state). */
  updateInstance(instance: ConductorInstance): void {
    if (instance.uuid && this.#tracked.has(instance.uuid)) this.#tracked.set(instance.uuid, trackedFrom(instance));
  }

  /**
   * The periodic audit: the driver's resources, every live instance of this host and node,
   * plus builds claimed here whose rows do not say so yet; written to compute_nodes.
   */
  async updateAvailableResource(ctx: RequestContext): Promise<void> {
    await this.#lock.run(() => this.#audit(ctx));
  }

  async #audit(ctx: RequestContext): Promise<void> {
    const resources = await this.driver.getAvailableResource(this.nodename);
    if (!resources) {
      log.warn({ node: this.nodename }, 'Virt driver does not manage this node; no resources to audit');
      return;
    }
    const instances = await this.store.call(ctx, 'instance_get_all_by_host', {
      host: this.host,
      node: this.nodename,
      columns_to_join: null,
    });
    const claimedElsewhere = [...this.#tracked.values()].filter((t) => !instances.some((i) => i.uuid === t.uuid));
    this.#tracked.clear();
    for (const inst of instances) {
      if (!inst.uuid || inst.vm_state === VmState.DELETED) continue;
      this.#tracked.set(inst.uuid, trackedFrom(inst));
    }
    for (const t of claimedElsewhere) if (t.vm_state === VmState.BUILDING) this.#tracked.set(t.uuid, t);
    this.#resources = {
      total: {
        vcpus: resources.vcpus,
        memory_mb: resources.memory_mb,
        local_gb: resources.local_gb,
        vcpus_used: 0,
        memory_mb_used: 0,
        local_gb_used: 0,
        hypervisor_type: resources.hypervisor_type,
        hypervisor_version: resources.hypervisor_version,
        hypervisor_hostname: resources.hypervisor_hostname,
        cpu_info: resources.cpu_info,
        disk_available_least: resources.disk_available_least,
        free_ram_mb: 0,
        free_disk_gb: 0,
        current_workload: 0,
        running_vms: 0,
      },
    };
    await this.#writeNode(ctx);
  }

  #stats(): Record<string, number> {
    const stats: Record<string, number> = { num_instances: 0, num_vcpus_used: 0, io_workload: 0 };
    const bump = (key: string) => {
      stats[key] = (stats[key] ?? 0) + 1;
    };
    for (const inst of this.#tracked.values()) {
      bump('num_instances');
      bump(`num_vm_${inst.vm_state ?? 'None'}`);
      bump(`num_task_${inst.task_state ?? 'None'}`);
      bump(`num_os_type_${inst.os_type ?? 'None'}`);
      bump(`num_proj_${inst.project_id ?? 'None'}`);
      stats.num_vcpus_used = (stats.num_vcpus_used ?? 0) + inst.vcpus;
      if (inst.vm_state === VmState.BUILDING || (inst.task_state !== null && IO_TASK_STATES.includes(inst.task_state))) bump('io_workload');
    }
    return stats;
  }

  async #writeNode(ctx: RequestContext): Promise<void> {
    const total = this.#resources?.total;
    if (!total) return;
    const u = this.usage();
    const tracked = [...this.#tracked.values()];
    const values: ComputeNodeWrite = {
      ...total,
      vcpus_used: u.vcpus_used,
      memory_mb_used: u.memory_mb_used,
      local_gb_used: Math.ceil(u.local_gb_used),
      free_ram_mb: u.memory_mb - u.memory_mb_used,
      free_disk_gb: Math.floor(u.local_gb - u.local_gb_used),
      current_workload: tracked.filter((t) => t.task_state !== null).length,
      running_vms: tracked.length,
      stats: this.#stats(),
      ...(this.options.hostIp ? { host_ip: this.options.hostIp } : {}),
    };
    if (this.#computeNodeId !== null) {
      await this.store.call(ctx, 'compute_node_update', { node: { id: this.#computeNodeId }, values, prune_stats: true });
      return;
    }
    const service = await this.#computeService(ctx);
    if (!service) {
      log.warn({ host: this.host }, 'No service record for host; the compute node is recorded once the service exists');
      return;
    }
    const existing = service.compute_node?.find((n) => n.hypervisor_hostname === this.nodename);
    if (existing) {
      this.#computeNodeId = existing.id;
      await this.store.call(ctx, 'compute_node_update', { node: { id: existing.id }, values, prune_stats: true });
    } else {
      const created = await this.store.call(ctx, 'compute_node_create', { values: { ...values, service_id: service.id } });
      this.#computeNodeId = created.id;
      log.info({ host: this.host, node: this.nodename }, 'Compute node record created');
    }
  }

  /** This host's compute service with the nodes it recorded before (Nova's compute_node backref). */
  async #computeService(
    ctx: RequestContext,
  ): Promise<{ id: number; compute_node?: { id: number; hypervisor_hostname: string | null }[] } | null> {
    try {
      const [service] = await this.store.call(ctx, 'service_get_all_by', { topic: 'compute', host: this.host, binary: null });
      return (service as { id: number; compute_node?: { id: number; hypervisor_hostname: string | null }[] } | undefined) ?? null;
    } catch (err) {
      if (err instanceof NotFound) return null;
      throw err;
    }
  }
}
