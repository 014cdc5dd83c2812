/**
 * Making an EC2 image bundle as euca-bundle-image does: the image tarred and gzipped,
 * encrypted with AES-128-CBC under a fresh key and IV, split into parts, and a manifest
 * in which the key and IV (as hex text) are wrapped with the cloud's certificate (and
 * the user's, when given) and the machine configuration and image sections are signed
 * with the user's key.
 */
import { constants, createCipheriv, createHash, createPublicKey, createSign, publicEncrypt, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PassThrough, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { TAR_END, tarFileHeader, tarPadding } from '../common/tar.js';
import { type BundleImageType, buildBundleManifest, type ManifestInput, manifestSignedPart } from './bundle-manifest.js';

export const DEFAULT_PART_SIZE = 10 * 1024 * 1024;

export interface BundleOptions {
  image: string;
  destination: string;
  /** Base name of the parts and manifest; default the image's file name. */
  prefix?: string;
  /** PEM of the cloud's certificate (os-certificates/root, `--ec2cert`). */
  ec2Cert: string;
  /** PEM of the user's certificate and key (os-certificates POST); optional. */
  userCert?: string;
  userKey?: string;
  user: string;
  type?: BundleImageType;
  architecture?: string;
  kernelId?: string;
  ramdiskId?: string;
  mappings?: { virtual: string; device: string }[];
  partSize?: number;
}

export interface Bundle {
  manifest: string;
  parts: string[];
}

function wrap(pem: string, hexText: string): string {
  return publicEncrypt({ key: createPublicKey(pem), padding: constants.RSA_PKCS1_PADDING }, Buffer.from(hexText, 'utf8')).toString('hex');
}

/** Writes its input into numbered part files of at most `partSize` bytes, hashing each. */
class PartWriter extends Writable {
  readonly parts: { filename: string; sha1: string; path: string }[] = [];
  #current: {
    fd: Awaited<ReturnType<typeof open>>;
    size: number;
    hash: ReturnType<typeof createHash>;
    path: string;
    filename: string;
  } | null = null;

  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private readonly partSize: number,
  ) {
    super();
  }

  async #close(): Promise<void> {
    const c = this.#current;
    if (!c) return;
    await c.fd.close();
    this.parts.push({ filename: c.filename, sha1: c.hash.digest('hex'), path: c.path });
    this.#current = null;
  }

  async #write(chunk: Buffer): Promise<void> {
    let rest = chunk;
    while (rest.length > 0) {
      if (!this.#current) {
        const filename = `${this.prefix}.part.${String(this.parts.length).padStart(2, '0')}`;
        const path = join(this.dir, filename);
        this.#current = { fd: await open(path, 'w'), size: 0, hash: createHash('sha1'), path, filename };
      }
      const c = this.#current;
      const piece = rest.subarray(0, this.partSize - c.size);
      await c.fd.write(piece);
      c.hash.update(piece);
      c.size += piece.length;
      rest = rest.subarray(piece.length);
      if (c.size >= this.partSize) await this.#close();
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.#write(chunk).then(() => done(), done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.#close().then(() => done(), done);
  }
}

export async function bundleImage(o: BundleOptions): Promise<Bundle> {
  const prefix = o.prefix ?? basename(o.image);
  const size = (await stat(o.image)).size;
  const key = randomBytes(16).toString('hex');
  const iv = randomBytes(16).toString('hex');
  const tarHash = createHash('sha1');
  const parts = new PartWriter(o.destination, prefix, o.partSize ?? DEFAULT_PART_SIZE);
  const tar = new PassThrough();
  const done = pipeline(
    tar,
    new Transform({
      transform(chunk: Buffer, _enc, cb) {
        tarHash.update(chunk);
        cb(null, chunk);
      },
    }),
    createGzip(),
    createCipheriv('aes-128-cbc', Buffer.from(key, 'hex'), Buffer.from(iv, 'hex')),
    parts,
  );
  tar.write(tarFileHeader(basename(o.image), size, new Date()));
  for await (const chunk of createReadStream(o.image)) {
    if (!tar.write(chunk)) await new Promise((r) => tar.once('drain', r));
  }
  tar.write(tarPadding(size));
  tar.end(TAR_END);
  await done;
  const bundledSize = (await Promise.all(parts.parts.map((p) => stat(p.path)))).reduce((n, s) => n + s.size, 0);
  const input: ManifestInput = {
    name: prefix,
    user: o.user,
    type: o.type ?? 'ami',
    architecture: o.architecture ?? 'x86_64',
    ...(o.kernelId ? { kernelId: o.kernelId } : {}),
    ...(o.ramdiskId ? { ramdiskId: o.ramdiskId } : {}),
    mappings: o.mappings ?? [],
    sha1: tarHash.digest('hex'),
    size,
    bundledSize,
    ec2EncryptedKey: wrap(o.ec2Cert, key),
    ec2EncryptedIv: wrap(o.ec2Cert, iv),
    ...(o.userCert ? { userEncryptedKey: wrap(o.userCert, key), userEncryptedIv: wrap(o.userCert, iv) } : {}),
    parts: parts.parts.map((p) => ({ filename: p.filename, sha1: p.sha1 })),
  };
  const signature = o.userKey ? createSign('sha1').update(manifestSignedPart(input)).sign(o.userKey, 'hex') : null;
  const manifest = join(o.destination, `${prefix}.manifest.xml`);
  await writeFile(manifest, buildBundleManifest(input, signature));
  return { manifest, parts: parts.parts.map((p) => p.path) };
}
