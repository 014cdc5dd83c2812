import type { RequestContext } from '../context/context.js';
import type { InfoCache } from '../db/api/instances.js';
import type { RpcClient } from '../rpc/client.js';
import type { ServiceRecord } from '../servicegroup/types.js';
import type { ConductorManager } from './manager.js';
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

/** What hosts ask the conductor for. LocalConductorAPI and RpcConductorAPI answer the same. */
export interface ConductorAPI {
  ping(ctx: RequestContext, arg: unknown, timeoutSeconds?: number): Promise<{ service: string; arg: unknown }>;
  serviceGetAllBy(ctx: RequestContext, filters: { topic?: string; host?: string; binary?: string }): Promise<ServiceRecord[]>;
  serviceCreate(ctx: RequestContext, values: { host: string; binary: string; topic: string; report_count: number }): Promise<ServiceRecord>;
  serviceUpdate(
    ctx: RequestContext,
    serviceId: number,
    values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>,
  ): Promise<ServiceRecord>;
  serviceDestroy(ctx: RequestContext, serviceId: number): Promise<void>;

  /** Writes whitelisted columns; `expected_task_state` makes it a compare-and-swap (UnexpectedTaskStateError). */
  instanceUpdate(ctx: RequestContext, instanceUuid: string, updates: InstanceUpdates): Promise<ConductorInstance>;
  instanceGetByUuid(ctx: RequestContext, instanceUuid: string): Promise<ConductorInstance>;
  instanceGetAllByHost(ctx: RequestContext, host: string, node?: string | null): Promise<ConductorInstance[]>;
  instanceDestroy(ctx: RequestContext, instance: Pick<ConductorInstance, 'uuid'>): Promise<ConductorInstance>;
  instanceInfoCacheUpdate(ctx: RequestContext, instance: Pick<ConductorInstance, 'uuid'>, values: InfoCache): Promise<InfoCache>;
  instanceInfoCacheDelete(ctx: RequestContext, instance: Pick<ConductorInstance, 'uuid'>): Promise<void>;
  instanceFaultCreate(ctx: RequestContext, values: FaultValues): Promise<InstanceFault>;
  actionEventStart(ctx: RequestContext, values: ActionEventValues): Promise<InstanceActionEvent>;
  actionEventFinish(ctx: RequestContext, values: ActionEventValues): Promise<InstanceActionEvent>;
  computeNodeCreate(ctx: RequestContext, values: ComputeNodeWrite): Promise<ComputeNodeRecord>;
  computeNodeUpdate(
    ctx: RequestContext,
    node: { id: number },
    values: Partial<ComputeNodeWrite>,
    pruneStats?: boolean,
  ): Promise<ComputeNodeRecord>;
  computeNodeDelete(ctx: RequestContext, node: { id: number }): Promise<void>;
  blockDeviceMappingGetAllByInstance(ctx: RequestContext, instance: Pick<ConductorInstance, 'uuid'>): Promise<BlockDeviceMapping[]>;
  blockDeviceMappingDestroy(ctx: RequestContext, args: BdmDestroyArgs): Promise<void>;
}

/** Calls the manager in-process (`[conductor] use_local`, and services allowed to use the database). */
export class LocalConductorAPI implements ConductorAPI {
  constructor(private readonly manager: ConductorManager) {}

