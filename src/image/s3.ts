/**
 * Registering an image from an EC2 bundle in the object store, as Grizzly's
 * nova/image/s3.py does: the manifest is read at once and the image created `queued`
 * with `image_state=pending`; then, in the background, the parts are downloaded
 * (`downloading`), the AES key and IV are unwrapped by nova-cert and the data decrypted
 * (`decrypting`), the tar unpacked (`untarring`) and the image uploaded (`uploading`),
 * ending `available`, or `failed_download` / `failed_decrypt` / `failed_untar` /
 * `failed_upload` at the step that went wrong. Part and image digests are checked.
 */
import { createDecipheriv, createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as pipe, type Readable, Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Invalid, NotFound } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { extractFirstFile } from '../common/tar.js';
import type { RequestContext } from '../context/context.js';
import { type BundleManifest, InvalidBundleManifest, parseBundleManifest } from './bundle-manifest.js';
import type { ImageService, NovaImage } from './glance-client.js';
import type { ObjectReader } from './s3-client.js';

const log = getLogger('nova.image.s3');

/** A manifest that cannot be read or makes no sense. */
export class InvalidManifest extends Invalid {}

export interface BundleRegistration {
  /** `bucket/path/name.manifest.xml`. */
  location: string;
  name?: string;
  description?: string;
  architecture?: string;
  rootDeviceName?: string;
  /** Nova's `block_device_mapping` image property entries. */
  blockDeviceMapping?: Record<string, unknown>[];
  /** Glance ids of the kernel and ramdisk, overriding the manifest's. */
  kernelId?: string;
  ramdiskId?: string;
}

export interface BundleRegistrar {
  register(ctx: RequestContext, registration: BundleRegistration): Promise<NovaImage>;
}

export interface S3ImageDeps {
  images: ImageService;
  objects: ObjectReader;
  /** nova-cert's decrypt_text. */
  decryptText(ctx: RequestContext, projectId: string | null, text: string): Promise<string>;
  /** The Glance id of an `aki-`/`ari-` id a manifest names. */
  resolveImageId(ctx: RequestContext, ec2Id: string): Promise<string>;
  decryptionDir: string;
}

