import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InstanceExists, InstanceNotFound } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import { describeDisks } from '../disk/disk-info.js';
import { confirmResize, growDisks, revertResize, stageResize } from '../disk/resize.js';
import { InstanceNotRunning, MigrationError, MigrationPreCheckError } from '../errors.js';
import { firewallInstance } from '../firewalled-driver.js';
import type { GuestSpec } from '../guest-spec.js';
import type { NetworkInfo } from '../network-model.js';
import { nicsFor } from '../qemu/vif.js';
import type { FlavorSizes, LiveMigrationCallbacks, VirtInstance } from '../types.js';
import type { LibvirtGuest, LibvirtHost } from './host.js';

const log = getLogger('nova.virt.libvirt.migration');

const RESIZE_CARRIES = ['guest.json', 'console.log', 'kernel', 'ramdisk'];

/**
 * Resize, cold and live migration of the libvirt driver, over an instances_path both
 * hosts share (as the QEMU driver). A live migration goes libvirtd to libvirtd
 * (`virsh migrate --live --p2p`); two compute hosts on one libvirtd cannot do that, and
 * the source check says so before anything moves.
 */
export class LibvirtMigrations {
  constructor(
    private readonly host: LibvirtHost,
    private readonly afterBoot: (guest: LibvirtGuest) => Promise<void>,
  ) {}

