import { getLogger } from '../common/log.js';
import type { ConductorInstance } from '../conductor/types.js';
import { adminContext, type RequestContext } from '../context/context.js';
import type { BlockDeviceMapping } from '../db/types.js';
import { type Notifier, silentNotifier } from '../notifications/notifier.js';
import { Manager } from '../service/manager.js';
import { KeyedLocks } from './async-lock.js';
import { type BuildOutcome, buildInstance, type RunInstanceArgs } from './manager/build.js';
import { deleteInstance } from './manager/delete.js';
import type { ComputeManagerDeps } from './manager/deps.js';
import { ComputeHost } from './manager/host.js';
import { reconcileHost } from './manager/init-host.js';
import { ResourceTracker } from './resource-tracker.js';

const log = getLogger('nova.compute.manager');

export type { RunInstanceArgs } from './manager/build.js';
export type { ComputeManagerDeps } from './manager/deps.js';

export interface TerminateInstanceArgs {
  instance: ConductorInstance;
  bdms?: BlockDeviceMapping[] | null;
  reservations?: string[] | null;
}

/**
 * The compute host: drives a virt driver through the instance lifecycle. Builds and
 * deletes of one instance run one at a time (a lock per instance uuid); resources are
 * claimed against one resource tracker per hypervisor node.
 */
export class ComputeManager extends Manager {
  readonly RPC_API_VERSION = '2.27';
  readonly rpcMethods: readonly string[] = ['run_instance', 'terminate_instance'];

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
    const cacheInterval = deps.imageCacheManagerInterval ?? 2400;
    if (deps.driver.capabilities.has_imagecache && cacheInterval > 0) {
      this.addPeriodicTask({
        name: '_run_image_cache_manager_pass',
        spacing: cacheInterval,
        run: (ctx) => this.runImageCacheManagerPass(ctx),
      });
    }
  }

  /** Lets the driver's image cache manager drop unused base images; it judges use by this host's instances and the disks on shared storage. */
  async runImageCacheManagerPass(ctx: RequestContext): Promise<void> {
    const instances = await this.#deps.conductor.instanceGetAllByHost(ctx, this.host);
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
      });
      this.#trackers.set(name, tracker);
    }
    return tracker;
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

  async run_instance(ctx: RequestContext, args: RunInstanceArgs): Promise<BuildOutcome> {
    const uuid = args.instance.uuid as string;
    return this.#locks.run(uuid, async () => {
      await this.#h.eventStart(ctx, uuid, 'compute_run_instance');
      let outcome: BuildOutcome = 'error';
      try {
        outcome = await buildInstance(this.#h, ctx, args);
        return outcome;
      } catch (err) {
        log.error({ instance_uuid: uuid, err }, 'run_instance failed outside the build flow');
        await this.#h.recordFault(ctx, uuid, err);
        await this.#h.notifyMethodError(ctx, 'run_instance', err, { ...args });
        throw err;
      } finally {
        await this.#h.eventFinish(ctx, uuid, 'compute_run_instance', outcome === 'error' ? new Error('build failed') : null);
      }
    });
  }

  async terminate_instance(ctx: RequestContext, args: TerminateInstanceArgs): Promise<'deleted' | 'error' | 'gone'> {
    const uuid = args.instance.uuid as string;
    return this.#locks.run(uuid, async () => {
      const recorded = await this.#h.eventStart(ctx, uuid, 'compute_terminate_instance');
      const outcome = await deleteInstance(this.#h, ctx, args.instance);
      if (outcome === 'error') await this.#h.notifyMethodError(ctx, 'terminate_instance', new Error('delete failed'), { ...args });
      if (recorded)
        await this.#h.eventFinish(ctx, uuid, 'compute_terminate_instance', outcome === 'error' ? new Error('delete failed') : null);
      return outcome;
    });
  }
}
