import { copyFile, rm } from 'node:fs/promises';
import { buildConfigDrive, type ConfigDriveOptions } from '../configdrive/builder.js';
import { deviceName, type GuestDisk, type GuestKernel } from '../guest-spec.js';
import type { BaseImageCache, CachedImage } from '../imagecache/base-images.js';
import { InstanceTypeDiskTooSmall } from '../imagecache/base-images.js';
import type { InstancePaths } from '../instance-paths.js';
import { execute } from '../process-utils.js';
import type { BlockDeviceInfo, ConfigDriveContents, ImageSource, VirtInstance } from '../types.js';
import { createEphemeral, createSwap, extend } from './api.js';
import { convert, createOverlay, GiB, imageInfo, MiB } from './qemu-img.js';

/** How instance disks are made (`libvirt_images_type`, `use_cow_images`, `preallocate_images`, …). */
export interface DiskSettings {
  /** qcow2: an overlay on the cached base; raw: a full copy. */
  imagesType: 'qcow2' | 'raw';
  preallocate: boolean;
  defaultEphemeralFormat: string | null;
  virtMkfs: readonly string[];
  configDrive: ConfigDriveOptions;
  /** Cache kernels and ramdisks under their plain image id, out of the cache manager's reach (remove_unused_kernels off). */
  keepKernels: boolean;
}

/** Flavor swap in MiB, which nova-ts (as Grizzly) keeps in the instance's system metadata. */
export function flavorSwapMb(instance: VirtInstance): number {
  const raw = instance.system_metadata?.instance_type_swap;
  const mb = raw ? Number(raw) : 0;
  return Number.isFinite(mb) && mb > 0 ? mb : 0;
}

/**
 * Makes the disks of an instance from its image and flavor, in Grizzly's order and
 * names: `disk` (root, vda), `disk.local` (ephemeral), `disk.eph<N>` (block device
 * ephemerals), `disk.swap`, then `disk.config` (an IDE cdrom, or a virtio disk for vfat).
 */
export class InstanceDiskBuilder {
  constructor(
    readonly cache: BaseImageCache,
    readonly settings: DiskSettings,
  ) {}

  async fromImage(image: CachedImage, target: string, sizeBytes: number | null): Promise<void> {
    if (sizeBytes !== null && image.virtualSize > sizeBytes) throw new InstanceTypeDiskTooSmall();
    await rm(target, { force: true });
    if (this.settings.imagesType === 'qcow2') {
      await createOverlay(image.path, image.format, target, sizeBytes !== null && sizeBytes > image.virtualSize ? sizeBytes : null);
    } else {
      if (image.format === 'raw') await execute('cp', ['--sparse=always', image.path, target]);
      else await convert(image.path, target, 'raw', { sourceFormat: image.format });
      if (sizeBytes !== null) await extend(target, sizeBytes);
    }
    await this.#preallocate(target);
  }

  /** Root disk from the instance's image (or `imageId`, for a rescue disk). */
  async root(instance: VirtInstance, paths: InstancePaths, images: ImageSource | undefined): Promise<GuestDisk | null> {
    if (!instance.image_ref) return null;
    const base = await this.cache.fetch(instance.image_ref, images);
    await this.fromImage(base, paths.disk, instance.root_gb > 0 ? instance.root_gb * GiB : null);
    return this.#disk('disk', paths.disk, 0);
  }

  async rescue(imageId: string, paths: InstancePaths, images: ImageSource | undefined): Promise<GuestDisk> {
    const base = await this.cache.fetch(imageId, images);
    await this.fromImage(base, paths.diskRescue, null);
    return this.#disk('disk.rescue', paths.diskRescue, 0);
  }

