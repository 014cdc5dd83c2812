import type { GuestDisk, GuestNic, GuestSpec } from '../guest-spec.js';

/** Everything about one launch of a guest that is not in its spec. */
export interface LaunchSettings {
  qmpSocket: string;
  consoleLog: string;
  accel: 'kvm' | 'tcg';
  machine: string;
  /** VNC listen address and keymap, or null for no VNC. */
  vnc: { listen: string; keymap: string } | null;
  /** Unix socket of the guest's metadata forwarder, which its 169.254.169.254:80 reaches (user-mode network), or null. */
  metadataSocket: string | null;
  /** Loopback port forwarded to the guest's port 22 (user-mode network), or null. */
  sshPort: number | null;
  restrictUserNetwork: boolean;
  /** `-incoming` URI: a saved state to restore, or a migration to receive. */
  incoming: string | null;
  /** Written into the SMBIOS serial, as Grizzly's sysinfo does with the host uuid. */
  hostUuid: string;
  /** A file holding SeaBIOS's serial console port (0x3f8, little-endian), so the BIOS screen reaches console.log; null to keep it on VGA only. */
  biosSerialPortFile: string | null;
}

/** The link-local user-mode network: 169.254.169.254 is on-link only inside 169.254.0.0/16. */
export const USER_NET = { net: '169.254.0.0/16', host: '169.254.0.2', dhcpStart: '169.254.0.15', metadata: '169.254.169.254' } as const;

/** A value inside QEMU's key=value option syntax, where a comma is written twice. */
function optValue(value: string): string {
  return value.replaceAll(',', ',,');
}

function blockdev(disk: GuestDisk): string {
  return JSON.stringify({
    driver: disk.format,
    'node-name': disk.dev,
    'read-only': disk.readOnly,
    file: { driver: 'file', filename: disk.path, 'read-only': disk.readOnly },
  });
}

function diskDevice(disk: GuestDisk, bootIndex: number | null): string {
  const boot = bootIndex === null ? '' : `,bootindex=${bootIndex}`;
  if (disk.bus === 'ide') {
    // hda/hdb on the first IDE bus, hdc/hdd on the second.
    const n = disk.dev.charCodeAt(2) - 97;
    const kind = disk.device === 'cdrom' ? 'ide-cd' : 'ide-hd';
    return `${kind},drive=${disk.dev},id=${disk.dev}-dev,bus=ide.${Math.floor(n / 2)},unit=${n % 2}${boot}`;
  }
  return `virtio-blk-pci,drive=${disk.dev},id=${disk.dev}-dev${boot}`;
}

function netdev(nic: GuestNic, index: number, spec: GuestSpec, s: LaunchSettings): string {
  if (nic.mode === 'bridge') return `tap,id=net${index},ifname=${nic.tap},script=no,downscript=no`;
  const parts = [
    `user,id=net${index}`,
    `net=${USER_NET.net}`,
    `host=${USER_NET.host}`,
    `dhcpstart=${USER_NET.dhcpStart}`,
    `hostname=${spec.name}`,
  ];
  if (s.restrictUserNetwork) parts.push('restrict=on');
  // Only the first NIC carries the forwards: one guest, one metadata route, one SSH port.
  // A command per connection (not a `tcp:` chardev, which serves only the first one).
  if (index === 0 && s.metadataSocket)
    parts.push(`guestfwd=tcp:${USER_NET.metadata}:80-cmd:socat - UNIX-CONNECT:${optValue(s.metadataSocket)}`);
  if (index === 0 && s.sshPort) parts.push(`hostfwd=tcp:127.0.0.1:${s.sshPort}-:22`);
  return parts.join(',');
}

/**
 * The QEMU command line of a guest: no default devices, QMP on a unix socket, the serial
 * console appended to console.log, `-no-shutdown` (a guest that powers off stays
 * queryable in status `shutdown`), disks as named `-blockdev` nodes, VNC on the
 * configured address (the first free display), NICs without option ROMs.
 */
export function buildQemuArgv(spec: GuestSpec, s: LaunchSettings): string[] {
  const argv = [
    '-name',
    `guest=${spec.name},debug-threads=on`,
    '-uuid',
    spec.uuid,
    '-nodefaults',
    '-no-user-config',
    '-machine',
    s.machine,
    '-accel',
    s.accel === 'kvm' ? 'kvm' : 'tcg',
    '-cpu',
    s.accel === 'kvm' ? 'host' : 'qemu64',
    '-m',
    String(spec.memoryMb),
    '-smp',
    String(spec.vcpus),
    '-smbios',
    `type=1,manufacturer=OpenStack Foundation,product=OpenStack Nova,version=2013.1.5,serial=${s.hostUuid},uuid=${spec.uuid}`,
    '-rtc',
    'base=utc',
    '-no-shutdown',
    '-boot',
    'strict=on',
    '-msg',
    'timestamp=on',
    '-chardev',
    `socket,id=monitor,path=${optValue(s.qmpSocket)},server=on,wait=off`,
    '-mon',
    'chardev=monitor,mode=control',
    '-chardev',
    `file,id=serial0,path=${optValue(s.consoleLog)},append=on`,
    '-serial',
    'chardev:serial0',
    '-display',
    'none',
  ];
  if (s.biosSerialPortFile) argv.push('-fw_cfg', `name=etc/sercon-port,file=${optValue(s.biosSerialPortFile)}`);
  if (s.vnc) argv.push('-vga', 'std', '-vnc', `${s.vnc.listen}:0,to=99`, '-k', s.vnc.keymap);
  else argv.push('-vga', 'none');
  if (spec.kernel) {
    argv.push('-kernel', spec.kernel.kernel, '-append', spec.kernel.cmdline);
    if (spec.kernel.ramdisk) argv.push('-initrd', spec.kernel.ramdisk);
  }
  let boot = spec.kernel ? null : 1;
  for (const disk of spec.disks) {
    argv.push('-blockdev', blockdev(disk), '-device', diskDevice(disk, disk.device === 'disk' ? boot : null));
    if (disk.device === 'disk' && boot !== null) boot = null;
  }
  spec.nics.forEach((nic, i) => {
    argv.push('-netdev', netdev(nic, i, spec, s), '-device', `virtio-net-pci,netdev=net${i},id=net${i}-dev,mac=${nic.mac},romfile=`);
  });
  if (s.incoming) argv.push('-incoming', s.incoming);
  return argv;
}
