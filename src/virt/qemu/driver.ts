import { existsSync } from 'node:fs';
import { access, constants, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import type { QemuDriverOptions } from './config.js';
import { QemuGuest } from './guest.js';
import { QemuHost } from './host.js';
import { QemuMigrations } from './migration.js';
import { QemuStats } from './stats.js';
import { nicsFor } from './vif.js';

const log = getLogger('nova.virt.qemu');

function shellQuote(path: string): string {
  return `'${path.replaceAll("'", "'\\''")}'`;
}

/**
 * A compute driver that runs each guest as a QEMU process of its own and drives it over
 * QMP (no libvirt): disks are qcow2 overlays on shared bases in `_base`, the guest's
 * definition is `guest.json` in its instance directory, and a restarted nova-compute
 * re-adopts the QEMU processes still running. Select with `compute_driver = qemu.QemuDriver`.
 */
export class QemuDriver extends FirewalledDriver {
  readonly driverName: string = 'qemu';
  override readonly capabilities: DriverCapabilities = { has_imagecache: true, supports_recreate: true };
  readonly host: QemuHost;
  readonly #stats: QemuStats;
  readonly #migrations: QemuMigrations;

  constructor(options: QemuDriverOptions) {
    super();
    this.host = new QemuHost(options);
    this.host.onEvent((e) => this.emitEvent(e));
    this.#stats = new QemuStats(this.host);
    this.#migrations = new QemuMigrations(this.host);
  }

  protected get firewall(): FirewallDriver {
    return this.host.firewall;
  }

  get options(): QemuDriverOptions {
    return this.host.options;
  }

  // ---- host ---------------------------------------------------------------------

  override async initHost(_host: string): Promise<void> {
    if (this.options.vifType === 'user' && this.options.metadataForward && this.options.metadataSecret === null) {
      log.warn(
        { metadata: this.options.metadataForward },
        'guests’ metadata requests name them only by X-Forwarded-For: the metadata service must set use_forwarded_for (or set service_quantum_metadata_proxy on both sides)',
      );
    }
    await this.host.ready();
  }

  /** The guests keep running; the next nova-compute re-adopts them. */
  override async cleanupHost(_host: string): Promise<void> {
    const closing = this.host.closeForwarders();
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
    const state = await this.host.powerState(guest);
    const maxMem = guest.spec.memoryMb * 1024;
    return {
      state,
      max_mem: maxMem,
      mem: guest.alive ? maxMem : 0,
      num_cpu: guest.spec.vcpus,
      cpu_time: await guest.cpuTimeNs(),
      ...(guest.proc ? { id: guest.proc.pid } : {}),
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
    await this.imageCacheManager().verifyBaseImages(allInstances);
  }

  imageCacheManager(now?: () => number): ImageCacheManager {
    return new ImageCacheManager(this.options.instancesPath, this.host.cache.baseDir, this.options.imageCache, now);
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
      if (this.host.guests.has(instance.uuid) || existsSync(files.specFile)) {
        throw new InstanceExists(`Instance ${instance.name} already exists.`, { kwargs: { name: instance.name } });
      }
      if (!extras.configDrive && (injectedFiles.length > 0 || adminPassword)) {
        log.warn({ instance_uuid: instance.uuid }, 'files and passwords reach a QEMU guest only through a config drive; none was given');
      }
      const paths = files.paths;
      await mkdir(paths.dir, { recursive: true });
      let guest: QemuGuest | null = null;
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
          nics: nicsFor(networkInfo, this.options.vifType),
          rescued: false,
          projectId: instance.project_id ?? null,
          fixedIp: firstFixedIpv4(networkInfo),
        };
        await files.writeSpec(spec);
        guest = new QemuGuest(files, spec);
        this.host.guests.set(instance.uuid, guest);
        await this.host.plugAndFilter(instance, spec, networkInfo);
        await this.host.start(guest);
        await this.host.firewall.applyInstanceFilter(firewallInstance(instance), networkInfo);
      } catch (err) {
        log.error({ instance_uuid: instance.uuid, err }, 'spawn failed; removing what it made');
        if (guest) await this.host.stop(guest).catch(() => undefined);
        await this.host.closeForwarder(instance.uuid).catch(() => undefined);
        this.host.guests.delete(instance.uuid);
        await this.host.unplugAndUnfilter(instance, guest?.spec ?? null, networkInfo).catch(() => undefined);
        await rm(paths.dir, { recursive: true, force: true });
        throw err;
      }
    });
  }

  override async destroy(
    instance: VirtInstance,
    networkInfo: NetworkInfo,
    _blockDeviceInfo?: BlockDeviceInfo | null,
    destroyDisks = true,
  ): Promise<void> {
    await this.host.ready();
    await this.host.lock.run(instance.uuid, async () => {
      const files = this.host.files(instance.uuid);
      const guest = this.host.guests.get(instance.uuid) ?? this.host.incoming.get(instance.uuid) ?? null;
      if (guest) await this.host.stop(guest);
      await this.host.closeForwarder(instance.uuid);
      this.host.guests.delete(instance.uuid);
      this.host.incoming.delete(instance.uuid);
      const onDisk = await files.readSpec();
      await this.host.unplugAndUnfilter(instance, guest?.spec ?? onDisk, networkInfo);
      // A directory another host owns (shared storage: the source of a live migration) is not ours to delete.
      if (onDisk && onDisk.host !== this.options.host) return;
      await rm(files.suspendFile, { force: true });
      if (destroyDisks) {
        await rm(files.paths.dir, { recursive: true, force: true });
        await rm(files.qmpSocket, { force: true });
      } else {
        await rm(files.specFile, { force: true });
      }
      if (!guest) log.info({ instance_uuid: instance.uuid }, 'destroy: no guest on this host, nothing to stop');
    });
  }

  // ---- power ---------------------------------------------------------------------

  override async reboot(instance: VirtInstance, _nw: NetworkInfo, rebootType: RebootType, _bdi?: BlockDeviceInfo | null): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      if (rebootType === 'SOFT' && (await this.#softReboot(guest))) return;
      await this.#hardReboot(guest);
    });
  }

  /** ACPI power button, wait for the guest to power off, then reset and continue. False when it did not power off in time. */
  async #softReboot(guest: QemuGuest): Promise<boolean> {
    if ((await guest.status()) !== 'running' || !guest.proc) return false;
    await guest.proc.qmp.execute('system_powerdown');
    const off = await this.host.waitForStatus(guest, (s) => s === 'shutdown', this.options.waitSoftRebootSeconds * 1000);
    if (!off || !guest.proc) {
      log.info({ instance_uuid: guest.uuid }, 'guest did not power off in time; rebooting it hard');
      return false;
    }
    await guest.proc.qmp.execute('system_reset');
    await guest.proc.qmp.execute('cont');
    return this.host.waitForStatus(guest, (s) => s === 'running', 10_000);
  }

  async #hardReboot(guest: QemuGuest): Promise<void> {
    await this.host.stop(guest);
    await rm(guest.files.suspendFile, { force: true });
    await this.host.start(guest);
  }

  override async powerOff(instance: VirtInstance): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      await this.host.stop(guest);
      await rm(guest.files.suspendFile, { force: true });
    });
  }

  override async powerOn(instance: VirtInstance, _nw: NetworkInfo, _bdi?: BlockDeviceInfo | null): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      if ((await guest.status()) === 'running') return;
      await this.#hardReboot(guest);
    });
  }

  override async resumeStateOnHostBoot(instance: VirtInstance, _nw: NetworkInfo, _bdi?: BlockDeviceInfo | null): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      const state = await this.host.powerState(guest);
      if (state === PowerState.RUNNING || state === PowerState.SUSPENDED || state === PowerState.PAUSED) return;
      await this.#hardReboot(guest);
    });
  }

  override async pause(instance: VirtInstance): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      if ((await guest.status()) !== 'running' || !guest.proc) throw new InstanceNotRunning(instance.uuid);
      await guest.proc.qmp.execute('stop');
    });
  }

  override async unpause(instance: VirtInstance): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      if ((await guest.status()) !== 'paused' || !guest.proc) throw new InstanceUnpauseFailure(`instance ${instance.uuid} is not paused`);
      await guest.proc.qmp.execute('cont');
    });
  }

  /** Saves the guest's memory and device state to `suspend.state` and ends QEMU. */
  override async suspend(instance: VirtInstance): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      const status = await guest.status();
      if ((status !== 'running' && status !== 'paused') || !guest.proc) {
        throw new InstanceSuspendFailure(`instance ${instance.uuid} is neither running nor paused`);
      }
      const qmp = guest.proc.qmp;
      if (status === 'running') await qmp.execute('stop');
      const file = guest.files.suspendFile;
      await qmp.execute('migrate', { uri: `exec:cat > ${shellQuote(file)}` });
      const result = await this.#migrationResult(guest);
      if (result !== 'completed') {
        await rm(file, { force: true });
        if (status === 'running') await qmp.execute('cont').catch(() => undefined);
        throw new InstanceSuspendFailure(`saving the guest state ended ${result}`);
      }
      await this.host.stop(guest);
    });
  }

  override async resume(instance: VirtInstance, _nw: NetworkInfo, _bdi?: BlockDeviceInfo | null): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      const file = guest.files.suspendFile;
      if (guest.alive || !existsSync(file)) throw new InstanceResumeFailure(`instance ${instance.uuid} is not suspended`);
      await this.host.start(guest, `exec:cat ${shellQuote(file)}`);
      const restored = await this.host.waitForStatus(guest, (s) => s !== 'inmigrate', 120_000);
      if (!restored || !guest.proc) throw new InstanceResumeFailure('the saved state could not be loaded');
      await guest.proc.qmp.execute('cont');
      await this.host.waitForStatus(guest, (s) => s === 'running', 10_000);
      await rm(file, { force: true });
    });
  }

  /** Polls query-migrate until the migration ends: completed, failed or cancelled. */
  async #migrationResult(guest: QemuGuest, timeoutMs = 600_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (guest.proc && Date.now() < deadline) {
      const info = await guest.proc.qmp.execute<{ status?: string }>('query-migrate');
      if (info.status === 'completed' || info.status === 'failed' || info.status === 'cancelled') return info.status;
      await new Promise((r) => setTimeout(r, 50));
    }
    return guest.proc ? 'timed out' : 'with QEMU gone';
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
      const others = original.disks.filter((d) => d.name === 'disk.config');
      const spec: GuestSpec = {
        ...original,
        rescued: true,
        kernel: null,
        disks: [rescueDisk, ...(root ? [{ ...root, dev: 'vdb' }] : []), ...others],
      };
      await writeFile(guest.files.unrescueFile, JSON.stringify(original));
      await this.host.stop(guest);
      guest.spec = spec;
      await guest.files.writeSpec(spec);
      await this.host.start(guest);
    });
  }

  override async unrescue(instance: VirtInstance, _nw: NetworkInfo): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      const saved = existsSync(guest.files.unrescueFile)
        ? (JSON.parse(await readFile(guest.files.unrescueFile, 'utf8')) as GuestSpec)
        : null;
      if (!saved) throw new InstanceNotInRescueMode(instance.uuid);
      await this.host.stop(guest);
      guest.spec = saved;
      await guest.files.writeSpec(saved);
      await rm(guest.files.unrescueFile, { force: true });
      await rm(guest.files.paths.diskRescue, { force: true });
      await this.host.start(guest);
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
          compress: false,
          workDir: join(this.options.instancesPath, 'snapshots'),
          quiesce: async () => {
            const qmp = guest.proc?.qmp;
            if (!qmp || (await guest.status()) !== 'running') return async () => undefined;
            // `stop` drains and flushes every disk, so the copy is consistent.
            await qmp.execute('stop');
            return async () => {
              await qmp.execute('cont');
            };
          },
        },
        callbacks,
      );
    });
  }

  override async pollRebootingInstances(_timeoutSeconds: number, _instances: readonly VirtInstance[]): Promise<void> {
    // Reboots finish before reboot() returns; none is left to time out.
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
    if (!guest.proc || guest.proc.qmp.closed) throw new InstanceNotRunning(instance.uuid);
    const info = await guest.proc.qmp.execute<{ service?: string }>('query-vnc');
    return { host: vnc.proxyclientAddress, port: Number(info.service), internal_access_path: null };
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
    return { ip: this.options.hostIp, initiator: await readInitiator(), host: this.options.host };
  }

  // ---- networking and firewall ------------------------------------------------------

  override async plugVifs(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void> {
    await this.host.withGuest(instance, async (guest) => {
      const fixedIp = firstFixedIpv4(networkInfo) ?? guest.spec.fixedIp ?? null;
      const moved = fixedIp !== (guest.spec.fixedIp ?? null);
      guest.spec = { ...guest.spec, nics: nicsFor(networkInfo, this.options.vifType), fixedIp };
      await guest.files.writeSpec(guest.spec);
      await this.host.plugAndFilter(instance, guest.spec, networkInfo);
      // The guest's next metadata connection reaches a forwarder that reports its new address.
      if (moved) {
        await this.host.closeForwarder(instance.uuid);
        await this.host.ensureForwarder(guest);
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
    instance: VirtInstance,
    srcComputeInfo: Record<string, unknown>,
    _dstComputeInfo: Record<string, unknown>,
    blockMigration: boolean,
    diskOverCommit: boolean,
  ): Promise<Record<string, unknown>> {
    return this.#migrations.checkDestination(instance, srcComputeInfo, blockMigration, diskOverCommit);
  }

  override async checkCanLiveMigrateDestinationCleanup(destCheckData: Record<string, unknown>): Promise<void> {
    await this.#migrations.cleanupDestinationCheck(destCheckData);
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
    migrateData: Record<string, unknown> | null,
  ): Promise<void> {
    await this.#migrations.preLiveMigration(instance, networkInfo, migrateData);
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

  /** Lets go of the guests' monitors without stopping them, as a nova-compute that exits does. */
  detach(): void {
    this.host.detach();
  }
}

async function readInitiator(): Promise<string> {
  try {
    const text = await readFile('/etc/iscsi/initiatorname.iscsi', 'utf8');
    return /^InitiatorName=(.*)$/m.exec(text)?.[1]?.trim() ?? '';
  } catch {
    return '';
  }
}
