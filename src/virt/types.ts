import type { Readable } from 'node:stream';
import type { PowerState } from '../common/states/power-state.js';
import type { TaskState } from '../common/states/task-states.js';

/**
 * Plain data a driver receives and returns. A driver sees the instance as a snapshot of its
 * record with the flavor's sizes folded in; it never reads or writes the database.
 */
export interface VirtInstance {
  readonly uuid: string;
  /** The database id (names the instance's firewall chain); absent where a caller has none. */
  readonly id?: number | null;
  /** The hypervisor-side name, `instance_name_template` applied to the id (`instance-0000002a`). */
  readonly name: string;
  readonly memory_mb: number;
  readonly vcpus: number;
  readonly root_gb: number;
  readonly ephemeral_gb: number;
  readonly display_name?: string | null;
  readonly hostname?: string | null;
  readonly host?: string | null;
  readonly node?: string | null;
  readonly project_id?: string | null;
  readonly user_id?: string | null;
  readonly image_ref?: string | null;
  readonly kernel_id?: string | null;
  readonly ramdisk_id?: string | null;
  readonly key_data?: string | null;
  readonly user_data?: string | null;
  readonly config_drive?: string | null;
  readonly os_type?: string | null;
  readonly architecture?: string | null;
  readonly instance_type_id?: number | null;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly system_metadata?: Readonly<Record<string, string>>;
  readonly power_state?: PowerState | null;
}

/** Image metadata as the image service reports it; `properties` are the image's own key/values. */
export interface ImageMeta {
  readonly id?: string;
  readonly name?: string;
  readonly disk_format?: string | null;
  readonly container_format?: string | null;
  readonly size?: number | null;
  readonly min_ram?: number;
  readonly min_disk?: number;
  readonly status?: string;
  readonly properties?: Readonly<Record<string, string>>;
}

/**
 * Where a driver reads images from. The compute manager binds it to the request that asked
 * (the caller's credentials), so the driver itself stays free of contexts and tokens.
 */
export interface ImageSource {
  show(imageId: string): Promise<ImageMeta & { readonly checksum?: string | null }>;
  download(imageId: string): Promise<Readable>;
}

/** The files of a config drive by their path inside it (`openstack/latest/meta_data.json`). */
export interface ConfigDriveContents {
  readonly files: ReadonlyMap<string, Buffer>;
}

/** What spawn and rescue may need beyond Grizzly's arguments. */
export interface SpawnExtras {
  /** Where to fetch images that are not cached yet; a driver may also have its own. */
  readonly images?: ImageSource;
  /** Attach a config drive with these contents (the metadata service decides what goes in). */
  readonly configDrive?: ConfigDriveContents | null;
}

/** One personality file: where it goes in the guest and its (already decoded) bytes. */
export interface InjectedFile {
  readonly path: string;
  readonly contents: Buffer;
}

export interface EphemeralDisk {
  readonly num: number;
  readonly virtual_name: string;
  readonly device_name: string;
  readonly size: number;
}

/** What a volume driver needs to reach a volume: `driver_volume_type` selects the connector. */
export interface ConnectionInfo {
  readonly driver_volume_type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly serial?: string;
}

export interface VolumeMapping {
  readonly connection_info: ConnectionInfo;
  readonly mount_device: string;
  readonly delete_on_termination: boolean;
}

export interface BlockDeviceInfo {
  readonly root_device_name: string | null;
  readonly ephemerals: readonly EphemeralDisk[];
  readonly block_device_mapping: readonly VolumeMapping[];
  readonly swap: { readonly device_name: string; readonly swap_size: number } | null;
}

export const EMPTY_BLOCK_DEVICE_INFO: BlockDeviceInfo = { root_device_name: null, ephemerals: [], block_device_mapping: [], swap: null };

/** A swap entry is usable when it names a device and has a size. */
export function swapIsUsable(swap: BlockDeviceInfo['swap']): boolean {
  return !!swap && !!swap.device_name && swap.swap_size > 0;
}

/** `get_info`: memory in KiB, cpu_time in nanoseconds. */
export interface InstanceInfo {
  readonly state: PowerState;
  readonly max_mem: number;
  readonly mem: number;
  readonly num_cpu: number;
  readonly cpu_time: number;
  readonly id?: number | string;
}

/** What the resource tracker writes into the node's `compute_nodes` row. */
export interface AvailableResource {
  readonly vcpus: number;
  readonly memory_mb: number;
  readonly local_gb: number;
  readonly vcpus_used: number;
  readonly memory_mb_used: number;
  readonly local_gb_used: number;
  readonly hypervisor_type: string;
  readonly hypervisor_version: number;
  readonly hypervisor_hostname: string;
  /** JSON text (libvirt's shape: arch, model, vendor, topology, features). */
  readonly cpu_info: string;
  readonly disk_available_least: number | null;
}

/** Host statistics published to the schedulers; drivers add their own keys. */
export interface HostStats {
  readonly hypervisor_hostname: string;
  readonly [key: string]: unknown;
}

export interface VncConsole {
  readonly host: string;
  readonly port: number;
  readonly internal_access_path: string | null;
}

export interface SpiceConsole extends VncConsole {
  readonly tlsPort: number | null;
}

export interface ConsolePoolInfo {
  readonly address: string;
  readonly username: string;
  readonly password: string;
}

export interface VolumeConnector {
  readonly ip: string;
  readonly initiator: string;
  readonly host: string;
  readonly wwnns?: readonly string[];
  readonly wwpns?: readonly string[];
}

/** The flavor a resize moves to. */
export interface FlavorSizes {
  readonly name?: string;
  readonly flavorid?: string;
  readonly memory_mb: number;
  readonly vcpus: number;
  readonly root_gb: number;
  readonly ephemeral_gb: number;
  readonly swap?: number;
}

export interface MigrationRecord {
  readonly id?: number;
  readonly source_compute: string | null;
  readonly dest_compute: string | null;
  readonly source_node?: string | null;
  readonly dest_node?: string | null;
  readonly dest_host?: string | null;
  readonly status?: string;
}

/** Lets a driver move the instance's task_state along while it snapshots (compare-and-swap). */
export type UpdateTaskState = (taskState: TaskState, expectedState?: TaskState) => Promise<void>;

/** Uploads the snapshot's disk into the image the API created beforehand (a real disk is streamed). */
export type UploadImage = (meta: { disk_format: string; container_format: string }, data: Buffer | Readable) => Promise<void>;

export interface SnapshotCallbacks {
  readonly updateTaskState: UpdateTaskState;
  readonly upload: UploadImage;
}

export type RebootType = 'SOFT' | 'HARD';

export interface DriverCapabilities {
  /** Enables the image cache manager periodic task. */
  readonly has_imagecache: boolean;
  /** Can rebuild an instance on another host from shared storage (evacuate). */
  readonly supports_recreate: boolean;
}

/** Live-migration callbacks the compute manager hands the source driver. */
export interface LiveMigrationCallbacks {
  readonly postMethod: (
    instance: VirtInstance,
    dest: string,
    blockMigration: boolean,
    migrateData: Record<string, unknown> | null,
  ) => Promise<void>;
  readonly recoverMethod: (instance: VirtInstance, dest: string, blockMigration: boolean) => Promise<void>;
}

export interface BandwidthCounter {
  readonly uuid: string;
  readonly mac_address: string;
  readonly bw_in: number;
  readonly bw_out: number;
}

export interface VolumeUsage {
  readonly volume: string;
  readonly instance: string;
  readonly rd_req: number;
  readonly rd_bytes: number;
  readonly wr_req: number;
  readonly wr_bytes: number;
  readonly flush_operations: number;
}
