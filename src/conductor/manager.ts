import { adminContext, type RequestContext } from '../context/context.js';
import { aggregateZonesByHost } from '../db/api/aggregates.js';
import { blockDeviceMappingGetAllByInstance } from '../db/api/block-device-mappings.js';
import { bwUsageGet, bwUsageUpdate } from '../db/api/bw-usage.js';
import type { Db } from '../db/api/common.js';
import { computeNodeCreate, computeNodeDelete, computeNodeUpdate } from '../db/api/compute-nodes.js';
import { dbEc2IdLookup } from '../db/api/ec2-id-mappings.js';
import { blockDeviceMappingDestroyWhere } from '../db/api/host-queries.js';
import { actionEventFinish, actionEventStart } from '../db/api/instance-actions.js';
import { instanceFaultCreate } from '../db/api/instance-faults.js';
import { instanceGetActiveByWindow } from '../db/api/instance-windows.js';
import {
  instanceDestroy,
  instanceGetAllByHost,
  instanceGetByUuid,
  instanceInfoCacheDelete,
  instanceInfoCacheUpdate,
  instanceUpdateAndGetOriginal,
  joinRelations,
} from '../db/api/instances.js';
import { migrationCreate, migrationGet, migrationGetUnconfirmedByDestCompute, migrationUpdate } from '../db/api/migrations.js';
import { providerFwRuleGetAll, securityGroupRulesForInstance } from '../db/api/security-groups.js';
import { serviceCreate, serviceDestroy, serviceGetAllBy, serviceUpdate } from '../db/api/services.js';
import { taskLogBeginTask, taskLogEndTask, taskLogGet } from '../db/api/task-log.js';
import { ec2IdsFor } from '../metadata/source.js';
import { sendInstanceUpdate } from '../notifications/instance-payload.js';
import { type Notifier, silentNotifier } from '../notifications/notifier.js';
import type { ArgsOf } from '../rpc/contract.js';
import { Manager } from '../service/manager.js';
import type { ConductorContract, ConductorEndpoint } from './contract.js';
import { KeyError } from './errors.js';
import { INSTANCE_UPDATE_KEYS, type InstanceMetadataExtras } from './types.js';
import { type ComputeTaskClients, unshelveInstance } from './unshelve.js';

const ALLOWED_UPDATES: ReadonlySet<string> = new Set(INSTANCE_UPDATE_KEYS);

type Args<N extends keyof ConductorEndpoint & string> = ArgsOf<ConductorContract, N>;

export interface ConductorManagerOptions {
  /** `enable_new_services`: a service recorded with this off starts disabled. */
  enableNewServices: boolean;
  notifier?: Notifier;
  /** The scheduler and compute hosts compute tasks (unshelve) go on to; absent: such tasks fail. */
  computeTasks?: ComputeTaskClients;
}

/**
 * Database access on behalf of hosts that may not open the database themselves
 * (nova-compute). Its methods are those of the conductor contract (contract.ts), whose
 * arguments arrive validated.
 */
export class ConductorManager extends Manager implements ConductorEndpoint {
  readonly #db: Db;
  readonly #enableNewServices: boolean;
  readonly #notifier: Notifier;
  readonly #computeTasks: ComputeTaskClients | null;

  constructor(host: string, db: Db, options: ConductorManagerOptions) {
    super(host);
    this.#db = db;
    this.#enableNewServices = options.enableNewServices;
    this.#notifier = options.notifier ?? silentNotifier();
    this.#computeTasks = options.computeTasks ?? null;
  }

