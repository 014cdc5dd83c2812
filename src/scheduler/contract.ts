/**
 * The scheduler's RPC contract (topic `scheduler`, Grizzly's scheduler API 2.6): the build
 * request the compute API casts, host selection, and the capabilities compute hosts
 * broadcast.
 */

import type { InstanceRecord } from '../db/api/instances.js';
import { reviveInstance } from '../db/wire.js';
import { nothing, plain, revived } from '../rpc/codec.js';
import { call, cast, defineContract, type Endpoint, fanoutCast } from '../rpc/contract.js';
import type { ContractClient } from '../rpc/contract-client.js';
import { errorTable } from '../rpc/error-table.js';
import * as virtErrors from '../virt/errors.js';
import * as schedulerErrors from './errors.js';
import type { FilterProperties, InstanceType, RequestSpec, RunInstanceRequest } from './types.js';

export interface SelectHostsRequest {
  request_spec: RequestSpec;
  filter_properties: FilterProperties;
}

/** prep_resize: a destination for a resize or cold migration, where the instance's prep_resize is sent. */
export interface PrepResizeSchedulingRequest {
  instance: InstanceRecord;
  instance_type: InstanceType;
  image: Record<string, unknown> | null;
  request_spec: RequestSpec;
  filter_properties: FilterProperties;
}

export interface ServiceCapabilities {
  service_name: string;
  host: string;
  capabilities: Record<string, unknown> | Record<string, unknown>[] | null;
}

export interface LiveMigrationRequest {
  instance: InstanceRecord;
  dest: string;
  block_migration: boolean;
  disk_over_commit: boolean;
}

export const schedulerContract = defineContract({
  topic: 'scheduler',
  baseVersion: '2.0',
  version: '2.6',
  errors: errorTable(schedulerErrors, virtErrors),
  methods: {
    /** Places each instance of request_spec.instance_uuids and casts its build to the chosen host. */
    run_instance: cast('2.0', plain<RunInstanceRequest>()),
    /** The hosts the scheduler would pick, without building anything. */
    select_hosts: call('2.6', plain<SelectHostsRequest>(), plain<string[]>()),
    prep_resize: cast(
      '2.0',
      revived<PrepResizeSchedulingRequest>((wire) => ({
        ...(wire as PrepResizeSchedulingRequest),
        instance: reviveInstance((wire as { instance: unknown }).instance),
      })),
    ),
    update_service_capabilities: fanoutCast('2.4', plain<ServiceCapabilities>()),
    /** The live migration checks; a refusal reaches the caller. The move itself goes on on the source host. */
    live_migration: call(
      '2.0',
      revived<LiveMigrationRequest>((wire) => ({
        ...(wire as unknown as LiveMigrationRequest),
        instance: reviveInstance((wire as { instance: unknown }).instance),
      })),
      nothing,
    ),
  },
});

export type SchedulerContract = typeof schedulerContract;
export type SchedulerClient = ContractClient<SchedulerContract>;
export type SchedulerEndpoint = Endpoint<SchedulerContract>;
