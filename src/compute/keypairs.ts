/**
 * SSH key pairs: generation (RSA 2048, OpenSSH public key + PKCS#1 PEM private key),
 * validation of imported public keys, MD5 fingerprints as `ssh-keygen -l -E md5` prints
 * them, and the create/import/delete rules (name, quota, uniqueness).
 */
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { Invalid, KeypairLimitExceeded, OverQuota, registerErrors } from '../common/errors.js';
import type { RequestContext } from '../context/context.js';
import type { Db } from '../db/api/common.js';
import { keyPairCreate, keyPairDestroy, keyPairGet, keyPairGetAllByUser } from '../db/api/keypairs.js';
import type { KeyPair } from '../db/types.js';
import type { QuotaEngine } from '../quota/engine.js';

export class InvalidKeypair extends Invalid {}
registerErrors({ InvalidKeypair });

const KEY_TYPES = new Set(['ssh-rsa', 'ssh-dss', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']);

const NAME_PATTERN = /^[a-zA-Z0-9 _-]+$/;

/** The comment a generated public key carries. */
export const GENERATED_KEY_COMMENT = 'Generated-by-Nova';

function invalid(reason: string): InvalidKeypair {
  return new InvalidKeypair(`Keypair data is invalid: ${reason}`, { kwargs: { reason } });
}

/** Throws InvalidKeypair unless the name is 1–255 characters of `[a-zA-Z0-9 _-]`. */
export function validateKeyPairName(name: string): void {
  if (name.length < 1 || name.length > 255) throw invalid('Keypair name must be string and between 1 and 255 characters long');
  if (!NAME_PATTERN.test(name)) throw invalid('Keypair name contains unsafe characters');
}

/** SSH wire encoding of a string (uint32 length, bytes). */
function sshString(data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

/** SSH mpint: big-endian two's complement, a leading zero byte when the top bit is set. */
function sshMpint(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  let bytes = unsigned.subarray(start);
  if (bytes.length > 0 && ((bytes[0] as number) & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return sshString(bytes);
}

/** Splits an SSH wire blob into its length-prefixed fields; throws when it is not one. */
function sshFields(blob: Buffer): Buffer[] {
  const fields: Buffer[] = [];
  let offset = 0;
  while (offset < blob.length) {
    if (offset + 4 > blob.length) throw invalid('failed to parse the public key');
    const len = blob.readUInt32BE(offset);
    offset += 4;
    if (offset + len > blob.length) throw invalid('failed to parse the public key');
    fields.push(blob.subarray(offset, offset + len));
    offset += len;
  }
  return fields;
}

/** `aa:bb:...`: MD5 of the decoded key blob, colon-separated lower-case hex. */
export function fingerprintOfBlob(blob: Buffer): string {
  const hex = createHash('md5').update(blob).digest('hex');
  return hex.match(/../g)?.join(':') ?? '';
}

/** Field counts of each key type's blob (type name included). */
const FIELD_COUNTS: Record<string, number> = {
  'ssh-rsa': 3,
  'ssh-dss': 5,
  'ssh-ed25519': 2,
  'ecdsa-sha2-nistp256': 3,
  'ecdsa-sha2-nistp384': 3,
  'ecdsa-sha2-nistp521': 3,
};

/**
 * Checks an OpenSSH public key line (`<type> <base64> [comment]`) and returns the
 * fingerprint of its blob; InvalidKeypair when it is not a well-formed key.
 */
export function fingerprintOfPublicKey(publicKey: string): string {
  const parts = publicKey.trim().split(/\s+/);
  const [type, data] = parts;
  if (!type || !data || !KEY_TYPES.has(type)) throw invalid('failed to generate fingerprint');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw invalid('failed to generate fingerprint');
  const blob = Buffer.from(data, 'base64');
  const fields = sshFields(blob);
  if (fields.length !== FIELD_COUNTS[type] || fields[0]?.toString('latin1') !== type) throw invalid('failed to generate fingerprint');
  if (type === 'ssh-rsa') {
    const modulus = fields[2] as Buffer;
    const bits = (modulus.length - (modulus[0] === 0 ? 1 : 0)) * 8;
    if (bits < 768 || bits > 16384 || (fields[1] as Buffer).length === 0) throw invalid('failed to generate fingerprint');
  }
  if (type === 'ssh-ed25519' && (fields[1] as Buffer).length !== 32) throw invalid('failed to generate fingerprint');
  return fingerprintOfBlob(blob);
}

export interface GeneratedKeyPair {
  /** `ssh-rsa <base64> Generated-by-Nova` */
  publicKey: string;
  /** PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`). */
  privateKey: string;
  fingerprint: string;
}

/** A fresh RSA 2048 key pair. */
export function generateKeyPair(): GeneratedKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const jwk = createPublicKey(publicKey).export({ format: 'jwk' }) as { n: string; e: string };
  const blob = Buffer.concat([
    sshString(Buffer.from('ssh-rsa', 'latin1')),
    sshMpint(Buffer.from(jwk.e, 'base64url')),
    sshMpint(Buffer.from(jwk.n, 'base64url')),
  ]);
  return {
    publicKey: `ssh-rsa ${blob.toString('base64')} ${GENERATED_KEY_COMMENT}`,
    privateKey,
    fingerprint: fingerprintOfBlob(blob),
  };
}

export interface CreatedKeyPair {
  keypair: KeyPair;
  /** Only for a generated key pair; it is not stored. */
  privateKey: string | null;
}

/**
 * Key pair creation and deletion: name rules, the `key_pairs` quota of the owning user
 * (checked before and rechecked after the row exists, so racing creates cannot both
 * slip under the limit), and uniqueness per user.
 */
export class KeypairAPI {
  constructor(
    private readonly db: Db,
    private readonly quota: QuotaEngine,
  ) {}

  /** Generates a key pair when publicKey is undefined, imports it otherwise. */
  async create(ctx: RequestContext, userId: string, name: string, publicKey?: string): Promise<CreatedKeyPair> {
    validateKeyPairName(name);
    let generated: GeneratedKeyPair | null = null;
    let fingerprint: string;
    let stored: string;
    if (publicKey === undefined) {
      generated = generateKeyPair();
      fingerprint = generated.fingerprint;
      stored = generated.publicKey;
    } else {
      fingerprint = fingerprintOfPublicKey(publicKey);
      stored = publicKey;
    }
    const projectId = ctx.projectId ?? '';
    await this.#checkQuota(() => this.quota.checkDeltas(ctx, projectId, { key_pairs: 1 }, { userId }));
    const keypair = await keyPairCreate(this.db, ctx, { user_id: userId, name, fingerprint, public_key: stored });
    try {
      await this.#checkQuota(() => this.quota.recheck(ctx, projectId, ['key_pairs'], { userId }));
    } catch (err) {
      await keyPairDestroy(this.db, ctx, userId, name);
      throw err;
    }
    return { keypair, privateKey: generated?.privateKey ?? null };
  }

  /** The user's key pairs, by name. */
  list(ctx: RequestContext, userId: string): Promise<KeyPair[]> {
    return keyPairGetAllByUser(this.db, ctx, userId);
  }

  /** One key pair of the user; KeypairNotFound. */
  get(ctx: RequestContext, userId: string, name: string): Promise<KeyPair> {
    return keyPairGet(this.db, ctx, userId, name);
  }

  async delete(ctx: RequestContext, userId: string, name: string): Promise<void> {
    await keyPairDestroy(this.db, ctx, userId, name);
  }

  async #checkQuota(check: () => Promise<void>): Promise<void> {
    try {
      await check();
    } catch (err) {
      if (err instanceof OverQuota) throw new KeypairLimitExceeded('Maximum number of key pairs exceeded');
      throw err;
    }
  }
}
