/**
 * The compute service's RPC contract (topic `compute`, addressed to `compute.<host>`;
 * Grizzly's compute API 2.27). Instances travel as their full records; the host revives
 * their datetimes on arrival.
 */
import type { InstanceRecord } from '../db/api/instances.js';
import type { BlockDeviceMapping, Migration } from '../db/types.js';
import { reviveBlockDeviceMapping, reviveInstance, reviveList, reviveMigration } from '../db/wire.js';
import { nothing, plain, revived } from '../rpc/codec.js';
import { call, cast, defineContract, type Endpoint } from '../rpc/contract.js';
import type { ContractClient } from '../rpc/contract-client.js';
import { errorTable } from '../rpc/error-table.js';
import type { InstanceType, RunInstanceRequest } from '../scheduler/types.js';
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

/** The many actions whose only argument is the instance. */
export interface InstanceRequest {
  instance: InstanceRecord;
}

export interface RebootRequest {
  instance: InstanceRecord;
  block_device_info: unknown;
  reboot_type: 'SOFT' | 'HARD';
}

export interface SoftDeleteRequest {
  instance: InstanceRecord;
  /** Reservation uuids; nova-ts counts quota from rows, so it sends none. */
  reservations: string[] | null;
}

export interface RescueRequest {
  instance: InstanceRecord;
  rescue_password: string;
}

export interface SetAdminPasswordRequest {
  instance: InstanceRecord;
  new_pass: string;
}

export interface ConsoleOutputRequest {
  instance: InstanceRecord;
  /** Lines from the end; null for the whole log. */
  tail_length: number | null;
}

export interface SnapshotRequest {
  instance: InstanceRecord;
  image_id: string;
  image_type: 'snapshot' | 'backup';
  backup_type: string | null;
  rotation: number | null;
}

export interface RebuildInstanceRequest {
  instance: InstanceRecord;
  new_pass: string | null;
  /** (path, contents) pairs. */
  injected_files: [string, string][];
  image_ref: string;
  orig_image_ref: string | null;
  orig_sys_metadata: Record<string, string | null>;
  bdms: BlockDeviceMapping[];
  /** Re-create the guest on this host from another (evacuate) rather than in place. */
  recreate: boolean;
  on_shared_storage: boolean;
  /** Keep the ephemeral disk (accepted at 2.1; drivers that re-create disks honour it). */
  preserve_ephemeral?: boolean;
}

/** Live migration (Grizzly's compute rpcapi): the checks on both hosts, the move, and its two ends. */
export interface LiveMigrationCheckRequest {
  instance: InstanceRecord;
  block_migration: boolean;
  disk_over_commit: boolean;
}

export interface LiveMigrationSourceCheckRequest {
  instance: InstanceRecord;
  dest_check_data: Record<string, unknown>;
}

export interface LiveMigrationRequest {
  instance: InstanceRecord;
  dest: string;
  block_migration: boolean;
  migrate_data: Record<string, unknown> | null;
}

export interface PreLiveMigrationRequest {
  instance: InstanceRecord;
  block_migration: boolean;
  /** The source's disk description for a block migration. */
  disk: string | null;
  migrate_data: Record<string, unknown> | null;
}

export interface PostLiveMigrationRequest {
  instance: InstanceRecord;
  block_migration: boolean;
}

/** Shelving (Havana's compute rpcapi 2.31-2.33). */
export interface ShelveRequest {
  instance: InstanceRecord;
  /** The image the API created for the guest's disk. */
  image_id: string;
}

export interface UnshelveRequest {
  instance: InstanceRecord;
  /** The node the scheduler chose on this host; null to unshelve where the instance is (not offloaded). */
  node: string | null;
}

/** prep_resize, sent to the destination host the scheduler chose. */
export interface PrepResizeRequest {
  instance: InstanceRecord;
  instance_type: InstanceType;
  image: Record<string, unknown> | null;
  node: string | null;
}

/** The resize and migration steps after prep_resize: the instance and its migrations row. */
export interface MigrationRequest {
  instance: InstanceRecord;
  migration: Migration;
}

export interface ResizeInstanceRequest extends MigrationRequest {
  instance_type: InstanceType;
}

export interface FinishResizeRequest extends MigrationRequest {
  /** What the source driver's migrate_disk_and_power_off returned. */
  disk_info: string;
}

