/**
 * What a real driver knows about one guest, kept beside its disks (the QEMU driver's
 * equivalent of libvirt.xml): enough to launch it again after a stop, a host reboot or a
 * restart of nova-compute. Both real drivers build their QEMU command line or domain XML
 * from it.
 */
export interface GuestDisk {
  /** Grizzly's name for the disk: disk, disk.local, disk.eph0, disk.swap, disk.config, disk.rescue. */
  readonly name: string;
  readonly path: string;
  readonly format: 'qcow2' | 'raw';
  readonly device: 'disk' | 'cdrom';
  readonly bus: 'virtio' | 'ide';
  /** Guest device name (vda, vdb, hdd). */
  readonly dev: string;
  readonly readOnly: boolean;
}

export interface GuestNic {
  readonly vifId: string;
  readonly mac: string;
  /** `user`: QEMU's user-mode network (no root); `bridge`: a tap plugged into `bridge`. */
  readonly mode: 'user' | 'bridge';
  readonly bridge: string | null;
  readonly tap: string | null;
}

export interface GuestKernel {
  readonly kernel: string;
  readonly ramdisk: string | null;
  readonly cmdline: string;
}

export interface GuestSpec {
  readonly uuid: string;
  readonly name: string;
  /** The compute host that owns the guest (changes with a migration). */
  readonly host: string;
  readonly memoryMb: number;
  readonly vcpus: number;
  readonly imageRef: string | null;
  readonly disks: readonly GuestDisk[];
  readonly kernel: GuestKernel | null;
  readonly nics: readonly GuestNic[];
  /** Booted from its rescue image. */
  readonly rescued: boolean;
  /** The instance's project, which the metadata forwarder vouches for (X-Tenant-ID). */
  readonly projectId?: string | null;
  /** The instance's first fixed IPv4, which the metadata forwarder reports as the guest's address. */
  readonly fixedIp?: string | null;
}

/** Guest device names in order on a bus: vda, vdb, … / hda, hdb, hdc, hdd. */
export function deviceName(bus: 'virtio' | 'ide', index: number): string {
  return `${bus === 'ide' ? 'hd' : 'vd'}${String.fromCharCode(97 + index)}`;
}
