/**
 * The compute manager's periodic tasks that reconcile the database with the hypervisor and
 * finish what timed out (nova/compute/manager.py: _sync_power_states, _poll_rebooting_instances,
 * _poll_rescued_instances, _reclaim_queued_deletes, _cleanup_running_deleted_instances,
 * _heal_instance_info_cache, _check_instance_build_time, _instance_usage_audit). Each looks
 * only at this host's instances (Grizzly's reboot and build-time queries looked at every
 * host's, which let one host act on another's instances), reads the time from the service's
 * clock, and changes an instance only through the same compare-and-swap writes and action
 * flows a request would use.
 */
import { InstanceNotFound, UnexpectedTaskStateError } from '../../common/errors.js';
import { PowerState } from '../../common/states/power-state.js';
import { TaskState } from '../../common/states/task-states.js';
import { VmState } from '../../common/states/vm-states.js';
import type { ConductorInstance } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import { lastCompletedAuditPeriod } from '../../notifications/audit-period.js';
import { deleteInstance } from './delete.js';
import { unrescueInstance } from './guest.js';
import type { ComputeHost } from './host.js';
import { rebootInstance, stopInstance } from './power.js';

export interface PeriodicSettings {
  rebootTimeout: number;
  rescueTimeout: number;
  instanceBuildTimeout: number;
  reclaimInstanceInterval: number;
  runningDeletedInstanceAction: 'noop' | 'log' | 'reap';
  runningDeletedInstanceTimeout: number;
  instanceUsageAuditPeriod: string;
}

/** What the tasks share: the host, its settings, the service's clock, and a per-instance lock. */
export interface PeriodicContext {
  h: ComputeHost;
  settings: PeriodicSettings;
  now: () => Date;
  /** Runs work on an instance alone, as the manager's RPC methods do. */
  serialized<T>(uuid: string, work: () => Promise<T>): Promise<T>;
}

function ageSeconds(p: PeriodicContext, at: Date | string | null | undefined): number | null {
  if (at === null || at === undefined) return null;
  const t = at instanceof Date ? at.getTime() : Date.parse(String(at));
  return (p.now().getTime() - t) / 1000;
}

function olderThan(p: PeriodicContext, at: Date | string | null | undefined, seconds: number): boolean {
  const age = ageSeconds(p, at);
  return age !== null && age > seconds;
}

async function hostInstances(p: PeriodicContext, ctx: RequestContext): Promise<ConductorInstance[]> {
  return p.h.conductor.call(ctx, 'instance_get_all_by_host', { host: p.h.host, node: null, columns_to_join: null });
}

/** A task's start write for an action the host begins itself; false when another task got there first. */
async function begin(p: PeriodicContext, ctx: RequestContext, instance: ConductorInstance, action: 'stop' | 'reboot_hard' | 'unrescue') {
  try {
    return await p.h.transition(ctx, instance, action, 'start');
  } catch (err) {
    if (err instanceof UnexpectedTaskStateError || err instanceof InstanceNotFound) return null;
    throw err;
  }
}

async function powerStateOf(p: PeriodicContext, instance: ConductorInstance): Promise<PowerState> {
  try {
    return (await p.h.driver.getInfo(p.h.virt(instance))).state;
  } catch (err) {
    if (err instanceof InstanceNotFound || (err as Error).name === 'InstanceNotFound') return PowerState.NOSTATE;
    throw err;
  }
}

/**
 * `_sync_power_states`: the hypervisor's power state into the database for every idle
 * instance of this host; an ACTIVE instance whose guest is shut down, crashed or suspended
 * behind Nova's back is stopped, so that the database says what the guest does.
 */
export async function syncPowerStates(p: PeriodicContext, ctx: RequestContext): Promise<void> {
  for (const listed of await hostInstances(p, ctx)) {
    if (listed.task_state !== null) continue;
    const uuid = listed.uuid as string;
    await p.serialized(uuid, async () => {
      const power = await powerStateOf(p, listed);
      let instance = listed;
      if (instance.power_state !== power) {
        try {
          instance = await p.h.conductor.call(ctx, 'instance_update', {
            instance_uuid: uuid,
            updates: { power_state: power, expected_task_state: [null] },
            service: 'conductor',
          });
        } catch (err) {
          if (err instanceof UnexpectedTaskStateError || err instanceof InstanceNotFound) return;
          throw err;
        }
      }
      const died = ([PowerState.SHUTDOWN, PowerState.CRASHED, PowerState.SUSPENDED] as PowerState[]).includes(power);
      if (instance.vm_state === VmState.ACTIVE && died) {
        ctx.log.warn({ instance_uuid: uuid, power_state: power }, 'instance is not running on the hypervisor; stopping it');
        const stopping = await begin(p, ctx, instance, 'stop');
        if (stopping) await stopInstance(p.h, ctx, stopping).catch(() => undefined);
      } else if (
        instance.vm_state === VmState.STOPPED &&
        !([PowerState.NOSTATE, PowerState.SHUTDOWN, PowerState.CRASHED] as PowerState[]).includes(power)
      ) {
        ctx.log.warn({ instance_uuid: uuid, power_state: power }, 'stopped instance is running on the hypervisor');
      }
    });
  }
}

