import { existsSync } from 'node:fs';
import { access, constants, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceExists } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import { PowerState } from '../../common/states/power-state.js';
import { MAX_CONSOLE_BYTES, readTail } from '../console-log.js';
import { describeDisks } from '../disk/disk-info.js';
import { snapshotDisk } from '../disk/snapshot.js';
import {
  InstanceNotInRescueMode,
  InstanceNotRescuable,
  InstanceNotRunning,
  InstanceResumeFailure,
  InstanceSuspendFailure,
  InstanceUnpauseFailure,
  NotImplementedError,
} from '../errors.js';
import type { FirewallDriver } from '../firewall/types.js';
import { FirewalledDriver, firewallInstance } from '../firewalled-driver.js';
import type { GuestDisk, GuestSpec } from '../guest-spec.js';
import { ImageCacheManager } from '../imagecache/manager.js';
import { firstFixedIpv4, type NetworkInfo } from '../network-model.js';
import { nicsFor } from '../qemu/vif.js';
import type {
  AvailableResource,
  BlockDeviceInfo,
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
  VirtInstance,
  VncConsole,
  VolumeConnector,
} from '../types.js';
import type { LibvirtDriverOptions } from './config.js';
import { type LibvirtGuest, LibvirtHost, powerStateOfDomain } from './host.js';
import { LibvirtMigrations } from './migration.js';
import { LibvirtStats } from './stats.js';

const log = getLogger('nova.virt.libvirt');

/**
 * Grizzly's libvirt driver in nova-ts: guests are libvirt domains defined from domain
 * XML (written as libvirt.xml) through `virsh`, with the same disks, image cache and
 * config drive as the QEMU driver. `libvirt_type` is kvm or qemu (TCG). Select with
 * `compute_driver = libvirt.LibvirtDriver`.
 */
export class LibvirtDriver extends FirewalledDriver {
  readonly driverName: string = 'libvirt';
  override readonly capabilities: DriverCapabilities = { has_imagecache: true, supports_recreate: true };
  readonly host: LibvirtHost;
  readonly #stats: LibvirtStats;
  readonly #migrations: LibvirtMigrations;

  constructor(options: LibvirtDriverOptions) {
    super();
    this.host = new LibvirtHost(options);
    this.host.onEvent((e) => this.emitEvent(e));
    this.#stats = new LibvirtStats(this.host);
    this.#migrations = new LibvirtMigrations(this.host, (g) => this.#firstOutput(g));
  }

  protected get firewall(): FirewallDriver {
    return this.host.firewall;
  }

  get options(): LibvirtDriverOptions {
    return this.host.options;
  }

  override async initHost(_host: string): Promise<void> {
    await this.host.ready();
  }

  /** Domains keep running under libvirtd; the next nova-compute finds them again. */
  override async cleanupHost(_host: string): Promise<void> {
    const closing = this.host.forwarders.closeAll();
    this.detach();
    await closing;
  }

  override async listInstances(): Promise<string[]> {
    await this.host.ready();
    return [...this.host.guests.values()].map((g) => g.spec.name);
  }

  override async listInstanceUuids(): Promise<string[]> {
    await this.host.ready();
    return [...this.host.guests.keys()];
  }

  override async getInfo(instance: VirtInstance): Promise<InstanceInfo> {
    const guest = await this.host.guest(instance);
    const info = await this.host.virsh.info(instance.uuid, guest.spec.name);
    return {
      state: powerStateOfDomain(info.state, info.managedSave),
      max_mem: info.maxMemKiB,
      mem: info.usedMemKiB,
      num_cpu: info.vcpus,
      cpu_time: info.cpuTimeNs,
      ...(info.id !== null ? { id: info.id } : {}),
    };
  }

  override async getAvailableResource(nodename: string): Promise<AvailableResource | null> {
    return this.#stats.availableResource(nodename);
  }

  override async getAvailableNodes(): Promise<string[]> {
    return [this.options.host];
  }

