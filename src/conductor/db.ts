import { HostBinaryNotFound } from '../common/errors.js';
import type { TaskState } from '../common/states/task-states.js';
import { adminContext, type RequestContext } from '../context/context.js';
import { blockDeviceMappingGetAllByInstance } from '../db/api/block-device-mappings.js';
import type { Db } from '../db/api/common.js';
import { computeNodeCreate, computeNodeDelete, computeNodeUpdate } from '../db/api/compute-nodes.js';
import { blockDeviceMappingDestroyWhere } from '../db/api/host-queries.js';
import { actionEventFinish, actionEventStart } from '../db/api/instance-actions.js';
import { instanceFaultCreate } from '../db/api/instance-faults.js';
import {
  type InfoCache,
  instanceDestroy,
  instanceGetAllByHost,
  instanceGetByUuid,
  instanceInfoCacheUpdate,
  instanceUpdateAndGetOriginal,
} from '../db/api/instances.js';
import {
  serviceCreate,
  serviceDestroy,
  serviceGetAll,
  serviceGetAllByHost,
  serviceGetAllByTopic,
  serviceGetByArgs,
  serviceGetByComputeHost,
  serviceGetByHostAndTopic,
  serviceUpdate,
} from '../db/api/services.js';
import type { ServiceRecord } from '../servicegroup/types.js';
import type {
  ActionEventValues,
  BdmDestroyArgs,
  BlockDeviceMapping,
  ComputeNodeRecord,
  ComputeNodeWrite,
  ConductorInstance,
  FaultValues,
  InstanceActionEvent,
  InstanceFault,
  InstanceUpdates,
} from './types.js';

function toDate(value: Date | string | null | undefined): Date | null | undefined {
  if (value === undefined || value === null || value instanceof Date) return value;
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
}

/** The database calls behind the conductor's service methods. */
export interface ConductorDb {
  serviceGetAllBy(topic: string | null, host: string | null, binary: string | null): Promise<ServiceRecord[]>;
  serviceCreate(values: { host: string; binary: string; topic: string; report_count: number }): Promise<ServiceRecord>;
  serviceUpdate(id: number, values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>): Promise<ServiceRecord>;
  serviceDestroy(id: number): Promise<void>;

  /** Applies updates (compare-and-swap on `expected_task_state`); returns the instance before and after. */
  instanceUpdate(ctx: RequestContext, uuid: string, updates: InstanceUpdates): Promise<[ConductorInstance, ConductorInstance]>;
  instanceGetByUuid(ctx: RequestContext, uuid: string): Promise<ConductorInstance>;
  instanceGetAllByHost(ctx: RequestContext, host: string, node: string | null): Promise<ConductorInstance[]>;
  /** Soft-deletes the instance and what hangs off it; returns it as it was. */
  instanceDestroy(ctx: RequestContext, uuid: string): Promise<ConductorInstance>;
  instanceInfoCacheUpdate(ctx: RequestContext, uuid: string, values: InfoCache): Promise<InfoCache>;
  instanceInfoCacheDelete(ctx: RequestContext, uuid: string): Promise<void>;
  instanceFaultCreate(ctx: RequestContext, values: FaultValues): Promise<InstanceFault>;
  actionEventStart(ctx: RequestContext, values: ActionEventValues): Promise<InstanceActionEvent>;
  actionEventFinish(ctx: RequestContext, values: ActionEventValues): Promise<InstanceActionEvent>;
  computeNodeCreate(ctx: RequestContext, values: ComputeNodeWrite): Promise<ComputeNodeRecord>;
  computeNodeUpdate(
    ctx: RequestContext,
    nodeId: number,
    values: Partial<ComputeNodeWrite>,
    pruneStats: boolean,
  ): Promise<ComputeNodeRecord>;
  computeNodeDelete(ctx: RequestContext, nodeId: number): Promise<void>;
  blockDeviceMappingGetAllByInstance(ctx: RequestContext, uuid: string): Promise<BlockDeviceMapping[]>;
  blockDeviceMappingDestroy(ctx: RequestContext, args: BdmDestroyArgs): Promise<void>;
}

export class DbConductor implements ConductorDb {
  constructor(
    private readonly db: Db,
    private readonly enableNewServices: boolean,
  ) {}

  /** Grizzly's service_get_all_by dispatch on which filters are given. */
  async serviceGetAllBy(topic: string | null, host: string | null, binary: string | null): Promise<ServiceRecord[]> {
    const ctx = adminContext();
    if (topic === null && host === null && binary === null) return serviceGetAll(this.db, ctx);
    if (topic !== null && host !== null) {
      if (topic === 'compute') return [await serviceGetByComputeHost(this.db, ctx, host)];
      const one = await serviceGetByHostAndTopic(this.db, ctx, host, topic);
      return one ? [one] : [];
    }
    if (host !== null && binary !== null) {
      try {
        return [await serviceGetByArgs(this.db, ctx, host, binary)];
      } catch (err) {
        if (err instanceof HostBinaryNotFound) return [];
        throw err;
      }
    }
    if (topic !== null) return serviceGetAllByTopic(this.db, ctx, topic);
    if (host !== null) return serviceGetAllByHost(this.db, ctx, host);
    return (await serviceGetAll(this.db, ctx)).filter((s) => s.binary === binary);
  }

