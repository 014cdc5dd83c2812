import type { RequestContext } from '../context/context.js';
import type { InfoCache } from '../db/api/instances.js';
import { sendInstanceUpdate } from '../notifications/instance-payload.js';
import { type Notifier, silentNotifier } from '../notifications/notifier.js';
import { Manager } from '../service/manager.js';
import type { ServiceRecord } from '../servicegroup/types.js';
import type { ConductorDb } from './db.js';
import { KeyError } from './errors.js';
import {
  type ActionEventValues,
  type BdmDestroyArgs,
  type BlockDeviceMapping,
  type ComputeNodeRecord,
  type ComputeNodeWrite,
  type ConductorInstance,
  type FaultValues,
  INSTANCE_UPDATE_KEYS,
  type InstanceActionEvent,
  type InstanceFault,
  type InstanceUpdates,
} from './types.js';

const ALLOWED_UPDATES: ReadonlySet<string> = new Set(INSTANCE_UPDATE_KEYS);

/** A node as compute hosts name it in compute_node_update / _delete: its row, or just its id. */
interface NodeRef {
  id: number;
}

/**
 * Database access on behalf of hosts that may not open the database themselves
 * (nova-compute). Method names are the wire names of Grizzly's conductor RPC API.
 */
export class ConductorManager extends Manager {
  readonly RPC_API_VERSION = '1.48';
  readonly rpcMethods = [
    'ping',
    'service_get_all_by',
    'service_create',
    'service_update',
    'service_destroy',
    'instance_update',
    'instance_get_by_uuid',
    'instance_get_all_by_host',
    'instance_destroy',
    'instance_info_cache_update',
    'instance_info_cache_delete',
    'instance_fault_create',
    'action_event_start',
    'action_event_finish',
    'compute_node_create',
    'compute_node_update',
    'compute_node_delete',
    'block_device_mapping_get_all_by_instance',
    'block_device_mapping_destroy',
  ] as const;

  constructor(
    host: string,
    private readonly db: ConductorDb,
    private readonly notifier: Notifier = silentNotifier(),
  ) {
    super(host);
  }

  async ping(_ctx: RequestContext, args: { arg: unknown }): Promise<{ service: string; arg: unknown }> {
    return { service: 'conductor', arg: args.arg };
  }

  async service_get_all_by(
    _ctx: RequestContext,
    args: { topic?: string | null; host?: string | null; binary?: string | null },
  ): Promise<ServiceRecord[]> {
    return this.db.serviceGetAllBy(args.topic ?? null, args.host ?? null, args.binary ?? null);
  }

  async service_create(
    _ctx: RequestContext,
    args: { values: { host: string; binary: string; topic: string; report_count: number } },
  ): Promise<ServiceRecord> {
    return this.db.serviceCreate(args.values);
  }

  async service_update(
    _ctx: RequestContext,
    args: { service: { id: number }; values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>> },
  ): Promise<ServiceRecord> {
    return this.db.serviceUpdate(args.service.id, args.values);
  }

  async service_destroy(_ctx: RequestContext, args: { service_id: number }): Promise<void> {
    await this.db.serviceDestroy(args.service_id);
  }

  /**
   * Every state change a compute host makes goes through here: only whitelisted columns,
   * compare-and-swap on `expected_task_state`, then `compute.instance.update` when enabled
   * (published as `<service>.<this host>`).
   */
  async instance_update(
    ctx: RequestContext,
    args: { instance_uuid: string; updates: InstanceUpdates; service?: string | null },
  ): Promise<ConductorInstance> {
    for (const key of Object.keys(args.updates ?? {})) if (!ALLOWED_UPDATES.has(key)) throw new KeyError(key);
    const [before, after] = await this.db.instanceUpdate(ctx, args.instance_uuid, args.updates ?? {});
    await sendInstanceUpdate(this.notifier, ctx, before, after, args.service ?? 'conductor', this.host);
    return after;
  }

  async instance_get_by_uuid(ctx: RequestContext, args: { instance_uuid: string }): Promise<ConductorInstance> {
    return this.db.instanceGetByUuid(ctx, args.instance_uuid);
  }

  async instance_get_all_by_host(
    ctx: RequestContext,
    args: { host: string; node?: string | null; columns_to_join?: string[] | null },
  ): Promise<ConductorInstance[]> {
    return this.db.instanceGetAllByHost(ctx, args.host, args.node ?? null);
  }

  async instance_destroy(ctx: RequestContext, args: { instance: { uuid: string } }): Promise<ConductorInstance> {
    return this.db.instanceDestroy(ctx, args.instance.uuid);
  }

  async instance_info_cache_update(ctx: RequestContext, args: { instance: { uuid: string }; values: InfoCache }): Promise<InfoCache> {
    return this.db.instanceInfoCacheUpdate(ctx, args.instance.uuid, args.values);
  }

  async instance_info_cache_delete(ctx: RequestContext, args: { instance: { uuid: string } }): Promise<void> {
    await this.db.instanceInfoCacheDelete(ctx, args.instance.uuid);
  }

  async instance_fault_create(ctx: RequestContext, args: { values: FaultValues }): Promise<InstanceFault> {
    return this.db.instanceFaultCreate(ctx, args.values);
  }

  async action_event_start(ctx: RequestContext, args: { values: ActionEventValues }): Promise<InstanceActionEvent> {
    return this.db.actionEventStart(ctx, args.values);
  }

  async action_event_finish(ctx: RequestContext, args: { values: ActionEventValues }): Promise<InstanceActionEvent> {
    return this.db.actionEventFinish(ctx, args.values);
  }

  async compute_node_create(ctx: RequestContext, args: { values: ComputeNodeWrite }): Promise<ComputeNodeRecord> {
    return this.db.computeNodeCreate(ctx, args.values);
  }

  async compute_node_update(
    ctx: RequestContext,
    args: { node: NodeRef; values: Partial<ComputeNodeWrite>; prune_stats?: boolean },
  ): Promise<ComputeNodeRecord> {
    return this.db.computeNodeUpdate(ctx, args.node.id, args.values, args.prune_stats ?? false);
  }

  async compute_node_delete(ctx: RequestContext, args: { node: NodeRef }): Promise<void> {
    await this.db.computeNodeDelete(ctx, args.node.id);
  }

  async block_device_mapping_get_all_by_instance(ctx: RequestContext, args: { instance: { uuid: string } }): Promise<BlockDeviceMapping[]> {
    return this.db.blockDeviceMappingGetAllByInstance(ctx, args.instance.uuid);
  }

  async block_device_mapping_destroy(ctx: RequestContext, args: BdmDestroyArgs): Promise<void> {
    await this.db.blockDeviceMappingDestroy(ctx, args);
  }
}
