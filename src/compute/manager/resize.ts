/**
 * The compute manager's half of resize and cold migration (Grizzly's nova/compute/manager.py
 * prep_resize, resize_instance, finish_resize, confirm_resize, revert_resize and
 * finish_revert_resize). The steps hop between the two hosts by cast:
 * destination prep_resize → source resize_instance → destination finish_resize, leaving the
 * instance RESIZED (VERIFY_RESIZE) on the destination; confirm then cleans the source, revert
 * destroys the destination's copy and brings the source's guest back with the old flavor.
 * The flavors travel in system metadata as Nova keeps them: `new_instance_type_*` from
 * prep_resize, `old_instance_type_*` from finish_resize, both dropped at confirm or revert.
 */
import { PowerState } from '../../common/states/power-state.js';
import type { ConductorInstance } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import type { Migration } from '../../db/types.js';
import { lastCompletedAuditPeriod } from '../../notifications/audit-period.js';
import type { InstanceType } from '../../scheduler/types.js';
import type { FlavorSizes, MigrationRecord } from '../../virt/types.js';
import type { FinishResizeRequest, MigrationRequest, PrepResizeRequest, ResizeInstanceRequest } from '../contract.js';
import { cachedNetworkInfo, runAction, transitionWithPower } from './actions.js';
import type { ComputeHost } from './host.js';

type SystemMetadata = Record<string, string | null>;

const FLAVOR_KEYS = ['id', 'name', 'memory_mb', 'vcpus', 'root_gb', 'ephemeral_gb', 'flavorid', 'swap', 'rxtx_factor', 'vcpu_weight'];

function str(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/** `<prefix>instance_type_*` keys of a flavor (Nova's instance_types.save_instance_type_info). */
function flavorToSysMeta(flavor: InstanceType, prefix: string): Record<string, string> {
  return Object.fromEntries(FLAVOR_KEYS.map((k) => [`${prefix}instance_type_${k}`, str(flavor[k])]));
}

/** The flavor kept under `<prefix>instance_type_*`, by its keys' original names. */
function flavorFromSysMeta(sys: SystemMetadata, prefix: string): Record<string, string> {
  return Object.fromEntries(FLAVOR_KEYS.map((k) => [k, sys[`${prefix}instance_type_${k}`] ?? '']));
}

function renamed(sys: SystemMetadata, from: string, to: string): Record<string, string> {
  return Object.fromEntries(FLAVOR_KEYS.map((k) => [`${to}instance_type_${k}`, sys[`${from}instance_type_${k}`] ?? '']));
}

/** System metadata without the keys a resize stashes (Nova's _cleanup_stored_instance_types). */
function withoutStashedFlavors(sys: SystemMetadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sys)) {
    if (!k.startsWith('old_instance_type_') && !k.startsWith('new_instance_type_') && v !== null) out[k] = v;
  }
  return out;
}

/** The instance columns that follow its flavor. */
function flavorColumns(flavor: Record<string, string>) {
  return {
    instance_type_id: Number(flavor.id),
    memory_mb: Number(flavor.memory_mb),
    vcpus: Number(flavor.vcpus),
    root_gb: Number(flavor.root_gb),
    ephemeral_gb: Number(flavor.ephemeral_gb),
  };
}

function sizes(flavor: InstanceType): FlavorSizes {
  return {
    memory_mb: flavor.memory_mb,
    vcpus: flavor.vcpus,
    root_gb: flavor.root_gb,
    ephemeral_gb: flavor.ephemeral_gb,
    ...(flavor.swap !== undefined ? { swap: flavor.swap } : {}),
    ...(flavor.name ? { name: flavor.name } : {}),
    ...(flavor.flavorid ? { flavorid: flavor.flavorid } : {}),
  };
}

/** The driver's view of a migrations row. */
function migrationRecord(m: Migration): MigrationRecord {
  return {
    id: m.id,
    source_compute: m.source_compute,
    dest_compute: m.dest_compute,
    source_node: m.source_node,
    dest_node: m.dest_node,
    dest_host: m.dest_host,
    ...(m.status ? { status: m.status } : {}),
  };
}

function castTo(h: ComputeHost) {
  const compute = h.compute;
  if (!compute) throw new Error(`compute host ${h.host} has no RPC client to reach other hosts`);
  return compute;
}

async function setMigrationStatus(h: ComputeHost, ctx: RequestContext, migration: Migration, status: string): Promise<Migration> {
  return h.conductor.call(ctx, 'migration_update', { migration_id: migration.id, status });
}

/** A failed step marks its migration `error` so that neither the API nor the periodic task acts on it again. */
async function failMigration(h: ComputeHost, ctx: RequestContext, migration: Migration | null): Promise<void> {
  if (!migration) return;
  try {
    await setMigrationStatus(h, ctx, migration, 'error');
  } catch (err) {
    ctx.log.error({ err, migration_id: migration.id }, 'could not mark the migration as failed');
  }
}

