import { join } from 'node:path';
import { commonOpts } from '../../config/common-opts.js';
import type { Config } from '../../config/config.js';
import { configDriveOpts } from '../configdrive/opts.js';
import type { DiskSettings } from '../disk/instance-disks.js';
import type { FirewallDriver } from '../firewall/types.js';
import type { ImageCacheSettings } from '../imagecache/manager.js';
import { imageCacheOpts } from '../imagecache/opts.js';
import { hypervisorOpts } from '../opts.js';
import type { ImageSource } from '../types.js';
import { qemuOpts } from './opts.js';
import type { CommandRunner } from './vif.js';

export interface VncSettings {
  listen: string;
  proxyclientAddress: string;
  keymap: string;
}

export interface QemuDriverOptions {
  /** The compute host (and node) this driver serves. */
  host: string;
  /** `my_ip`: the host address reported to the cloud. */
  hostIp: string;
  instancesPath: string;
  baseDirName: string;
  binary: string;
  accel: 'auto' | 'kvm' | 'tcg';
  machine: string;
  vifType: 'user' | 'bridge';
  metadataForward: string | null;
  sshForward: boolean;
  restrictUserNetwork: boolean;
  biosSerialConsole: boolean;
  waitSoftRebootSeconds: number;
  launchTimeoutSeconds: number;
  liveMigrationListen: string;
  vnc: VncSettings | null;
  forceRawImages: boolean;
  disks: DiskSettings;
  snapshotFormat: string | null;
  rescueImageId: string | null;
  imageCache: ImageCacheSettings;
  /** Used when an operation is not handed an image source of its own. */
  images?: ImageSource;
  /** Security groups; none when unset. */
  firewall?: FirewallDriver;
  /** Where `ip` commands for bridge VIFs run (tests record them). */
  runCommand?: CommandRunner;
}

/** `libvirt_images_type`-style choice of disk backend from `use_cow_images`. */
export function imagesTypeFromConf(conf: Config, explicit: string | null = null): 'qcow2' | 'raw' {
  if (explicit === 'raw' || explicit === 'qcow2') return explicit;
  return conf.get(hypervisorOpts).use_cow_images ? 'qcow2' : 'raw';
}

/** Disk, config drive and image cache settings every real driver reads the same way. */
export function sharedVirtSettings(
  conf: Config,
): Pick<
  QemuDriverOptions,
  'instancesPath' | 'baseDirName' | 'forceRawImages' | 'disks' | 'snapshotFormat' | 'rescueImageId' | 'imageCache' | 'vnc'
> & { imagesTypeDefault: 'qcow2' | 'raw' } {
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
  };
}

/**
 * The QEMU driver's options from nova.conf. The metadata forward defaults to
 * metadata_host:metadata_port, which the caller passes in (the network's options).
 */
export function qemuDriverOptionsFromConf(conf: Config, metadataDefault: string | null): QemuDriverOptions {
  const common = conf.get(commonOpts);
  const q = conf.get(qemuOpts);
  const { imagesTypeDefault: _ignored, ...shared } = sharedVirtSettings(conf);
  return {
    ...shared,
    host: common.host ?? 'localhost',
    hostIp: common.my_ip ?? '127.0.0.1',
    binary: q.qemu_binary ?? 'qemu-system-x86_64',
    accel: (q.qemu_accel ?? 'auto') as QemuDriverOptions['accel'],
    machine: q.qemu_machine ?? 'pc',
    vifType: q.qemu_vif_type === 'bridge' ? 'bridge' : 'user',
    metadataForward: q.qemu_metadata_forward ?? metadataDefault,
    sshForward: q.qemu_ssh_forward,
    restrictUserNetwork: q.qemu_user_network_restrict,
    biosSerialConsole: conf.get(hypervisorOpts).bios_serial_console,
    waitSoftRebootSeconds: q.qemu_wait_soft_reboot_seconds ?? 120,
    launchTimeoutSeconds: q.qemu_launch_timeout_seconds ?? 60,
    liveMigrationListen: q.qemu_live_migration_listen ?? '127.0.0.1',
  };
}
