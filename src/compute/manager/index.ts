import { getLogger } from '../../common/log.js';
import { adminContext, type RequestContext } from '../../context/context.js';
import { type Notifier, silentNotifier } from '../../notifications/notifier.js';
import type { ArgsOf } from '../../rpc/contract.js';
import { Manager } from '../../service/manager.js';
import { KeyedLocks } from '../async-lock.js';
import type { ComputeContract, ComputeEndpoint } from '../contract.js';
import { ResourceTracker } from '../resource-tracker.js';
import { type BuildOutcome, buildInstance } from './build.js';
import { restoreInstance, softDeleteInstance } from './deferred-delete.js';
import { deleteInstance } from './delete.js';
import { type ComputeManagerDeps, DEFAULT_PERIODIC_OPTIONS, type PeriodicOptions } from './deps.js';
import {
  consoleOutput,
  diagnostics,
  injectNetworkInfo,
  rescueInstance,
  resetNetwork,
  setAdminPassword,
  unrescueInstance,
} from './guest.js';
import { ComputeHost } from './host.js';
import { reconcileHost } from './init-host.js';
import {
  checkCanLiveMigrateDestination,
  checkCanLiveMigrateSource,
  liveMigration,
  postLiveMigrationAtDestination,
  preLiveMigration,
  rollbackLiveMigrationAtDestination,
} from './live-migration.js';
import {
  checkInstanceBuildTime,
  cleanupRunningDeletedInstances,
  InfoCacheHealer,
  type PeriodicContext,
  pollBandwidthUsage,
  pollRebootingInstances,
  pollRescuedInstances,
  reclaimQueuedDeletes,
  syncPowerStates,
} from './periodic.js';
import { pauseInstance, rebootInstance, resumeInstance, startInstance, stopInstance, suspendInstance, unpauseInstance } from './power.js';
import { rebuildInstance } from './rebuild.js';
import {
  confirmResize,
  finishResize,
  finishRevertResize,
  pollUnconfirmedResizes,
  prepResize,
  resizeInstance,
  revertResize,
} from './resize.js';
import { pollShelvedInstances, shelveInstance, shelveOffloadInstance, unshelveInstance } from './shelve.js';
import { snapshotInstance } from './snapshot.js';
import { runUsageAudit } from './usage-audit.js';

export type { ComputeManagerDeps } from './deps.js';

const log = getLogger('nova.compute.manager');

type Args<N extends keyof ComputeEndpoint & string> = ArgsOf<ComputeContract, N>;

/**
 * The compute host: drives a virt driver through the instance lifecycle. Builds and
 * deletes of one instance run one at a time (a lock per instance uuid); resources are
 * claimed against one resource tracker per hypervisor node. Its methods are those of the
 * compute contract (contract.ts).
 */
export class ComputeManager extends Manager implements ComputeEndpoint {
  readonly notifier: Notifier;
  readonly #deps: ComputeManagerDeps;
  readonly #h: ComputeHost;
  readonly #locks = new KeyedLocks();
  readonly #trackers = new Map<string, ResourceTracker>();

  constructor(host: string, deps: ComputeManagerDeps) {
    super(host);
    this.#deps = deps;
    this.notifier = deps.notifier ?? silentNotifier();
    this.#h = new ComputeHost(host, deps, this.notifier, (node) => this.tracker(node));
    this.addPeriodicTask({ name: 'update_available_resource', spacing: 0, run: (ctx) => this.updateAvailableResource(ctx) });
    this.#registerReconcileTasks({ ...DEFAULT_PERIODIC_OPTIONS, ...deps.periodic });
    const cacheInterval = deps.imageCacheManagerInterval ?? 2400;
    if (deps.driver.capabilities.has_imagecache && cacheInterval > 0) {
      this.addPeriodicTask({
        name: '_run_image_cache_manager_pass',
        spacing: cacheInterval,
        run: (ctx) => this.runImageCacheManagerPass(ctx),
      });
    }
  }

