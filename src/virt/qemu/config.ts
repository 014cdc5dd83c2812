import { commonOpts } from '../../config/common-opts.js';
import type { Config } from '../../config/config.js';
import { metadataApiOpts } from '../../config/metadata-api-opts.js';
import type { DiskSettings } from '../disk/instance-disks.js';
import type { FirewallDriver } from '../firewall/types.js';
import type { ImageCacheSettings } from '../imagecache/manager.js';
import { sharedVirtSettings, type VncSettings } from '../settings.js';
import type { ImageSource } from '../types.js';
import { qemuOpts } from './opts.js';
import type { CommandRunner } from './vif.js';

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
  /** `host:port` of the metadata service, which each user-mode guest's forwarder sends its requests to; null for none. */
  metadataForward: string | null;
  /**
   * `quantum_metadata_proxy_shared_secret` when the metadata service identifies instances
   * by signed headers (`service_quantum_metadata_proxy`); null when it goes by fixed IP
   * (X-Forwarded-For, which it trusts only with `use_forwarded_for`).
   */
  metadataSecret: string | null;
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

/**
 * The QEMU driver's options from nova.conf. The metadata forward defaults to
 * metadata_host:metadata_port, which the caller passes in (the network's options).
 */
export function qemuDriverOptionsFromConf(conf: Config, metadataDefault: string | null): QemuDriverOptions {
  const common = conf.get(commonOpts);
  const q = conf.get(qemuOpts);
  const md = conf.get(metadataApiOpts);
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
    metadataSecret: md.service_quantum_metadata_proxy ? (md.quantum_metadata_proxy_shared_secret ?? '') : null,
    sshForward: q.qemu_ssh_forward,
    restrictUserNetwork: q.qemu_user_network_restrict,
    waitSoftRebootSeconds: q.qemu_wait_soft_reboot_seconds ?? 120,
    launchTimeoutSeconds: q.qemu_launch_timeout_seconds ?? 60,
    liveMigrationListen: q.qemu_live_migration_listen ?? '127.0.0.1',
  };
}
