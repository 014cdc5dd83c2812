import { getLogger } from '../../common/log.js';
import { execute } from '../process-utils.js';
import { createBlank, imageInfo, resize } from './qemu-img.js';

const log = getLogger('nova.virt.disk');

/**
 * Grows a disk to `sizeBytes` (never shrinks it). A raw image holding a bare ext
 * filesystem has that filesystem grown too; anything else (partitioned disks, qcow2
 * overlays) is left for the guest to grow, as Grizzly does.
 */
export async function extend(path: string, sizeBytes: number): Promise<void> {
  const info = await imageInfo(path);
  if (info.virtualSize >= sizeBytes) return;
  await resize(path, sizeBytes);
  if (info.format !== 'raw') return;
  try {
    await execute('e2label', [path]);
  } catch {
    return;
  }
  // Exit codes of fsck and resize2fs are ignored: a filesystem they cannot handle stays as it was.
  await execute('e2fsck', ['-fp', path], { okCodes: [0, 1, 2, 4, 8] }).catch(() => undefined);
  await execute('resize2fs', [path], { okCodes: [0, 1] }).catch((err: unknown) => log.warn({ err, path }, 'could not grow the filesystem'));
}

/** The mkfs command `virt_mkfs` configures for an OS type (`default` when it names none). */
export function mkfsCommand(virtMkfs: readonly string[], osType: string | null | undefined, label: string, target: string): string[] {
  const table = new Map<string, string>();
  for (const entry of virtMkfs) {
    const eq = entry.indexOf('=');
    if (eq > 0) table.set(entry.slice(0, eq).trim(), entry.slice(eq + 1).trim());
  }
  const template = (osType && table.get(osType)) || table.get('default') || 'mkfs.ext3 -L %(fs_label)s -F %(target)s';
  return template
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => word.replace('%(fs_label)s', label).replace('%(target)s', target));
}

/** A raw file of `sizeBytes` with a filesystem: `fsFormat` when set, else the OS type's mkfs command. */
export async function createEphemeral(
  target: string,
  sizeBytes: number,
  label: string,
  options: { fsFormat: string | null; osType?: string | null; virtMkfs: readonly string[] },
): Promise<void> {
  await createBlank(target, 'raw', sizeBytes);
  const [command, ...args] = options.fsFormat
    ? [`mkfs.${options.fsFormat}`, ...mkfsFlags(options.fsFormat, label), target]
    : mkfsCommand(options.virtMkfs, options.osType, label, target);
  await execute(command as string, args);
}

function mkfsFlags(fs: string, label: string): string[] {
  if (fs === 'vfat' || fs === 'msdos') return ['-n', label];
  if (fs === 'ntfs') return ['--force', '--fast', '--label', label];
  if (fs.startsWith('ext')) return ['-F', '-L', label];
  return ['-L', label];
}

export async function createSwap(target: string, sizeBytes: number): Promise<void> {
  await createBlank(target, 'raw', sizeBytes);
  await execute('mkswap', [target]);
}