  /** Every disk beyond the root: ephemerals and swap. `first` is the vdX index to start at. */
  async extras(instance: VirtInstance, paths: InstancePaths, bdi: BlockDeviceInfo | null, first: number): Promise<GuestDisk[]> {
    const disks: GuestDisk[] = [];
    let index = first;
    const fsFormat = this.settings.defaultEphemeralFormat;
    const fsName = fsFormat ?? (instance.os_type || 'default');
    if (instance.ephemeral_gb > 0) {
      const template = await this.cache.generated(`ephemeral_${instance.ephemeral_gb}_${fsName}`, (t) =>
        createEphemeral(t, instance.ephemeral_gb * GiB, 'ephemeral0', {
          fsFormat,
          osType: instance.os_type,
          virtMkfs: this.settings.virtMkfs,
        }),
      );
      await this.#fromTemplate(template, paths.diskLocal);
      disks.push(this.#disk('disk.local', paths.diskLocal, index++));
    }
    for (const eph of bdi?.ephemerals ?? []) {
      const path = paths.file(`disk.eph${eph.num}`);
      const template = await this.cache.generated(`ephemeral_${eph.size}_${fsName}`, (t) =>
        createEphemeral(t, eph.size * GiB, `ephemeral${eph.num}`, { fsFormat, osType: instance.os_type, virtMkfs: this.settings.virtMkfs }),
      );
      await this.#fromTemplate(template, path);
      disks.push(this.#disk(`disk.eph${eph.num}`, path, index++));
    }
    const swapMb = bdi?.swap && bdi.swap.swap_size > 0 ? bdi.swap.swap_size : flavorSwapMb(instance);
    if (swapMb > 0) {
      const template = await this.cache.generated(`swap_${swapMb}`, (t) => createSwap(t, swapMb * MiB));
      await this.#fromTemplate(template, paths.diskSwap);
      disks.push(this.#disk('disk.swap', paths.diskSwap, index++));
    }
    return disks;
  }

  async configDrive(contents: ConfigDriveContents, paths: InstancePaths): Promise<GuestDisk> {
    await buildConfigDrive(contents, paths.diskConfig, this.settings.configDrive);
    const iso = this.settings.configDrive.format === 'iso9660';
    // Grizzly puts the config drive on the last device of its bus: hdd for the IDE cdrom, vdz for a disk.
    return {
      name: 'disk.config',
      path: paths.diskConfig,
      format: 'raw',
      device: iso ? 'cdrom' : 'disk',
      bus: iso ? 'ide' : 'virtio',
      dev: iso ? 'hdd' : 'vdz',
      readOnly: true,
    };
  }

  /** Kernel and ramdisk of an AMI-style image, copied next to the disks. */
  async kernel(instance: VirtInstance, paths: InstancePaths, images: ImageSource | undefined): Promise<GuestKernel | null> {
    if (!instance.kernel_id) return null;
    const byPlainId = this.settings.keepKernels;
    const kernel = await this.cache.fetch(instance.kernel_id, images, { byPlainId });
    await copyFile(kernel.path, paths.file('kernel'));
    let ramdisk: string | null = null;
    if (instance.ramdisk_id) {
      const cached = await this.cache.fetch(instance.ramdisk_id, images, { byPlainId });
      ramdisk = paths.file('ramdisk');
      await copyFile(cached.path, ramdisk);
    }
    return { kernel: paths.file('kernel'), ramdisk, cmdline: 'root=/dev/vda console=tty0 console=ttyS0' };
  }

  async #fromTemplate(template: string, target: string): Promise<void> {
    await rm(target, { force: true });
    if (this.settings.imagesType === 'qcow2') {
      await createOverlay(template, (await imageInfo(template)).format, target);
    } else {
      await execute('cp', ['--sparse=always', template, target]);
    }
    await this.#preallocate(target);
  }

  async #preallocate(target: string): Promise<void> {
    if (!this.settings.preallocate) return;
    const info = await imageInfo(target);
    await execute('fallocate', ['-n', '-l', String(info.virtualSize), target]).catch(() => undefined);
  }

  #disk(name: string, path: string, index: number): GuestDisk {
    const format = this.settings.imagesType;
    return { name, path, format, device: 'disk', bus: 'virtio', dev: deviceName('virtio', index), readOnly: false };
  }
}