function withMigration<T extends MigrationRequest>(wire: { instance: unknown }): T {
  return { ...withInstance<T>(wire), migration: reviveMigration((wire as unknown as { migration: unknown }).migration) };
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
    reboot_instance: cast('2.23', revived<RebootRequest>(withInstance)),
    stop_instance: cast('2.0', revived<InstanceRequest>(withInstance)),
    start_instance: cast('2.0', revived<InstanceRequest>(withInstance)),
    pause_instance: cast('2.0', revived<InstanceRequest>(withInstance)),
    unpause_instance: cast('2.0', revived<InstanceRequest>(withInstance)),
    suspend_instance: cast('2.0', revived<InstanceRequest>(withInstance)),
    resume_instance: cast('2.0', revived<InstanceRequest>(withInstance)),
    rescue_instance: cast('2.0', revived<RescueRequest>(withInstance)),
    unrescue_instance: cast('2.0', revived<InstanceRequest>(withInstance)),
    set_admin_password: call('2.0', revived<SetAdminPasswordRequest>(withInstance), nothing),
    rebuild_instance: cast(
      '2.22',
      revived<RebuildInstanceRequest>((wire) => ({
        ...withInstance<RebuildInstanceRequest>(wire),
        bdms: reviveList(reviveBlockDeviceMapping)((wire as { bdms: unknown }).bdms ?? []),
      })),
    ),
    // Resize and cold migration (Grizzly's compute rpcapi prep_resize … finish_revert_resize).
    prep_resize: cast('2.10', revived<PrepResizeRequest>(withInstance)),
    resize_instance: cast('2.16', revived<ResizeInstanceRequest>(withMigration)),
    finish_resize: cast('2.0', revived<FinishResizeRequest>(withMigration)),
    confirm_resize: cast('2.7', revived<MigrationRequest>(withMigration)),
    revert_resize: cast('2.0', revived<MigrationRequest>(withMigration)),
    finish_revert_resize: cast('2.0', revived<MigrationRequest>(withMigration)),
    snapshot_instance: cast('2.0', revived<SnapshotRequest>(withInstance)),
    inject_network_info: cast('2.0', revived<InstanceRequest>(withInstance)),
    reset_network: cast('2.0', revived<InstanceRequest>(withInstance)),
    /** Deferred delete: the guest is kept (powered off) until the reclaim task or a forceDelete removes it. */
    soft_delete_instance: cast('2.27', revived<SoftDeleteRequest>(withInstance)),
    restore_instance: cast('2.0', revived<InstanceRequest>(withInstance)),
    get_console_output: call('2.0', revived<ConsoleOutputRequest>(withInstance), plain<string>()),
    /** The driver's counters, or null when the guest is not running. */
    get_diagnostics: call('2.0', revived<InstanceRequest>(withInstance), plain<Record<string, number> | null>()),
    /** Whether `port` is the instance's console port of that type (consoleauth's token check). */
    validate_console_port: call('2.26', revived<ValidateConsolePortRequest>(withInstance), plain<boolean>()),
    /** os-hosts: the driver's host-level switches (Grizzly's compute rpcapi 2.0 host methods). */
    set_host_enabled: call('2.0', plain<{ enabled: boolean }>(), plain<'enabled' | 'disabled'>()),
    host_power_action: call('2.0', plain<{ action: 'startup' | 'shutdown' | 'reboot' }>(), plain<string>()),
    host_maintenance_mode: call('2.0', plain<{ host: string; mode: boolean }>(), plain<'on_maintenance' | 'off_maintenance'>()),
    get_host_uptime: call('2.0', plain<Record<string, never>>(), plain<string>()),
    /** A rule of the group changed: the host rebuilds the filters of its members. */
    refresh_security_group_rules: cast('2.0', plain<{ security_group_id: number }>()),
    /** The group's members changed: rules naming it as source admit other addresses now. */
    refresh_security_group_members: cast('2.0', plain<{ security_group_id: number }>()),
    refresh_instance_security_rules: cast('2.4', revived<{ instance: InstanceRecord }>(withInstance)),
    check_can_live_migrate_destination: call('2.0', revived<LiveMigrationCheckRequest>(withInstance), plain<Record<string, unknown>>()),
    check_can_live_migrate_source: call('2.0', revived<LiveMigrationSourceCheckRequest>(withInstance), plain<Record<string, unknown>>()),
    live_migration: cast('2.0', revived<LiveMigrationRequest>(withInstance)),
    pre_live_migration: call('2.21', revived<PreLiveMigrationRequest>(withInstance), nothing),
    post_live_migration_at_destination: call('2.0', revived<PostLiveMigrationRequest>(withInstance), nothing),
    rollback_live_migration_at_destination: cast('2.0', revived<InstanceRequest>(withInstance)),
    shelve_instance: cast('2.27', revived<ShelveRequest>(withInstance)),
    shelve_offload_instance: cast('2.27', revived<InstanceRequest>(withInstance)),
    unshelve_instance: cast('2.27', revived<UnshelveRequest>(withInstance)),
  },
});

export type ComputeContract = typeof computeContract;
export type ComputeClient = ContractClient<ComputeContract>;
export type ComputeEndpoint = Endpoint<ComputeContract>;