  serviceCreate(values: { host: string; binary: string; topic: string; report_count: number }): Promise<ServiceRecord> {
    return serviceCreate(this.db, adminContext(), values, { enableNewServices: this.enableNewServices });
  }

  serviceUpdate(id: number, values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>): Promise<ServiceRecord> {
    return serviceUpdate(this.db, adminContext(), id, values);
  }

  serviceDestroy(id: number): Promise<void> {
    return serviceDestroy(this.db, adminContext(), id);
  }

  instanceUpdate(ctx: RequestContext, uuid: string, updates: InstanceUpdates): Promise<[ConductorInstance, ConductorInstance]> {
    const { expected_task_state, launched_at, terminated_at, updated_at, ...rest } = updates;
    const values = {
      ...rest,
      ...(launched_at === undefined ? {} : { launched_at: toDate(launched_at) ?? null }),
      ...(terminated_at === undefined ? {} : { terminated_at: toDate(terminated_at) ?? null }),
      ...(updated_at === undefined ? {} : { updated_at: toDate(updated_at) ?? null }),
    };
    const options =
      expected_task_state === undefined
        ? {}
        : { expectedTaskState: expected_task_state as TaskState | null | readonly (TaskState | null)[] };
    return instanceUpdateAndGetOriginal(this.db, ctx.elevated('yes'), uuid, values, options);
  }

  instanceGetByUuid(ctx: RequestContext, uuid: string): Promise<ConductorInstance> {
    return instanceGetByUuid(this.db, ctx.elevated(), uuid);
  }

  instanceGetAllByHost(ctx: RequestContext, host: string, node: string | null): Promise<ConductorInstance[]> {
    return instanceGetAllByHost(this.db, ctx.elevated(), host, node ?? undefined);
  }

  instanceDestroy(ctx: RequestContext, uuid: string): Promise<ConductorInstance> {
    return instanceDestroy(this.db, ctx.elevated(), uuid);
  }

  instanceInfoCacheUpdate(ctx: RequestContext, uuid: string, values: InfoCache): Promise<InfoCache> {
    return instanceInfoCacheUpdate(this.db, ctx.elevated(), uuid, values);
  }

  async instanceInfoCacheDelete(_ctx: RequestContext, uuid: string): Promise<void> {
    await this.db.kysely
      .updateTable('instance_info_caches')
      .set((eb) => ({ deleted: eb.ref('id'), deleted_at: new Date() }))
      .where('deleted', '=', 0)
      .where('instance_uuid', '=', uuid)
      .execute();
  }

  instanceFaultCreate(ctx: RequestContext, values: FaultValues): Promise<InstanceFault> {
    return instanceFaultCreate(this.db, ctx.elevated(), values);
  }

  actionEventStart(ctx: RequestContext, values: ActionEventValues): Promise<InstanceActionEvent> {
    return actionEventStart(this.db, ctx.elevated(), {
      instance_uuid: values.instance_uuid,
      request_id: values.request_id,
      event: values.event,
      ...(values.start_time ? { start_time: toDate(values.start_time) as Date } : {}),
    });
  }

  actionEventFinish(ctx: RequestContext, values: ActionEventValues): Promise<InstanceActionEvent> {
    return actionEventFinish(this.db, ctx.elevated(), {
      instance_uuid: values.instance_uuid,
      request_id: values.request_id,
      event: values.event,
      result: values.result ?? 'Success',
      traceback: values.traceback ?? null,
      ...(values.finish_time ? { finish_time: toDate(values.finish_time) as Date } : {}),
    });
  }

  computeNodeCreate(ctx: RequestContext, values: ComputeNodeWrite): Promise<ComputeNodeRecord> {
    const { service_id, ...rest } = values;
    if (service_id === undefined) throw new Error('compute_node_create needs service_id');
    return computeNodeCreate(this.db, ctx.elevated(), { ...rest, service_id });
  }

  computeNodeUpdate(
    ctx: RequestContext,
    nodeId: number,
    values: Partial<ComputeNodeWrite>,
    pruneStats: boolean,
  ): Promise<ComputeNodeRecord> {
    return computeNodeUpdate(this.db, ctx.elevated(), nodeId, values, pruneStats);
  }

  computeNodeDelete(ctx: RequestContext, nodeId: number): Promise<void> {
    return computeNodeDelete(this.db, ctx.elevated(), nodeId);
  }

  blockDeviceMappingGetAllByInstance(ctx: RequestContext, uuid: string): Promise<BlockDeviceMapping[]> {
    return blockDeviceMappingGetAllByInstance(this.db, ctx.elevated(), uuid);
  }

  async blockDeviceMappingDestroy(ctx: RequestContext, args: BdmDestroyArgs): Promise<void> {
    await blockDeviceMappingDestroyWhere(this.db, ctx.elevated(), {
      ...(args.bdms?.length ? { ids: args.bdms.map((b) => b.id) } : {}),
      ...(args.instance?.uuid ? { instanceUuid: args.instance.uuid } : {}),
      ...(args.volume_id ? { volumeId: args.volume_id } : {}),
      ...(args.device_name ? { deviceName: args.device_name } : {}),
    });
  }
}
