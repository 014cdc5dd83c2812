import { InstanceNotFound, NoValidHost, UnexpectedTaskStateError } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { stateUpdate } from '../common/states/transitions.js';
import { VmState } from '../common/states/vm-states.js';
import type { ComputeClient } from '../compute/contract.js';
import { faultFromError } from '../compute/manager/faults.js';
import { adminContext, type RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { actionEventFinish, actionEventStart } from '../db/api/instance-actions.js';
import { instanceFaultCreate } from '../db/api/instance-faults.js';
import { instanceGroupGetByHint, instanceGroupMemberHosts, legacyGroupHosts } from '../db/api/instance-groups.js';
import { instanceGetByUuid, instanceUpdateAndGetOriginal } from '../db/api/instances.js';
import { serviceGetAllByTopic } from '../db/api/services.js';
import { sendInstanceUpdate } from '../notifications/instance-payload.js';
import { type Notifier, silentNotifier } from '../notifications/notifier.js';
import type { ArgsOf } from '../rpc/contract.js';
import { Manager } from '../service/manager.js';
import { ChanceScheduler } from './chance.js';
import type { SchedulerContract, SchedulerEndpoint } from './contract.js';
import { FilterScheduler, isPlacement, type Placement } from './filter-scheduler.js';
import { affinityInstanceUuids } from './filters/affinity-filters.js';
import { hintValue } from './filters/base.js';
import { HostManager } from './host-manager.js';
import { loadComputeNodes } from './host-source.js';
import { scheduleLiveMigration } from './live-migration.js';
import type { SchedulerSettings } from './opts.js';
import type { FilterProperties, RequestSpec, RunInstanceRequest } from './types.js';
import { failBuildsLostWithTheBus, failStaleUnclaimedBuilds, type UnclaimedBuildSettings } from './unclaimed-builds.js';

const log = getLogger('nova.scheduler.manager');

const CHANCE_DRIVERS = ['nova.scheduler.chance.ChanceScheduler', 'chance', 'ChanceScheduler'];

export interface SchedulerManagerDeps {
  db: Db;
  settings: SchedulerSettings;
  /** Casts `run_instance` to `compute.<host>`. */
  compute: Pick<ComputeClient, 'cast' | 'call'>;
  notifier?: Notifier;
  /** `scheduler_driver`: the filter scheduler unless it names the chance scheduler. */
  schedulerDriver?: string;
  random?: () => number;
  /** Recovery of builds no compute host claimed (unclaimed-builds.ts); off when absent. */
  unclaimedBuilds?: UnclaimedBuildSettings;
}

/** One instance to build: where, and what to tell the compute host. */
interface Target {
  uuid: string;
  host: string;
  node: string | null;
  weight: number | null;
  requestSpec: RequestSpec;
  filterProperties: FilterProperties;
  group: string | null;
}

const NOT_ENOUGH_HOSTS = 'There are not enough hosts available.';

/**
 * The scheduler service: places each instance of a build request on a compute node, marks
 * it scheduled and casts the build to that host; an instance that finds no host goes to
 * ERROR with a fault saying why (nova/scheduler/manager.py, _set_vm_state_and_notify).
 */
export class SchedulerManager extends Manager implements SchedulerEndpoint {
  readonly hostManager: HostManager;
  readonly filterScheduler: FilterScheduler;
  readonly chanceScheduler: ChanceScheduler | null;
  readonly #db: Db;
  readonly #compute: Pick<ComputeClient, 'cast' | 'call'>;
  readonly #notifier: Notifier;
  readonly #unclaimedBuilds: UnclaimedBuildSettings | null;
  readonly #serviceDownTime: number;

  constructor(host: string, deps: SchedulerManagerDeps) {
    super(host);
    this.#db = deps.db;
    this.#compute = deps.compute;
    this.#serviceDownTime = deps.settings.service_down_time;
    this.#notifier = deps.notifier ?? silentNotifier();
    this.hostManager = new HostManager(deps.settings);
    this.filterScheduler = new FilterScheduler(this.hostManager, deps.random ? { random: deps.random } : {});
    this.chanceScheduler = CHANCE_DRIVERS.includes(deps.schedulerDriver ?? '')
      ? new ChanceScheduler(deps.settings.service_down_time, deps.random ? { random: deps.random } : {})
      : null;
    const unclaimed = deps.unclaimedBuilds;
    this.#unclaimedBuilds = unclaimed ?? null;
    if (unclaimed) {
      this.addPeriodicTask({
        name: '_fail_unclaimed_builds',
        spacing: 0,
        run: async (ctx) => {
          await failStaleUnclaimedBuilds(this.#db, ctx, unclaimed, this.host);
        },
      });
    }
  }

  /** Before consuming: builds whose request the previous process's bus took with it end in ERROR. */
  override async initHost(): Promise<void> {
    if (this.#unclaimedBuilds) await failBuildsLostWithTheBus(this.#db, adminContext(), this.#unclaimedBuilds, this.host);
  }

  get #publisher(): string {
    return `scheduler.${this.host}`;
  }

  async run_instance(ctx: RequestContext, args: RunInstanceRequest): Promise<void> {
    const spec = args?.request_spec;
    // A cast is never answered, so a request naming nothing to build can only be dropped.
    if (!spec?.instance_properties || !Array.isArray(spec.instance_uuids) || spec.instance_uuids.length === 0) {
      log.warn({ instance_uuids: spec?.instance_uuids ?? null }, 'run_instance names no instance to schedule; ignored');
      return;
    }
    const uuids = [...spec.instance_uuids];
    const events = await this.#startScheduleEvents(ctx, uuids);
    let failed = false;
    try {
      await this.#notifier.notify(ctx, this.#publisher, 'scheduler.run_instance.start', 'INFO', { request_spec: spec });
      const outcome = await this.#place(ctx, spec, structuredClone(args.filter_properties ?? {}), uuids);
      for (const { uuid, error } of outcome.failures) {
        failed = true;
        await this.#handleScheduleError(ctx, uuid, spec, error);
      }
      for (const target of outcome.targets) {
        try {
          await this.#provision(ctx, target, args);
        } catch (err) {
          failed = true;
          await this.#handleScheduleError(ctx, target.uuid, spec, err);
        }
      }
      await this.#notifier.notify(ctx, this.#publisher, 'scheduler.run_instance.end', 'INFO', { request_spec: spec });
    } catch (err) {
      failed = true;
      for (const uuid of uuids) await this.#handleScheduleError(ctx, uuid, spec, err);
      if (!(err instanceof NoValidHost)) throw err;
    } finally {
      await this.#finishScheduleEvents(ctx, events, failed);
    }
  }

  async select_hosts(ctx: RequestContext, args: ArgsOf<SchedulerContract, 'select_hosts'>): Promise<string[]> {
    if (this.chanceScheduler) {
      const services = await serviceGetAllByTopic(this.#db, ctx.elevated(), 'compute');
      return this.chanceScheduler.selectHosts(services, args.request_spec, args.filter_properties ?? {});
    }
    const props = structuredClone(args.filter_properties ?? {});
    await this.#resolveHints(props, args.request_spec.instance_properties?.project_id ?? null);
    const hosts = this.hostManager.getAllHostStates(await loadComputeNodes(this.#db, ctx));
    return this.filterScheduler.selectHosts(args.request_spec, props, hosts);
  }

  async live_migration(ctx: RequestContext, args: ArgsOf<SchedulerContract, 'live_migration'>): Promise<void> {
    await scheduleLiveMigration(
      { db: this.#db, compute: this.#compute, serviceDownTime: this.#serviceDownTime, host: this.host },
      ctx,
      args,
    );
  }

  /**
   * Grizzly's scheduler prep_resize: the destination of a resize or cold migration. With
   * none, the instance goes back to ACTIVE where it is, with a fault saying why.
   */
  async prep_resize(ctx: RequestContext, args: ArgsOf<SchedulerContract, 'prep_resize'>): Promise<void> {
    const uuid = args.instance.uuid as string;
    let host: string | undefined;
    try {
      [host] = await this.select_hosts(ctx, { request_spec: args.request_spec, filter_properties: args.filter_properties });
      if (!host) throw new NoValidHost(NOT_ENOUGH_HOSTS);
    } catch (err) {
      log.for(ctx).warn({ instance_uuid: uuid, err }, 'no destination for the resize');
      const elevated = ctx.elevated();
      await instanceFaultCreate(this.#db, elevated, faultFromError(uuid, err, this.host));
      const { updates, expectedTaskState } = stateUpdate('resize', 'no_valid_host', { vm_state: VmState.ACTIVE });
      try {
        await instanceUpdateAndGetOriginal(this.#db, elevated, uuid, updates, expectedTaskState ? { expectedTaskState } : {});
      } catch (updateErr) {
        if (!(updateErr instanceof UnexpectedTaskStateError || updateErr instanceof InstanceNotFound)) throw updateErr;
      }
      await this.#notifier.notify(ctx, this.#publisher, 'scheduler.prep_resize', 'ERROR', {
        request_spec: args.request_spec,
        instance_id: uuid,
        method: 'prep_resize',
        reason: err instanceof Error ? err.message : String(err),
      });
      return;
    }
    await this.#compute.cast(
      ctx,
      'prep_resize',
      { instance: args.instance, instance_type: args.instance_type, image: args.image, node: null },
      { server: host },
    );
  }

  async update_service_capabilities(_ctx: RequestContext, args: ArgsOf<SchedulerContract, 'update_service_capabilities'>): Promise<void> {
    this.hostManager.updateServiceCapabilities(args.service_name, args.host, args.capabilities);
  }

  /** Chooses a host for every instance; the ones left over fail with NoValidHost. */
  async #place(
    ctx: RequestContext,
    spec: RequestSpec,
    props: FilterProperties,
    uuids: string[],
  ): Promise<{ targets: Target[]; failures: { uuid: string; error: unknown }[] }> {
    const targets: Target[] = [];
    const failures: { uuid: string; error: unknown }[] = [];
    if (this.chanceScheduler) {
      const services = await serviceGetAllByTopic(this.#db, ctx.elevated(), 'compute');
      uuids.forEach((uuid, index) => {
        try {
          const host = this.chanceScheduler?.selectHost(services, props) as string;
          const requestSpec = {
            ...spec,
            instance_uuids: [uuid],
            instance_properties: { ...spec.instance_properties, launch_index: index },
          };
          targets.push({ uuid, host, node: null, weight: null, requestSpec, filterProperties: { ...props }, group: null });
        } catch (error) {
          failures.push({ uuid, error });
        }
      });
      return { targets, failures };
    }
    await this.#resolveHints(props, spec.instance_properties.project_id ?? null);
    const hosts = this.hostManager.getAllHostStates(await loadComputeNodes(this.#db, ctx));
    const results = await this.filterScheduler.scheduleRunInstance(spec, props, hosts);
    for (const r of results) {
      const uuid = r.instance_uuid ?? '';
      if (isPlacement(r)) targets.push(targetOf(uuid, r));
      else failures.push({ uuid, error: r.error.kwargs.reason ? r.error : new NoValidHost(NOT_ENOUGH_HOSTS) });
    }
    return { targets, failures };
  }

  /**
   * Resolves what the hints name into what the filters compare against: the hosts of the
   * instances of same_host / different_host, and for the `group` hint the server group
   * it names (uuid, or name within the project) gives its policies and its members' hosts;
   * any other value is Grizzly's free-form group, whose members carry it in system_metadata.
   */
  async #resolveHints(props: FilterProperties, projectId: string | null): Promise<void> {
    await this.#resolveInstanceHosts(props);
    const hints = props.scheduler_hints;
    const hint = hintValue(hints?.group);
    if (!hints || !hint) return;
    hints.group = hint;
    const group = await instanceGroupGetByHint(this.#db, projectId, hint);
    const known = props.group_hosts ?? [];
    if (group) {
      props.group_policies = [...group.policies];
      props.group_hosts = [...new Set([...known, ...(await instanceGroupMemberHosts(this.#db, group.id))])];
    } else {
      props.group_hosts = [...new Set([...known, ...(await legacyGroupHosts(this.#db, hint))])];
    }
  }

  /** The hosts of the instances the same_host / different_host hints name, for their filters (deleted ones have none). */
  async #resolveInstanceHosts(props: FilterProperties): Promise<void> {
    const uuids = affinityInstanceUuids(props.scheduler_hints);
    if (uuids.length === 0) return;
    const hosts: Record<string, string | null> = { ...(props.instance_hosts ?? {}) };
    for (const uuid of uuids) {
      try {
        hosts[uuid] = (await instanceGetByUuid(this.#db, adminContext(), uuid)).host ?? null;
      } catch (err) {
        if (!(err instanceof InstanceNotFound)) throw err;
        hosts[uuid] = null;
      }
    }
    props.instance_hosts = hosts;
  }

  /** Marks the instance scheduled and casts the build to the chosen compute host. */
  async #provision(ctx: RequestContext, target: Target, args: RunInstanceRequest): Promise<void> {
    await this.#notifier.notify(ctx, this.#publisher, 'scheduler.run_instance.scheduled', 'INFO', {
      request_spec: target.requestSpec,
      weighted_host: { weight: target.weight, host: target.host },
      instance_id: target.uuid,
    });
    const elevated = ctx.elevated();
    let systemMetadata: Record<string, string> | undefined;
    if (target.group) {
      const current = await instanceGetByUuid(this.#db, elevated, target.uuid);
      systemMetadata = { ...(current.system_metadata as Record<string, string>), group: target.group };
    }
    const [, instance] = await instanceUpdateAndGetOriginal(this.#db, elevated, target.uuid, {
      host: null,
      node: null,
      scheduled_at: new Date(),
      ...(systemMetadata ? { system_metadata: systemMetadata } : {}),
    });
    await this.#compute.cast(
      ctx,
      'run_instance',
      {
        instance,
        request_spec: target.requestSpec,
        filter_properties: target.filterProperties,
        requested_networks: args.requested_networks,
        injected_files: args.injected_files,
        admin_password: args.admin_password,
        is_first_time: args.is_first_time,
        node: target.node,
      },
      { server: target.host },
    );
    log.for(ctx).info({ instance_uuid: target.uuid, host: target.host, node: target.node }, 'scheduled');
  }

  /** vm_state ERROR and task_state cleared (unless another action owns the task now), a fault, and the ERROR notification. */
  async #handleScheduleError(ctx: RequestContext, uuid: string, spec: RequestSpec, err: unknown): Promise<void> {
    log.for(ctx).warn({ instance_uuid: uuid, err }, 'Failed to schedule instance');
    const elevated = ctx.elevated();
    // The fault goes first, so whoever sees ERROR can also read why.
    try {
      await instanceFaultCreate(this.#db, elevated, faultFromError(uuid, err, this.host));
    } catch (faultErr) {
      log.for(ctx).error({ instance_uuid: uuid, err: faultErr }, 'could not record the instance fault');
    }
    try {
      const { updates, expectedTaskState } = stateUpdate('create', 'failure', { vm_state: VmState.BUILDING });
      const [before, after] = await instanceUpdateAndGetOriginal(this.#db, elevated, uuid, updates, {
        ...(expectedTaskState ? { expectedTaskState } : {}),
      });
      await sendInstanceUpdate(this.#notifier, ctx, before, after, 'scheduler', this.host);
    } catch (updateErr) {
      if (!(updateErr instanceof UnexpectedTaskStateError)) {
        log.for(ctx).error({ instance_uuid: uuid, err: updateErr }, 'could not set the instance to ERROR');
      }
      log.for(ctx).info({ instance_uuid: uuid }, 'instance moved on to another task; its state is left alone');
    }
    await this.#notifier.notify(ctx, this.#publisher, 'scheduler.run_instance', 'ERROR', {
      request_spec: spec,
      instance_properties: spec.instance_properties,
      instance_id: uuid,
      state: VmState.ERROR,
      method: 'run_instance',
      reason: err instanceof Error ? err.message : String(err),
    });
  }

  async #startScheduleEvents(ctx: RequestContext, uuids: readonly string[]): Promise<string[]> {
    const started: string[] = [];
    for (const uuid of uuids) {
      try {
        await actionEventStart(this.#db, ctx, { instance_uuid: uuid, request_id: ctx.requestId, event: 'schedule' });
        started.push(uuid);
      } catch (err) {
        log.for(ctx).warn({ instance_uuid: uuid, err }, 'no instance action to record the schedule event on');
      }
    }
    return started;
  }

  async #finishScheduleEvents(ctx: RequestContext, uuids: readonly string[], failed: boolean): Promise<void> {
    for (const uuid of uuids) {
      try {
        await actionEventFinish(this.#db, ctx, {
          instance_uuid: uuid,
          request_id: ctx.requestId,
          event: 'schedule',
          result: failed ? 'Error' : 'Success',
        });
      } catch (err) {
        log.for(ctx).warn({ instance_uuid: uuid, err }, 'could not finish the schedule event');
      }
    }
  }
}

function targetOf(uuid: string, p: Placement): Target {
  return {
    uuid,
    host: p.host,
    node: p.nodename,
    weight: p.weight,
    requestSpec: p.request_spec,
    filterProperties: p.filter_properties,
    group: p.group,
  };
}
