/**
 * The compute service's RPC contract (topic `compute`, addressed to `compute.<host>`;
 * Grizzly's compute API 2.27). Instances travel as their full records; the host revives
 * their datetimes on arrival.
 */
import type { InstanceRecord } from '../db/api/instances.js';
import type { BlockDeviceMapping } from '../db/types.js';
import { reviveBlockDeviceMapping, reviveInstance, reviveList } from '../db/wire.js';
import { plain, revived } from '../rpc/codec.js';
import { call, cast, defineContract, type Endpoint } from '../rpc/contract.js';
import type { ContractClient } from '../rpc/contract-client.js';
import { errorTable } from '../rpc/error-table.js';
import type { RunInstanceRequest } from '../scheduler/types.js';
import * as virtErrors from '../virt/errors.js';
import * as computeManagerErrors from './manager/errors.js';

/** run_instance: the scheduler's build request, with the instance and the node chosen for it. */
export interface BuildRequest extends RunInstanceRequest {
  instance: InstanceRecord;
  node: string | null;
}

export interface TerminateRequest {
  instance: InstanceRecord;
  bdms: BlockDeviceMapping[] | null;
  /** Reservation uuids; nova-ts counts quota from rows, so it sends none. */
  reservations: string[] | null;
}

/** A metadata change: `{key: ['+', value]}` for a set key, `{key: ['-']}` for a removed one. */
export type MetadataDiff = Record<string, ['+', string] | ['-']>;

export interface ChangeMetadataRequest {
  instance: InstanceRecord;
  diff: MetadataDiff;
}

export interface ValidateConsolePortRequest {
  instance: InstanceRecord;
  port: number;
  console_type: string;
}

function withInstance<T extends { instance: InstanceRecord }>(wire: { instance: unknown }): T {
  return { ...(wire as unknown as T), instance: reviveInstance(wire.instance) };
}

export const computeContract = defineContract({
  topic: 'compute',
  baseVersion: '2.0',
  version: '2.27',
  errors: errorTable(computeManagerErrors, virtErrors),
  methods: {
    run_instance: cast('2.19', revived<BuildRequest>(withInstance)),
    terminate_instance: cast(
      '2.27',
      revived<TerminateRequest>((wire) => ({
        ...withInstance<TerminateRequest>(wire),
        bdms: wire.bdms === null ? null : reviveList(reviveBlockDeviceMapping)(wire.bdms),
      })),
    ),
    change_instance_metadata: cast('2.0', revived<ChangeMetadataRequest>(withInstance)),
    /** Whether `port` is the instance's console port of that type (consoleauth's token check). */
    validate_console_port: call('2.26', revived<ValidateConsolePortRequest>(withInstance), plain<boolean>()),
    /** A rule of the group changed: the host rebuilds the filters of its members. */
    refresh_security_group_rules: cast('2.0', plain<{ security_group_id: number }>()),
    /** The group's members changed: rules naming it as source admit other addresses now. */
    refresh_security_group_members: cast('2.0', plain<{ security_group_id: number }>()),
    refresh_instance_security_rules: cast('2.4', revived<{ instance: InstanceRecord }>(withInstance)),
  },
});

export type ComputeContract = typeof computeContract;
export type ComputeClient = ContractClient<ComputeContract>;
export type ComputeEndpoint = Endpoint<ComputeContract>;
