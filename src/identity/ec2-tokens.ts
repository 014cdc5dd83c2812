/**
 * Keystone's `/v3/ec2tokens` and `/v3/s3tokens`: a request signed with an EC2 key pair's
 * secret is exchanged for a project-scoped token of the key pair's user and project. The
 * identity service is the only place that holds the secrets, so it is the one that
 * recomputes the signature.
 */
import { parseAmzDate, parseIsoTimestamp, signaturesEqual } from '../common/aws-signature/canonical.js';
import { type Ec2Credentials, expectedEc2Signatures, UnsupportedSignature } from '../common/aws-signature/ec2.js';
import { MalformedS3Signature, s3SignatureFor } from '../common/aws-signature/s3.js';
import { getLogger } from '../common/log.js';
import { IdentityNotFound, IdentityUnauthorized, IdentityValidationError } from './errors.js';
import type { Ec2Credential, IdentityService, ValidatedToken } from './service.js';

const log = getLogger('nova.identity.ec2_tokens');

/** The auth method a token minted from an EC2 or S3 signature carries. */
export const EC2_AUTH_METHOD = 'ec2credential';

export interface S3TokenCredentials {
  access: string;
  /** base64 of the string to sign. */
  token: string;
  signature: string;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(v)) for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = String(x);
  return out;
}

/** The credentials of a body, under any of the three keys Keystone has accepted over time. */
function credentialsOf(body: unknown): Obj {
  if (!isObj(body) || Object.keys(body).length === 0) throw new IdentityValidationError('request must include a request body');
  const found = [body.credentials, body.credential, body.ec2Credentials].find(isObj);
  return found ?? {};
}

export function parseEc2TokenBody(body: unknown): Ec2Credentials {
  const c = credentialsOf(body);
  if (typeof c.access !== 'string') throw new IdentityUnauthorized('EC2 Signature not supplied');
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    access: c.access,
    signature: str(c.signature),
    host: str(c.host),
    verb: str(c.verb),
    path: str(c.path),
    params: stringRecord(c.params),
    ...(isObj(c.headers) ? { headers: stringRecord(c.headers) } : {}),
    ...(typeof c.body_hash === 'string' ? { body_hash: c.body_hash } : {}),
  };
}

export function parseS3TokenBody(body: unknown): S3TokenCredentials {
  const c = credentialsOf(body);
  if (typeof c.access !== 'string') throw new IdentityUnauthorized('EC2 Signature not supplied');
  if (typeof c.token !== 'string' || typeof c.signature !== 'string') throw new IdentityUnauthorized('Credential signature mismatch');
  return { access: c.access, token: c.token, signature: c.signature };
}

async function keyPair(service: IdentityService, access: string): Promise<Ec2Credential> {
  const found = await service.findEc2Credential(access);
  // Not found is not told apart from other failures beyond the status, as Keystone does.
  if (!found) throw new IdentityNotFound('EC2 access key', 'not found');
  return found;
}

/** The time a request says it was signed (SigV2 Timestamp, SigV4 X-Amz-Date), if it says. */
function signedAt(c: Ec2Credentials): Date | null | undefined {
  const headers = Object.fromEntries(Object.entries(c.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const v2 = c.params.Timestamp;
  if (v2 !== undefined) return parseIsoTimestamp(v2);
  const v4 = headers['x-amz-date'] ?? c.params['X-Amz-Date'];
  if (v4 !== undefined) return parseAmzDate(v4);
  return undefined;
}

/** Checks an EC2 request's signature and age; returns the key pair that signed it. */
export async function verifyEc2Request(service: IdentityService, c: Ec2Credentials, authTtlMinutes: number): Promise<Ec2Credential> {
  const pair = await keyPair(service, c.access);
  if (c.signature === '') throw new IdentityUnauthorized('EC2 signature not supplied.');
  let expected: string[];
  try {
    expected = expectedEc2Signatures(pair.secret, c);
  } catch (err) {
    if (err instanceof UnsupportedSignature) throw new IdentityUnauthorized(`Invalid EC2 signature. ${err.message}`);
    throw err;
  }
  if (!expected.some((e) => signaturesEqual(e, c.signature))) {
    log.info({ access: c.access }, 'EC2 signature mismatch');
    throw new IdentityUnauthorized('Invalid EC2 signature.');
  }
  const at = signedAt(c);
  if (at === null) throw new IdentityUnauthorized('Credential timestamp is invalid.');
  if (at !== undefined && service.now().getTime() > at.getTime() + authTtlMinutes * 60_000) {
    throw new IdentityUnauthorized('Credential is expired');
  }
  return pair;
}

/** `POST /v3/ec2tokens`: checks the signature, then issues a token. */
export async function authenticateEc2(service: IdentityService, c: Ec2Credentials, authTtlMinutes: number): Promise<ValidatedToken> {
  const pair = await verifyEc2Request(service, c, authTtlMinutes);
  return service.issueProjectToken(pair.userId, pair.projectId, EC2_AUTH_METHOD);
}

/** Checks the signature over the string the S3 server computed; returns the key pair that made it. */
export async function verifyS3Request(service: IdentityService, c: S3TokenCredentials): Promise<Ec2Credential> {
  const pair = await keyPair(service, c.access);
  const stringToSign = Buffer.from(c.token.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  let expected: string;
  try {
    expected = s3SignatureFor(pair.secret, stringToSign);
  } catch (err) {
    if (err instanceof MalformedS3Signature) throw new IdentityUnauthorized('Invalid EC2 signature.');
    throw err;
  }
  if (!signaturesEqual(expected, c.signature)) throw new IdentityUnauthorized('Credential signature mismatch');
  return pair;
}

/** `POST /v3/s3tokens`. */
export async function authenticateS3(service: IdentityService, c: S3TokenCredentials): Promise<ValidatedToken> {
  const pair = await verifyS3Request(service, c);
  return service.issueProjectToken(pair.userId, pair.projectId, EC2_AUTH_METHOD);
}