  /** The context the periodic tasks share: this host, its settings, the service's clock and the per-instance lock. */
  periodicContext(o: PeriodicOptions = { ...DEFAULT_PERIODIC_OPTIONS, ...this.#deps.periodic }): PeriodicContext {
    const clock = this.#deps.clock;
    return {
      h: this.#h,
      settings: {
        rebootTimeout: o.rebootTimeout,
        rescueTimeout: o.rescueTimeout,
        instanceBuildTimeout: o.instanceBuildTimeout,
        reclaimInstanceInterval: o.reclaimInstanceInterval,
        runningDeletedInstanceAction: o.runningDeletedInstanceAction,
        runningDeletedInstanceTimeout: o.runningDeletedInstanceTimeout,
        instanceUsageAuditPeriod: o.instanceUsageAuditPeriod,
      },
      now: () => new Date(clock ? clock.now() : Date.now()),
      serialized: (uuid, work) => this.#locks.run(uuid, work),
    };
  }

  #registerReconcileTasks(o: PeriodicOptions): void {
    const p = (): PeriodicContext => this.periodicContext(o);
    const healer = new InfoCacheHealer();
    this.addPeriodicTask({ name: '_check_instance_build_time', spacing: 0, run: (ctx) => checkInstanceBuildTime(p(), ctx) });
    if (o.healInstanceInfoCacheInterval > 0) {
      this.addPeriodicTask({
        name: '_heal_instance_info_cache',
        spacing: o.healInstanceInfoCacheInterval,
        run: async (ctx) => {
          await healer.run(p(), ctx, this.#deps.network);
        },
      });
    }
    this.addPeriodicTask({ name: '_poll_rebooting_instances', spacing: 0, run: (ctx) => pollRebootingInstances(p(), ctx) });
    this.addPeriodicTask({ name: '_poll_rescued_instances', spacing: 0, run: (ctx) => pollRescuedInstances(p(), ctx) });
    if (o.instanceUsageAudit) {
      this.addPeriodicTask({
        name: '_instance_usage_audit',
        spacing: 0,
        run: async (ctx) => void (await runUsageAudit(this.#h, ctx, o.instanceUsageAuditPeriod)),
      });
    }
    if (o.bandwidthPollInterval > 0) {
      this.addPeriodicTask({
        name: '_poll_bandwidth_usage',
        spacing: o.bandwidthPollInterval,
        run: async (ctx) => {
          await pollBandwidthUsage(p(), ctx);
        },
      });
    }
    this.addPeriodicTask({
      name: '_sync_power_states',
      spacing: o.syncPowerStateInterval,
      runImmediately: true,
      run: (ctx) => syncPowerStates(p(), ctx),
    });
    this.addPeriodicTask({
      name: '_poll_unconfirmed_resizes',
      spacing: 0,
      run: async (ctx) => {
        await this.pollUnconfirmedResizes(ctx, o.resizeConfirmWindow);
      },
    });
    this.addPeriodicTask({ name: '_reclaim_queued_deletes', spacing: 0, run: (ctx) => reclaimQueuedDeletes(p(), ctx) });
    this.addPeriodicTask({
      name: '_poll_shelved_instances',
      spacing: o.shelvedPollInterval,
      run: (ctx) => {
        const c = p();
        return pollShelvedInstances(this.#h, ctx, o.shelvedOffloadTime, c.now(), (uuid, work) => c.serialized(uuid, work));
      },
    });
    this.addPeriodicTask({
      name: '_cleanup_running_deleted_instances',
      spacing: o.runningDeletedInstancePollInterval,
      run: async (ctx) => {
        await cleanupRunningDeletedInstances(p(), ctx);
      },
    });
  }

  /** Lets the driver's image cache manager drop unused base images; it judges use by this host's instances and the disks on shared storage. */
  async runImageCacheManagerPass(ctx: RequestContext): Promise<void> {
    const instances = await this.#deps.conductor.call(ctx, 'instance_get_all_by_host', {
      host: this.host,
      node: null,
      columns_to_join: null,
    });
    await this.#deps.driver.manageImageCache(instances.map((i) => this.#h.virt(i)));
  }

  /** The hypervisor driver this host drives (tools and tests read guests' consoles through it). */
  get driver(): ComputeManagerDeps['driver'] {
    return this.#deps.driver;
  }

  /** The tracker of a node (the driver's first node when none is named). */
  async tracker(node: string | null): Promise<ResourceTracker> {
    const name = node ?? (await this.#deps.driver.getAvailableNodes())[0] ?? this.host;
    let tracker = this.#trackers.get(name);
    if (!tracker) {
      tracker = new ResourceTracker(this.host, name, this.#deps.driver, this.#deps.conductor, {
        reservedHostMemoryMb: this.#deps.reservedHostMemoryMb ?? 512,
        reservedHostDiskMb: this.#deps.reservedHostDiskMb ?? 0,
        ...(this.#deps.hostIp ? { hostIp: this.#deps.hostIp } : {}),
      });
      this.#trackers.set(name, tracker);
    }
    return tracker;
  }

  override async cleanupHost(): Promise<void> {
    await this.#deps.driver.cleanupHost(this.host);
  }

  override async initHost(): Promise<void> {
    await this.#deps.driver.initHost(this.host);
    await reconcileHost(this.#h, adminContext());
  }

  /** The service record exists now: record the compute nodes so schedulers see this host at once. */
  override async preStartHook(): Promise<void> {
    await this.updateAvailableResource(adminContext());
  }

  /** Audits every node the driver reports and writes its compute_nodes row. */
  async updateAvailableResource(ctx: RequestContext): Promise<void> {
    for (const node of await this.#deps.driver.getAvailableNodes()) {
      await (await this.tracker(node)).updateAvailableResource(ctx);
    }
  }

  /**
   * Builds the instance. Whatever fails, even outside the build flow's own handling (the
   * conductor unreachable while it cleans up, say), the instance ends in ERROR with a fault.
   */
  async run_instance(requestCtx: RequestContext, args: Args<'run_instance'>): Promise<BuildOutcome> {
    const uuid = args.instance.uuid as string;
    const ctx = requestCtx.forInstance(uuid);
    return this.#locks.run(uuid, async () => {
      await this.#h.eventStart(ctx, uuid, 'compute_run_instance');
      let outcome: BuildOutcome = 'error';
      try {
        outcome = await buildInstance(this.#h, ctx, args);
        return outcome;
      } catch (err) {
        ctx.log.error({ err }, 'run_instance failed outside the build flow');
        await this.#h.failInstance(ctx, args.instance, 'create', err);
        await this.#h.notifyMethodError(ctx, 'run_instance', err, { ...args });
        return outcome;
      } finally {
        await this.#h.eventFinish(ctx, uuid, 'compute_run_instance', outcome === 'error' ? new Error('build failed') : null);
      }
    });
  }

  /** Security group changes reach the driver's firewall; a failure is logged, the caster does not wait. */
  async refresh_security_group_rules(ctx: RequestContext, args: Args<'refresh_security_group_rules'>): Promise<void> {
    await this.#refreshFirewall(ctx, 'rules', () => this.#deps.driver.refreshSecurityGroupRules(args.security_group_id));
  }

  async refresh_security_group_members(ctx: RequestContext, args: Args<'refresh_security_group_members'>): Promise<void> {
    await this.#refreshFirewall(ctx, 'members', () => this.#deps.driver.refreshSecurityGroupMembers(args.security_group_id));
  }

  async refresh_instance_security_rules(ctx: RequestContext, args: Args<'refresh_instance_security_rules'>): Promise<void> {
    await this.#refreshFirewall(ctx, 'instance', () => this.#deps.driver.refreshInstanceSecurityRules(this.#h.virt(args.instance)));
  }

  async #refreshFirewall(ctx: RequestContext, what: string, refresh: () => Promise<unknown>): Promise<void> {
    try {
      await refresh();
    } catch (err) {
      ctx.log.error({ err, what }, 'security group refresh failed');
    }
  }

  async terminate_instance(requestCtx: RequestContext, args: Args<'terminate_instance'>): Promise<'deleted' | 'error' | 'gone'> {
    const uuid = args.instance.uuid as string;
    const ctx = requestCtx.forInstance(uuid);
    return this.#locks.run(uuid, async () => {
      const recorded = await this.#h.eventStart(ctx, uuid, 'compute_terminate_instance');
      let outcome: 'deleted' | 'error' | 'gone' = 'error';
      try {
        outcome = await deleteInstance(this.#h, ctx, args.instance);
      } catch (err) {
        ctx.log.error({ err }, 'terminate_instance failed outside the delete flow');
        await this.#h.failInstance(ctx, args.instance, 'delete', err);
      }
      if (outcome === 'error') await this.#h.notifyMethodError(ctx, 'terminate_instance', new Error('delete failed'), { ...args });
      if (recorded) {
        await this.#h.eventFinish(ctx, uuid, 'compute_terminate_instance', outcome === 'error' ? new Error('delete failed') : null);
      }
      return outcome;
    });
  }

  /**
   * Passes a metadata change on to the driver, for drivers that publish metadata to the
   * guest (Grizzly's change_instance_metadata). A failure is recorded as a fault and an
   * error notification; the instance's state is not the driver's to change here.
   */
  async change_instance_metadata(requestCtx: RequestContext, args: Args<'change_instance_metadata'>): Promise<void> {
    const uuid = args.instance.uuid as string;
    const ctx = requestCtx.forInstance(uuid);
    log.for(ctx).debug({ instance_uuid: uuid, diff: args.diff }, 'Changing instance metadata according to the diff');
    try {
      await this.#h.driver.changeInstanceMetadata(this.#h.virt(args.instance), args.diff);
    } catch (err) {
      ctx.log.error({ err }, 'change_instance_metadata failed');
      await this.#h.recordFault(ctx, uuid, err);
      await this.#h.notifyMethodError(ctx, 'change_instance_metadata', err, { ...args });
    }
  }

  /** Runs an instance's action alone, as its build and delete run: one at a time per instance. */
  #serialized<T>(requestCtx: RequestContext, instance: { uuid?: string | null }, work: (ctx: RequestContext) => Promise<T>): Promise<T> {
    const uuid = instance.uuid as string;
    return this.#locks.run(uuid, () => work(requestCtx.forInstance(uuid)));
  }