  async unshelve_instance(ctx: RequestContext, args: Args<'unshelve_instance'>) {
    if (!this.#computeTasks) throw new Error('this conductor has no scheduler or compute client for compute tasks');
    await unshelveInstance(this.#db, this.#computeTasks, ctx, args.instance_uuid);
  }

  async ping(_ctx: RequestContext, args: Args<'ping'>) {
    return { service: 'conductor', arg: args.arg };
  }

  async service_get_all_by(_ctx: RequestContext, args: Args<'service_get_all_by'>) {
    return serviceGetAllBy(this.#db, adminContext(), args);
  }

  async service_create(_ctx: RequestContext, args: Args<'service_create'>) {
    return serviceCreate(this.#db, adminContext(), args.values, { enableNewServices: this.#enableNewServices });
  }

  async service_update(_ctx: RequestContext, args: Args<'service_update'>) {
    return serviceUpdate(this.#db, adminContext(), args.service.id, args.values);
  }

  async service_destroy(_ctx: RequestContext, args: Args<'service_destroy'>) {
    await serviceDestroy(this.#db, adminContext(), args.service_id);
  }

  /**
   * Every state change a compute host makes goes through here: only whitelisted columns,
   * compare-and-swap on `expected_task_state`, then `compute.instance.update` when enabled
   * (published as `<service>.<this host>`).
   */
  async instance_update(ctx: RequestContext, args: Args<'instance_update'>) {
    for (const key of Object.keys(args.updates)) if (!ALLOWED_UPDATES.has(key)) throw new KeyError(key);
    const { expected_task_state, ...values } = args.updates;
    const [before, after] = await instanceUpdateAndGetOriginal(
      this.#db,
      ctx.elevated('yes'),
      args.instance_uuid,
      values,
      expected_task_state === undefined ? {} : { expectedTaskState: expected_task_state },
    );
    await sendInstanceUpdate(this.#notifier, ctx, before, after, args.service ?? 'conductor', this.host);
    return after;
  }

  async instance_get_by_uuid(ctx: RequestContext, args: Args<'instance_get_by_uuid'>) {
    return instanceGetByUuid(this.#db, ctx.elevated(), args.instance_uuid);
  }

  async instance_get_all_by_host(ctx: RequestContext, args: Args<'instance_get_all_by_host'>) {
    return instanceGetAllByHost(this.#db, ctx.elevated(), args.host, args.node ?? undefined);
  }

  async instance_get_active_by_window_joined(ctx: RequestContext, args: Args<'instance_get_active_by_window_joined'>) {
    const filter = {
      ...(args.project_id !== null ? { projectId: args.project_id } : {}),
      ...(args.host !== null ? { host: args.host } : {}),
    };
    const rows = await instanceGetActiveByWindow(this.#db, ctx.elevated(), args.begin, args.end ?? new Date(), filter);
    return joinRelations(this.#db, rows);
  }

  async task_log_get(ctx: RequestContext, args: Args<'task_log_get'>) {
    const key = { taskName: args.task_name, host: args.host, begin: args.begin, end: args.end };
    const row = await taskLogGet(this.#db, ctx.elevated(), key, args.state ?? undefined);
    return row ? { state: row.state, task_items: row.task_items, errors: row.errors } : null;
  }

  async task_log_begin_task(ctx: RequestContext, args: Args<'task_log_begin_task'>): Promise<void> {
    const key = { taskName: args.task_name, host: args.host, begin: args.begin, end: args.end };
    await taskLogBeginTask(this.#db, ctx.elevated(), key, { taskItems: args.task_items ?? 0, message: args.message ?? '' });
  }

  async task_log_end_task(ctx: RequestContext, args: Args<'task_log_end_task'>): Promise<void> {
    const key = { taskName: args.task_name, host: args.host, begin: args.begin, end: args.end };
    await taskLogEndTask(this.#db, ctx.elevated(), key, args.errors, args.message ?? '');
  }

  async instance_destroy(ctx: RequestContext, args: Args<'instance_destroy'>) {
    return instanceDestroy(this.#db, ctx.elevated(), args.instance.uuid);
  }

  async instance_info_cache_update(ctx: RequestContext, args: Args<'instance_info_cache_update'>) {
    return instanceInfoCacheUpdate(this.#db, ctx.elevated(), args.instance.uuid, args.values);
  }

  async instance_info_cache_delete(ctx: RequestContext, args: Args<'instance_info_cache_delete'>) {
    await instanceInfoCacheDelete(this.#db, ctx.elevated(), args.instance.uuid);
  }

  async security_group_rules_for_instance(_ctx: RequestContext, args: Args<'security_group_rules_for_instance'>) {
    return securityGroupRulesForInstance(this.#db, args.instance.uuid);
  }

  async provider_fw_rule_get_all(_ctx: RequestContext) {
    return providerFwRuleGetAll(this.#db);
  }

  async instance_fault_create(ctx: RequestContext, args: Args<'instance_fault_create'>) {
    return instanceFaultCreate(this.#db, ctx.elevated(), args.values);
  }

  async action_event_start(ctx: RequestContext, args: Args<'action_event_start'>) {
    const { instance_uuid, request_id, event, start_time } = args.values;
    return actionEventStart(this.#db, ctx.elevated(), { instance_uuid, request_id, event, ...(start_time ? { start_time } : {}) });
  }

  async action_event_finish(ctx: RequestContext, args: Args<'action_event_finish'>) {
    const { instance_uuid, request_id, event, finish_time } = args.values;
    return actionEventFinish(this.#db, ctx.elevated(), {
      instance_uuid,
      request_id,
      event,
      result: args.values.result ?? 'Success',
      traceback: args.values.traceback ?? null,
      ...(finish_time ? { finish_time } : {}),
    });
  }

  async compute_node_create(ctx: RequestContext, args: Args<'compute_node_create'>) {
    return computeNodeCreate(this.#db, ctx.elevated(), args.values);
  }

  async compute_node_update(ctx: RequestContext, args: Args<'compute_node_update'>) {
    return computeNodeUpdate(this.#db, ctx.elevated(), args.node.id, args.values, args.prune_stats);
  }

  async compute_node_delete(ctx: RequestContext, args: Args<'compute_node_delete'>) {
    await computeNodeDelete(this.#db, ctx.elevated(), args.node.id);
  }

  async bw_usage_get(_ctx: RequestContext, args: Args<'bw_usage_get'>) {
    return bwUsageGet(this.#db, args.uuid, new Date(args.start_period), args.mac);
  }

  async migration_create(_ctx: RequestContext, args: Args<'migration_create'>) {
    const v = args.values;
    return migrationCreate(this.#db, {
      instance_uuid: args.instance.uuid,
      source_compute: v.source_compute ?? null,
      source_node: v.source_node ?? null,
      dest_compute: v.dest_compute ?? null,
      dest_node: v.dest_node ?? null,
      dest_host: v.dest_host ?? null,
      old_instance_type_id: v.old_instance_type_id ?? null,
      new_instance_type_id: v.new_instance_type_id ?? null,
      status: v.status ?? 'pre-migrating',
    });
  }

  async migration_update(_ctx: RequestContext, args: Args<'migration_update'>) {
    return migrationUpdate(this.#db, args.migration_id, { status: args.status });
  }

  async migration_get(_ctx: RequestContext, args: Args<'migration_get'>) {
    return migrationGet(this.#db, args.migration_id);
  }

  async migration_get_unconfirmed_by_dest_compute(_ctx: RequestContext, args: Args<'migration_get_unconfirmed_by_dest_compute'>) {
    return migrationGetUnconfirmedByDestCompute(this.#db, args.confirm_window, args.dest_compute, new Date(args.at));
  }

  async bw_usage_update(_ctx: RequestContext, args: Args<'bw_usage_update'>) {
    return bwUsageUpdate(this.#db, {
      ...args,
      start_period: new Date(args.start_period),
      last_refreshed: args.last_refreshed ? new Date(args.last_refreshed) : null,
    });
  }

  async block_device_mapping_get_all_by_instance(ctx: RequestContext, args: Args<'block_device_mapping_get_all_by_instance'>) {
    return blockDeviceMappingGetAllByInstance(this.#db, ctx.elevated(), args.instance.uuid);
  }

  async instance_metadata_extras(ctx: RequestContext, args: Args<'instance_metadata_extras'>): Promise<InstanceMetadataExtras> {
    const instance = await instanceGetByUuid(this.#db, ctx.elevated(), args.instance.uuid);
    const uuid = instance.uuid as string;
    const mappings = await blockDeviceMappingGetAllByInstance(this.#db, ctx.elevated(), uuid);
    const zones = await aggregateZonesByHost(this.#db, null);
    return {
      block_device_mappings: mappings.map((m) => ({
        device_name: m.device_name,
        volume_id: m.volume_id,
        snapshot_id: m.snapshot_id,
        virtual_name: m.virtual_name,
        no_device: m.no_device,
      })),
      host_availability_zone: (instance.host ? zones.get(instance.host) : undefined) ?? null,
      ec2_ids: await ec2IdsFor(dbEc2IdLookup(this.#db), {
        uuid,
        imageRef: instance.image_ref || null,
        kernelId: instance.kernel_id || null,
        ramdiskId: instance.ramdisk_id || null,
      }),
    };
  }

  async block_device_mapping_destroy(ctx: RequestContext, args: Args<'block_device_mapping_destroy'>) {
    await blockDeviceMappingDestroyWhere(this.#db, ctx.elevated(), {
      ...(args.bdms?.length ? { ids: args.bdms.map((b) => b.id) } : {}),
      ...(args.instance?.uuid ? { instanceUuid: args.instance.uuid } : {}),
      ...(args.volume_id ? { volumeId: args.volume_id } : {}),
      ...(args.device_name ? { deviceName: args.device_name } : {}),
    });
  }
}
