import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceExists, InstanceNotFound } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import { PowerState } from '../../common/states/power-state.js';
import { TaskState } from '../../common/states/task-states.js';
import { BaseComputeDriver, type HostPowerAction, type VolumeMappingRef } from '../driver.js';
import {
  DevicePathInUse,
  DiskNotFound,
  InstanceNotInRescueMode,
  InstanceNotRescuable,
  InstanceNotRunning,
  InstanceResumeFailure,
  InstanceSuspendFailure,
  InstanceUnpauseFailure,
  InterfaceAttachFailed,
  InterfaceDetachFailed,
} from '../errors.js';
import { LifecycleTransition, lifecycleEvent } from '../event.js';
import { fixedIps, type NetworkInfo, type VIF } from '../network-model.js';
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
} from '../types.js';
import type { FakeDriverOptions, FakeOperation } from './opts.js';

const log = getLogger('nova.virt.fake');

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const FIRST_DISPLAY_PORT = 5900;

/** One guest as the fake hypervisor holds it. */
interface FakeGuest {
  uuid: string;
  name: string;
  node: string;
  sizes: { memory_mb: number; vcpus: number; root_gb: number; ephemeral_gb: number };
  imageRef: string | null;
  state: PowerState;
  rescued: boolean;
  /** Wall-clock ms when it last entered RUNNING; null when not running. */
  runningSince: number | null;
  /** CPU time accumulated in earlier RUNNING periods, ns. */
  cpuTimeNs: number;
  console: string[];
  vifs: Map<string, VIF>;
  mounts: Map<string, ConnectionInfo>;
  files: Map<string, Buffer>;
  /** The config drive's files, when spawn was given one. */
  configDrive: ReadonlyMap<string, Buffer> | null;
  adminPassword: string | null;
  display: number;
}

/**
 * An in-memory hypervisor whose guests really change state: spawn makes a RUNNING guest,
 * power_off a SHUTDOWN one, pause a PAUSED one, and get_info, resources, console output and
 * diagnostics are read from what it holds. Delays imitate a slow hypervisor.
 */
export class FakeDriver extends BaseComputeDriver {
  readonly driverName = 'fake';
  override readonly capabilities: DriverCapabilities = { has_imagecache: true, supports_recreate: true };
  readonly options: FakeDriverOptions;

  #guests = new Map<string, FakeGuest>();
  /** Guests handed over by migrateDiskAndPowerOff, kept until the resize is confirmed or reverted. */
  #resizeSources = new Map<string, FakeGuest>();
  #filtered = new Set<string>();
  #displays = new Set<number>();
  #hostUuids = new Map<string, string>();
  #maintenance = false;
  readonly #powerActions: { host: string; action: HostPowerAction }[] = [];
  #enabled = true;
  #started = Date.now();
  #initializedHost: string | null = null;

  constructor(options: FakeDriverOptions) {
    super();
    if (options.nodes.length === 0) throw new TypeError('the fake driver needs at least one node');
    this.options = options;
    for (const node of options.nodes) this.#hostUuids.set(node, randomUUID());
  }

  /** The host nova-compute called initHost with, if it has. */
  get initializedHost(): string | null {
    return this.#initializedHost;
  }

