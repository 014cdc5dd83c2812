/**
 * compute.api: the business rules between the HTTP layer and the services. Checks
 * (policy, state, lock, quota, existence of what a request names) happen here, in Nova's
 * order, before anything is written; then the database rows; then the RPC.
 */
import type { RequestContext } from '../../context/context.js';
import { blockDeviceMappingsForInstances } from '../../db/api/block-device-mappings.js';
import { instanceFaultGetByInstanceUuids } from '../../db/api/instance-faults.js';
import type { Metadata } from '../../db/api/instance-metadata.js';
import { type InstanceRecord, instanceUpdate, type ListOptions } from '../../db/api/instances.js';
import type { BlockDeviceMapping, InstanceFault } from '../../db/types.js';
import { computeApiOpts } from '../api-opts.js';
import { type CreateInstanceRequest, type CreateInstanceResult, createInstances } from './create.js';
import { softDeleteInstance } from './deferred-delete.js';
import { checkLocked, deleteInstance } from './delete.js';
import type { ComputeApiDeps } from './deps.js';
import { getAllInstances, getInstance, instanceTarget, type SearchOptions } from './get.js';
import { deleteInstanceMetadataKey, getInstanceMetadata, updateInstanceMetadata } from './metadata.js';

export type { Metadata } from '../../db/api/instance-metadata.js';
export { INSTANCE_COLUMNS, type InstanceRecord } from '../../db/api/instances.js';
export type { BlockDeviceMapping, InstanceFault } from '../../db/types.js';
export type { CreateInstanceRequest, CreateInstanceResult, LegacyBlockDevice } from './create.js';
export type {
  ComputeApiDeps,
  FlavorInfo,
  FlavorLookup,
  ImageLookup,
  ImageMeta,
  KeypairLookup,
  NetworkValidator,
  RequestedNetwork,
} from './deps.js';
export type { SearchOptions } from './get.js';

/** Columns a user may change (PUT /servers/{id}, the EC2 API's ModifyInstanceAttribute). */
export interface InstanceUserUpdate {
  display_name?: string;
  access_ip_v4?: string | null;
  access_ip_v6?: string | null;
  auto_disk_config?: boolean;
  /** The EC2 API's DisableApiTermination and InstanceInitiatedShutdownBehavior. */
  disable_terminate?: boolean;
  shutdown_terminate?: boolean;
}

export class ComputeAPI {
  readonly deps: ComputeApiDeps;

  constructor(deps: ComputeApiDeps) {
    this.deps = deps;
  }

  create(ctx: RequestContext, request: CreateInstanceRequest): Promise<CreateInstanceResult> {
    return createInstances(this.deps, ctx, request);
  }

  get(ctx: RequestContext, uuid: string): Promise<InstanceRecord> {
    return getInstance(this.deps, ctx, uuid);
  }

  getAll(ctx: RequestContext, searchOpts: SearchOptions, options: ListOptions = {}): Promise<InstanceRecord[]> {
    return getAllInstances(this.deps, ctx, searchOpts, options);
  }

  async update(ctx: RequestContext, instance: InstanceRecord, changes: InstanceUserUpdate): Promise<InstanceRecord> {
    this.deps.policy.enforce(ctx, 'compute:update', instanceTarget(instance));
    if (Object.keys(changes).length === 0) return instance;
    return instanceUpdate(this.deps.db, ctx, instance.uuid as string, changes);
  }

  /** Each instance's faults, newest first (every uuid present, maybe with none). */
  getInstanceFaults(ctx: RequestContext, uuids: readonly string[]): Promise<Map<string, InstanceFault[]>> {
    return instanceFaultGetByInstanceUuids(this.deps.db, ctx, uuids);
  }

  /** Each instance's live block device mappings (every uuid present, maybe with none). */
  getBlockDeviceMappings(_ctx: RequestContext, uuids: readonly string[]): Promise<Map<string, BlockDeviceMapping[]>> {
    return blockDeviceMappingsForInstances(this.deps.db, uuids);
  }

  /** DELETE /servers/{id}: a soft delete while `reclaim_instance_interval` > 0 (deferred delete), else a delete. */
  delete(ctx: RequestContext, instance: InstanceRecord): Promise<void> {
    if ((this.deps.conf.get(computeApiOpts).reclaim_instance_interval ?? 0) > 0) return softDeleteInstance(this.deps, ctx, instance);
    return deleteInstance(this.deps, ctx, instance);
  }

  getInstanceMetadata(ctx: RequestContext, instance: InstanceRecord): Promise<Metadata> {
    return getInstanceMetadata(this.deps, ctx, instance);
  }

  /** Merges `metadata` into the instance's (or replaces it with `replace`); returns the set after. */
  updateInstanceMetadata(ctx: RequestContext, instance: InstanceRecord, metadata: Metadata, replace = false): Promise<Metadata> {
    return updateInstanceMetadata(this.deps, ctx, instance, metadata, replace);
  }

  deleteInstanceMetadata(ctx: RequestContext, instance: InstanceRecord, key: string): Promise<void> {
    return deleteInstanceMetadataKey(this.deps, ctx, instance, key);
  }

  /** Throws InstanceIsLocked for a locked instance and a non-admin caller. */
  checkLocked(ctx: RequestContext, instance: InstanceRecord): void {
    checkLocked(ctx, instance);
  }
}