  override async getHostStats(_refresh?: boolean): Promise<HostStats[]> {
    return [await this.#stats.hostStats()];
  }

  override async getHostIpAddr(): Promise<string> {
    return this.options.hostIp;
  }

  override async getHostUptime(_host: string): Promise<string> {
    return this.#stats.uptime();
  }

  override async instanceOnDisk(instance: VirtInstance): Promise<boolean> {
    try {
      await access(this.host.paths(instance.uuid).dir, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  override async manageImageCache(allInstances: readonly VirtInstance[]): Promise<void> {
    await new ImageCacheManager(this.options.instancesPath, this.host.cache.baseDir, this.options.imageCache).verifyBaseImages(
      allInstances,
    );
  }

  // ---- spawn and destroy ----------------------------------------------------------

  override async spawn(
    instance: VirtInstance,
    _imageMeta: ImageMeta,
    injectedFiles: readonly InjectedFile[],
    adminPassword: string | null,
    networkInfo: NetworkInfo,
    blockDeviceInfo: BlockDeviceInfo | null,
    extras: SpawnExtras = {},
  ): Promise<void> {
    await this.host.ready();
    await this.host.lock.run(instance.uuid, async () => {
      const files = this.host.files(instance.uuid);
      if (this.host.guests.has(instance.uuid) || existsSync(files.specFile) || (await this.host.virsh.exists(instance.name))) {
        throw new InstanceExists(`Instance ${instance.name} already exists.`, { kwargs: { name: instance.name } });
      }
      if (!extras.configDrive && (injectedFiles.length > 0 || adminPassword)) {
        log.warn({ instance_uuid: instance.uuid }, 'files and passwords reach a libvirt guest only through a config drive; none was given');
      }
      const paths = files.paths;
      await mkdir(paths.dir, { recursive: true });
      let guest: LibvirtGuest | null = null;
      try {
        await writeFile(paths.consoleLog, '', { flag: 'a' });
        const images = extras.images ?? this.options.images;
        const root = await this.host.disks.root(instance, paths, images);
        const disks: GuestDisk[] = root ? [root] : [];
        disks.push(...(await this.host.disks.extras(instance, paths, blockDeviceInfo, disks.length)));
        if (extras.configDrive) disks.push(await this.host.disks.configDrive(extras.configDrive, paths));
        const spec: GuestSpec = {
          uuid: instance.uuid,
          name: instance.name,
          host: this.options.host,
          memoryMb: instance.memory_mb,
          vcpus: instance.vcpus,
          imageRef: instance.image_ref ?? null,
          disks,
          kernel: await this.host.disks.kernel(instance, paths, images),
          nics: nicsFor(networkInfo, this.options.userNetwork ? 'user' : 'bridge'),
          rescued: false,
          projectId: instance.project_id ?? null,
          fixedIp: firstFixedIpv4(networkInfo),
        };
        await files.writeSpec(spec);
        guest = { files, spec };
        this.host.guests.set(instance.uuid, guest);
        await this.host.plugAndFilter(instance, networkInfo);
        await this.#boot(guest);
        await this.host.firewall.applyInstanceFilter(firewallInstance(instance), networkInfo);
      } catch (err) {
        log.error({ instance_uuid: instance.uuid, err }, 'spawn failed; removing what it made');
        if (guest) {
          await this.host.destroyDomain(guest).catch(() => undefined);
          await this.host.undefine(instance.name).catch(() => undefined);
        }
        this.host.guests.delete(instance.uuid);
        await this.host.forwarders.close(instance.uuid).catch(() => undefined);
        await this.host.unplugAndUnfilter(instance, guest?.spec ?? null, networkInfo).catch(() => undefined);
        await rm(paths.dir, { recursive: true, force: true });
        throw err;
      }
    });
  }

  /** Defines the domain from the guest's spec and starts it. */
  async #boot(guest: LibvirtGuest): Promise<void> {
    const before = (await stat(guest.files.paths.consoleLog)).size;
    await this.host.define(guest);
    await this.host.start(guest);
    await this.#firstOutput(guest, before);
  }

  /** Waits (bounded) for the booting guest's first console output, as the QEMU driver does. */
  async #firstOutput(guest: LibvirtGuest, sizeBefore?: number): Promise<void> {
    if (!this.options.biosSerialConsole) return;
    const before = sizeBefore ?? 0;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if ((await stat(guest.files.paths.consoleLog).catch(() => ({ size: 0 }))).size > before) return;
      await sleep(20);
    }
  }

  override async destroy(
    instance: VirtInstance,
    networkInfo: NetworkInfo,
    _bdi?: BlockDeviceInfo | null,
    destroyDisks = true,
  ): Promise<void> {
    await this.host.ready();
    await this.host.lock.run(instance.uuid, async () => {
      const files = this.host.files(instance.uuid);
      const onDisk = await files.readSpec();
      const guest = this.host.guests.get(instance.uuid) ?? (onDisk && onDisk.host === this.options.host ? { files, spec: onDisk } : null);
      if (guest && (await this.host.virsh.exists(guest.spec.name))) {
        await this.host.destroyDomain(guest);
        await this.host.undefine(guest.spec.name);
      }
      this.host.guests.delete(instance.uuid);
      await this.host.forwarders.close(instance.uuid);
      await this.host.unplugAndUnfilter(instance, guest?.spec ?? null, networkInfo);
      if (onDisk && onDisk.host !== this.options.host) return;
      if (destroyDisks) await rm(files.paths.dir, { recursive: true, force: true });
      else await rm(files.specFile, { force: true });
    });
  }

  // ---- power ---------------------------------------------------------------------

  override async reboot(instance: VirtInstance, _nw: NetworkInfo, rebootType: RebootType, _bdi?: BlockDeviceInfo | null): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      if (rebootType === 'SOFT' && (await this.#softReboot(guest))) return;
      await this.#hardReboot(guest);
    });
  }

