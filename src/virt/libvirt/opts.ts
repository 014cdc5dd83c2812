import { defineGroup, opt } from '../../config/registry.js';

/** Grizzly's libvirt driver options (nova/virt/libvirt/driver.py, imagebackend.py, vif.py). */
export const libvirtOpts = defineGroup('DEFAULT', {
  libvirt_type: opt.str('kvm', 'Libvirt domain type: kvm, or qemu (TCG, for hosts without hardware virtualisation).', {
    choices: ['kvm', 'qemu', 'lxc', 'uml', 'xen'],
  }),
  libvirt_uri: opt.str('', 'Libvirt connection URI; empty means the default for libvirt_type (qemu:///system).'),
  libvirt_images_type: opt.str(
    'default',
    'Instance disks: raw, qcow2, or default (qcow2 when use_cow_images, else raw). lvm is not supported by nova-ts.',
    {
      choices: ['raw', 'qcow2', 'lvm', 'default'],
    },
  ),
  libvirt_wait_soft_reboot_seconds: opt.int(120, 'Seconds a soft reboot waits for the guest to shut down before it reboots hard.', {
    min: 0,
  }),
  libvirt_cpu_mode: opt.str(
    null,
    'CPU mode: host-model, host-passthrough, custom or none; unset means host-model for kvm and none for qemu.',
    {
      choices: ['host-model', 'host-passthrough', 'custom', 'none'],
    },
  ),
  libvirt_cpu_model: opt.str(null, 'CPU model when libvirt_cpu_mode is custom.'),
  libvirt_disk_prefix: opt.str(null, 'Overrides the guest disk name prefix (vd, sd, hd, xvd).'),
  libvirt_use_virtio_for_bridges: opt.bool(true, 'Use virtio NICs for bridged interfaces.'),
  libvirt_vif_driver: opt.str(
    'nova.virt.libvirt.vif.LibvirtGenericVIFDriver',
    'VIF driver: the generic one (bridge interfaces) is what nova-ts has.',
  ),
  libvirt_snapshots_directory: opt.str('$instances_path/snapshots', 'Where snapshots are assembled before upload.'),
  libvirt_snapshot_compression: opt.bool(false, 'Compress qcow2 snapshots.'),
  libvirt_inject_password: opt.bool(false, 'Accepted for Grizzly compatibility; nova-ts passes passwords through the config drive only.'),
  libvirt_inject_key: opt.bool(true, 'Accepted for Grizzly compatibility; nova-ts passes keys through the config drive and metadata only.'),
  libvirt_inject_partition: opt.int(1, 'Accepted for Grizzly compatibility; nova-ts does not inject into disk images.', { min: -2 }),
  use_usb_tablet: opt.bool(true, 'Give VNC guests a USB tablet (absolute pointer).'),
  live_migration_uri: opt.str('qemu+tcp://%s/system', 'Libvirt URI of a live migration destination; %s is the destination host.'),
  live_migration_bandwidth: opt.int(0, 'Live migration bandwidth cap in MiB/s; 0 means none.', { min: 0 }),
  libvirt_user_network: opt.bool(
    false,
    'nova-ts addition: give guests a QEMU user-mode NIC (no bridge, no root networking; metadata forwarded to metadata_host:metadata_port) instead of bridge interfaces.',
  ),
});
