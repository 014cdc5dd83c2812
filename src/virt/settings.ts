import { join } from 'node:path';
import { commonOpts } from '../config/common-opts.js';
import type { Config } from '../config/config.js';
import { configDriveOpts } from '../metadata/opts.js';
import type { DiskSettings } from './disk/instance-disks.js';
import type { ImageCacheSettings } from './imagecache/manager.js';
import { imageCacheOpts } from './imagecache/opts.js';
import { hypervisorOpts } from './opts.js';

export interface VncSettings {
  listen: string;
  proxyclientAddress: string;
  keymap: string;
}

/** What both real drivers read the same way from nova.conf. */
export interface SharedVirtSettings {
  instancesPath: string;
  baseDirName: string;
  forceRawImages: boolean;
  /** qcow2 when use_cow_images, else raw (libvirt_images_type = default). */
  imagesTypeDefault: 'qcow2' | 'raw';
  disks: DiskSettings;
  snapshotFormat: string | null;
  rescueImageId: string | null;
  imageCache: ImageCacheSettings;
  vnc: VncSettings | null;
  biosSerialConsole: boolean;
}

/** `libvirt_images_type`-style choice of disk backend from `use_cow_images`. */
export function imagesTypeFromConf(conf: Config, explicit: string | null = null): 'qcow2' | 'raw' {
  if (explicit === 'raw' || explicit === 'qcow2') return explicit;
  return conf.get(hypervisorOpts).use_cow_images ? 'qcow2' : 'raw';
}

/** Disk, config drive and image cache settings every real driver reads the same way. */
export function sharedVirtSettings(conf: Config): SharedVirtSettings {
  const common = conf.get(commonOpts);
  const hv = conf.get(hypervisorOpts);
  const cd = conf.get(configDriveOpts);
  const ic = conf.get(imageCacheOpts);
  const instancesPath = hv.instances_path ?? join(common.state_path ?? '.', 'instances');
  const baseDirName = hv.base_dir_name ?? '_base';
  const imagesTypeDefault = imagesTypeFromConf(conf);
  return {
    instancesPath,
    baseDirName,
    forceRawImages: hv.force_raw_images,
    imagesTypeDefault,
    disks: {
      imagesType: imagesTypeDefault,
      preallocate: hv.preallocate_images === 'space',
      defaultEphemeralFormat: hv.default_ephemeral_format,
      virtMkfs: hv.virt_mkfs,
      configDrive: {
        format: cd.config_drive_format === 'vfat' ? 'vfat' : 'iso9660',
        mkisofsCmd: cd.mkisofs_cmd ?? 'genisoimage',
        tempDir: cd.config_drive_tempdir,
      },
      keepKernels: !ic.remove_unused_kernels,
    },
    snapshotFormat: hv.snapshot_image_format,
    rescueImageId: hv.rescue_image_id,
    imageCache: {
      removeUnusedBaseImages: ic.remove_unused_base_images,
      removeUnusedKernels: ic.remove_unused_kernels,
      resizedMinimumAgeSeconds: ic.remove_unused_resized_minimum_age_seconds ?? 3600,
      originalMinimumAgeSeconds: ic.remove_unused_original_minimum_age_seconds ?? 86400,
      checksumBaseImages: ic.checksum_base_images,
      checksumIntervalSeconds: ic.checksum_interval_seconds ?? 3600,
      infoFilePattern: ic.image_info_filename_pattern,
    },
    vnc: hv.vnc_enabled
      ? {
          listen: hv.vncserver_listen ?? '127.0.0.1',
          proxyclientAddress: hv.vncserver_proxyclient_address ?? '127.0.0.1',
          keymap: hv.vnc_keymap ?? 'en-us',
        }
      : null,
    biosSerialConsole: hv.bios_serial_console,
  };
}