/**
 * `_poll_rebooting_instances`: reboots still running after `reboot_timeout` go to the driver
 * (which may finish them), and one that the driver left is finished by a hard reboot.
 */
export async function pollRebootingInstances(p: PeriodicContext, ctx: RequestContext): Promise<void> {
  const timeout = p.settings.rebootTimeout;
  if (timeout <= 0) return;
  const hung = (await hostInstances(p, ctx)).filter((i) => i.task_state === TaskState.REBOOTING && olderThan(p, i.updated_at, timeout));
  if (hung.length === 0) return;
  await p.h.driver.pollRebootingInstances(
    timeout,
    hung.map((i) => p.h.virt(i)),
  );
  for (const instance of hung) {
    await p.serialized(instance.uuid as string, async () => {
      const hard = await begin(p, ctx, instance, 'reboot_hard');
      if (hard) await rebootInstance(p.h, ctx, hard, 'HARD').catch(() => undefined);
    });
  }
}

/** `_poll_rescued_instances`: a rescue older than `rescue_timeout` is undone. */
export async function pollRescuedInstances(p: PeriodicContext, ctx: RequestContext): Promise<void> {
  const timeout = p.settings.rescueTimeout;
  if (timeout <= 0) return;
  for (const instance of await hostInstances(p, ctx)) {
    if (instance.vm_state !== VmState.RESCUED || instance.task_state !== null || !olderThan(p, instance.launched_at, timeout)) continue;
    await p.serialized(instance.uuid as string, async () => {
      const unrescuing = await begin(p, ctx, instance, 'unrescue');
      if (unrescuing) await unrescueInstance(p.h, ctx, unrescuing).catch(() => undefined);
    });
  }
}

/**
 * `_reclaim_queued_deletes`: soft-deleted instances kept longer than
 * `reclaim_instance_interval` are deleted for good (their quota was given back at soft delete).
 */
export async function reclaimQueuedDeletes(p: PeriodicContext, ctx: RequestContext): Promise<void> {
  const interval = p.settings.reclaimInstanceInterval;
  if (interval <= 0) return;
  for (const instance of await hostInstances(p, ctx)) {
    if (instance.vm_state !== VmState.SOFT_DELETED || instance.task_state !== null) continue;
    if (instance.deleted_at && !olderThan(p, instance.deleted_at, interval)) continue;
    ctx.log.info({ instance_uuid: instance.uuid }, 'reclaiming a soft-deleted instance');
    await p.serialized(instance.uuid as string, () => deleteInstance(p.h, ctx, instance));
  }
}

/**
 * `_cleanup_running_deleted_instances`: guests on the hypervisor whose instance is no longer
 * a live instance of this host. `running_deleted_instance_action` says whether to log them
 * or destroy them (`reap`); a guest whose instance was deleted less than
 * `running_deleted_instance_timeout` ago is left for now.
 */
export async function cleanupRunningDeletedInstances(p: PeriodicContext, ctx: RequestContext): Promise<string[]> {
  const action = p.settings.runningDeletedInstanceAction;
  if (action === 'noop') return [];
  const live = new Set((await hostInstances(p, ctx)).map((i) => i.uuid));
  const found: string[] = [];
  for (const uuid of await p.h.driver.listInstanceUuids()) {
    if (live.has(uuid)) continue;
    let row: ConductorInstance | null = null;
    try {
      row = await p.h.conductor.call(ctx.elevated('yes'), 'instance_get_by_uuid', { instance_uuid: uuid });
    } catch (err) {
      if (!(err instanceof InstanceNotFound)) throw err;
    }
    if (row && !row.deleted) continue;
    if (row?.deleted_at && !olderThan(p, row.deleted_at, p.settings.runningDeletedInstanceTimeout)) continue;
    found.push(uuid);
    if (action === 'log') {
      ctx.log.warn({ instance_uuid: uuid }, 'guest of a deleted instance is still on the hypervisor');
      continue;
    }
    ctx.log.info({ instance_uuid: uuid }, 'destroying the guest of a deleted instance');
    const virt = row ? p.h.virt(row) : p.h.virt({ uuid, id: 0 } as ConductorInstance);
    await p.h.driver.destroy(virt, [], null, true);
  }
  return found;
}