  async stop_instance(ctx: RequestContext, args: Args<'stop_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => stopInstance(this.#h, c, args.instance));
  }

  async start_instance(ctx: RequestContext, args: Args<'start_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => startInstance(this.#h, c, args.instance));
  }

  async reboot_instance(ctx: RequestContext, args: Args<'reboot_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => rebootInstance(this.#h, c, args.instance, args.reboot_type));
  }

  async pause_instance(ctx: RequestContext, args: Args<'pause_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => pauseInstance(this.#h, c, args.instance));
  }

  async unpause_instance(ctx: RequestContext, args: Args<'unpause_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => unpauseInstance(this.#h, c, args.instance));
  }

  async suspend_instance(ctx: RequestContext, args: Args<'suspend_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => suspendInstance(this.#h, c, args.instance));
  }

  async resume_instance(ctx: RequestContext, args: Args<'resume_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => resumeInstance(this.#h, c, args.instance));
  }

  async rescue_instance(ctx: RequestContext, args: Args<'rescue_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => rescueInstance(this.#h, c, args.instance, args.rescue_password));
  }

  async unrescue_instance(ctx: RequestContext, args: Args<'unrescue_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => unrescueInstance(this.#h, c, args.instance));
  }

  async set_admin_password(ctx: RequestContext, args: Args<'set_admin_password'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => setAdminPassword(this.#h, c, args.instance, args.new_pass));
  }

  async rebuild_instance(ctx: RequestContext, args: Args<'rebuild_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => rebuildInstance(this.#h, c, args));
  }

  // ---- resize and cold migration (resize.ts) ----
  async prep_resize(ctx: RequestContext, args: Args<'prep_resize'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => prepResize(this.#h, c, args));
  }

  async resize_instance(ctx: RequestContext, args: Args<'resize_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => resizeInstance(this.#h, c, args));
  }

  async finish_resize(ctx: RequestContext, args: Args<'finish_resize'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => finishResize(this.#h, c, args));
  }

  async confirm_resize(ctx: RequestContext, args: Args<'confirm_resize'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => confirmResize(this.#h, c, args));
  }

  async revert_resize(ctx: RequestContext, args: Args<'revert_resize'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => revertResize(this.#h, c, args));
  }

  async finish_revert_resize(ctx: RequestContext, args: Args<'finish_revert_resize'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => finishRevertResize(this.#h, c, args));
  }

  /** Confirms this host's finished resizes older than `window` seconds as of `at` (default: the service's clock). */
  pollUnconfirmedResizes(
    ctx: RequestContext,
    window: number = this.#deps.periodic?.resizeConfirmWindow ?? 0,
    at: Date = this.periodicContext().now(),
  ): Promise<number> {
    return pollUnconfirmedResizes(this.#h, ctx, window, at);
  }

  async snapshot_instance(ctx: RequestContext, args: Args<'snapshot_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => snapshotInstance(this.#h, c, args));
  }

  async inject_network_info(ctx: RequestContext, args: Args<'inject_network_info'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => injectNetworkInfo(this.#h, c, args.instance));
  }

  async reset_network(ctx: RequestContext, args: Args<'reset_network'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => resetNetwork(this.#h, c, args.instance));
  }

  async soft_delete_instance(ctx: RequestContext, args: Args<'soft_delete_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => softDeleteInstance(this.#h, c, args.instance));
  }

  async restore_instance(ctx: RequestContext, args: Args<'restore_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => restoreInstance(this.#h, c, args.instance));
  }

  async shelve_instance(ctx: RequestContext, args: Args<'shelve_instance'>): Promise<void> {
    const o = { ...DEFAULT_PERIODIC_OPTIONS, ...this.#deps.periodic };
    const now = this.periodicContext(o).now();
    await this.#serialized(ctx, args.instance, (c) => shelveInstance(this.#h, c, args, o.shelvedOffloadTime === 0, now));
  }

  async shelve_offload_instance(ctx: RequestContext, args: Args<'shelve_offload_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => shelveOffloadInstance(this.#h, c, args.instance));
  }

  async unshelve_instance(ctx: RequestContext, args: Args<'unshelve_instance'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => unshelveInstance(this.#h, c, args));
  }

  /** Reads the console without waiting for the instance's running action, as a console can be read at any time. */
  async get_console_output(_ctx: RequestContext, args: Args<'get_console_output'>): Promise<string> {
    return consoleOutput(this.#h, args.instance, args.tail_length);
  }

  async get_diagnostics(_ctx: RequestContext, args: Args<'get_diagnostics'>): Promise<Record<string, number> | null> {
    return diagnostics(this.#h, args.instance);
  }

  /** Whether `port` is the instance's console port for `console_type` (consoleauth checks tokens with it). */
  async validate_console_port(ctx: RequestContext, args: Args<'validate_console_port'>): Promise<boolean> {
    const virt = this.#h.virt(args.instance);
    const console =
      args.console_type === 'spice-html5' ? await this.#h.driver.getSpiceConsole(virt) : await this.#h.driver.getVncConsole(virt);
    log.for(ctx).debug({ instance_uuid: args.instance.uuid, console_type: args.console_type }, 'validating console port');
    return console.port === args.port;
  }

  async set_host_enabled(_ctx: RequestContext, args: Args<'set_host_enabled'>): Promise<'enabled' | 'disabled'> {
    return this.#h.driver.setHostEnabled(this.host, args.enabled);
  }

  async host_power_action(_ctx: RequestContext, args: Args<'host_power_action'>): Promise<string> {
    return this.#h.driver.hostPowerAction(this.host, args.action);
  }

  async host_maintenance_mode(_ctx: RequestContext, args: Args<'host_maintenance_mode'>): Promise<'on_maintenance' | 'off_maintenance'> {
    return this.#h.driver.hostMaintenanceMode(args.host, args.mode);
  }

  async get_host_uptime(_ctx: RequestContext): Promise<string> {
    return this.#h.driver.getHostUptime(this.host);
  }

  // ---- live migration (live-migration.ts) ----

  async check_can_live_migrate_destination(
    ctx: RequestContext,
    args: Args<'check_can_live_migrate_destination'>,
  ): Promise<Record<string, unknown>> {
    return checkCanLiveMigrateDestination(this.#h, this.#deps.compute, ctx, args);
  }

  async check_can_live_migrate_source(_ctx: RequestContext, args: Args<'check_can_live_migrate_source'>): Promise<Record<string, unknown>> {
    return checkCanLiveMigrateSource(this.#h, args);
  }

  async live_migration(ctx: RequestContext, args: Args<'live_migration'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => liveMigration(this.#h, this.#deps.compute, c, args));
  }

  async pre_live_migration(ctx: RequestContext, args: Args<'pre_live_migration'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => preLiveMigration(this.#h, c, args));
  }

  async post_live_migration_at_destination(ctx: RequestContext, args: Args<'post_live_migration_at_destination'>): Promise<void> {
    await this.#serialized(ctx, args.instance, (c) => postLiveMigrationAtDestination(this.#h, c, args));
  }

  async rollback_live_migration_at_destination(ctx: RequestContext, args: Args<'rollback_live_migration_at_destination'>): Promise<void> {
    await this.#serialized(ctx, args.instance, () => rollbackLiveMigrationAtDestination(this.#h, args.instance));
  }
}
