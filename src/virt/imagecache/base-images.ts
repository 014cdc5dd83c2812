import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ImageNotFound, NovaError } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import { convert, imageInfo } from '../disk/qemu-img.js';
import { cacheNameFor } from '../instance-paths.js';
import { KeyedLock } from '../keyed-lock.js';
import type { ImageSource } from '../types.js';

const log = getLogger('nova.virt.imagecache');

/** A downloaded image carries a backing file reference: refused, it could read any host file. */
export class ImageUnacceptable extends NovaError {
  static override readonly code = 400;
  constructor(imageId: string, reason: string) {
    super(`Image ${imageId} is unacceptable: ${reason}`, { kwargs: { image_id: imageId, reason } });
  }
}

export class InstanceTypeDiskTooSmall extends NovaError {
  constructor() {
    super("Instance type's disk is too small for requested image.");
  }
}

export interface CachedImage {
  path: string;
  format: string;
  virtualSize: number;
}

/**
 * The shared base images under `instances_path/_base`: each image is downloaded once
 * (named by the SHA-1 of its id), converted to raw when `force_raw_images`, and then
 * shared by every instance disk built on it. Concurrent requests for one image wait for
 * one download; a download lands under a temporary name and is renamed into place, so a
 * half-written base is never used.
 */
export class BaseImageCache {
  readonly #lock = new KeyedLock();

  constructor(
    readonly baseDir: string,
    readonly options: { forceRaw: boolean },
  ) {}

  pathFor(imageId: string): string {
    return join(this.baseDir, cacheNameFor(imageId));
  }

  /**
   * The cached copy of an image, downloading it from `images` when it is not there yet.
   * `byPlainId` names the file by the image id instead of its SHA-1: Grizzly's naming of
   * kernels and ramdisks that the cache manager must never remove (remove_unused_kernels off).
   */
  async fetch(imageId: string, images: ImageSource | undefined, options: { byPlainId?: boolean } = {}): Promise<CachedImage> {
    const target = options.byPlainId ? join(this.baseDir, imageId) : this.pathFor(imageId);
    return this.#lock.run(target, async () => {
      if (!existsSync(target)) {
        if (!images) throw new ImageNotFound(`Image ${imageId} is not cached on this host and no image service was given to fetch it.`);
        await this.#download(imageId, images, target);
      } else {
        // Marks the base as used now, for the cache manager's age rules.
        const now = new Date();
        await utimes(target, now, now).catch(() => undefined);
      }
      const info = await imageInfo(target);
      return { path: target, format: info.format, virtualSize: info.virtualSize };
    });
  }

  /** A generated template (ephemeral or swap disk) under a fixed name, made once by `create`. */
  async generated(name: string, create: (target: string) => Promise<void>): Promise<string> {
    const target = join(this.baseDir, name);
    return this.#lock.run(target, async () => {
      if (existsSync(target)) return target;
      await mkdir(this.baseDir, { recursive: true });
      const part = `${target}.part`;
      try {
        await create(part);
        await rename(part, target);
      } finally {
        await rm(part, { force: true });
      }
      return target;
    });
  }

  async #download(imageId: string, images: ImageSource, target: string): Promise<void> {
    await mkdir(this.baseDir, { recursive: true });
    const part = `${target}.part`;
    const converted = `${target}.converted`;
    const started = Date.now();
    try {
      await pipeline(await images.download(imageId), createWriteStream(part));
      const info = await imageInfo(part);
      if (info.backingFile) throw new ImageUnacceptable(imageId, `fmt=${info.format} backed by: ${info.backingFile}`);
      if (this.options.forceRaw && info.format !== 'raw') {
        await convert(part, converted, 'raw', { sourceFormat: info.format });
        await rename(converted, target);
      } else {
        await rename(part, target);
      }
      log.info({ image_id: imageId, ms: Date.now() - started }, 'image fetched into the cache');
    } finally {
      await rm(part, { force: true });
      await rm(converted, { force: true });
    }
  }
}
