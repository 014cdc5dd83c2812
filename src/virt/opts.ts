import { defineGroup, opt } from '../config/registry.js';

export const virtOpts = defineGroup('DEFAULT', {
  compute_driver: opt.str(
    null,
    'Hypervisor driver nova-compute uses: `fake` (also `fake.FakeDriver`), `qemu` (also `qemu.QemuDriver`: QEMU launched directly and driven over QMP), `libvirt` (also `libvirt.LibvirtDriver`). Required by nova-compute.',
  ),
});

/** Options every real driver shares (Grizzly's names and defaults). */
export const hypervisorOpts = defineGroup('DEFAULT', {
  instances_path: opt.str('$state_path/instances', 'Where instances are stored on disk: one directory per instance.'),
  base_dir_name: opt.str('_base', 'Directory under instances_path where cached base images are kept.'),
  use_cow_images: opt.bool(true, 'Whether to use copy-on-write (qcow2 overlay) images on top of the cached base.'),
  force_raw_images: opt.bool(true, 'Convert downloaded base images to raw.'),
  preallocate_images: opt.str('none', 'Preallocation of instance disks: `none`, or `space` to fallocate them fully.', {
    choices: ['none', 'space'],
  }),
  default_ephemeral_format: opt.str(
    null,
    'Filesystem of ephemeral disks (ext2, ext3, ext4, xfs, ntfs); unset means per the OS type (ext3 for Linux).',
  ),
  virt_mkfs: opt.multi(
    [
      'default=mkfs.ext3 -L %(fs_label)s -F %(target)s',
      'linux=mkfs.ext3 -L %(fs_label)s -F %(target)s',
      'windows=mkfs.ntfs --force --fast --label %(fs_label)s %(target)s',
    ],
    'mkfs commands for ephemeral disks by OS type, as <os_type>=<command>.',
  ),
  snapshot_image_format: opt.str(
    null,
    'Format of snapshots uploaded to the image service (raw, qcow2, vmdk, vdi); unset means the format of the instance disk.',
    {
      choices: ['raw', 'qcow2', 'vmdk', 'vdi'],
    },
  ),
  rescue_image_id: opt.str(null, 'Image used to rescue instances; unset means the instance’s own image.'),
  vnc_enabled: opt.bool(true, 'Give guests a VNC console.'),
  vncserver_listen: opt.str('127.0.0.1', 'Address the VNC servers of guests listen on.'),
  vncserver_proxyclient_address: opt.str('127.0.0.1', 'Address the VNC proxy connects to for guests of this host.'),
  vnc_keymap: opt.str('en-us', 'Keymap of VNC consoles.'),
  bios_serial_console: opt.bool(
    true,
    'nova-ts addition: mirror the BIOS screen (SeaBIOS) to the serial console, so console.log shows a guest from its first instant (qemu and libvirt drivers).',
  ),
});
