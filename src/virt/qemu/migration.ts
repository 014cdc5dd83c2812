import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceExists, InstanceNotFound } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import { describeDisks } from '../disk/disk-info.js';
import { confirmResize, growDisks, revertResize, stageResize } from '../disk/resize.js';
import { InstanceNotRunning, MigrationError, MigrationPreCheckError } from '../errors.js';
import { firewallInstance } from '../firewalled-driver.js';
import type { GuestSpec } from '../guest-spec.js';
import type { NetworkInfo } from '../network-model.js';
import type { FlavorSizes, LiveMigrationCallbacks, VirtInstance } from '../types.js';
import { QemuGuest } from './guest.js';
import { freePort, type QemuHost } from './host.js';
import { nicsFor } from './vif.js';

const log = getLogger('nova.virt.qemu.migration');

/** Files a resize carries over besides the disks. */
const RESIZE_CARRIES = ['guest.json', 'console.log', 'kernel', 'ramdisk'];

/**
 * Resize, cold migration and live migration for the QEMU driver. All of them need the
 * instance directory on storage both hosts see (one host, or a shared instances_path):
 * cold migrations hand the disks over in that directory, and a live migration moves only
 * memory and device state, QEMU to QEMU over a loopback or LAN TCP socket.
 */
export class QemuMigrations {
  constructor(private readonly host: QemuHost) {}

  async migrateDiskAndPowerOff(instance: VirtInstance, _dest: string, _flavor: FlavorSizes, networkInfo: NetworkInfo): Promise<string> {
    return this.host.withGuest(instance, async (guest) => {
      await this.host.stop(guest);
      await rm(guest.files.suspendFile, { force: true });
      await this.host.unplugAndUnfilter(instance, guest.spec, networkInfo);
      const paths = guest.files.paths;
      await stageResize(paths, guest.spec.disks, RESIZE_CARRIES);
      this.host.guests.delete(instance.uuid);
      await this.host.closeForwarder(instance.uuid);
      const moved = guest.spec.disks.map((d) => ({ ...d, path: join(paths.dir, d.path.slice(paths.dir.length + 1)) }));
      return JSON.stringify(await describeDisks(moved.filter((d) => d.device === 'disk')));
    });
  }

  async finishMigration(instance: VirtInstance, networkInfo: NetworkInfo, resizeInstance: boolean): Promise<void> {
    await this.host.ready();
    await this.host.lock.run(instance.uuid, async () => {
      if (this.host.guests.has(instance.uuid))
        throw new InstanceExists(`Instance ${instance.name} already exists.`, { kwargs: { name: instance.name } });
      const files = this.host.files(instance.uuid);
      const handed = await files.readSpec();
      if (!handed) {
        throw new InstanceNotFound(
          `The disks of instance ${instance.uuid} are not in ${files.paths.dir}: the QEMU driver migrates only between hosts sharing instances_path.`,
          { kwargs: { instance_id: instance.uuid } },
        );
      }
      if (resizeInstance) await growDisks(handed.disks, instance);
      const spec: GuestSpec = {
        ...handed,
        host: this.host.options.host,
        name: instance.name,
        memoryMb: instance.memory_mb,
        vcpus: instance.vcpus,
        nics: nicsFor(networkInfo, this.host.options.vifType),
      };
      await files.writeSpec(spec);
      const guest = new QemuGuest(files, spec);
      this.host.guests.set(instance.uuid, guest);
      await this.host.plugAndFilter(instance, spec, networkInfo);
      await this.host.start(guest);
      await this.host.firewall.applyInstanceFilter(firewallInstance(instance), networkInfo);
    });
  }

  async confirmMigration(instance: VirtInstance): Promise<void> {
    await confirmResize(this.host.paths(instance.uuid));
  }