/** A failed step: the state it leaves the image in, and why. */
class StepFailed extends Error {
  constructor(
    readonly state: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Passes data through while hashing it. */
function hashing(hash: Hash): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

function splitLocation(location: string): { bucket: string; key: string } {
  const slash = location.indexOf('/');
  if (slash <= 0 || slash === location.length - 1) {
    throw new InvalidManifest(`Invalid image location ${location}: expected bucket/manifest.`);
  }
  return { bucket: location.slice(0, slash), key: location.slice(slash + 1) };
}

const HEX32 = /^[0-9a-fA-F]{32}$/;

export class S3ImageRegistrar implements BundleRegistrar {
  readonly #inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: S3ImageDeps) {}

  async register(ctx: RequestContext, r: BundleRegistration): Promise<NovaImage> {
    const { bucket, key } = splitLocation(r.location);
    let manifest: BundleManifest;
    try {
      manifest = parseBundleManifest(await readAll(await this.deps.objects.get(ctx, bucket, key)));
    } catch (err) {
      if (err instanceof InvalidBundleManifest) throw new InvalidManifest(`The manifest ${r.location} is invalid: ${err.message}`);
      if (err instanceof NotFound) throw new InvalidManifest(`The manifest ${r.location} does not exist.`);
      throw err;
    }
    const kernelId = r.kernelId ?? (manifest.kernelId ? await this.deps.resolveImageId(ctx, manifest.kernelId) : undefined);
    const ramdiskId = r.ramdiskId ?? (manifest.ramdiskId ? await this.deps.resolveImageId(ctx, manifest.ramdiskId) : undefined);
    const properties: Record<string, string> = {
      image_location: r.location,
      architecture: r.architecture ?? manifest.architecture,
      image_state: 'pending',
    };
    if (kernelId) properties.kernel_id = kernelId;
    if (ramdiskId) properties.ramdisk_id = ramdiskId;
    if (manifest.mappings.length > 0) properties.mappings = JSON.stringify(manifest.mappings);
    if (r.rootDeviceName) properties.root_device_name = r.rootDeviceName;
    if (r.blockDeviceMapping) properties.block_device_mapping = JSON.stringify(r.blockDeviceMapping);
    if (r.description) properties.description = r.description;
    const image = await this.deps.images.create(ctx, {
      name: r.name ?? r.location,
      disk_format: manifest.type,
      container_format: manifest.type,
      is_public: false,
      properties,
    });
    const job = this.#unbundle(ctx, image.id, bucket, manifest).finally(() => this.#inFlight.delete(job));
    this.#inFlight.add(job);
    return image;
  }

  /** Resolves once every registration started so far has reached its final state. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async #setState(ctx: RequestContext, imageId: string, state: string): Promise<void> {
    await this.deps.images.update(ctx, imageId, { properties: { image_state: state } }, { purgeProps: false });
  }

  async #unbundle(ctx: RequestContext, imageId: string, bucket: string, manifest: BundleManifest): Promise<void> {
    let dir: string | null = null;
    try {
      await mkdir(this.deps.decryptionDir, { recursive: true });
      dir = await mkdtemp(join(this.deps.decryptionDir, 'nova-bundle-'));
      await this.#setState(ctx, imageId, 'downloading');
      const encrypted = join(dir, 'image.encrypted');
      await this.#download(ctx, bucket, manifest, encrypted);
      await this.#setState(ctx, imageId, 'decrypting');
      const tarball = join(dir, 'image.tar.gz');
      await this.#decrypt(ctx, manifest, encrypted, tarball);
      await this.#setState(ctx, imageId, 'untarring');
      const imageFile = join(dir, await this.#untar(manifest, tarball, join(dir, 'unpacked')));
      await this.#setState(ctx, imageId, 'uploading');
      try {
        await this.deps.images.update(ctx, imageId, {}, { purgeProps: false, data: createReadStream(imageFile) });
      } catch (err) {
        throw new StepFailed('failed_upload', `uploading the image failed: ${(err as Error).message}`, { cause: err });
      }
      await this.#setState(ctx, imageId, 'available');
      log.info({ image_id: imageId, request_id: ctx.requestId }, 'bundle registered');
    } catch (err) {
      const state = err instanceof StepFailed ? err.state : 'failed_download';
      log.warn({ err, image_id: imageId, state, request_id: ctx.requestId }, 'bundle registration failed');
      await this.#setState(ctx, imageId, state).catch((e: unknown) => {
        log.error({ err: e, image_id: imageId }, 'could not record the failed state of a bundle registration');
      });
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }

  async #download(ctx: RequestContext, bucket: string, manifest: BundleManifest, target: string): Promise<void> {
    const out = createWriteStream(target);
    try {
      for (const part of manifest.parts) {
        const hash = createHash('sha1');
        await pipeline(await this.deps.objects.get(ctx, bucket, part.filename), hashing(hash), out, { end: false });
        const digest = hash.digest('hex');
        if (part.sha1 !== null && part.sha1 !== digest)
          throw new Error(`part ${part.filename} has SHA-1 ${digest}, the manifest says ${part.sha1}`);
      }
      out.end();
      await finished(out);
    } catch (err) {
      out.destroy();
      throw new StepFailed('failed_download', `downloading the bundle failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async #decrypt(ctx: RequestContext, manifest: BundleManifest, source: string, target: string): Promise<void> {
    try {
      const unwrap = async (hex: string) => {
        if (!/^[0-9a-fA-F]+$/.test(hex)) throw new Error('the wrapped key is not hex');
        const plain = (await this.deps.decryptText(ctx, ctx.projectId, Buffer.from(hex, 'hex').toString('base64'))).trim();
        if (!HEX32.test(plain)) throw new Error('the unwrapped key is not a 128-bit hex key');
        return Buffer.from(plain, 'hex');
      };
      const key = await unwrap(manifest.encryptedKey);
      const iv = await unwrap(manifest.encryptedIv);
      await pipeline(createReadStream(source), createDecipheriv('aes-128-cbc', key, iv), createWriteStream(target));
    } catch (err) {
      throw new StepFailed('failed_decrypt', `decrypting the bundle failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Unpacks the first file of the archive into `dir`; returns its path relative to the work directory. */
  async #untar(manifest: BundleManifest, tarball: string, dir: string): Promise<string> {
    try {
      await mkdir(dir);
      const hash = createHash('sha1');
      // Errors of any stage reach the reader through the last stream.
      const tar = pipe(createReadStream(tarball), createGunzip(), hashing(hash), () => {});
      const name = await extractFirstFile(tar, dir);
      const digest = hash.digest('hex');
      if (manifest.sha1 !== null && manifest.sha1 !== digest)
        throw new Error(`the archive has SHA-1 ${digest}, the manifest says ${manifest.sha1}`);
      return join('unpacked', name);
    } catch (err) {
      throw new StepFailed('failed_untar', `unpacking the bundle failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
