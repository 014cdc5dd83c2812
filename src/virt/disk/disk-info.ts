import type { GuestDisk } from '../guest-spec.js';
import { imageInfo } from './qemu-img.js';

/** One entry of get_instance_disk_info's JSON list (Grizzly's keys). */
export interface DiskInfoEntry {
  type: string;
  path: string;
  virt_disk_size: number;
  backing_file: string;
  disk_size: number;
  over_committed_disk_size: number;
}

/** The file-backed disks of a guest as Grizzly's libvirt driver describes them for migrations. */
export async function describeDisks(disks: readonly GuestDisk[]): Promise<DiskInfoEntry[]> {
  const out: DiskInfoEntry[] = [];
  for (const disk of disks) {
    const info = await imageInfo(disk.path);
    out.push({
      type: info.format,
      path: disk.path,
      virt_disk_size: info.virtualSize,
      backing_file: info.backingFile ?? '',
      disk_size: info.actualSize,
      over_committed_disk_size: Math.max(0, info.virtualSize - info.actualSize),
    });
  }
  return out;
}