  /** Grizzly's soft reboot: shutdown, wait for it to be off, start again. False (hard reboot instead) when it would not go off. */
  async #softReboot(guest: LibvirtGuest): Promise<boolean> {
    if ((await this.host.state(guest)) !== 'running') return false;
    await this.host.virsh.run(['shutdown', guest.spec.name]);
    const off = await this.host.waitForState(guest, (s) => s === 'shut off' || s === 'crashed', this.options.waitSoftRebootSeconds * 1000);
    if (!off) {
      log.info({ instance_uuid: guest.spec.uuid }, 'guest did not shut down in time; rebooting it hard');
      return false;
    }
    await this.host.start(guest);
    return true;
  }

  async #hardReboot(guest: LibvirtGuest): Promise<void> {
    await this.host.destroyDomain(guest);
    await this.host.virsh.run(['managedsave-remove', guest.spec.name]).catch(() => undefined);
    await this.#boot(guest);
  }

  override async powerOff(instance: VirtInstance): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      await this.host.destroyDomain(guest);
      await this.host.virsh.run(['managedsave-remove', guest.spec.name]).catch(() => undefined);
    });
  }

  override async powerOn(instance: VirtInstance, _nw: NetworkInfo, _bdi?: BlockDeviceInfo | null): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      if ((await this.host.state(guest)) === 'running') return;
      await this.#hardReboot(guest);
    });
  }

  override async resumeStateOnHostBoot(instance: VirtInstance, _nw: NetworkInfo, _bdi?: BlockDeviceInfo | null): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      const state = await this.host.powerState(guest);
      if (state === PowerState.RUNNING || state === PowerState.SUSPENDED || state === PowerState.PAUSED || state === PowerState.NOSTATE)
        return;
      await this.#hardReboot(guest);
    });
  }

  override async pause(instance: VirtInstance): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      if ((await this.host.state(guest)) !== 'running') throw new InstanceNotRunning(instance.uuid);
      await this.host.virsh.run(['suspend', guest.spec.name]);
    });
  }

  override async unpause(instance: VirtInstance): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      if ((await this.host.state(guest)) !== 'paused') throw new InstanceUnpauseFailure(`instance ${instance.uuid} is not paused`);
      await this.host.virsh.run(['resume', guest.spec.name]);
    });
  }

  override async suspend(instance: VirtInstance): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      const state = await this.host.state(guest);
      if (state !== 'running' && state !== 'paused')
        throw new InstanceSuspendFailure(`instance ${instance.uuid} is neither running nor paused`);
      await this.host.virsh.run(['managedsave', guest.spec.name]);
    });
  }

  override async resume(instance: VirtInstance, _nw: NetworkInfo, _bdi?: BlockDeviceInfo | null): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      const info = await this.host.virsh.info(guest.spec.uuid, guest.spec.name);
      if (info.state !== 'shut off' || !info.managedSave) throw new InstanceResumeFailure(`instance ${instance.uuid} is not suspended`);
      await this.host.start(guest);
    });
  }

  // ---- rescue and snapshot -------------------------------------------------------

  override async rescue(
    instance: VirtInstance,
    _nw: NetworkInfo,
    imageMeta: ImageMeta,
    _password: string,
    extras: SpawnExtras = {},
  ): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      if (guest.spec.rescued || existsSync(guest.files.unrescueFile))
        throw new InstanceNotRescuable(instance.uuid, 'it is already in rescue mode');
      const imageId = this.options.rescueImageId ?? imageMeta.id ?? instance.image_ref;
      if (!imageId) throw new InstanceNotRescuable(instance.uuid, 'there is no image to rescue it with');
      const original = guest.spec;
      const rescueDisk = await this.host.disks.rescue(imageId, guest.files.paths, extras.images ?? this.options.images);
      const root = original.disks.find((d) => d.name === 'disk');
      const configDrive = original.disks.filter((d) => d.name === 'disk.config');
      await writeFile(guest.files.unrescueFile, JSON.stringify(original));
      await this.host.destroyDomain(guest);
      guest.spec = {
        ...original,
        rescued: true,
        kernel: null,
        disks: [rescueDisk, ...(root ? [{ ...root, dev: 'vdb' }] : []), ...configDrive],
      };
      await guest.files.writeSpec(guest.spec);
      await this.#boot(guest);
    });
  }

  override async unrescue(instance: VirtInstance, _nw: NetworkInfo): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      if (!existsSync(guest.files.unrescueFile)) throw new InstanceNotInRescueMode(instance.uuid);
      const saved = JSON.parse(await readFile(guest.files.unrescueFile, 'utf8')) as GuestSpec;
      await this.host.destroyDomain(guest);
      guest.spec = saved;
      await guest.files.writeSpec(saved);
      await rm(guest.files.unrescueFile, { force: true });
      await rm(guest.files.paths.diskRescue, { force: true });
      await this.#boot(guest);
    });
  }

  override async snapshot(instance: VirtInstance, _imageId: string, callbacks: SnapshotCallbacks): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      const root = guest.spec.disks.find((d) => d.name === 'disk');
      if (!root) throw new NotImplementedError(this.driverName, 'snapshot of an instance without a root disk');
      await snapshotDisk(
        {
          path: root.path,
          format: this.options.snapshotFormat,
          compress: this.options.snapshotCompression,
          workDir: this.options.snapshotsDirectory,
          quiesce: async () => {
            if ((await this.host.state(guest)) !== 'running') return async () => undefined;
            await this.host.virsh.run(['suspend', guest.spec.name]);
            return async () => {
              await this.host.virsh.run(['resume', guest.spec.name]);
            };
          },
        },
        callbacks,
      );
    });
  }

  override async pollRebootingInstances(_timeoutSeconds: number, _instances: readonly VirtInstance[]): Promise<void> {
    // Reboots finish before reboot() returns, as with Grizzly's libvirt driver.
  }

  // ---- consoles and statistics ----------------------------------------------------

  override async getConsoleOutput(instance: VirtInstance): Promise<string> {
    const guest = await this.host.guest(instance);
    return readTail(guest.files.paths.consoleLog, MAX_CONSOLE_BYTES);
  }

  override async getVncConsole(instance: VirtInstance): Promise<VncConsole> {
    const guest = await this.host.guest(instance);
    const vnc = this.options.vnc;
    if (!vnc) throw new NotImplementedError(this.driverName, 'get_vnc_console with vnc_enabled = false');
    if ((await this.host.state(guest)) === 'shut off') throw new InstanceNotRunning(instance.uuid);
    const display = (await this.host.virsh.onDomain(instance.uuid, ['vncdisplay', guest.spec.name])).trim();
    const n = Number(/:(\d+)$/.exec(display)?.[1] ?? Number.NaN);
    if (!Number.isFinite(n)) throw new InstanceNotRunning(instance.uuid);
    return { host: vnc.proxyclientAddress, port: 5900 + n, internal_access_path: null };
  }

  override async getDiagnostics(instance: VirtInstance): Promise<Record<string, number>> {
    return this.#stats.diagnostics(await this.host.guest(instance));
  }

  override async blockStats(instanceName: string, diskId: string): Promise<(number | null)[]> {
    await this.host.ready();
    return this.#stats.blockStats(this.host.guestByName(instanceName), diskId);
  }

  override async interfaceStats(instanceName: string, ifaceId: string): Promise<number[]> {
    await this.host.ready();
    return this.#stats.interfaceStats(this.host.guestByName(instanceName), ifaceId);
  }

  override async getInstanceDiskInfo(instanceName: string): Promise<string | null> {
    await this.host.ready();
    return JSON.stringify(await describeDisks(this.host.guestByName(instanceName).spec.disks.filter((d) => d.device === 'disk')));
  }

  override async getVolumeConnector(_instance: VirtInstance): Promise<VolumeConnector> {
    let initiator = '';
    try {
      initiator = /^InitiatorName=(.*)$/m.exec(await readFile('/etc/iscsi/initiatorname.iscsi', 'utf8'))?.[1]?.trim() ?? '';
    } catch {
      // No iSCSI initiator on this host.
    }
    return { ip: this.options.hostIp, initiator, host: this.options.host };
  }

  // ---- networking and firewall ------------------------------------------------------

  /** libvirt plugs bridge interfaces itself when the domain starts; only the spec follows the network info. */
  override async plugVifs(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      const fixedIp = firstFixedIpv4(networkInfo) ?? guest.spec.fixedIp ?? null;
      const moved = fixedIp !== (guest.spec.fixedIp ?? null);
      guest.spec = { ...guest.spec, nics: nicsFor(networkInfo, this.options.userNetwork ? 'user' : 'bridge'), fixedIp };
      await guest.files.writeSpec(guest.spec);
      // The guest's next metadata connection reaches a forwarder that reports its new address.
      if (moved) {
        await this.host.forwarders.close(instance.uuid);
        await this.host.forwarders.ensure(guest.spec, guest.files.metadataSocket);
      }
    });
  }

  override async unplugVifs(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void> {
    await this.host.ready();
    await this.host.unplugAndUnfilter(instance, this.host.guests.get(instance.uuid)?.spec ?? null, networkInfo);
  }

  // ---- resize and migration -----------------------------------------------------------

  override async migrateDiskAndPowerOff(
    instance: VirtInstance,
    dest: string,
    flavor: FlavorSizes,
    networkInfo: NetworkInfo,
    _bdi?: BlockDeviceInfo | null,
  ): Promise<string> {
    return this.#migrations.migrateDiskAndPowerOff(instance, dest, flavor, networkInfo);
  }

  override async finishMigration(
    _migration: MigrationRecord,
    instance: VirtInstance,
    _diskInfo: string,
    networkInfo: NetworkInfo,
    _imageMeta: ImageMeta,
    resizeInstance: boolean,
    _bdi?: BlockDeviceInfo | null,
  ): Promise<void> {
    await this.#migrations.finishMigration(instance, networkInfo, resizeInstance);
  }

  override async confirmMigration(_migration: MigrationRecord, instance: VirtInstance, _nw: NetworkInfo): Promise<void> {
    await this.#migrations.confirmMigration(instance);
  }

  override async finishRevertMigration(instance: VirtInstance, networkInfo: NetworkInfo, _bdi?: BlockDeviceInfo | null): Promise<void> {
    await this.#migrations.finishRevertMigration(instance, networkInfo);
  }

  override async checkCanLiveMigrateDestination(
    _instance: VirtInstance,
    _src: Record<string, unknown>,
    _dst: Record<string, unknown>,
    blockMigration: boolean,
    diskOverCommit: boolean,
  ): Promise<Record<string, unknown>> {
    return this.#migrations.checkDestination(blockMigration, diskOverCommit);
  }

  override async checkCanLiveMigrateDestinationCleanup(destCheckData: Record<string, unknown>): Promise<void> {
    await this.host.removeMarker(destCheckData.filename);
  }

  override async checkCanLiveMigrateSource(
    instance: VirtInstance,
    destCheckData: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    return this.#migrations.checkSource(instance, destCheckData);
  }

  override async preLiveMigration(
    instance: VirtInstance,
    _bdi: BlockDeviceInfo | null,
    networkInfo: NetworkInfo,
    _diskInfo: string | null,
    _migrateData: Record<string, unknown> | null,
  ): Promise<void> {
    await this.host.plugAndFilter(instance, networkInfo);
  }

  override async liveMigration(
    instance: VirtInstance,
    dest: string,
    callbacks: LiveMigrationCallbacks,
    blockMigration: boolean,
    migrateData: Record<string, unknown> | null,
  ): Promise<void> {
    await this.#migrations.liveMigration(instance, dest, callbacks, blockMigration, migrateData);
  }

  override async postLiveMigrationAtDestination(
    instance: VirtInstance,
    networkInfo: NetworkInfo,
    _blockMigration: boolean,
    _bdi?: BlockDeviceInfo | null,
  ): Promise<void> {
    await this.#migrations.postLiveMigrationAtDestination(instance, networkInfo);
  }

  /** Stops following libvirt's events; the domains keep running (libvirtd owns them). */
  detach(): void {
    this.host.detach();
  }
}
