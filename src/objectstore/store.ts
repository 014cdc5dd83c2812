/**
 * nova-objectstore's files: a bucket is a directory under `buckets_path`, an object a
 * file in it. A key becomes a single file name with `%`, `/`, control characters and a
 * leading `.` percent-encoded, so no key can reach outside its bucket and keys may
 * contain `/`. Beside the buckets, `.meta/` records who owns each bucket and each
 * object's ETag and content type, `.tmp/` holds uploads in progress (moved into place
 * once complete and checked) and `.uploads/` the parts of multipart uploads.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type Stats } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { S3Error } from './errors.js';

export interface BucketInfo {
  name: string;
  owner: string;
  created: Date;
}

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
  etag: string;
  contentType: string;
  path: string;
}

export interface PutChecks {
  /** Hex SHA-256 the client signed (SigV4). */
  sha256?: string;
  /** base64 MD5 of Content-MD5. */
  md5?: string;
}

export interface ListOptions {
  prefix: string;
  /** Keys strictly after this one. */
  after: string;
  maxKeys: number;
  delimiter: string;
}

export interface ListResult {
  contents: ObjectInfo[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned. */
  last: string | null;
}

interface ObjectMeta {
  etag: string;
  contentType: string;
}

interface UploadMeta {
  bucket: string;
  key: string;
  owner: string;
  contentType: string;
}

const MAX_FILE_NAME = 255;

export function validBucketName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/.test(name) && !name.includes('..');
}

export function encodeKey(key: string): string {
  let out = '';
  for (const ch of key) {
    const code = ch.codePointAt(0) as number;
    out +=
      ch === '%' || ch === '/' || ch === '\\' || code < 0x20 || code === 0x7f ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : ch;
  }
  return out.startsWith('.') ? `%2E${out.slice(1)}` : out;
}

export function decodeKey(name: string): string {
  return name.replace(/%([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function hashing(...hashes: ReturnType<typeof createHash>[]): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      for (const h of hashes) h.update(chunk);
      done(null, chunk);
    },
  });
}

async function md5OfFile(path: string): Promise<Buffer> {
  const md5 = createHash('md5');
  for await (const chunk of createReadStream(path)) md5.update(chunk as Buffer);
  return md5.digest();
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return null;
    throw err;
  }
}

export class ObjectStore {
  constructor(readonly root: string) {}

  async init(): Promise<void> {
    for (const dir of [this.root, this.#meta('buckets'), this.#meta('objects'), join(this.root, '.tmp'), join(this.root, '.uploads')]) {
      await mkdir(dir, { recursive: true });
    }
  }

  #meta(...parts: string[]): string {
    return join(this.root, '.meta', ...parts);
  }