  ping(ctx: RequestContext, arg: unknown) {
    return this.manager.ping(ctx, { arg });
  }
  serviceGetAllBy(ctx: RequestContext, filters: { topic?: string; host?: string; binary?: string }) {
    return this.manager.service_get_all_by(ctx, filters);
  }
  serviceCreate(ctx: RequestContext, values: { host: string; binary: string; topic: string; report_count: number }) {
    return this.manager.service_create(ctx, { values });
  }
  serviceUpdate(ctx: RequestContext, serviceId: number, values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>) {
    return this.manager.service_update(ctx, { service: { id: serviceId }, values });
  }
  serviceDestroy(ctx: RequestContext, serviceId: number) {
    return this.manager.service_destroy(ctx, { service_id: serviceId });
  }
  // In-process, the update notification is published as the compute service itself.
  instanceUpdate(ctx: RequestContext, instanceUuid: string, updates: InstanceUpdates) {
    return this.manager.instance_update(ctx, { instance_uuid: instanceUuid, updates, service: 'compute' });
  }
  instanceGetByUuid(ctx: RequestContext, instanceUuid: string) {
    return this.manager.instance_get_by_uuid(ctx, { instance_uuid: instanceUuid });
  }
  instanceGetAllByHost(ctx: RequestContext, host: string, node?: string | null) {
    return this.manager.instance_get_all_by_host(ctx, { host, node: node ?? null });
  }
  instanceDestroy(ctx: RequestContext, instance: Pick<ConductorInstance, 'uuid'>) {
    return this.manager.instance_destroy(ctx, { instance: { uuid: instance.uuid as string } });
  }
  instanceInfoCacheUpdate(ctx: RequestContext, instance: Pick<ConductorInstance, 'uuid'>, values: InfoCache) {
    return this.manager.instance_info_cache_update(ctx, { instance: { uuid: instance.uuid as string }, values });
  }
  instanceInfoCacheDelete(ctx: RequestContext, instance: Pick<ConductorInstance, 'uuid'>) {
    return this.manager.instance_info_cache_delete(ctx, { instance: { uuid: instance.uuid as string } });
  }
  instanceFaultCreate(ctx: RequestContext, values: FaultValues) {
    return this.manager.instance_fault_create(ctx, { values });
  }
  actionEventStart(ctx: RequestContext, values: ActionEventValues) {
    return this.manager.action_event_start(ctx, { values });
  }
  actionEventFinish(ctx: RequestContext, values: ActionEventValues) {
    return this.manager.action_event_finish(ctx, { values });
  }
  computeNodeCreate(ctx: RequestContext, values: ComputeNodeWrite) {
    return this.manager.compute_node_create(ctx, { values });
  }
  computeNodeUpdate(ctx: RequestContext, node: { id: number }, values: Partial<ComputeNodeWrite>, pruneStats = false) {
    return this.manager.compute_node_update(ctx, { node, values, prune_stats: pruneStats });
  }
  computeNodeDelete(ctx: RequestContext, node: { id: number }) {
    return this.manager.compute_node_delete(ctx, { node });
  }
  blockDeviceMappingGetAllByInstance(ctx: RequestContext, instance: Pick<ConductorInstance, 'uuid'>) {
    return this.manager.block_device_mapping_get_all_by_instance(ctx, { instance: { uuid: instance.uuid as string } });
  }
  blockDeviceMappingDestroy(ctx: RequestContext, args: BdmDestroyArgs) {
    return this.manager.block_device_mapping_destroy(ctx, args);
  }
}

/** Calls the conductor over the bus (topic `conductor`), as nova-compute does. */
export class RpcConductorAPI implements ConductorAPI {
  constructor(private readonly client: RpcClient) {}

