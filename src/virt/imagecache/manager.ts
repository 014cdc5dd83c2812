import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getLogger } from '../../common/log.js';
import { imageInfo } from '../disk/qemu-img.js';
import { cacheNameFor } from '../instance-paths.js';
import type { VirtInstance } from '../types.js';

const log = getLogger('nova.virt.imagecache');

export interface ImageCacheSettings {
  removeUnusedBaseImages: boolean;
  removeUnusedKernels: boolean;
  resizedMinimumAgeSeconds: number;
  originalMinimumAgeSeconds: number;
  checksumBaseImages: boolean;
  checksumIntervalSeconds: number;
  /** `image_info_filename_pattern` with `%(image)s` for the base's name; null means `<base>.info` beside it. */
  infoFilePattern?: string | null;
}

/** What one pass found and did, by base file name. */
export interface CachePassReport {
  active: string[];
  removed: string[];
  /** Unused, but not old enough yet. */
  kept: string[];
  /** Checksum stored earlier no longer matches the file. */
  corrupt: string[];
}

/** `<sha1>` is an original; `<sha1>_<suffix>` a resized (or `_sm`) copy; the rest is not ours to judge. */
const ORIGINAL = /^[0-9a-f]{40}$/;
const RESIZED = /^([0-9a-f]{40})_[0-9A-Za-z]+$/;

interface InfoFile {
  sha1?: string;
  /** Seconds since the epoch when sha1 was computed. */
  'last-sha1'?: number;
}

async function sha1Of(path: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * One pass of the image cache manager over `<instances_path>/_base` (Grizzly's
 * verify_base_images): a base is in use when an instance's image, kernel or ramdisk
 * maps to it, or when a disk in any instance directory is backed by it (the cache may
 * be shared by several hosts). In-use bases are touched; unused ones are removed once
 * older than the original/resized minimum age. With checksums on, each in-use base's
 * SHA-1 is stored in `<name>.info` and checked again every checksum interval.
 */
export class ImageCacheManager {
  constructor(
    readonly instancesPath: string,
    readonly baseDir: string,
    readonly settings: ImageCacheSettings,
    /** The clock, in ms since the epoch (tests move it). */
    readonly now: () => number = Date.now,
  ) {}

  async verifyBaseImages(instances: readonly VirtInstance[]): Promise<CachePassReport> {
    const report: CachePassReport = { active: [], removed: [], kept: [], corrupt: [] };
    let entries: string[];
    try {
      entries = await readdir(this.baseDir);
    } catch {
      return report;
    }
    const bases = entries.filter((n) => ORIGINAL.test(n) || RESIZED.test(n));
    const used = await this.#usedNames(instances);
    const now = this.now();
    for (const name of bases) {
      const path = join(this.baseDir, name);
      const original = ORIGINAL.test(name) ? name : (RESIZED.exec(name)?.[1] as string);
      if (used.has(name) || used.has(original)) {
        report.active.push(name);
        const t = new Date(now);
        await utimes(path, t, t).catch(() => undefined);
        if (this.settings.checksumBaseImages && (await this.#checksumMismatch(name, path, now))) report.corrupt.push(name);
        continue;
      }
      const ageSeconds = (now - (await stat(path)).mtimeMs) / 1000;
      const minimum = ORIGINAL.test(name) ? this.settings.originalMinimumAgeSeconds : this.settings.resizedMinimumAgeSeconds;
      if (!this.settings.removeUnusedBaseImages || ageSeconds < minimum) {
        report.kept.push(name);
        continue;
      }
      await rm(path, { force: true });
      await rm(this.#infoFile(name), { force: true });
      report.removed.push(name);
      log.info({ base: name, age_seconds: Math.round(ageSeconds) }, 'removed unused base image');
    }
    return report;
  }

  /** Base names the instances use, by image id and by the backing files of disks on disk. */
  async #usedNames(instances: readonly VirtInstance[]): Promise<Set<string>> {
    const used = new Set<string>();
    for (const instance of instances) {
      if (instance.image_ref) used.add(cacheNameFor(instance.image_ref));
      for (const id of [instance.kernel_id, instance.ramdisk_id]) if (id) used.add(cacheNameFor(id));
    }
    let dirs: string[] = [];
    try {
      dirs = await readdir(this.instancesPath);
    } catch {
      return used;
    }
    for (const dir of dirs) {
      const full = join(this.instancesPath, dir);
      if (full === this.baseDir) continue;
      let files: string[];
      try {
        files = await readdir(full);
      } catch {
        continue;
      }
      for (const f of files.filter((n) => n === 'disk' || n.startsWith('disk.'))) {
        try {
          const backing = (await imageInfo(join(full, f))).backingFile;
          if (backing?.startsWith(`${this.baseDir}/`)) used.add(backing.slice(this.baseDir.length + 1));
        } catch {
          // Not an image (or vanished): it pins nothing.
        }
      }
    }
    return used;
  }

  #infoFile(name: string): string {
    const pattern = this.settings.infoFilePattern;
    return pattern ? pattern.replace('%(image)s', name) : join(this.baseDir, `${name}.info`);
  }

  async #checksumMismatch(name: string, path: string, now: number): Promise<boolean> {
    const infoPath = this.#infoFile(name);
    let info: InfoFile = {};
    if (existsSync(infoPath)) {
      try {
        info = JSON.parse(await readFile(infoPath, 'utf8')) as InfoFile;
      } catch {
        info = {};
      }
    }
    const due = !info.sha1 || !info['last-sha1'] || now / 1000 - info['last-sha1'] >= this.settings.checksumIntervalSeconds;
    if (!due) return false;
    const actual = await sha1Of(path);
    if (info.sha1 && info.sha1 !== actual) {
      log.error({ base: name, stored: info.sha1, actual }, 'image verification failed: the base image changed on disk');
      return true;
    }
    await writeFile(infoPath, JSON.stringify({ sha1: actual, 'last-sha1': Math.floor(now / 1000) }));
    return false;
  }
}