  #bucketDir(bucket: string): string {
    if (!validBucketName(bucket)) throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.', 400);
    return join(this.root, bucket);
  }

  #objectPath(bucket: string, key: string): string {
    const name = encodeKey(key);
    if (key === '' || Buffer.byteLength(name) > MAX_FILE_NAME) throw new S3Error('KeyTooLongError', 'Your key is too long.', 400);
    return join(this.#bucketDir(bucket), name);
  }

  async bucket(name: string): Promise<BucketInfo | null> {
    const s = await statOrNull(this.#bucketDir(name));
    if (!s?.isDirectory()) return null;
    const meta = await readJson<{ owner: string }>(this.#meta('buckets', `${name}.json`));
    return { name, owner: meta?.owner ?? '', created: s.birthtime.getTime() > 0 ? s.birthtime : s.ctime };
  }

  async requireBucket(name: string): Promise<BucketInfo> {
    const found = await this.bucket(name);
    if (!found) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404);
    return found;
  }

  async listBuckets(): Promise<BucketInfo[]> {
    const out: BucketInfo[] = [];
    for (const entry of (await readdir(this.root, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const info = await this.bucket(entry.name);
      if (info) out.push(info);
    }
    return out;
  }

  async createBucket(name: string, owner: string): Promise<void> {
    const dir = this.#bucketDir(name);
    try {
      await mkdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const existing = await this.bucket(name);
      if (existing?.owner === owner)
        throw new S3Error(
          'BucketAlreadyOwnedByYou',
          'Your previous request to create the named bucket succeeded and you already own it.',
          409,
        );
      throw new S3Error('BucketAlreadyExists', 'The requested bucket name is not available.', 409);
    }
    await mkdir(this.#meta('objects', name), { recursive: true });
    await writeFile(this.#meta('buckets', `${name}.json`), JSON.stringify({ owner }));
  }

  async deleteBucket(name: string): Promise<void> {
    await this.requireBucket(name);
    try {
      await rmdir(this.#bucketDir(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOTEMPTY')
        throw new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409);
      throw err;
    }
    await rm(this.#meta('objects', name), { recursive: true, force: true });
    await rm(this.#meta('buckets', `${name}.json`), { force: true });
  }

  async #info(bucket: string, key: string, path: string, s: Stats): Promise<ObjectInfo> {
    let meta = await readJson<ObjectMeta>(this.#meta('objects', bucket, `${encodeKey(key)}.json`));
    if (!meta) {
      meta = { etag: `"${(await md5OfFile(path)).toString('hex')}"`, contentType: 'binary/octet-stream' };
    }
    return { key, size: s.size, lastModified: s.mtime, etag: meta.etag, contentType: meta.contentType, path };
  }

  async getObject(bucket: string, key: string): Promise<ObjectInfo> {
    await this.requireBucket(bucket);
    const path = this.#objectPath(bucket, key);
    const s = await statOrNull(path);
    if (!s?.isFile()) throw new S3Error('NoSuchKey', 'The specified key does not exist.', 404);
    return this.#info(bucket, key, path, s);
  }

  async #commit(bucket: string, key: string, tmp: string, meta: ObjectMeta): Promise<void> {
    await mkdir(this.#meta('objects', bucket), { recursive: true });
    await writeFile(this.#meta('objects', bucket, `${encodeKey(key)}.json`), JSON.stringify(meta));
    await rename(tmp, this.#objectPath(bucket, key));
  }

  /** Stores an object; the data lands in place only once it is complete and matches the client's digests. */
  async putObject(bucket: string, key: string, data: Readable, contentType: string, checks: PutChecks = {}): Promise<string> {
    await this.requireBucket(bucket);
    this.#objectPath(bucket, key);
    const tmp = join(this.root, '.tmp', randomUUID());
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    try {
      await pipeline(data, hashing(md5, sha256), createWriteStream(tmp));
      const md5Raw = md5.digest();
      if (checks.md5 !== undefined && checks.md5 !== md5Raw.toString('base64')) {
        throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
      }
      if (checks.sha256 !== undefined && checks.sha256 !== sha256.digest('hex')) {
        throw new S3Error('XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.', 400);
      }
      const etag = `"${md5Raw.toString('hex')}"`;
      await this.#commit(bucket, key, tmp, { etag, contentType });
      return etag;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.requireBucket(bucket);
    const path = this.#objectPath(bucket, key);
    try {
      await unlink(path);
    } catch (err) {
      // S3 answers a delete of a missing key with success.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await rm(this.#meta('objects', bucket, `${encodeKey(key)}.json`), { force: true });
  }

  async listObjects(bucket: string, o: ListOptions): Promise<ListResult> {
    await this.requireBucket(bucket);
    const dir = this.#bucketDir(bucket);
    const keys = (await readdir(dir))
      .map((name) => ({ name, key: decodeKey(name) }))
      .filter((e) => e.key.startsWith(o.prefix) && e.key > o.after)
      .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    const contents: ObjectInfo[] = [];
    const commonPrefixes: string[] = [];
    let last: string | null = null;
    let truncated = false;
    for (const { name, key } of keys) {
      let prefix: string | null = null;
      if (o.delimiter !== '') {
        const at = key.indexOf(o.delimiter, o.prefix.length);
        if (at >= 0) prefix = key.slice(0, at + o.delimiter.length);
      }
      if (prefix !== null && commonPrefixes.includes(prefix)) continue;
      if (contents.length + commonPrefixes.length >= o.maxKeys) {
        truncated = true;
        break;
      }
      if (prefix !== null) {
        commonPrefixes.push(prefix);
        last = prefix;
        continue;
      }
      const path = join(dir, name);
      const s = await statOrNull(path);
      if (!s?.isFile()) continue;
      contents.push(await this.#info(bucket, key, path, s));
      last = key;
    }
    return { contents, commonPrefixes, truncated, last };
  }

  // ---- multipart uploads ----------------------------------------------------

  #uploadDir(uploadId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(uploadId)) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', 404);
    return join(this.root, '.uploads', uploadId);
  }

  async createUpload(bucket: string, key: string, owner: string, contentType: string): Promise<string> {
    await this.requireBucket(bucket);
    this.#objectPath(bucket, key);
    const uploadId = randomUUID();
    await mkdir(this.#uploadDir(uploadId));
    await writeFile(
      join(this.#uploadDir(uploadId), 'upload.json'),
      JSON.stringify({ bucket, key, owner, contentType } satisfies UploadMeta),
    );
    return uploadId;
  }

  async upload(uploadId: string, bucket: string, key: string): Promise<UploadMeta> {
    const meta = await readJson<UploadMeta>(join(this.#uploadDir(uploadId), 'upload.json'));
    if (!meta || meta.bucket !== bucket || meta.key !== key) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', 404);
    return meta;
  }

  async putPart(uploadId: string, partNumber: number, data: Readable, checks: PutChecks = {}): Promise<string> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) {
      throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive.', 400);
    }
    const dir = this.#uploadDir(uploadId);
    const tmp = join(dir, `${partNumber}.${randomUUID()}.tmp`);
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    try {
      await pipeline(data, hashing(md5, sha256), createWriteStream(tmp));
      if (checks.sha256 !== undefined && checks.sha256 !== sha256.digest('hex')) {
        throw new S3Error('XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.', 400);
      }
      const md5Raw = md5.digest();
      if (checks.md5 !== undefined && checks.md5 !== md5Raw.toString('base64')) {
        throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
      }
      await rename(tmp, join(dir, String(partNumber)));
      return `"${md5Raw.toString('hex')}"`;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Joins the parts the client lists (in order, each with the ETag it got) into the object. */
  async completeUpload(uploadId: string, bucket: string, key: string, parts: { partNumber: number; etag: string }[]): Promise<string> {
    const meta = await this.upload(uploadId, bucket, key);
    const dir = this.#uploadDir(uploadId);
    if (parts.length === 0)
      throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.', 400);
    const digests: Buffer[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as { partNumber: number; etag: string };
      if (i > 0 && part.partNumber <= (parts[i - 1] as { partNumber: number }).partNumber) {
        throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order.', 400);
      }
      const path = join(dir, String(part.partNumber));
      if (!(await statOrNull(path))) throw new S3Error('InvalidPart', 'One or more of the specified parts could not be found.', 400);
      const digest = await md5OfFile(path);
      if (part.etag.replace(/"/g, '') !== digest.toString('hex'))
        throw new S3Error('InvalidPart', 'One or more of the specified parts could not be found.', 400);
      digests.push(digest);
    }
    const tmp = join(this.root, '.tmp', randomUUID());
    try {
      const out = createWriteStream(tmp);
      for (const part of parts) await pipeline(createReadStream(join(dir, String(part.partNumber))), out, { end: false });
      out.end();
      await new Promise<void>((resolve, reject) => {
        out.once('finish', resolve);
        out.once('error', reject);
      });
      const etag = `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${parts.length}"`;
      await this.requireBucket(bucket);
      await this.#commit(bucket, key, tmp, { etag, contentType: meta.contentType });
      await rm(dir, { recursive: true, force: true });
      return etag;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async abortUpload(uploadId: string, bucket: string, key: string): Promise<void> {
    await this.upload(uploadId, bucket, key);
    await rm(this.#uploadDir(uploadId), { recursive: true, force: true });
  }
}
