import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { Invalid } from '../../common/errors.js';
import { MiB } from '../disk/qemu-img.js';
import { execute } from '../process-utils.js';
import type { ConfigDriveContents } from '../types.js';

export const CONFIG_DRIVE_LABEL = 'config-2';
/** Grizzly makes vfat config drives this large. */
const VFAT_SIZE = 64 * MiB;

export interface ConfigDriveOptions {
  format: 'iso9660' | 'vfat';
  /** Command that builds ISO9660 images (`mkisofs_cmd`). */
  mkisofsCmd: string;
  /** Where the tree is assembled before it becomes an image; the system temp dir when null. */
  tempDir: string | null;
  /** Written into the ISO's publisher field. */
  publisher?: string;
}

export class InvalidConfigDrivePath extends Invalid {
  constructor(path: string) {
    super(`Config drive path ${path} leaves the drive`, { kwargs: { path } });
  }
}

/**
 * Builds a config drive image labelled `config-2` from a map of files: ISO9660 with
 * Grizzly's genisoimage flags, or a 64 MiB vfat filesystem filled through mtools (no loop
 * mount, so no root needed). The contents come from the caller; this only makes the image.
 */
export async function buildConfigDrive(contents: ConfigDriveContents, target: string, options: ConfigDriveOptions): Promise<void> {
  const tree = await mkdtemp(join(options.tempDir ?? tmpdir(), 'cd_gen_'));
  try {
    const dirs = new Set<string>();
    for (const [path, data] of contents.files) {
      const rel = normalize(path).replace(/^\/+/, '');
      if (rel === '' || rel === '.' || rel.startsWith(`..${sep}`) || rel === '..') throw new InvalidConfigDrivePath(path);
      const file = join(tree, rel);
      await mkdir(dirname(file), { recursive: true });
      for (let d = dirname(rel); d !== '.' && d !== ''; d = dirname(d)) dirs.add(d);
      await writeFile(file, data);
    }
    await rm(target, { force: true });
    if (options.format === 'iso9660') {
      await execute(options.mkisofsCmd, [
        '-o',
        target,
        '-ldots',
        '-allow-lowercase',
        '-allow-multidot',
        '-l',
        '-publisher',
        options.publisher ?? 'OpenStack Nova',
        '-quiet',
        '-J',
        '-r',
        '-V',
        CONFIG_DRIVE_LABEL,
        tree,
      ]);
    } else {
      await execute('truncate', ['-s', String(VFAT_SIZE), target]);
      await execute('mkfs.vfat', ['-n', CONFIG_DRIVE_LABEL, target]);
      // Directories first, parents before children, then every file.
      for (const d of [...dirs].sort((a, b) => a.length - b.length)) await execute('mmd', ['-i', target, `::/${d.split(sep).join('/')}`]);
      for (const path of contents.files.keys()) {
        const rel = normalize(path).replace(/^\/+/, '');
        await execute('mcopy', ['-o', '-i', target, join(tree, rel), `::/${rel.split(sep).join('/')}`]);
      }
    }
  } catch (err) {
    await rm(target, { force: true });
    throw err;
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}