  ping(ctx: RequestContext, arg: unknown, timeoutSeconds?: number) {
    return this.client.call<{ service: string; arg: unknown }>(
      ctx,
      'ping',
      { arg },
      {
        version: '1.22',
        ...(timeoutSeconds === undefined ? {} : { timeout: timeoutSeconds }),
      },
    );
  }
  serviceGetAllBy(ctx: RequestContext, filters: { topic?: string; host?: string; binary?: string }) {
    return this.client.call<ServiceRecord[]>(
      ctx,
      'service_get_all_by',
      { topic: filters.topic ?? null, host: filters.host ?? null, binary: filters.binary ?? null },
      { version: '1.28' },
    );
  }
  serviceCreate(ctx: RequestContext, values: { host: string; binary: string; topic: string; report_count: number }) {
    return this.client.call<ServiceRecord>(ctx, 'service_create', { values }, { version: '1.27' });
  }
  serviceUpdate(ctx: RequestContext, serviceId: number, values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>) {
    return this.client.call<ServiceRecord>(ctx, 'service_update', { service: { id: serviceId }, values }, { version: '1.34' });
  }
  serviceDestroy(ctx: RequestContext, serviceId: number) {
    return this.client.call<void>(ctx, 'service_destroy', { service_id: serviceId }, { version: '1.29' });
  }
  instanceUpdate(ctx: RequestContext, instanceUuid: string, updates: InstanceUpdates) {
    return this.client.call<ConductorInstance>(
      ctx,
      'instance_update',
      { instance_uuid: instanceUuid, updates, service: 'conductor' },
      { version: '1.38' },
    );
  }
  instanceGetByUuid(ctx: RequestContext, instanceUuid: string) {
    return this.client.call<ConductorInstance>(ctx, 'instance_get_by_uuid', { instance_uuid: instanceUuid }, { version: '1.2' });
  }
  instanceGetAllByHost(ctx: RequestContext, host: string, node?: string | null) {
    return this.client.call<ConductorInstance[]>(
      ctx,
      'instance_get_all_by_host',
      { host, node: node ?? null, columns_to_join: null },
      { version: '1.47' },
    );
  }
  instanceDestroy(ctx: RequestContext, instance: Pick<ConductorInstance, 'uuid'>) {
    return this.client.call<ConductorInstance>(ctx, 'instance_destroy', { instance }, { version: '1.16' });
  }
  instanceInfoCacheUpdate(ctx: RequestContext, instance: Pick<ConductorInstance, 'uuid'>, values: InfoCache) {
    return this.client.call<InfoCache>(ctx, 'instance_info_cache_update', { instance, values }, { version: '1.26' });
  }
  instanceInfoCacheDelete(ctx: RequestContext, instance: Pick<ConductorInstance, 'uuid'>) {
    return this.client.call<void>(ctx, 'instance_info_cache_delete', { instance }, { version: '1.17' });
  }
  instanceFaultCreate(ctx: RequestContext, values: FaultValues) {
    return this.client.call<InstanceFault>(ctx, 'instance_fault_create', { values }, { version: '1.36' });
  }
  actionEventStart(ctx: RequestContext, values: ActionEventValues) {
    return this.client.call<InstanceActionEvent>(ctx, 'action_event_start', { values }, { version: '1.25' });
  }
  actionEventFinish(ctx: RequestContext, values: ActionEventValues) {
    return this.client.call<InstanceActionEvent>(ctx, 'action_event_finish', { values }, { version: '1.25' });
  }
  computeNodeCreate(ctx: RequestContext, values: ComputeNodeWrite) {
    return this.client.call<ComputeNodeRecord>(ctx, 'compute_node_create', { values }, { version: '1.33' });
  }
  computeNodeUpdate(ctx: RequestContext, node: { id: number }, values: Partial<ComputeNodeWrite>, pruneStats = false) {
    return this.client.call<ComputeNodeRecord>(ctx, 'compute_node_update', { node, values, prune_stats: pruneStats }, { version: '1.33' });
  }
  computeNodeDelete(ctx: RequestContext, node: { id: number }) {
    return this.client.call<void>(ctx, 'compute_node_delete', { node }, { version: '1.44' });
  }
  blockDeviceMappingGetAllByInstance(ctx: RequestContext, instance: Pick<ConductorInstance, 'uuid'>) {
    return this.client.call<BlockDeviceMapping[]>(ctx, 'block_device_mapping_get_all_by_instance', { instance }, { version: '1.13' });
  }
  blockDeviceMappingDestroy(ctx: RequestContext, args: BdmDestroyArgs) {
    return this.client.call<void>(
      ctx,
      'block_device_mapping_destroy',
      {
        bdms: args.bdms ?? null,
        instance: args.instance ?? null,
        volume_id: args.volume_id ?? null,
        device_name: args.device_name ?? null,
      },
      { version: '1.14' },
    );
  }
}