  async #delay(op: FakeOperation): Promise<void> {
    const ms = this.options.delaysMs[op];
    if (ms && ms > 0) await sleep(ms);
  }

  #guest(instance: Pick<VirtInstance, 'name' | 'uuid'>): FakeGuest {
    const guest = this.#guests.get(instance.name);
    if (!guest) throw new InstanceNotFound(`Instance ${instance.uuid} could not be found.`, { kwargs: { instance_id: instance.uuid } });
    return guest;
  }

  #guestByName(name: string): FakeGuest {
    const guest = this.#guests.get(name);
    if (!guest) throw new InstanceNotFound(`Instance ${name} could not be found.`, { kwargs: { instance_id: name } });
    return guest;
  }

  #setState(guest: FakeGuest, state: PowerState, line: string): void {
    const now = Date.now();
    if (guest.runningSince !== null) guest.cpuTimeNs += (now - guest.runningSince) * 1e6;
    guest.runningSince = state === PowerState.RUNNING ? now : null;
    const previous = guest.state;
    guest.state = state;
    guest.console.push(`[${((now - this.#started) / 1000).toFixed(6)}] ${line}`);
    const transition = lifecycleTransitionFor(previous, state);
    if (transition !== null) this.emitEvent(lifecycleEvent(guest.uuid, transition, now));
  }

  #newGuest(instance: VirtInstance, networkInfo: NetworkInfo): FakeGuest {
    let display = 0;
    while (this.#displays.has(display)) display++;
    this.#displays.add(display);
    return {
      uuid: instance.uuid,
      name: instance.name,
      node: instance.node ?? (this.options.nodes[0] as string),
      sizes: { memory_mb: instance.memory_mb, vcpus: instance.vcpus, root_gb: instance.root_gb, ephemeral_gb: instance.ephemeral_gb },
      imageRef: instance.image_ref ?? null,
      state: PowerState.NOSTATE,
      rescued: false,
      runningSince: null,
      cpuTimeNs: 0,
      console: [],
      vifs: new Map(networkInfo.map((v) => [v.id, v])),
      mounts: new Map(),
      files: new Map(),
      configDrive: null,
      adminPassword: null,
      display,
    };
  }

  #boot(guest: FakeGuest, instance: VirtInstance): void {
    this.#setState(guest, PowerState.RUNNING, `Booting ${guest.name} (${guest.uuid}) from image ${guest.imageRef ?? 'volume'}`);
    guest.console.push(`Memory: ${guest.sizes.memory_mb}MB, CPUs: ${guest.sizes.vcpus}`);
    let index = 0;
    for (const vif of guest.vifs.values()) {
      const addresses = fixedIps(vif).map((ip) => ip.address);
      guest.console.push(`eth${index++}: ${vif.address} ${addresses.join(' ') || 'no address'}`);
    }
    guest.console.push(`${instance.hostname ?? guest.name} login:`);
  }

  #forget(guest: FakeGuest): void {
    this.#guests.delete(guest.name);
    this.#displays.delete(guest.display);
    this.#filtered.delete(guest.name);
  }

  // ---- host -------------------------------------------------------------------------

  override async initHost(host: string): Promise<void> {
    this.#initializedHost = host;
  }

  override async getInfo(instance: VirtInstance): Promise<InstanceInfo> {
    const guest = this.#guest(instance);
    const now = Date.now();
    const running = guest.runningSince !== null ? (now - guest.runningSince) * 1e6 : 0;
    const maxMem = guest.sizes.memory_mb * 1024;
    return {
      state: guest.state,
      max_mem: maxMem,
      mem: guest.state === PowerState.SHUTDOWN || guest.state === PowerState.SUSPENDED ? 0 : maxMem,
      num_cpu: guest.sizes.vcpus,
      cpu_time: Math.round(guest.cpuTimeNs + running),
    };
  }

  override async listInstances(): Promise<string[]> {
    return [...this.#guests.keys()];
  }

  override async listInstanceUuids(): Promise<string[]> {
    return [...this.#guests.values()].map((g) => g.uuid);
  }

  #guestsOn(node: string): FakeGuest[] {
    return [...this.#guests.values()].filter((g) => g.node === node);
  }

  #usage(node: string): { vcpus: number; memory_mb: number; local_gb: number } {
    const usage = { vcpus: 0, memory_mb: 0, local_gb: 0 };
    for (const g of this.#guestsOn(node)) {
      usage.vcpus += g.sizes.vcpus;
      usage.memory_mb += g.sizes.memory_mb;
      usage.local_gb += g.sizes.root_gb + g.sizes.ephemeral_gb;
    }
    return usage;
  }

  override async getAvailableResource(nodename: string): Promise<AvailableResource | null> {
    if (!this.options.nodes.includes(nodename)) return null;
    const used = this.#usage(nodename);
    const { vcpus, memoryMb, localGb } = this.options;
    return {
      vcpus,
      memory_mb: memoryMb,
      local_gb: localGb,
      vcpus_used: used.vcpus,
      memory_mb_used: used.memory_mb,
      local_gb_used: used.local_gb,
      hypervisor_type: 'fake',
      hypervisor_version: 1000000,
      hypervisor_hostname: nodename,
      cpu_info: JSON.stringify({
        arch: 'x86_64',
        model: 'fake',
        vendor: 'fake',
        topology: { sockets: 1, cores: vcpus, threads: 1 },
        features: [],
      }),
      disk_available_least: localGb - used.local_gb,
    };
  }

  override async getAvailableNodes(): Promise<string[]> {
    return [...this.options.nodes];
  }

  override async getHostStats(_refresh?: boolean): Promise<HostStats[]> {
    const { memoryMb, localGb, vcpus, hostIp } = this.options;
    return this.options.nodes.map((node) => {
      const used = this.#usage(node);
      return {
        hypervisor_hostname: node,
        'host_name-description': 'Fake Host',
        host_hostname: node,
        host_name_label: node,
        host_uuid: this.#hostUuids.get(node) as string,
        host_ip_address: hostIp,
        host_memory_total: memoryMb * MiB,
        host_memory_overhead: 0,
        host_memory_free: (memoryMb - used.memory_mb) * MiB,
        host_memory_free_computed: (memoryMb - used.memory_mb) * MiB,
        host_other_config: {},
        host_cpu_info: { cpu_count: vcpus },
        disk_total: localGb * GiB,
        disk_used: used.local_gb * GiB,
        disk_available: (localGb - used.local_gb) * GiB,
        hypervisor_type: 'fake',
        hypervisor_version: 1000000,
        vcpus,
        vcpus_used: used.vcpus,
        // Images that name an architecture (EC2 bundles always do) must find a host.
        supported_instances: [
          ['x86_64', 'fake', 'hvm'],
          ['i686', 'fake', 'hvm'],
        ],
      };
    });
  }

  override async getHostIpAddr(): Promise<string> {
    return this.options.hostIp;
  }

  override async hostPowerAction(host: string, action: HostPowerAction): Promise<string> {
    this.#powerActions.push({ host, action });
    return action;
  }

  /** Every host power action asked of this driver, oldest first (no host is really switched). */
  get powerActions(): readonly { host: string; action: HostPowerAction }[] {
    return this.#powerActions;
  }

  override async hostMaintenanceMode(_host: string, mode: boolean): Promise<'on_maintenance' | 'off_maintenance'> {
    this.#maintenance = mode;
    return mode ? 'on_maintenance' : 'off_maintenance';
  }

  override async setHostEnabled(_host: string, enabled: boolean): Promise<'enabled' | 'disabled'> {
    this.#enabled = enabled;
    return enabled ? 'enabled' : 'disabled';
  }

  /** Whether the host was put into maintenance mode / is enabled, as last told. */
  get hostMode(): { maintenance: boolean; enabled: boolean } {
    return { maintenance: this.#maintenance, enabled: this.#enabled };
  }

  override async getHostUptime(_host: string): Promise<string> {
    const now = new Date();
    const up = Math.floor((now.getTime() - this.#started) / 60000);
    const clock = now.toISOString().slice(11, 19);
    return ` ${clock} up ${Math.floor(up / 60)}:${String(up % 60).padStart(2, '0')},  0 users,  load average: 0.00, 0.00, 0.00`;
  }

  override async getConsolePoolInfo(_consoleType: string): Promise<ConsolePoolInfo> {
    return { address: this.options.hostIp, username: 'fakeuser', password: 'fakepassword' };
  }

  // ---- instance lifecycle ---------------------------------------------------------------

  override async spawn(
    instance: VirtInstance,
    _imageMeta: ImageMeta,
    injectedFiles: readonly InjectedFile[],
    adminPassword: string | null,
    networkInfo: NetworkInfo,
    blockDeviceInfo: BlockDeviceInfo | null,
    extras: SpawnExtras = {},
  ): Promise<void> {
    if (this.#guests.has(instance.name))
      throw new InstanceExists(`Instance ${instance.name} already exists.`, { kwargs: { name: instance.name } });
    await this.#delay('spawn');
    if (this.#guests.has(instance.name))
      throw new InstanceExists(`Instance ${instance.name} already exists.`, { kwargs: { name: instance.name } });
    const guest = this.#newGuest(instance, networkInfo);
    for (const file of injectedFiles) guest.files.set(file.path, file.contents);
    guest.adminPassword = adminPassword;
    guest.configDrive = extras.configDrive?.files ?? null;
    for (const bdm of blockDeviceInfo?.block_device_mapping ?? []) guest.mounts.set(bdm.mount_device, bdm.connection_info);
    this.#guests.set(guest.name, guest);
    this.#boot(guest, instance);
  }

  override async destroy(
    instance: VirtInstance,
    _networkInfo: NetworkInfo,
    _blockDeviceInfo?: BlockDeviceInfo | null,
    _destroyDisks = true,
  ): Promise<void> {
    await this.#delay('destroy');
    const guest = this.#guests.get(instance.name);
    if (!guest) {
      log.warn({ instance_uuid: instance.uuid }, 'destroy: instance not on the hypervisor, nothing to do');
      return;
    }
    this.#setState(guest, PowerState.SHUTDOWN, 'Power down.');
    this.#forget(guest);
  }

  override async reboot(
    instance: VirtInstance,
    _networkInfo: NetworkInfo,
    rebootType: RebootType,
    _blockDeviceInfo?: BlockDeviceInfo | null,
  ): Promise<void> {
    this.#guest(instance);
    await this.#delay('reboot');
    const guest = this.#guest(instance);
    this.#setState(guest, PowerState.SHUTDOWN, rebootType === 'HARD' ? 'Hard reset.' : 'Restarting system.');
    this.#boot(guest, instance);
  }

  override async powerOff(instance: VirtInstance): Promise<void> {
    this.#guest(instance);
    await this.#delay('power_off');
    const guest = this.#guest(instance);
    if (guest.state !== PowerState.SHUTDOWN) this.#setState(guest, PowerState.SHUTDOWN, 'reboot: Power down');
  }

  override async powerOn(instance: VirtInstance, _networkInfo: NetworkInfo, _blockDeviceInfo?: BlockDeviceInfo | null): Promise<void> {
    this.#guest(instance);
    await this.#delay('power_on');
    const guest = this.#guest(instance);
    if (guest.state !== PowerState.RUNNING) this.#boot(guest, instance);
  }

  override async pause(instance: VirtInstance): Promise<void> {
    this.#guest(instance);
    await this.#delay('pause');
    const guest = this.#guest(instance);
    if (guest.state !== PowerState.RUNNING) throw new InstanceNotRunning(instance.uuid);
    this.#setState(guest, PowerState.PAUSED, 'Guest paused.');
  }

  override async unpause(instance: VirtInstance): Promise<void> {
    this.#guest(instance);
    await this.#delay('unpause');
    const guest = this.#guest(instance);
    if (guest.state !== PowerState.PAUSED) throw new InstanceUnpauseFailure(`instance ${instance.uuid} is not paused`);
    this.#setState(guest, PowerState.RUNNING, 'Guest resumed.');
  }

  override async suspend(instance: VirtInstance): Promise<void> {
    this.#guest(instance);
    await this.#delay('suspend');
    const guest = this.#guest(instance);
    if (guest.state !== PowerState.RUNNING && guest.state !== PowerState.PAUSED) {
      throw new InstanceSuspendFailure(`instance ${instance.uuid} is neither running nor paused`);
    }
    this.#setState(guest, PowerState.SUSPENDED, 'Guest state saved to disk.');
  }

  override async resume(instance: VirtInstance, _networkInfo: NetworkInfo, _blockDeviceInfo?: BlockDeviceInfo | null): Promise<void> {
    this.#guest(instance);
    await this.#delay('resume');
    const guest = this.#guest(instance);
    if (guest.state !== PowerState.SUSPENDED) throw new InstanceResumeFailure(`instance ${instance.uuid} is not suspended`);
    this.#setState(guest, PowerState.RUNNING, 'Guest state restored from disk.');
  }

  override async resumeStateOnHostBoot(
    instance: VirtInstance,
    _networkInfo: NetworkInfo,
    _blockDeviceInfo?: BlockDeviceInfo | null,
  ): Promise<void> {
    const guest = this.#guest(instance);
    if (guest.state !== PowerState.RUNNING) this.#boot(guest, instance);
  }

  override async softDelete(instance: VirtInstance): Promise<void> {
    const guest = this.#guest(instance);
    if (guest.state !== PowerState.SHUTDOWN) this.#setState(guest, PowerState.SHUTDOWN, 'Power down (soft delete).');
  }

  override async restore(instance: VirtInstance): Promise<void> {
    const guest = this.#guest(instance);
    if (guest.state !== PowerState.RUNNING) this.#boot(guest, instance);
  }

  override async rescue(instance: VirtInstance, _networkInfo: NetworkInfo, imageMeta: ImageMeta, rescuePassword: string): Promise<void> {
    this.#guest(instance);
    await this.#delay('rescue');
    const guest = this.#guest(instance);
    if (guest.rescued) throw new InstanceNotRescuable(instance.uuid, 'it is already in rescue mode');
    guest.rescued = true;
    guest.adminPassword = rescuePassword;
    if (guest.state !== PowerState.SHUTDOWN) this.#setState(guest, PowerState.SHUTDOWN, 'Power down for rescue.');
    this.#setState(guest, PowerState.RUNNING, `Booting rescue image ${imageMeta.id ?? guest.imageRef ?? 'unknown'}`);
  }

  override async unrescue(instance: VirtInstance, _networkInfo: NetworkInfo): Promise<void> {
    this.#guest(instance);
    await this.#delay('unrescue');
    const guest = this.#guest(instance);
    if (!guest.rescued) throw new InstanceNotInRescueMode(instance.uuid);
    guest.rescued = false;
    this.#setState(guest, PowerState.SHUTDOWN, 'Leaving rescue mode.');
    this.#boot(guest, instance);
  }

  /** Whether the guest is booted from its rescue image (test and diagnostics aid). */
  isRescued(instance: Pick<VirtInstance, 'name' | 'uuid'>): boolean {
    return this.#guest(instance).rescued;
  }

  override async setAdminPassword(instance: VirtInstance, newPassword: string): Promise<void> {
    this.#guest(instance);
    await this.#delay('set_admin_password');
    const guest = this.#guest(instance);
    if (guest.state !== PowerState.RUNNING) throw new InstanceNotRunning(instance.uuid);
    guest.adminPassword = newPassword;
  }

  /** The admin password the guest was last given (test aid). */
  adminPassword(instance: Pick<VirtInstance, 'name' | 'uuid'>): string | null {
    return this.#guest(instance).adminPassword;
  }

  override async injectFile(instance: VirtInstance, path: string, contents: Buffer): Promise<void> {
    this.#guest(instance).files.set(path, contents);
  }

  /** The config drive a guest was spawned with, by path inside the drive (test aid). */
  configDriveFiles(instance: Pick<VirtInstance, 'name' | 'uuid'>): ReadonlyMap<string, Buffer> | null {
    return this.#guest(instance).configDrive;
  }

  /** Files injected at spawn or later, by path (test aid). */
  injectedFiles(instance: Pick<VirtInstance, 'name' | 'uuid'>): ReadonlyMap<string, Buffer> {
    return this.#guest(instance).files;
  }

  override async pollRebootingInstances(_timeoutSeconds: number, _instances: readonly VirtInstance[]): Promise<void> {
    // Reboots here finish before the call returns, so none is ever left hanging.
  }

  override async snapshot(instance: VirtInstance, imageId: string, callbacks: SnapshotCallbacks): Promise<void> {
    this.#guest(instance);
    await callbacks.updateTaskState(TaskState.IMAGE_PENDING_UPLOAD);
    await this.#delay('snapshot');
    const guest = this.#guest(instance);
    await callbacks.updateTaskState(TaskState.IMAGE_UPLOADING, TaskState.IMAGE_PENDING_UPLOAD);
    const disk = Buffer.from(
      JSON.stringify({
        format: 'nova-ts-fake-disk',
        image_id: imageId,
        instance_uuid: guest.uuid,
        source_image: guest.imageRef,
        files: [...guest.files.keys()],
      }),
    );
    await callbacks.upload({ disk_format: 'raw', container_format: 'bare' }, disk);
  }

  // ---- consoles and statistics -----------------------------------------------------------

  override async getConsoleOutput(instance: VirtInstance): Promise<string> {
    return `${this.#guest(instance).console.join('\n')}\n`;
  }

  override async getVncConsole(instance: VirtInstance): Promise<VncConsole> {
    const guest = this.#guest(instance);
    return { host: this.options.hostIp, port: FIRST_DISPLAY_PORT + guest.display, internal_access_path: null };
  }

  override async getSpiceConsole(instance: VirtInstance): Promise<SpiceConsole> {
    const guest = this.#guest(instance);
    return { host: this.options.hostIp, port: FIRST_DISPLAY_PORT + guest.display, tlsPort: null, internal_access_path: null };
  }

  override async getDiagnostics(instance: VirtInstance): Promise<Record<string, number>> {
    const guest = this.#guest(instance);
    const info = await this.getInfo(instance);
    const diagnostics: Record<string, number> = {};
    for (let cpu = 0; cpu < guest.sizes.vcpus; cpu++) diagnostics[`cpu${cpu}_time`] = Math.round(info.cpu_time / guest.sizes.vcpus);
    diagnostics.memory = info.max_mem;
    diagnostics['memory-actual'] = info.mem;
    Object.assign(diagnostics, { vda_read: 0, vda_read_req: 0, vda_write: 0, vda_write_req: 0, vda_errors: -1 });
    for (const vif of guest.vifs.values()) {
      const dev = vif.devname ?? `tap${vif.id.slice(0, 11)}`;
      for (const counter of ['rx', 'rx_packets', 'rx_errors', 'rx_drop', 'tx', 'tx_packets', 'tx_errors', 'tx_drop'])
        diagnostics[`${dev}_${counter}`] = 0;
    }
    return diagnostics;
  }

  override async getAllBwCounters(instances: readonly VirtInstance[]): Promise<BandwidthCounter[]> {
    const counters: BandwidthCounter[] = [];
    for (const instance of instances) {
      const guest = this.#guests.get(instance.name);
      for (const vif of guest?.vifs.values() ?? []) counters.push({ uuid: instance.uuid, mac_address: vif.address, bw_in: 0, bw_out: 0 });
    }
    return counters;
  }

  override async getAllVolumeUsage(
    hostBdms: readonly { instance: VirtInstance; mappings: readonly VolumeMappingRef[] }[],
  ): Promise<VolumeUsage[]> {
    return hostBdms.flatMap(({ instance, mappings }) =>
      this.#guests.has(instance.name)
        ? mappings.map((m) => ({
            volume: m.volume_id,
            instance: instance.uuid,
            rd_req: 0,
            rd_bytes: 0,
            wr_req: 0,
            wr_bytes: 0,
            flush_operations: 0,
          }))
        : [],
    );
  }

  override async blockStats(instanceName: string, _diskId: string): Promise<(number | null)[]> {
    this.#guestByName(instanceName);
    return [0, 0, 0, 0, null];
  }

  override async interfaceStats(instanceName: string, _ifaceId: string): Promise<number[]> {
    this.#guestByName(instanceName);
    return [0, 0, 0, 0, 0, 0, 0, 0];
  }

  // ---- resize and migration --------------------------------------------------------------

  #diskInfo(guest: FakeGuest): string {
    const disks = [
      {
        type: 'raw',
        path: `fake/${guest.name}/disk`,
        virt_disk_size: guest.sizes.root_gb * GiB,
        backing_file: '',
        disk_size: guest.sizes.root_gb * GiB,
      },
    ];
    if (guest.sizes.ephemeral_gb > 0) {
      disks.push({
        type: 'raw',
        path: `fake/${guest.name}/disk.local`,
        virt_disk_size: guest.sizes.ephemeral_gb * GiB,
        backing_file: '',
        disk_size: guest.sizes.ephemeral_gb * GiB,
      });
    }
    return JSON.stringify(disks.map((d) => ({ ...d, over_committed_disk_size: 0 })));
  }

  override async migrateDiskAndPowerOff(
    instance: VirtInstance,
    _dest: string,
    _flavor: FlavorSizes,
    _networkInfo: NetworkInfo,
    _blockDeviceInfo?: BlockDeviceInfo | null,
  ): Promise<string> {
    this.#guest(instance);
    await this.#delay('migrate_disk_and_power_off');
    const guest = this.#guest(instance);
    if (guest.state !== PowerState.SHUTDOWN) this.#setState(guest, PowerState.SHUTDOWN, 'Power down for migration.');
    const diskInfo = this.#diskInfo(guest);
    this.#forget(guest);
    this.#resizeSources.set(guest.name, guest);
    return diskInfo;
  }

  override async finishMigration(
    _migration: MigrationRecord,
    instance: VirtInstance,
    _diskInfo: string,
    networkInfo: NetworkInfo,
    _imageMeta: ImageMeta,
    _resizeInstance: boolean,
    _blockDeviceInfo?: BlockDeviceInfo | null,
  ): Promise<void> {
    if (this.#guests.has(instance.name))
      throw new InstanceExists(`Instance ${instance.name} already exists.`, { kwargs: { name: instance.name } });
    await this.#delay('finish_migration');
    const guest = this.#newGuest(instance, networkInfo);
    this.#guests.set(guest.name, guest);
    this.#boot(guest, instance);
  }

  override async confirmMigration(_migration: MigrationRecord, instance: VirtInstance, _networkInfo: NetworkInfo): Promise<void> {
    this.#resizeSources.delete(instance.name);
  }

  override async finishRevertMigration(
    instance: VirtInstance,
    _networkInfo: NetworkInfo,
    _blockDeviceInfo?: BlockDeviceInfo | null,
  ): Promise<void> {
    await this.#delay('finish_revert_migration');
    const kept = this.#resizeSources.get(instance.name);
    if (kept) {
      this.#resizeSources.delete(instance.name);
      if (this.#guests.has(kept.name)) this.#forget(this.#guests.get(kept.name) as FakeGuest);
      this.#displays.add(kept.display);
      this.#guests.set(kept.name, kept);
    }
    const guest = this.#guest(instance);
    if (guest.state !== PowerState.RUNNING) this.#boot(guest, instance);
  }

  override async checkCanLiveMigrateDestination(
    _instance: VirtInstance,
    _srcComputeInfo: Record<string, unknown>,
    _dstComputeInfo: Record<string, unknown>,
    blockMigration: boolean,
    diskOverCommit: boolean,
  ): Promise<Record<string, unknown>> {
    return { block_migration: blockMigration, disk_over_commit: diskOverCommit };
  }

  override async checkCanLiveMigrateDestinationCleanup(_destCheckData: Record<string, unknown>): Promise<void> {}

  override async checkCanLiveMigrateSource(
    instance: VirtInstance,
    destCheckData: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const guest = this.#guest(instance);
    if (guest.state !== PowerState.RUNNING) throw new InstanceNotRunning(instance.uuid);
    return { ...destCheckData };
  }

  override async preLiveMigration(
    _instance: VirtInstance,
    _blockDeviceInfo: BlockDeviceInfo | null,
    _networkInfo: NetworkInfo,
    _diskInfo: string | null,
    _migrateData: Record<string, unknown> | null,
  ): Promise<void> {}

  override async liveMigration(
    instance: VirtInstance,
    dest: string,
    callbacks: LiveMigrationCallbacks,
    blockMigration: boolean,
    migrateData: Record<string, unknown> | null,
  ): Promise<void> {
    const guest = this.#guests.get(instance.name);
    if (!guest || guest.state !== PowerState.RUNNING) {
      await callbacks.recoverMethod(instance, dest, blockMigration);
      if (!guest) throw new InstanceNotFound(`Instance ${instance.uuid} could not be found.`, { kwargs: { instance_id: instance.uuid } });
      throw new InstanceNotRunning(instance.uuid);
    }
    await this.#delay('live_migration');
    this.#forget(guest);
    await callbacks.postMethod(instance, dest, blockMigration, migrateData);
  }

  override async postLiveMigrationAtDestination(
    instance: VirtInstance,
    networkInfo: NetworkInfo,
    _blockMigration: boolean,
    _blockDeviceInfo?: BlockDeviceInfo | null,
  ): Promise<void> {
    if (this.#guests.has(instance.name)) return;
    const guest = this.#newGuest(instance, networkInfo);
    this.#guests.set(guest.name, guest);
    this.#setState(guest, PowerState.RUNNING, `Incoming migration of ${guest.name} completed.`);
  }

  override async getInstanceDiskInfo(instanceName: string): Promise<string | null> {
    return this.#diskInfo(this.#guestByName(instanceName));
  }

  // ---- volumes, interfaces, firewall ----------------------------------------------------

  override async attachVolume(connectionInfo: ConnectionInfo, instance: VirtInstance, mountpoint: string): Promise<void> {
    this.#guest(instance);
    await this.#delay('attach_volume');
    const guest = this.#guest(instance);
    if (guest.mounts.has(mountpoint)) throw new DevicePathInUse(mountpoint);
    guest.mounts.set(mountpoint, connectionInfo);
  }

  override async detachVolume(_connectionInfo: ConnectionInfo, instance: VirtInstance, mountpoint: string): Promise<void> {
    this.#guest(instance);
    await this.#delay('detach_volume');
    const guest = this.#guest(instance);
    if (!guest.mounts.delete(mountpoint)) throw new DiskNotFound(mountpoint);
  }

  /** Volumes attached to a guest, by mount point (test aid). */
  mounts(instance: Pick<VirtInstance, 'name' | 'uuid'>): ReadonlyMap<string, ConnectionInfo> {
    return this.#guest(instance).mounts;
  }

  override async getVolumeConnector(_instance: VirtInstance): Promise<VolumeConnector> {
    return { ip: this.options.hostIp, initiator: `iqn.2010-10.org.openstack:${this.options.host}`, host: this.options.host };
  }

  override async attachInterface(instance: VirtInstance, _imageMeta: ImageMeta, vif: VIF): Promise<void> {
    const guest = this.#guest(instance);
    if (guest.vifs.has(vif.id)) throw new InterfaceAttachFailed(instance.uuid);
    guest.vifs.set(vif.id, vif);
  }

  override async detachInterface(instance: VirtInstance, vif: VIF): Promise<void> {
    const guest = this.#guest(instance);
    if (!guest.vifs.delete(vif.id)) throw new InterfaceDetachFailed(instance.uuid);
  }

  override async plugVifs(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void> {
    const guest = this.#guest(instance);
    for (const vif of networkInfo) guest.vifs.set(vif.id, vif);
  }

  override async unplugVifs(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void> {
    const guest = this.#guests.get(instance.name);
    for (const vif of networkInfo) guest?.vifs.delete(vif.id);
  }

  /** VIFs currently plugged into a guest (test aid). */
  vifs(instance: Pick<VirtInstance, 'name' | 'uuid'>): VIF[] {
    return [...this.#guest(instance).vifs.values()];
  }

  override async ensureFilteringRulesForInstance(instance: VirtInstance, _networkInfo: NetworkInfo): Promise<void> {
    this.#filtered.add(instance.name);
  }

  override async unfilterInstance(instance: VirtInstance, _networkInfo: NetworkInfo): Promise<void> {
    this.#filtered.delete(instance.name);
  }

  /** Whether firewall rules are in place for a guest (test aid). */
  isFiltered(instance: Pick<VirtInstance, 'name'>): boolean {
    return this.#filtered.has(instance.name);
  }

  override async refreshSecurityGroupRules(_securityGroupId: number | string): Promise<boolean> {
    return true;
  }

  override async refreshSecurityGroupMembers(_securityGroupId: number | string): Promise<boolean> {
    return true;
  }

  override async refreshInstanceSecurityRules(_instance: VirtInstance): Promise<boolean> {
    return true;
  }

  override async refreshProviderFwRules(): Promise<void> {}

  // Aggregates of a fake hypervisor carry metadata only: there is no pool to join.
  override async addToAggregate(_aggregate: Record<string, unknown>, _host: string): Promise<void> {}
  override async removeFromAggregate(_aggregate: Record<string, unknown>, _host: string): Promise<void> {}
  override async undoAggregateOperation(
    _op: string,
    _aggregate: Record<string, unknown>,
    _host: string,
    _setError: boolean,
  ): Promise<void> {}

  /** Makes a guest vanish as if the hypervisor lost it (crash simulation for tests). */
  removeGuestBehindNovasBack(name: string): void {
    const guest = this.#guests.get(name);
    if (guest) this.#forget(guest);
  }
}

function lifecycleTransitionFor(previous: PowerState, next: PowerState): LifecycleTransition | null {
  if (previous === next) return null;
  if (next === PowerState.RUNNING) return previous === PowerState.PAUSED ? LifecycleTransition.RESUMED : LifecycleTransition.STARTED;
  if (next === PowerState.PAUSED) return LifecycleTransition.PAUSED;
  if (next === PowerState.SHUTDOWN || next === PowerState.SUSPENDED) return LifecycleTransition.STOPPED;
  return null;
}