/** `_check_instance_build_time`: an instance building for longer than `instance_build_timeout` goes to ERROR. */
export async function checkInstanceBuildTime(p: PeriodicContext, ctx: RequestContext): Promise<void> {
  const timeout = p.settings.instanceBuildTimeout;
  if (timeout <= 0) return;
  for (const instance of await hostInstances(p, ctx)) {
    if (instance.vm_state !== VmState.BUILDING || !olderThan(p, instance.created_at, timeout)) continue;
    const err = new Error(`Instance build timed out. Set to error state.`);
    ctx.log.warn({ instance_uuid: instance.uuid, timeout }, 'instance build timed out');
    await p.h.failInstance(ctx, instance, 'create', err);
  }
}

/**
 * `_heal_instance_info_cache`: refreshes the network info cache of one instance per run,
 * going round this host's instances.
 */
export class InfoCacheHealer {
  #queue: string[] = [];

  async run(p: PeriodicContext, ctx: RequestContext, network: ComputeHost['network']): Promise<string | null> {
    if (this.#queue.length === 0) this.#queue = (await hostInstances(p, ctx)).map((i) => i.uuid as string);
    while (this.#queue.length > 0) {
      const uuid = this.#queue.shift() as string;
      let instance: ConductorInstance;
      try {
        instance = await p.h.conductor.call(ctx, 'instance_get_by_uuid', { instance_uuid: uuid });
      } catch (err) {
        if (err instanceof InstanceNotFound) continue;
        throw err;
      }
      if (instance.host !== p.h.host || instance.vm_state === VmState.BUILDING) continue;
      const nwInfo = await network.getInstanceNwInfo(ctx, { uuid, project_id: instance.project_id, host: instance.host });
      await p.h.conductor.call(ctx, 'instance_info_cache_update', { instance: { uuid }, values: { network_info: JSON.stringify(nwInfo) } });
      return uuid;
    }
    return null;
  }
}

/** What the cache holds for an interface: this period's totals and the counters last read. */
export interface BandwidthSoFar {
  bw_in: number;
  bw_out: number;
  last_ctr_in: number;
  last_ctr_out: number;
}

/**
 * This period's totals after reading `counter`: the growth of each counter since it was last
 * read is added; a counter lower than last time was reset (guest reboot, rollover), so all of
 * it is new. Without a row for this period the last period's counters are the base; with
 * neither, nothing is known to have been counted before and the totals start at zero.
 */
export function accumulateBandwidth(
  current: BandwidthSoFar | null,
  previousPeriod: BandwidthSoFar | null,
  counter: { bw_in: number; bw_out: number },
): { bw_in: number; bw_out: number } {
  let bwIn = current?.bw_in ?? 0;
  let bwOut = current?.bw_out ?? 0;
  const base = current ?? previousPeriod;
  if (base) {
    bwIn += counter.bw_in < base.last_ctr_in ? counter.bw_in : counter.bw_in - base.last_ctr_in;
    bwOut += counter.bw_out < base.last_ctr_out ? counter.bw_out : counter.bw_out - base.last_ctr_out;
  }
  return { bw_in: bwIn, bw_out: bwOut };
}

/** `_poll_bandwidth_usage`: the driver's per-interface counters into bw_usage_cache for the current audit period. */
export async function pollBandwidthUsage(p: PeriodicContext, ctx: RequestContext): Promise<number> {
  const instances = await hostInstances(p, ctx);
  const counters = await p.h.driver.getAllBwCounters(instances.map((i) => p.h.virt(i)));
  const { begin: previousStart, end: start } = lastCompletedAuditPeriod(p.settings.instanceUsageAuditPeriod, p.now());
  const refreshed = p.now().toISOString();
  for (const counter of counters) {
    const key = { uuid: counter.uuid, mac: counter.mac_address };
    const current = await p.h.conductor.call(ctx, 'bw_usage_get', { ...key, start_period: start.toISOString() });
    const previous = current ? null : await p.h.conductor.call(ctx, 'bw_usage_get', { ...key, start_period: previousStart.toISOString() });
    const totals = accumulateBandwidth(current, previous, counter);
    await p.h.conductor.call(ctx, 'bw_usage_update', {
      ...key,
      start_period: start.toISOString(),
      ...totals,
      last_ctr_in: counter.bw_in,
      last_ctr_out: counter.bw_out,
      last_refreshed: refreshed,
    });
  }
  return counters.length;
}
