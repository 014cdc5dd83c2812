import { InstanceNotFound, UnexpectedTaskStateError } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import { type ActionName, type Phase, stateUpdate } from '../../common/states/transitions.js';
import type { VmState } from '../../common/states/vm-states.js';
import type { ConductorInstance, InstanceUpdates } from '../../conductor/types.js';
import type { RequestContext } from '../../context/context.js';
import type { ConfigDriveSettings } from '../../metadata/config-drive.js';
import { DEFAULT_SKIP_VERSIONS } from '../../metadata/opts.js';
import { notifyAboutInstanceUsage } from '../../notifications/instance-payload.js';
import type { Notifier } from '../../notifications/notifier.js';
import type { ComputeDriver } from '../../virt/driver.js';
import type { NetworkInfo } from '../../virt/network-model.js';
import type { VirtInstance } from '../../virt/types.js';
import type { ResourceTracker } from '../resource-tracker.js';
import type { MetadataDefaults } from './config-drive.js';
import type { ComputeManagerDeps } from './deps.js';
import { faultFromError } from './faults.js';
import { toVirtInstance } from './virt-instance.js';

const log = getLogger('nova.compute.manager');

/**
 * What the build, delete and start-up flows share: the collaborators of one compute host
 * and the few writes every flow makes the same way (state transitions through the
 * conductor, faults, usage notifications).
 */
export class ComputeHost {
  readonly driver: ComputeDriver;
  readonly conductor: ComputeManagerDeps['conductor'];
  readonly network: ComputeManagerDeps['network'];
  readonly scheduler: ComputeManagerDeps['scheduler'];
  readonly compute: ComputeManagerDeps['compute'];
  readonly notifier: Notifier;
  readonly images: ComputeManagerDeps['images'];
  readonly nameTemplate: string;
  readonly maxAttempts: number;
  readonly vpnImageId: string | null;
  readonly configDrive: ConfigDriveSettings;
  readonly metadataDefaults: MetadataDefaults;

  constructor(
    readonly host: string,
    deps: ComputeManagerDeps,
    notifier: Notifier,
    private readonly trackers: (node: string | null) => Promise<ResourceTracker>,
  ) {
    this.driver = deps.driver;
    this.conductor = deps.conductor;
    this.network = deps.network;
    this.scheduler = deps.scheduler;
    this.compute = deps.compute;
    this.notifier = notifier;
    this.images = deps.images;
    this.nameTemplate = deps.instanceNameTemplate ?? 'instance-%08x';
    this.maxAttempts = deps.schedulerMaxAttempts ?? 3;
    this.vpnImageId = deps.vpnImageId && deps.vpnImageId !== '0' ? deps.vpnImageId : null;
    this.configDrive = deps.configDrive ?? { format: 'iso9660', skipVersions: DEFAULT_SKIP_VERSIONS.split(' '), force: false };
    this.metadataDefaults = deps.metadataDefaults ?? { defaultAvailabilityZone: 'nova', dhcpDomain: 'novalocal', useIpv6: false };
  }

  tracker(node: string | null): Promise<ResourceTracker> {
    return this.trackers(node);
  }

  virt(instance: ConductorInstance): VirtInstance {
    return toVirtInstance(instance, this.nameTemplate);
  }

  /**
   * Writes one phase of an action's state machine (common/states/transitions.ts), guarded by the
   * task_states that phase expects; `extra` adds columns (power_state, launched_at, …).
   */
  transition(
    ctx: RequestContext,
    instance: ConductorInstance,
    action: ActionName,
    phase: Phase,
    extra: InstanceUpdates = {},
  ): Promise<ConductorInstance> {
    const { updates, expectedTaskState } = stateUpdate(action, phase, { vm_state: (instance.vm_state ?? 'building') as VmState });
    return this.conductor.call(ctx, 'instance_update', {
      instance_uuid: instance.uuid as string,
      updates: { ...updates, ...extra, ...(expectedTaskState ? { expected_task_state: expectedTaskState } : {}) },
      service: 'conductor',
    });
  }

  async recordFault(ctx: RequestContext, uuid: string, err: unknown): Promise<void> {
    try {
      await this.conductor.call(ctx, 'instance_fault_create', { values: faultFromError(uuid, err, this.host) });
    } catch (faultErr) {
      log.for(ctx).error({ instance_uuid: uuid, err: faultErr }, 'could not record the instance fault');
    }
  }

  /**
   * The last resort of a failed action: a fault, then the action's failure state (or another
   * of its outcomes: `outcome`), never with a task left. An instance another action has taken over, or that is gone, is left alone; when
   * even that write fails (the conductor unreachable), start-up reconciliation finishes it.
   */
  async failInstance(
    ctx: RequestContext,
    instance: ConductorInstance,
    action: ActionName,
    err: unknown,
    outcome: Phase = 'failure',
  ): Promise<void> {
    const uuid = instance.uuid as string;
    await this.recordFault(ctx, uuid, err);
    try {
      await this.transition(ctx, instance, action, outcome);
    } catch (stateErr) {
      if (stateErr instanceof UnexpectedTaskStateError || stateErr instanceof InstanceNotFound) {
        log.for(ctx).info({ instance_uuid: uuid }, 'instance moved on to another task; its state is left alone');
      } else {
        log.for(ctx).error({ instance_uuid: uuid, err: stateErr }, `could not set the instance to its ${action} failure state`);
      }
    }
  }

  notifyUsage(
    ctx: RequestContext,
    instance: ConductorInstance,
    suffix: string,
    options: {
      networkInfo?: NetworkInfo | null;
      extra?: Record<string, unknown>;
      systemMetadata?: Record<string, string | null> | null;
    } = {},
  ): Promise<void> {
    return notifyAboutInstanceUsage(this.notifier, ctx, instance, suffix, { host: this.host, ...options });
  }

  /** The `<method>` ERROR notification a failing manager method emits (passwords left out of the args). */
  async notifyMethodError(ctx: RequestContext, method: string, err: unknown, args: Record<string, unknown>): Promise<void> {
    const safeArgs = Object.fromEntries(Object.entries(args).filter(([k]) => !k.includes('_pass')));
    await this.notifier.notify(ctx, `compute.${this.host}`, method, 'ERROR', {
      exception: err instanceof Error ? { class: err.name, message: err.message } : String(err),
      args: safeArgs,
    });
  }

  /** Records the start of event `compute_<method>` of the request's action; a missing action is logged, not fatal. */
  async eventStart(ctx: RequestContext, uuid: string, event: string): Promise<boolean> {
    try {
      await this.conductor.call(ctx, 'action_event_start', { values: { instance_uuid: uuid, request_id: ctx.requestId, event } });
      return true;
    } catch (err) {
      log.for(ctx).warn({ instance_uuid: uuid, event, err }, 'no instance action to record the event on');
      return false;
    }
  }

  async eventFinish(ctx: RequestContext, uuid: string, event: string, err: unknown | null): Promise<void> {
    try {
      await this.conductor.call(ctx, 'action_event_finish', {
        values: {
          instance_uuid: uuid,
          request_id: ctx.requestId,
          event,
          result: err === null ? 'Success' : 'Error',
          traceback: err === null ? null : err instanceof Error ? (err.stack ?? err.message) : String(err),
        },
      });
    } catch (finishErr) {
      log.for(ctx).warn({ instance_uuid: uuid, event, err: finishErr }, 'could not finish the instance action event');
    }
  }
}
