import { NotImplementedError } from './errors.js';
import type { EventListener, LifecycleEvent } from './event.js';
import type { NetworkInfo, VIF } from './network-model.js';
import type {
  AvailableResource,
  BandwidthCounter,
  BlockDeviceInfo,
  ConnectionInfo,
  ConsolePoolInfo,
  DriverCapabilities,
  FlavorSizes,
  HostStats,
  ImageMeta,
  InjectedFile,
  InstanceInfo,
  LiveMigrationCallbacks,
  MigrationRecord,
  RebootType,
  SnapshotCallbacks,
  SpawnExtras,
  SpiceConsole,
  VirtInstance,
  VncConsole,
  VolumeConnector,
  VolumeUsage,
} from './types.js';

export type HostPowerAction = 'startup' | 'shutdown' | 'reboot';

/**
 * What nova-compute asks of a hypervisor (nova/virt/driver.py). Everything is asynchronous
 * and context-free: plain data in, plain data out, typed errors out. An operation a driver
 * cannot do throws NotImplementedError (501). Operations on an instance the hypervisor does
 * not have throw InstanceNotFound, except destroy, which succeeds.
 */
export interface ComputeDriver {
  /** Short name used in messages (`fake`, `libvirt`). */
  readonly driverName: string;
  readonly capabilities: DriverCapabilities;

  // ---- host and lifecycle -------------------------------------------------
  /** Called once when nova-compute starts: connect, recover what the hypervisor holds. */
  initHost(host: string): Promise<void>;
  /** Called when nova-compute stops: let go of connections and listeners; guests keep running. */
  cleanupHost(host: string): Promise<void>;
  /** Power state and sizes of one guest (memory in KiB, cpu_time in ns). */
  getInfo(instance: VirtInstance): Promise<InstanceInfo>;
  getNumInstances(): Promise<number>;
  instanceExists(name: string): Promise<boolean>;
  /** Hypervisor-side names of every guest. */
  listInstances(): Promise<string[]>;
  listInstanceUuids(): Promise<string[]>;
  /** The compute_nodes row of a node, or null if this driver does not manage that node. */
  getAvailableResource(nodename: string): Promise<AvailableResource | null>;
  getAvailableNodes(): Promise<string[]>;
  /** One entry per node; `refresh` re-reads the hypervisor instead of a cached copy. */
  getHostStats(refresh?: boolean): Promise<HostStats[]>;
  getHostIpAddr(): Promise<string>;
  hostPowerAction(host: string, action: HostPowerAction): Promise<string>;
  hostMaintenanceMode(host: string, mode: boolean): Promise<'on_maintenance' | 'off_maintenance'>;
  setHostEnabled(host: string, enabled: boolean): Promise<'enabled' | 'disabled'>;
  getHostUptime(host: string): Promise<string>;
  getPerInstanceUsage(): Promise<Record<string, unknown>>;
  /** Whether the instance's files are visible here (shared storage, for evacuate). */
  instanceOnDisk(instance: VirtInstance): Promise<boolean>;
  /** MAC addresses the hypervisor insists on, or null to let the network service choose. */
  macsForInstance(instance: VirtInstance): Promise<Set<string> | null>;
  getConsolePoolInfo(consoleType: string): Promise<ConsolePoolInfo>;
  manageImageCache(allInstances: readonly VirtInstance[]): Promise<void>;
  registerEventListener(listener: EventListener | null): void;
  emitEvent(event: LifecycleEvent): void;