/** The work of a step, marking its migration `error` before the instance takes its failure state. */
function marksMigrationOnFailure<T>(h: ComputeHost, ctx: RequestContext, migration: () => Migration | null, work: () => Promise<T>) {
  return async (): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      await failMigration(h, ctx, migration());
      throw err;
    }
  };
}

/** Destination: records the migration and stashes the new flavor, then hands over to the source. */
export async function prepResize(h: ComputeHost, ctx: RequestContext, args: PrepResizeRequest): Promise<ConductorInstance> {
  let instance: ConductorInstance = args.instance;
  let migration: Migration | null = null;
  const { begin } = lastCompletedAuditPeriod('month', h.notifier.now());
  await h.notifyUsage(ctx, instance, 'exists', {
    extra: { audit_period_beginning: begin, audit_period_ending: h.notifier.now(), bandwidth: {} },
  });
  return runAction(
    h,
    ctx,
    instance,
    { method: 'prep_resize', action: 'resize', failureOutcome: () => 'source_failure' },
    marksMigrationOnFailure(
      h,
      ctx,
      () => migration,
      async () => {
        await h.notifyUsage(ctx, instance, 'resize.prep.start', { extra: { new_instance_type: args.instance_type.name ?? null } });
        const node = args.node ?? (await h.driver.getAvailableNodes())[0] ?? h.host;
        migration = await h.conductor.call(ctx, 'migration_create', {
          instance: { uuid: instance.uuid as string },
          values: {
            source_compute: instance.host ?? null,
            source_node: instance.node ?? null,
            dest_compute: h.host,
            dest_node: node,
            dest_host: h.host,
            old_instance_type_id: instance.instance_type_id ?? null,
            new_instance_type_id: args.instance_type.id ?? null,
            status: 'pre-migrating',
          },
        });
        const sys = { ...withoutStashedFlavors(instance.system_metadata ?? {}), ...flavorToSysMeta(args.instance_type, 'new_') };
        instance = await h.conductor.call(ctx, 'instance_update', {
          instance_uuid: instance.uuid as string,
          updates: { system_metadata: sys },
          service: null,
        });
        await h.notifyUsage(ctx, instance, 'resize.prep.end', { extra: { new_instance_type: args.instance_type.name ?? null } });
        await castTo(h).cast(
          ctx,
          'resize_instance',
          { instance, migration, instance_type: args.instance_type },
          { server: instance.host as string },
        );
        return instance;
      },
    ),
  );
}

/** Source: powers the guest off and hands its disks to the destination. */
export async function resizeInstance(h: ComputeHost, ctx: RequestContext, args: ResizeInstanceRequest): Promise<ConductorInstance> {
  let instance: ConductorInstance = args.instance;
  let migration = args.migration;
  return runAction(
    h,
    ctx,
    instance,
    { method: 'resize_instance', action: 'resize', failureOutcome: () => 'source_failure' },
    marksMigrationOnFailure(
      h,
      ctx,
      () => migration,
      async () => {
        migration = await setMigrationStatus(h, ctx, migration, 'migrating');
        instance = await h.transition(ctx, instance, 'resize', 'resize_migrating');
        await h.notifyUsage(ctx, instance, 'resize.start');
        const networkInfo = cachedNetworkInfo(instance);
        const diskInfo = await h.driver.migrateDiskAndPowerOff(
          h.virt(instance),
          migration.dest_host ?? (migration.dest_compute as string),
          sizes(args.instance_type),
          networkInfo,
        );
        migration = await setMigrationStatus(h, ctx, migration, 'post-migrating');
        // The guest has left this hypervisor: it is off, and no longer here to ask.
        instance = await h.transition(ctx, instance, 'resize', 'resize_migrated', {
          power_state: PowerState.SHUTDOWN,
          host: migration.dest_compute,
          node: migration.dest_node,
        });
        await h.notifyUsage(ctx, instance, 'resize.end', { networkInfo });
        await castTo(h).cast(
          ctx,
          'finish_resize',
          { instance, migration, disk_info: diskInfo },
          { server: migration.dest_compute as string },
        );
        return instance;
      },
    ),
  );
}

/** Destination: the instance takes its new flavor and boots here, waiting in RESIZED for a confirm or revert. */
export async function finishResize(h: ComputeHost, ctx: RequestContext, args: FinishResizeRequest): Promise<ConductorInstance> {
  let instance: ConductorInstance = args.instance;
  let migration = args.migration;
  return runAction(
    h,
    ctx,
    instance,
    { method: 'finish_resize', action: 'resize' },
    marksMigrationOnFailure(
      h,
      ctx,
      () => migration,
      async () => {
        const sys = instance.system_metadata ?? {};
        const resized = migration.old_instance_type_id !== migration.new_instance_type_id;
        const stashed = { ...withoutStashedFlavors(sys), ...renamed(sys, '', 'old_'), ...renamed(sys, 'new_', 'new_') };
        const newFlavor = flavorFromSysMeta(sys, 'new_');
        const updates = resized
          ? { ...flavorColumns(newFlavor), system_metadata: { ...stashed, ...renamed(sys, 'new_', '') } }
          : { system_metadata: stashed };
        instance = await h.transition(ctx, instance, 'resize', 'resize_finish', updates);
        const networkInfo = cachedNetworkInfo(instance);
        await h.notifyUsage(ctx, instance, 'finish_resize.start', { networkInfo });
        await h.driver.finishMigration(
          migrationRecord(migration),
          h.virt(instance),
          args.disk_info,
          networkInfo,
          { id: instance.image_ref ?? '' },
          resized,
        );
        migration = await setMigrationStatus(h, ctx, migration, 'finished');
        instance = await transitionWithPower(h, ctx, instance, 'resize', 'success', { launched_at: h.notifier.now() });
        await h.notifyUsage(ctx, instance, 'finish_resize.end', { networkInfo });
        return instance;
      },
    ),
  );
}