  async finishRevertMigration(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void> {
    await this.host.ready();
    await this.host.lock.run(instance.uuid, async () => {
      const current = this.host.guests.get(instance.uuid);
      if (current) {
        await this.host.stop(current);
        this.host.guests.delete(instance.uuid);
      }
      const files = this.host.files(instance.uuid);
      await revertResize(files.paths);
      const spec = await files.readSpec();
      if (!spec) throw new InstanceNotFound(`Instance ${instance.uuid} could not be found.`, { kwargs: { instance_id: instance.uuid } });
      const restored: GuestSpec = { ...spec, host: this.host.options.host, nics: nicsFor(networkInfo, this.host.options.vifType) };
      await files.writeSpec(restored);
      const guest = new QemuGuest(files, restored);
      this.host.guests.set(instance.uuid, guest);
      await this.host.plugAndFilter(instance, restored, networkInfo);
      await this.host.start(guest);
      await this.host.firewall.applyInstanceFilter(firewallInstance(instance), networkInfo);
    });
  }

  // ---- live migration ------------------------------------------------------------

  /**
   * Runs on the destination: QEMU to QEMU only, over shared storage (a marker file the
   * source must see), and the port the incoming QEMU will listen on is chosen here, so it
   * travels to the source in the migrate data.
   */
  async checkDestination(
    _instance: VirtInstance,
    srcComputeInfo: Record<string, unknown>,
    blockMigration: boolean,
    diskOverCommit: boolean,
  ): Promise<Record<string, unknown>> {
    if (blockMigration) {
      throw new MigrationPreCheckError(
        'block migration is not supported by the QEMU driver: live migration needs instances_path shared by both hosts',
      );
    }
    const srcType = srcComputeInfo.hypervisor_type;
    if (typeof srcType === 'string' && srcType !== 'QEMU') {
      throw new MigrationPreCheckError(`the source hypervisor is ${srcType}; the QEMU driver migrates only from another QEMU driver`);
    }
    const filename = `${randomUUID()}.tmp`;
    await writeFile(join(this.host.options.instancesPath, filename), '');
    const listen = this.host.options.liveMigrationListen;
    return {
      filename,
      block_migration: false,
      disk_over_commit: diskOverCommit,
      migration_uri: `tcp:${listen}:${await freePort(listen)}`,
    };
  }

  async cleanupDestinationCheck(data: Record<string, unknown>): Promise<void> {
    if (typeof data.filename === 'string' && /^[\w-]+\.tmp$/.test(data.filename)) {
      await rm(join(this.host.options.instancesPath, data.filename), { force: true });
    }
  }

  async checkSource(instance: VirtInstance, data: Record<string, unknown>): Promise<Record<string, unknown>> {
    const guest = await this.host.guest(instance);
    if ((await guest.status()) !== 'running') throw new InstanceNotRunning(instance.uuid);
    const shared = typeof data.filename === 'string' && existsSync(join(this.host.options.instancesPath, data.filename));
    if (!shared) {
      throw new MigrationPreCheckError(
        `instances_path ${this.host.options.instancesPath} is not shared with the destination; the QEMU driver live-migrates only over shared storage`,
      );
    }
    return { ...data, is_shared_storage: true, instance_relative_path: instance.uuid };
  }

  /** On the destination: a QEMU for the guest, on the same disks, waiting for the state. */
  async preLiveMigration(instance: VirtInstance, networkInfo: NetworkInfo, migrateData: Record<string, unknown> | null): Promise<void> {
    await this.host.ready();
    const uri = migrateData?.migration_uri;
    if (typeof uri !== 'string')
      throw new MigrationPreCheckError('the migrate data names no migration listener (run the destination check first)');
    await this.host.lock.run(instance.uuid, async () => {
      const files = this.host.files(instance.uuid);
      const onDisk = await files.readSpec();
      if (!onDisk) throw new MigrationPreCheckError(`the disks of ${instance.uuid} are not visible in ${files.paths.dir}`);
      const spec: GuestSpec = { ...onDisk, nics: nicsFor(networkInfo, this.host.options.vifType) };
      const guest = new QemuGuest(files, spec);
      await this.host.plugAndFilter(instance, spec, networkInfo);
      await this.host.start(guest, uri);
      this.host.incoming.set(instance.uuid, guest);
    });
  }

  /** On the source: QMP `migrate` to the destination's listener; the guest then belongs to the destination. */
  async liveMigration(
    instance: VirtInstance,
    dest: string,
    callbacks: LiveMigrationCallbacks,
    blockMigration: boolean,
    migrateData: Record<string, unknown> | null,
  ): Promise<void> {
    const uri = migrateData?.migration_uri;
    let outcome = 'not started';
    try {
      await this.host.withGuest(instance, async (guest) => {
        if (typeof uri !== 'string') throw new MigrationPreCheckError('the migrate data names no migration listener');
        if (!guest.proc || (await guest.status()) !== 'running') throw new InstanceNotRunning(instance.uuid);
        await guest.proc.qmp.execute('migrate', { uri });
        const deadline = Date.now() + 600_000;
        for (;;) {
          const info = await guest.proc.qmp.execute<{ status?: string; 'error-desc'?: string }>('query-migrate');
          outcome = info.status ?? 'unknown';
          if (outcome === 'completed') break;
          if (outcome === 'failed' || outcome === 'cancelled' || Date.now() > deadline) {
            throw new MigrationError(`live migration ${outcome}: ${info['error-desc'] ?? 'no detail'}`);
          }
          await sleep(100);
        }
        await this.host.stop(guest);
        this.host.guests.delete(instance.uuid);
        await this.host.closeForwarder(instance.uuid);
      });
    } catch (err) {
      log.error({ instance_uuid: instance.uuid, err }, 'live migration failed');
      await callbacks.recoverMethod(instance, dest, blockMigration);
      throw err;
    }
    log.info({ instance_uuid: instance.uuid, dest }, 'live migration completed');
    await callbacks.postMethod(instance, dest, blockMigration, migrateData);
  }

  /** On the destination, once the state arrived: the guest runs here now and its directory says so. */
  async postLiveMigrationAtDestination(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void> {
    await this.host.ready();
    await this.host.lock.run(instance.uuid, async () => {
      const guest = this.host.incoming.get(instance.uuid);
      if (!guest)
        throw new InstanceNotFound(`Instance ${instance.uuid} is not arriving on this host.`, { kwargs: { instance_id: instance.uuid } });
      await this.host.waitForStatus(guest, (s) => s === 'running', 30_000);
      this.host.incoming.delete(instance.uuid);
      guest.spec = { ...guest.spec, host: this.host.options.host };
      await guest.files.writeSpec(guest.spec);
      this.host.guests.set(instance.uuid, guest);
      await this.host.firewall.applyInstanceFilter(firewallInstance(instance), networkInfo);
    });
  }
}