  #userMode(): 'user' | 'bridge' {
    return this.host.options.userNetwork ? 'user' : 'bridge';
  }

  async migrateDiskAndPowerOff(instance: VirtInstance, _dest: string, _flavor: FlavorSizes, networkInfo: NetworkInfo): Promise<string> {
    return this.host.withGuest(instance, async (guest) => {
      await this.host.destroyDomain(guest);
      await this.host.undefine(guest.spec.name);
      await this.host.unplugAndUnfilter(instance, guest.spec, networkInfo);
      const paths = guest.files.paths;
      await stageResize(paths, guest.spec.disks, RESIZE_CARRIES);
      this.host.guests.delete(instance.uuid);
      await this.host.forwarders.close(instance.uuid);
      return JSON.stringify(await describeDisks(guest.spec.disks.filter((d) => d.device === 'disk')));
    });
  }

  async #bringUp(instance: VirtInstance, spec: GuestSpec, networkInfo: NetworkInfo): Promise<void> {
    const files = this.host.files(instance.uuid);
    await files.writeSpec(spec);
    const guest: LibvirtGuest = { files, spec };
    this.host.guests.set(instance.uuid, guest);
    await this.host.plugAndFilter(instance, networkInfo);
    await this.host.define(guest);
    await this.host.start(guest);
    await this.afterBoot(guest);
    await this.host.firewall.applyInstanceFilter(firewallInstance(instance), networkInfo);
  }

  async finishMigration(instance: VirtInstance, networkInfo: NetworkInfo, resizeInstance: boolean): Promise<void> {
    await this.host.ready();
    await this.host.lock.run(instance.uuid, async () => {
      if (this.host.guests.has(instance.uuid))
        throw new InstanceExists(`Instance ${instance.name} already exists.`, { kwargs: { name: instance.name } });
      const handed = await this.host.files(instance.uuid).readSpec();
      if (!handed) {
        throw new InstanceNotFound(
          `The disks of instance ${instance.uuid} are not here: the libvirt driver migrates only between hosts sharing instances_path.`,
          {
            kwargs: { instance_id: instance.uuid },
          },
        );
      }
      if (resizeInstance) await growDisks(handed.disks, instance);
      await this.#bringUp(
        instance,
        {
          ...handed,
          host: this.host.options.host,
          name: instance.name,
          memoryMb: instance.memory_mb,
          vcpus: instance.vcpus,
          nics: nicsFor(networkInfo, this.#userMode()),
        },
        networkInfo,
      );
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
        await this.host.destroyDomain(current);
        await this.host.undefine(current.spec.name);
        this.host.guests.delete(instance.uuid);
      }
      const paths = this.host.paths(instance.uuid);
      await revertResize(paths);
      const spec = await this.host.files(instance.uuid).readSpec();
      if (!spec) throw new InstanceNotFound(`Instance ${instance.uuid} could not be found.`, { kwargs: { instance_id: instance.uuid } });
      await this.#bringUp(instance, { ...spec, host: this.host.options.host, nics: nicsFor(networkInfo, this.#userMode()) }, networkInfo);
    });
  }

  /** The libvirtd host uuid (capabilities), which tells two compute hosts on one libvirtd apart from two machines. */
  async #libvirtHostUuid(): Promise<string> {
    return /<host>\s*<uuid>([^<]+)<\/uuid>/.exec(await this.host.virsh.run(['capabilities']))?.[1] ?? '';
  }

  async checkDestination(blockMigration: boolean, diskOverCommit: boolean): Promise<Record<string, unknown>> {
    if (blockMigration)
      throw new MigrationPreCheckError(
        'block migration is not supported by the libvirt driver of nova-ts: share instances_path between the hosts',
      );
    return {
      filename: await this.host.sharedStorageMarker(),
      block_migration: false,
      disk_over_commit: diskOverCommit,
      libvirt_host_uuid: await this.#libvirtHostUuid(),
    };
  }

  async checkSource(instance: VirtInstance, data: Record<string, unknown>): Promise<Record<string, unknown>> {
    const guest = await this.host.guest(instance);
    if ((await this.host.state(guest)) !== 'running') throw new InstanceNotRunning(instance.uuid);
    if (data.libvirt_host_uuid && data.libvirt_host_uuid === (await this.#libvirtHostUuid())) {
      throw new MigrationPreCheckError(
        'the source and destination compute hosts use the same libvirtd; libvirt cannot live-migrate a domain to itself',
      );
    }
    const shared = typeof data.filename === 'string' && existsSync(join(this.host.options.instancesPath, data.filename));
    if (!shared) throw new MigrationPreCheckError(`instances_path ${this.host.options.instancesPath} is not shared with the destination`);
    return { ...data, is_shared_storage: true, instance_relative_path: instance.uuid };
  }

  async liveMigration(
    instance: VirtInstance,
    dest: string,
    callbacks: LiveMigrationCallbacks,
    blockMigration: boolean,
    migrateData: Record<string, unknown> | null,
  ): Promise<void> {
    try {
      await this.host.withGuest(instance, async (guest) => {
        const uri = this.host.options.liveMigrationUri.replace('%s', dest);
        const args = ['migrate', '--live', '--p2p', '--undefinesource', '--persistent'];
        if (this.host.options.liveMigrationBandwidth > 0) args.push('--bandwidth', String(this.host.options.liveMigrationBandwidth));
        try {
          await this.host.virsh.run([...args, guest.spec.name, uri], { timeoutMs: 3_600_000 });
        } catch (err) {
          throw new MigrationError((err as Error).message);
        }
        this.host.guests.delete(instance.uuid);
        await this.host.forwarders.close(instance.uuid);
      });
    } catch (err) {
      log.error({ instance_uuid: instance.uuid, err }, 'live migration failed');
      await callbacks.recoverMethod(instance, dest, blockMigration);
      throw err;
    }
    await callbacks.postMethod(instance, dest, blockMigration, migrateData);
  }

  async postLiveMigrationAtDestination(instance: VirtInstance, networkInfo: NetworkInfo): Promise<void> {
    await this.host.ready();
    await this.host.lock.run(instance.uuid, async () => {
      const files = this.host.files(instance.uuid);
      const spec = await files.readSpec();
      if (!spec) throw new InstanceNotFound(`Instance ${instance.uuid} could not be found.`, { kwargs: { instance_id: instance.uuid } });
      const mine: GuestSpec = { ...spec, host: this.host.options.host };
      await files.writeSpec(mine);
      this.host.guests.set(instance.uuid, { files, spec: mine });
      await this.host.firewall.applyInstanceFilter(firewallInstance(instance), networkInfo);
    });
  }
}