/** Source: the resize is kept; what the source held for a revert goes. */
export async function confirmResize(h: ComputeHost, ctx: RequestContext, args: MigrationRequest): Promise<ConductorInstance> {
  let instance: ConductorInstance = args.instance;
  return runAction(h, ctx, instance, { method: 'confirm_resize', action: 'confirm_resize' }, async () => {
    const networkInfo = cachedNetworkInfo(instance);
    await h.notifyUsage(ctx, instance, 'resize.confirm.start', { networkInfo });
    await h.driver.confirmMigration(migrationRecord(args.migration), h.virt(instance), networkInfo);
    await setMigrationStatus(h, ctx, args.migration, 'confirmed');
    instance = await h.transition(ctx, instance, 'confirm_resize', 'success', {
      system_metadata: withoutStashedFlavors(instance.system_metadata ?? {}),
    });
    await h.notifyUsage(ctx, instance, 'resize.confirm.end', { networkInfo });
    return instance;
  });
}

/** Destination: the new guest is destroyed; the source brings the old one back. */
export async function revertResize(h: ComputeHost, ctx: RequestContext, args: MigrationRequest): Promise<ConductorInstance> {
  const instance: ConductorInstance = args.instance;
  return runAction(h, ctx, instance, { method: 'revert_resize', action: 'revert_resize' }, async () => {
    const networkInfo = cachedNetworkInfo(instance);
    await h.notifyUsage(ctx, instance, 'resize.revert.start', { networkInfo });
    await h.driver.destroy(h.virt(instance), networkInfo, null, true);
    const migration = await setMigrationStatus(h, ctx, args.migration, 'reverted');
    await castTo(h).cast(ctx, 'finish_revert_resize', { instance, migration }, { server: migration.source_compute as string });
    return instance;
  });
}

/** Source: the instance takes its old flavor and host again and its guest is powered back on. */
export async function finishRevertResize(h: ComputeHost, ctx: RequestContext, args: MigrationRequest): Promise<ConductorInstance> {
  let instance: ConductorInstance = args.instance;
  return runAction(h, ctx, instance, { method: 'finish_revert_resize', action: 'revert_resize' }, async () => {
    const sys = instance.system_metadata ?? {};
    const oldFlavor = flavorFromSysMeta(sys, 'old_');
    const restored = { ...withoutStashedFlavors(sys), ...renamed(sys, 'old_', '') };
    const networkInfo = cachedNetworkInfo(instance);
    await h.driver.finishRevertMigration(h.virt(instance), networkInfo);
    instance = await transitionWithPower(h, ctx, instance, 'revert_resize', 'success', {
      ...flavorColumns(oldFlavor),
      system_metadata: restored,
      host: args.migration.source_compute,
      node: args.migration.source_node,
    });
    await h.notifyUsage(ctx, instance, 'resize.revert.end', { networkInfo });
    return instance;
  });
}

/**
 * Grizzly's `_poll_unconfirmed_resizes`: finished resizes on this host older than the
 * window are confirmed as if their owner had; migrations whose instance is no longer
 * waiting in RESIZED are marked `error`.
 */
export async function pollUnconfirmedResizes(h: ComputeHost, ctx: RequestContext, window: number, now: Date): Promise<number> {
  if (window <= 0) return 0;
  const migrations = await h.conductor.call(ctx, 'migration_get_unconfirmed_by_dest_compute', {
    confirm_window: window,
    dest_compute: h.host,
    at: now.toISOString(),
  });
  let confirmed = 0;
  for (const migration of migrations) {
    let instance: ConductorInstance;
    try {
      instance = await h.conductor.call(ctx, 'instance_get_by_uuid', { instance_uuid: migration.instance_uuid as string });
    } catch {
      await failMigration(h, ctx, migration);
      continue;
    }
    if (instance.vm_state !== 'resized' || instance.task_state !== null) {
      ctx.log.info(
        { instance_uuid: instance.uuid, migration_id: migration.id },
        'unconfirmed resize is no longer waiting; marking it failed',
      );
      await failMigration(h, ctx, migration);
      continue;
    }
    const confirming = await setMigrationStatus(h, ctx, migration, 'confirming');
    await castTo(h).cast(ctx, 'confirm_resize', { instance, migration: confirming }, { server: confirming.source_compute as string });
    confirmed += 1;
  }
  return confirmed;
}
