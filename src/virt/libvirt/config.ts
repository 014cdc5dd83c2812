import { InvalidConfig } from '../../common/errors.js';
import { commonOpts } from '../../config/common-opts.js';
import type { Config } from '../../config/config.js';
import { metadataApiOpts } from '../../config/metadata-api-opts.js';
import type { QemuDriverOptions } from '../qemu/config.js';
import { sharedVirtSettings } from '../settings.js';
import { libvirtOpts } from './opts.js';

export type LibvirtType = 'kvm' | 'qemu';

export interface LibvirtDriverOptions
  extends Pick<
    QemuDriverOptions,
    | 'host'
    | 'hostIp'
    | 'instancesPath'
    | 'baseDirName'
    | 'forceRawImages'
    | 'disks'
    | 'snapshotFormat'
    | 'rescueImageId'
    | 'imageCache'
    | 'vnc'
    | 'images'
    | 'firewall'
    | 'runCommand'
  > {
  libvirtType: LibvirtType;
  uri: string;
  waitSoftRebootSeconds: number;
  cpuMode: 'host-model' | 'host-passthrough' | 'custom' | 'none';
  cpuModel: string | null;
  useVirtioForBridges: boolean;
  useUsbTablet: boolean;
  snapshotsDirectory: string;
  snapshotCompression: boolean;
  liveMigrationUri: string;
  liveMigrationBandwidth: number;
  /** User-mode NICs (metadata forwarded to `metadataForward`) instead of bridges. */
  userNetwork: boolean;
  metadataForward: string | null;
  /** As QemuDriverOptions.metadataSecret. */
  metadataSecret: string | null;
  /** Mirror the BIOS to the serial console (see the QEMU driver's option of that name). */
  biosSerialConsole: boolean;
}

/** The libvirt driver's options from nova.conf; only kvm and qemu domain types are supported here. */
export function libvirtDriverOptionsFromConf(conf: Config, metadataDefault: string | null): LibvirtDriverOptions {
  const common = conf.get(commonOpts);
  const lv = conf.get(libvirtOpts);
  const md = conf.get(metadataApiOpts);
  const type = lv.libvirt_type ?? 'kvm';
  if (type !== 'kvm' && type !== 'qemu') throw new InvalidConfig(`libvirt_type = ${type} is not supported by nova-ts (kvm or qemu)`);
  const imagesType = lv.libvirt_images_type ?? 'default';
  if (imagesType === 'lvm') throw new InvalidConfig('libvirt_images_type = lvm is not supported by nova-ts (raw, qcow2 or default)');
  const { imagesTypeDefault, ...shared } = sharedVirtSettings(conf);
  const cpuMode = lv.libvirt_cpu_mode ?? (type === 'kvm' ? 'host-model' : 'none');
  return {
    ...shared,
    disks: { ...shared.disks, imagesType: imagesType === 'raw' || imagesType === 'qcow2' ? imagesType : imagesTypeDefault },
    host: common.host ?? 'localhost',
    hostIp: common.my_ip ?? '127.0.0.1',
    libvirtType: type,
    uri: lv.libvirt_uri || 'qemu:///system',
    waitSoftRebootSeconds: lv.libvirt_wait_soft_reboot_seconds ?? 120,
    cpuMode: cpuMode as LibvirtDriverOptions['cpuMode'],
    cpuModel: lv.libvirt_cpu_model,
    useVirtioForBridges: lv.libvirt_use_virtio_for_bridges,
    useUsbTablet: lv.use_usb_tablet,
    snapshotsDirectory: lv.libvirt_snapshots_directory ?? `${shared.instancesPath}/snapshots`,
    snapshotCompression: lv.libvirt_snapshot_compression,
    liveMigrationUri: lv.live_migration_uri ?? 'qemu+tcp://%s/system',
    liveMigrationBandwidth: lv.live_migration_bandwidth ?? 0,
    userNetwork: lv.libvirt_user_network,
    metadataForward: metadataDefault,
    metadataSecret: md.service_quantum_metadata_proxy ? (md.quantum_metadata_proxy_shared_secret ?? '') : null,
  };
}
