import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GuestDisk } from '../guest-spec.js';
import type { InstancePaths } from '../instance-paths.js';
import { execute } from '../process-utils.js';
import type { VirtInstance } from '../types.js';
import { extend } from './api.js';
import { GiB } from './qemu-img.js';

/**
 * The source side of a resize or cold migration on shared storage (Grizzly's
 * migrate_disk_and_power_off): the instance directory moves to `<dir>_resize` (kept for a
 * revert) and a fresh directory gets copies of the disks. qcow2 overlays keep pointing at
 * the shared base in `_base`, so the copy is as small as what the guest wrote.
 */
export async function stageResize(paths: InstancePaths, disks: readonly GuestDisk[], alsoCopy: readonly string[]): Promise<void> {
  if (existsSync(paths.resizeDir)) await rm(paths.resizeDir, { recursive: true, force: true });
  await rename(paths.dir, paths.resizeDir);
  try {
    await mkdir(paths.dir);
    const names = new Set([...disks.map((d) => d.path.slice(paths.dir.length + 1)), ...alsoCopy]);
    for (const name of names) {
      const from = join(paths.resizeDir, name);
      if (existsSync(from)) await execute('cp', ['--sparse=always', from, join(paths.dir, name)]);
    }
  } catch (err) {
    await rm(paths.dir, { recursive: true, force: true });
    await rename(paths.resizeDir, paths.dir);
    throw err;
  }
}

/** Grows `disk` to the flavor's root size and `disk.local` to its ephemeral size (never shrinks). */
export async function growDisks(disks: readonly GuestDisk[], instance: VirtInstance): Promise<void> {
  for (const disk of disks) {
    if (disk.name === 'disk' && instance.root_gb > 0) await extend(disk.path, instance.root_gb * GiB);
    if (disk.name === 'disk.local' && instance.ephemeral_gb > 0) await extend(disk.path, instance.ephemeral_gb * GiB);
  }
}

/** After a confirm: the kept original goes. */
export async function confirmResize(paths: InstancePaths): Promise<void> {
  await rm(paths.resizeDir, { recursive: true, force: true });
}

/** After a revert: the resized copy goes and the original comes back. False when there was nothing kept. */
export async function revertResize(paths: InstancePaths): Promise<boolean> {
  if (!existsSync(paths.resizeDir)) return false;
  await rm(paths.dir, { recursive: true, force: true });
  await rename(paths.resizeDir, paths.dir);
  return true;
}
