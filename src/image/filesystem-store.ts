/**
 * Image data on the local filesystem. An upload is streamed into a hidden temporary
 * file beside its final name and renamed only once it is complete and hashed, so a
 * reader never sees half an image and a failed upload leaves nothing behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getLogger } from '../common/log.js';
import { ImageSizeLimitExceeded, ImageUploadFailed } from './errors.js';

const log = getLogger('nova.image.store');
const TEMP_PREFIX = '.upload-';

export interface StoredData {
  /** File name relative to the store directory. */
  location: string;
  size: number;
  /** Hex MD5 of the data (Glance's `checksum`). */
  checksum: string;
  hashAlgo: 'sha512';
  /** Hex SHA-512 of the data (Glance's `os_hash_value`). */
  hashValue: string;
}

/** Counts and hashes what flows through, and fails once more than `cap` bytes have passed. */
class MeasuringStream extends Transform {
  size = 0;
  readonly md5 = createHash('md5');
  readonly sha512 = createHash('sha512');

  constructor(private readonly cap: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.cap) {
      done(new ImageSizeLimitExceeded(this.cap));
      return;
    }
    this.md5.update(chunk);
    this.sha512.update(chunk);
    done(null, chunk);
  }
}

function isNotFound(err: unknown): boolean {
  return (err as { code?: string }).code === 'ENOENT';
}

export class FilesystemStore {
  constructor(readonly directory: string) {}

  /** Creates the directory and removes temporary files a crashed process left behind. */
  async init(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    for (const name of await readdir(this.directory)) {
      if (name.startsWith(TEMP_PREFIX)) {
        log.warn({ file: name }, 'removing an interrupted upload');
        await unlink(join(this.directory, name)).catch(() => undefined);
      }
    }
  }

  /**
   * Streams `source` into the store under a name derived from `imageId`. On any failure
   * (the source errors or ends early, the cap is passed, the disk fails) the temporary
   * file is removed before the error propagates.
   */
  async write(imageId: string, source: Readable, sizeCap: number): Promise<StoredData> {
    const location = imageId;
    const temp = join(this.directory, `${TEMP_PREFIX}${imageId}-${randomUUID()}`);
    const meter = new MeasuringStream(sizeCap);
    // The source is piped rather than part of the pipeline, so a failure does not destroy
    // the request: the server can still answer (413, 400) before closing the connection.
    const failEarlyEnd = (): void => {
      if (!source.readableEnded) meter.destroy(new Error('the upload ended before all data arrived'));
    };
    const failSource = (err: Error): void => {
      meter.destroy(err);
    };
    source.on('error', failSource);
    source.on('close', failEarlyEnd);
    source.pipe(meter);
    try {
      await pipeline(meter, createWriteStream(temp, { flags: 'wx' }));
      await rename(temp, join(this.directory, location));
    } catch (err) {
      source.unpipe(meter);
      await unlink(temp).catch((e: unknown) => {
        if (!isNotFound(e)) log.error({ err: e, file: temp }, 'could not remove a failed upload');
      });
      if (err instanceof ImageSizeLimitExceeded) throw err;
      throw new ImageUploadFailed(`Error writing image data: ${(err as Error).message}`, { cause: err });
    } finally {
      source.off('error', failSource);
      source.off('close', failEarlyEnd);
    }
    return {
      location,
      size: meter.size,
      checksum: meter.md5.digest('hex'),
      hashAlgo: 'sha512',
      hashValue: meter.sha512.digest('hex'),
    };
  }

  /** A stream of the stored data, or null when the file is missing. */
  async open(location: string): Promise<{ stream: ReadStream; size: number } | null> {
    const path = join(this.directory, location);
    try {
      const info = await stat(path);
      return { stream: createReadStream(path), size: info.size };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async remove(location: string): Promise<void> {
    await unlink(join(this.directory, location)).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
}