  // ---- instance operations -------------------------------------------------
  /** Creates and starts a guest; on return it is RUNNING. On failure nothing is left behind. */
  spawn(
    instance: VirtInstance,
    imageMeta: ImageMeta,
    injectedFiles: readonly InjectedFile[],
    adminPassword: string | null,
    networkInfo: NetworkInfo,
    blockDeviceInfo: BlockDeviceInfo | null,
    extras?: SpawnExtras,
  ): Promise<void>;
  /** Powers off and removes a guest; succeeds when the guest does not exist. */
  destroy(
    instance: VirtInstance,
    networkInfo: NetworkInfo,
    blockDeviceInfo?: BlockDeviceInfo | null,
    destroyDisks?: boolean,
  ): Promise<void>;
  /** Ends RUNNING, whatever the guest's power state was. */
  reboot(instance: VirtInstance, networkInfo: NetworkInfo, rebootType: RebootType, blockDeviceInfo?: BlockDeviceInfo | null): Promise<void>;
  /** Uploads the guest's disk into image `imageId`, moving the task to pending-upload then uploading. */
  snapshot(instance: VirtInstance, imageId: string, callbacks: SnapshotCallbacks): Promise<void>;
  pause(instance: VirtInstance): Promise<void>;
  unpause(instance: VirtInstance): Promise<void>;
  suspend(instance: VirtInstance): Promise<void>;
  resume(instance: VirtInstance, networkInfo: NetworkInfo, blockDeviceInfo?: BlockDeviceInfo | null): Promise<void>;
  resumeStateOnHostBoot(instance: VirtInstance, networkInfo: NetworkInfo, blockDeviceInfo?: BlockDeviceInfo | null): Promise<void>;
  powerOff(instance: VirtInstance): Promise<void>;
  powerOn(instance: VirtInstance, networkInfo: NetworkInfo, blockDeviceInfo?: BlockDeviceInfo | null): Promise<void>;
  softDelete(instance: VirtInstance): Promise<void>;
  restore(instance: VirtInstance): Promise<void>;
  /** Boots the rescue image with the guest's own disk attached second; `extras.images` fetches the rescue image. */
  rescue(
    instance: VirtInstance,
    networkInfo: NetworkInfo,
    imageMeta: ImageMeta,
    rescuePassword: string,
    extras?: SpawnExtras,
  ): Promise<void>;
  unrescue(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void>;
  setAdminPassword(instance: VirtInstance, newPassword: string): Promise<void>;
  injectFile(instance: VirtInstance, path: string, contents: Buffer): Promise<void>;
  changeInstanceMetadata(instance: VirtInstance, diff: Record<string, ['+', string] | ['-']>): Promise<void>;
  injectNetworkInfo(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void>;
  resetNetwork(instance: VirtInstance): Promise<void>;
  pollRebootingInstances(timeoutSeconds: number, instances: readonly VirtInstance[]): Promise<void>;

  // ---- consoles and statistics ----------------------------------------------
  getConsoleOutput(instance: VirtInstance): Promise<string>;
  getVncConsole(instance: VirtInstance): Promise<VncConsole>;
  getSpiceConsole(instance: VirtInstance): Promise<SpiceConsole>;
  /** A flat dictionary of counters. */
  getDiagnostics(instance: VirtInstance): Promise<Record<string, number>>;
  getAllBwCounters(instances: readonly VirtInstance[]): Promise<BandwidthCounter[]>;
  getAllVolumeUsage(hostBdms: readonly { instance: VirtInstance; mappings: readonly VolumeMappingRef[] }[]): Promise<VolumeUsage[]>;
  /** `[rd_req, rd_bytes, wr_req, wr_bytes, errs]`. */
  blockStats(instanceName: string, diskId: string): Promise<(number | null)[]>;
  /** `[rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets, tx_errs, tx_drop]`. */
  interfaceStats(instanceName: string, ifaceId: string): Promise<number[]>;

  // ---- resize and cold migration --------------------------------------------
  /** Source side: power off and hand over the disks; returns opaque disk info for finishMigration. */
  migrateDiskAndPowerOff(
    instance: VirtInstance,
    dest: string,
    flavor: FlavorSizes,
    networkInfo: NetworkInfo,
    blockDeviceInfo?: BlockDeviceInfo | null,
  ): Promise<string>;
  /** Destination side: set up the disks at the new size and boot. */
  finishMigration(
    migration: MigrationRecord,
    instance: VirtInstance,
    diskInfo: string,
    networkInfo: NetworkInfo,
    imageMeta: ImageMeta,
    resizeInstance: boolean,
    blockDeviceInfo?: BlockDeviceInfo | null,
  ): Promise<void>;
  /** Source side, after confirm: delete what was kept for a revert. */
  confirmMigration(migration: MigrationRecord, instance: VirtInstance, networkInfo: NetworkInfo): Promise<void>;
  /** Source side, after revert: bring the original guest back and power it on. */
  finishRevertMigration(instance: VirtInstance, networkInfo: NetworkInfo, blockDeviceInfo?: BlockDeviceInfo | null): Promise<void>;

  // ---- live migration --------------------------------------------------------
  checkCanLiveMigrateDestination(
    instance: VirtInstance,
    srcComputeInfo: Record<string, unknown>,
    dstComputeInfo: Record<string, unknown>,
    blockMigration: boolean,
    diskOverCommit: boolean,
  ): Promise<Record<string, unknown>>;
  checkCanLiveMigrateDestinationCleanup(destCheckData: Record<string, unknown>): Promise<void>;
  checkCanLiveMigrateSource(instance: VirtInstance, destCheckData: Record<string, unknown>): Promise<Record<string, unknown>>;
  preLiveMigration(
    instance: VirtInstance,
    blockDeviceInfo: BlockDeviceInfo | null,
    networkInfo: NetworkInfo,
    diskInfo: string | null,
    migrateData: Record<string, unknown> | null,
  ): Promise<void>;
  /** Source side; calls `postMethod` on success or `recoverMethod` on failure. */
  liveMigration(
    instance: VirtInstance,
    dest: string,
    callbacks: LiveMigrationCallbacks,
    blockMigration: boolean,
    migrateData: Record<string, unknown> | null,
  ): Promise<void>;
  postLiveMigrationAtDestination(
    instance: VirtInstance,
    networkInfo: NetworkInfo,
    blockMigration: boolean,
    blockDeviceInfo?: BlockDeviceInfo | null,
  ): Promise<void>;
  getInstanceDiskInfo(instanceName: string): Promise<string | null>;

  // ---- volumes, interfaces, firewall -------------------------------------------
  attachVolume(connectionInfo: ConnectionInfo, instance: VirtInstance, mountpoint: string): Promise<void>;
  detachVolume(connectionInfo: ConnectionInfo, instance: VirtInstance, mountpoint: string): Promise<void>;
  getVolumeConnector(instance: VirtInstance): Promise<VolumeConnector>;
  attachInterface(instance: VirtInstance, imageMeta: ImageMeta, vif: VIF): Promise<void>;
  detachInterface(instance: VirtInstance, vif: VIF): Promise<void>;
  plugVifs(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void>;
  unplugVifs(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void>;
  ensureFilteringRulesForInstance(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void>;
  unfilterInstance(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void>;
  /** Batch firewall changes (init_host with `defer_iptables_apply`). */
  filterDeferApplyOn(): Promise<void>;
  filterDeferApplyOff(): Promise<void>;
  refreshSecurityGroupRules(securityGroupId: number | string): Promise<boolean>;
  refreshSecurityGroupMembers(securityGroupId: number | string): Promise<boolean>;
  refreshInstanceSecurityRules(instance: VirtInstance): Promise<boolean>;
  refreshProviderFwRules(): Promise<void>;

  // ---- aggregates ----------------------------------------------------------------
  addToAggregate(aggregate: Record<string, unknown>, host: string): Promise<void>;
  removeFromAggregate(aggregate: Record<string, unknown>, host: string): Promise<void>;
  undoAggregateOperation(op: string, aggregate: Record<string, unknown>, host: string, setError: boolean): Promise<void>;
}

/** A volume mapping as `getAllVolumeUsage` receives it. */
export interface VolumeMappingRef {
  readonly volume_id: string;
  readonly device_name: string;
}

/**
 * The base every driver extends: operations default to NotImplementedError, except the
 * ones Nova gives a generic meaning (counts from listInstances, no-op hooks, event plumbing).
 */
export abstract class BaseComputeDriver implements ComputeDriver {
  abstract readonly driverName: string;
  readonly capabilities: DriverCapabilities = { has_imagecache: false, supports_recreate: false };
  #listener: EventListener | null = null;

  protected unsupported(method: string): never {
    throw new NotImplementedError(this.driverName, method);
  }

  async initHost(_host: string): Promise<void> {
    this.unsupported('init_host');
  }
  async cleanupHost(_host: string): Promise<void> {}
  async getInfo(_instance: VirtInstance): Promise<InstanceInfo> {
    this.unsupported('get_info');
  }
  async getNumInstances(): Promise<number> {
    return (await this.listInstances()).length;
  }
  async instanceExists(name: string): Promise<boolean> {
    return (await this.listInstances()).includes(name);
  }
  async listInstances(): Promise<string[]> {
    this.unsupported('list_instances');
  }
  async listInstanceUuids(): Promise<string[]> {
    this.unsupported('list_instance_uuids');
  }
  async getAvailableResource(_nodename: string): Promise<AvailableResource | null> {
    this.unsupported('get_available_resource');
  }
  async getAvailableNodes(): Promise<string[]> {
    return (await this.getHostStats(true)).map((s) => s.hypervisor_hostname);
  }
  async getHostStats(_refresh?: boolean): Promise<HostStats[]> {
    this.unsupported('get_host_stats');
  }
  async getHostIpAddr(): Promise<string> {
    this.unsupported('get_host_ip_addr');
  }
  async hostPowerAction(_host: string, _action: HostPowerAction): Promise<string> {
    this.unsupported('host_power_action');
  }
  async hostMaintenanceMode(_host: string, _mode: boolean): Promise<'on_maintenance' | 'off_maintenance'> {
    this.unsupported('host_maintenance_mode');
  }
  async setHostEnabled(_host: string, _enabled: boolean): Promise<'enabled' | 'disabled'> {
    this.unsupported('set_host_enabled');
  }
  async getHostUptime(_host: string): Promise<string> {
    this.unsupported('get_host_uptime');
  }
  async getPerInstanceUsage(): Promise<Record<string, unknown>> {
    return {};
  }
  async instanceOnDisk(_instance: VirtInstance): Promise<boolean> {
    return false;
  }
  async macsForInstance(_instance: VirtInstance): Promise<Set<string> | null> {
    return null;
  }
  async getConsolePoolInfo(_consoleType: string): Promise<ConsolePoolInfo> {
    this.unsupported('get_console_pool_info');
  }
  async manageImageCache(_allInstances: readonly VirtInstance[]): Promise<void> {}
  registerEventListener(listener: EventListener | null): void {
    this.#listener = listener;
  }
  emitEvent(event: LifecycleEvent): void {
    this.#listener?.(event);
  }

  async spawn(
    _instance: VirtInstance,
    _imageMeta: ImageMeta,
    _injectedFiles: readonly InjectedFile[],
    _adminPassword: string | null,
    _networkInfo: NetworkInfo,
    _blockDeviceInfo: BlockDeviceInfo | null,
    _extras?: SpawnExtras,
  ): Promise<void> {
    this.unsupported('spawn');
  }
  async destroy(
    _instance: VirtInstance,
    _networkInfo: NetworkInfo,
    _blockDeviceInfo?: BlockDeviceInfo | null,
    _destroyDisks?: boolean,
  ): Promise<void> {
    this.unsupported('destroy');
  }
  async reboot(
    _instance: VirtInstance,
    _networkInfo: NetworkInfo,
    _rebootType: RebootType,
    _blockDeviceInfo?: BlockDeviceInfo | null,
  ): Promise<void> {
    this.unsupported('reboot');
  }
  async snapshot(_instance: VirtInstance, _imageId: string, _callbacks: SnapshotCallbacks): Promise<void> {
    this.unsupported('snapshot');
  }
  async pause(_instance: VirtInstance): Promise<void> {
    this.unsupported('pause');
  }
  async unpause(_instance: VirtInstance): Promise<void> {
    this.unsupported('unpause');
  }
  async suspend(_instance: VirtInstance): Promise<void> {
    this.unsupported('suspend');
  }
  async resume(_instance: VirtInstance, _networkInfo: NetworkInfo, _blockDeviceInfo?: BlockDeviceInfo | null): Promise<void> {
    this.unsupported('resume');
  }
  async resumeStateOnHostBoot(
    _instance: VirtInstance,
    _networkInfo: NetworkInfo,
    _blockDeviceInfo?: BlockDeviceInfo | null,
  ): Promise<void> {
    this.unsupported('resume_state_on_host_boot');
  }
  async powerOff(_instance: VirtInstance): Promise<void> {
    this.unsupported('power_off');
  }
  async powerOn(_instance: VirtInstance, _networkInfo: NetworkInfo, _blockDeviceInfo?: BlockDeviceInfo | null): Promise<void> {
    this.unsupported('power_on');
  }
  async softDelete(_instance: VirtInstance): Promise<void> {
    this.unsupported('soft_delete');
  }
  async restore(_instance: VirtInstance): Promise<void> {
    this.unsupported('restore');
  }
  async rescue(_instance: VirtInstance, _networkInfo: NetworkInfo, _imageMeta: ImageMeta, _rescuePassword: string): Promise<void> {
    this.unsupported('rescue');
  }
  async unrescue(_instance: VirtInstance, _networkInfo: NetworkInfo): Promise<void> {
    this.unsupported('unrescue');
  }
  async setAdminPassword(_instance: VirtInstance, _newPassword: string): Promise<void> {
    this.unsupported('set_admin_password');
  }
  async injectFile(_instance: VirtInstance, _path: string, _contents: Buffer): Promise<void> {
    this.unsupported('inject_file');
  }
  async changeInstanceMetadata(_instance: VirtInstance, _diff: Record<string, ['+', string] | ['-']>): Promise<void> {}
  async injectNetworkInfo(_instance: VirtInstance, _networkInfo: NetworkInfo): Promise<void> {}
  async resetNetwork(_instance: VirtInstance): Promise<void> {}
  async pollRebootingInstances(_timeoutSeconds: number, _instances: readonly VirtInstance[]): Promise<void> {
    this.unsupported('poll_rebooting_instances');
  }

  async getConsoleOutput(_instance: VirtInstance): Promise<string> {
    this.unsupported('get_console_output');
  }
  async getVncConsole(_instance: VirtInstance): Promise<VncConsole> {
    this.unsupported('get_vnc_console');
  }
  async getSpiceConsole(_instance: VirtInstance): Promise<SpiceConsole> {
    this.unsupported('get_spice_console');
  }
  async getDiagnostics(_instance: VirtInstance): Promise<Record<string, number>> {
    this.unsupported('get_diagnostics');
  }
  async getAllBwCounters(_instances: readonly VirtInstance[]): Promise<BandwidthCounter[]> {
    this.unsupported('get_all_bw_counters');
  }
  async getAllVolumeUsage(_hostBdms: readonly { instance: VirtInstance; mappings: readonly VolumeMappingRef[] }[]): Promise<VolumeUsage[]> {
    this.unsupported('get_all_volume_usage');
  }
  async blockStats(_instanceName: string, _diskId: string): Promise<(number | null)[]> {
    this.unsupported('block_stats');
  }
  async interfaceStats(_instanceName: string, _ifaceId: string): Promise<number[]> {
    this.unsupported('interface_stats');
  }

  async migrateDiskAndPowerOff(
    _instance: VirtInstance,
    _dest: string,
    _flavor: FlavorSizes,
    _networkInfo: NetworkInfo,
    _blockDeviceInfo?: BlockDeviceInfo | null,
  ): Promise<string> {
    this.unsupported('migrate_disk_and_power_off');
  }
  async finishMigration(
    _migration: MigrationRecord,
    _instance: VirtInstance,
    _diskInfo: string,
    _networkInfo: NetworkInfo,
    _imageMeta: ImageMeta,
    _resizeInstance: boolean,
    _blockDeviceInfo?: BlockDeviceInfo | null,
  ): Promise<void> {
    this.unsupported('finish_migration');
  }
  async confirmMigration(_migration: MigrationRecord, _instance: VirtInstance, _networkInfo: NetworkInfo): Promise<void> {
    this.unsupported('confirm_migration');
  }
  async finishRevertMigration(
    _instance: VirtInstance,
    _networkInfo: NetworkInfo,
    _blockDeviceInfo?: BlockDeviceInfo | null,
  ): Promise<void> {
    this.unsupported('finish_revert_migration');
  }

  async checkCanLiveMigrateDestination(
    _instance: VirtInstance,
    _srcComputeInfo: Record<string, unknown>,
    _dstComputeInfo: Record<string, unknown>,
    _blockMigration: boolean,
    _diskOverCommit: boolean,
  ): Promise<Record<string, unknown>> {
    this.unsupported('check_can_live_migrate_destination');
  }
  async checkCanLiveMigrateDestinationCleanup(_destCheckData: Record<string, unknown>): Promise<void> {
    this.unsupported('check_can_live_migrate_destination_cleanup');
  }
  async checkCanLiveMigrateSource(_instance: VirtInstance, _destCheckData: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.unsupported('check_can_live_migrate_source');
  }
  async preLiveMigration(
    _instance: VirtInstance,
    _blockDeviceInfo: BlockDeviceInfo | null,
    _networkInfo: NetworkInfo,
    _diskInfo: string | null,
    _migrateData: Record<string, unknown> | null,
  ): Promise<void> {
    this.unsupported('pre_live_migration');
  }
  async liveMigration(
    _instance: VirtInstance,
    _dest: string,
    _callbacks: LiveMigrationCallbacks,
    _blockMigration: boolean,
    _migrateData: Record<string, unknown> | null,
  ): Promise<void> {
    this.unsupported('live_migration');
  }
  async postLiveMigrationAtDestination(
    _instance: VirtInstance,
    _networkInfo: NetworkInfo,
    _blockMigration: boolean,
    _blockDeviceInfo?: BlockDeviceInfo | null,
  ): Promise<void> {
    this.unsupported('post_live_migration_at_destination');
  }
  async getInstanceDiskInfo(_instanceName: string): Promise<string | null> {
    this.unsupported('get_instance_disk_info');
  }

  async attachVolume(_connectionInfo: ConnectionInfo, _instance: VirtInstance, _mountpoint: string): Promise<void> {
    this.unsupported('attach_volume');
  }
  async detachVolume(_connectionInfo: ConnectionInfo, _instance: VirtInstance, _mountpoint: string): Promise<void> {
    this.unsupported('detach_volume');
  }
  async getVolumeConnector(_instance: VirtInstance): Promise<VolumeConnector> {
    this.unsupported('get_volume_connector');
  }
  async attachInterface(_instance: VirtInstance, _imageMeta: ImageMeta, _vif: VIF): Promise<void> {
    this.unsupported('attach_interface');
  }
  async detachInterface(_instance: VirtInstance, _vif: VIF): Promise<void> {
    this.unsupported('detach_interface');
  }
  async plugVifs(_instance: VirtInstance, _networkInfo: NetworkInfo): Promise<void> {
    this.unsupported('plug_vifs');
  }
  async unplugVifs(_instance: VirtInstance, _networkInfo: NetworkInfo): Promise<void> {
    this.unsupported('unplug_vifs');
  }
  async ensureFilteringRulesForInstance(_instance: VirtInstance, _networkInfo: NetworkInfo): Promise<void> {
    this.unsupported('ensure_filtering_rules_for_instance');
  }
  async unfilterInstance(_instance: VirtInstance, _networkInfo: NetworkInfo): Promise<void> {
    this.unsupported('unfilter_instance');
  }
  async filterDeferApplyOn(): Promise<void> {}
  async filterDeferApplyOff(): Promise<void> {}
  async refreshSecurityGroupRules(_securityGroupId: number | string): Promise<boolean> {
    this.unsupported('refresh_security_group_rules');
  }
  async refreshSecurityGroupMembers(_securityGroupId: number | string): Promise<boolean> {
    this.unsupported('refresh_security_group_members');
  }
  async refreshInstanceSecurityRules(_instance: VirtInstance): Promise<boolean> {
    this.unsupported('refresh_instance_security_rules');
  }
  async refreshProviderFwRules(): Promise<void> {
    this.unsupported('refresh_provider_fw_rules');
  }

  async addToAggregate(_aggregate: Record<string, unknown>, _host: string): Promise<void> {
    this.unsupported('add_to_aggregate');
  }
  async removeFromAggregate(_aggregate: Record<string, unknown>, _host: string): Promise<void> {
    this.unsupported('remove_from_aggregate');
  }
  async undoAggregateOperation(_op: string, _aggregate: Record<string, unknown>, _host: string, _setError: boolean): Promise<void> {
    this.unsupported('undo_aggregate_operation');
  }
}
