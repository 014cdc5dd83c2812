/**
 * Signed S3 requests. The object store computes the string to sign from the request
 * (SigV2 "AWS" or SigV4 "AWS4-HMAC-SHA256", header or query-string form) and the
 * identity service, which holds the secret, checks the signature over it, as Keystone's
 * `POST /v3/s3tokens` does for Swift's S3 API.
 */
import {
  canonicalHeaders,
  canonicalQuery,
  hmac,
  parseAmzDate,
  parseCredentialScope,
  parseHttpDate,
  parseSigv4Authorization,
  SIGV4_ALGORITHM,
  sha256Hex,
  sigv4SigningKey,
  uriEncode,
} from './canonical.js';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** The sub-resources that SigV2's canonical resource keeps (with their decoded values). */
const SIGV2_SUBRESOURCES = new Set([
  'acl',
  'cors',
  'delete',
  'lifecycle',
  'location',
  'logging',
  'notification',
  'partNumber',
  'policy',
  'requestPayment',
  'restore',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
]);

export interface S3HttpRequest {
  method: string;
  /** The path exactly as sent, still percent-encoded, without the query. */
  rawPath: string;
  query: readonly (readonly [string, string])[];
  /** Lower-case header names. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface S3SignedRequest {
  version: 2 | 4;
  access: string;
  signature: string;
  stringToSign: string;
  /** When the client signed the request (null for a SigV2 query-string request). */
  signedAt: Date | null;
  /** Query-string requests: the end of their validity. */
  expiresAt: Date | null;
  /** SigV4: the body hash the client signed, or UNSIGNED-PAYLOAD. */
  payloadHash: string | null;
}

export class MalformedS3Signature extends Error {}

function header(req: S3HttpRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function queryValue(req: S3HttpRequest, name: string): string | undefined {
  let found: string | undefined;
  for (const [k, v] of req.query) if (k === name) found = v;
  return found;
}

function amzHeaderLines(req: S3HttpRequest): string {
  return Object.keys(req.headers)
    .filter((k) => k.startsWith('x-amz-'))
    .sort()
    .map((k) => `${k}:${(header(req, k) ?? '').trim()}\n`)
    .join('');
}

function sigv2Resource(req: S3HttpRequest): string {
  const sub = req.query
    .filter(([k]) => SIGV2_SUBRESOURCES.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`));
  return sub.length ? `${req.rawPath}?${sub.join('&')}` : req.rawPath;
}

function sigv2StringToSign(req: S3HttpRequest, dateLine: string): string {
  return [req.method.toUpperCase(), header(req, 'content-md5') ?? '', header(req, 'content-type') ?? '', dateLine]
    .join('\n')
    .concat('\n', amzHeaderLines(req), sigv2Resource(req));
}

/** The path as SigV4 canonicalises it for S3: each segment URI-encoded once, not normalised. */
function sigv4Path(rawPath: string): string {
  return rawPath
    .split('/')
    .map((seg) => {
      try {
        return uriEncode(decodeURIComponent(seg));
      } catch {
        return uriEncode(seg);
      }
    })
    .join('/');
}

function sigv4StringToSign(
  req: S3HttpRequest,
  o: { signedHeaders: string; scope: string; date: string; payload: string; dropSignature: boolean },
): string {
  const query = o.dropSignature ? req.query.filter(([k]) => k !== 'X-Amz-Signature') : req.query;
  const canonicalRequest = [
    req.method.toUpperCase(),
    sigv4Path(req.rawPath),
    canonicalQuery(query),
    canonicalHeaders(req.headers, o.signedHeaders.split(';')),
    o.signedHeaders,
    o.payload,
  ].join('\n');
  return [SIGV4_ALGORITHM, o.date, o.scope, sha256Hex(canonicalRequest)].join('\n');
}

/** What a request's signature covers; null when it carries no signature (anonymous). */
export function s3SignedRequestOf(req: S3HttpRequest): S3SignedRequest | null {
  const authorization = header(req, 'authorization');
  if (authorization?.startsWith(`${SIGV4_ALGORITHM} `)) {
    const parsed = parseSigv4Authorization(authorization);
    const scope = parsed ? parseCredentialScope(parsed.credential) : null;
    if (!parsed || !scope) throw new MalformedS3Signature('The authorization header is malformed.');
    const date = header(req, 'x-amz-date') ?? '';
    const signedAt = parseAmzDate(date);
    if (!signedAt) throw new MalformedS3Signature('AWS authentication requires a valid x-amz-date header.');
    const payload = header(req, 'x-amz-content-sha256');
    if (!payload) throw new MalformedS3Signature('Missing required header for this request: x-amz-content-sha256.');
    return {
      version: 4,
      access: scope.access,
      signature: parsed.signature,
      stringToSign: sigv4StringToSign(req, {
        signedHeaders: parsed.signedHeaders,
        scope: scope.scope,
        date,
        payload,
        dropSignature: false,
      }),
      signedAt,
      expiresAt: null,
      payloadHash: payload,
    };
  }
  if (authorization?.startsWith('AWS ')) {
    const creds = authorization.slice(4).trim();
    const colon = creds.lastIndexOf(':');
    if (colon <= 0) throw new MalformedS3Signature('The authorization header is malformed.');
    const amzDate = header(req, 'x-amz-date');
    const date = amzDate ?? header(req, 'date');
    const signedAt = date ? parseHttpDate(date) : null;
    if (!signedAt) throw new MalformedS3Signature('AWS authentication requires a valid Date or x-amz-date header.');
    return {
      version: 2,
      access: creds.slice(0, colon),
      signature: creds.slice(colon + 1),
      stringToSign: sigv2StringToSign(req, amzDate !== undefined ? '' : (date ?? '')),
      signedAt,
      expiresAt: null,
      payloadHash: null,
    };
  }
  if (authorization !== undefined) throw new MalformedS3Signature('Unsupported authorization type.');
  const algorithm = queryValue(req, 'X-Amz-Algorithm');
  if (algorithm !== undefined) {
    if (algorithm !== SIGV4_ALGORITHM) throw new MalformedS3Signature(`X-Amz-Algorithm ${algorithm} is not supported.`);
    const scope = parseCredentialScope(queryValue(req, 'X-Amz-Credential') ?? '');
    const date = queryValue(req, 'X-Amz-Date') ?? '';
    const signedAt = parseAmzDate(date);
    const expires = Number(queryValue(req, 'X-Amz-Expires'));
    const signature = queryValue(req, 'X-Amz-Signature');
    const signedHeaders = queryValue(req, 'X-Amz-SignedHeaders');
    if (!scope || !signedAt || !signature || !signedHeaders || !Number.isInteger(expires) || expires < 1 || expires > 604800) {
      throw new MalformedS3Signature(
        'Query-string authentication requires X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature.',
      );
    }
    const payload = header(req, 'x-amz-content-sha256') ?? UNSIGNED_PAYLOAD;
    return {
      version: 4,
      access: scope.access,
      signature,
      stringToSign: sigv4StringToSign(req, { signedHeaders, scope: scope.scope, date, payload, dropSignature: true }),
      signedAt,
      expiresAt: new Date(signedAt.getTime() + expires * 1000),
      payloadHash: payload,
    };
  }
  const access = queryValue(req, 'AWSAccessKeyId');
  if (access !== undefined) {
    const signature = queryValue(req, 'Signature');
    const expires = queryValue(req, 'Expires') ?? '';
    if (!signature || !/^\d+$/.test(expires)) {
      throw new MalformedS3Signature('Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters.');
    }
    return {
      version: 2,
      access,
      signature,
      stringToSign: sigv2StringToSign(req, expires),
      signedAt: null,
      expiresAt: new Date(Number(expires) * 1000),
      payloadHash: null,
    };
  }
  return null;
}

/**
 * The signature of a string to sign under a secret: HMAC-SHA1 in base64 for SigV2, the
 * SigV4 derived-key HMAC-SHA256 in hex (its scope read from the string) otherwise.
 * Throws MalformedS3Signature for a SigV4 string that is not one for S3.
 */
export function s3SignatureFor(secret: string, stringToSign: string): string {
  if (!stringToSign.startsWith('AWS4')) return hmac('sha1', secret, stringToSign).toString('base64');
  const lines = stringToSign.split('\n');
  const scope = (lines[2] ?? '').split('/');
  if (lines.length !== 4 || lines[0] !== SIGV4_ALGORITHM || scope.length !== 4 || scope[2] !== 's3' || scope[3] !== 'aws4_request') {
    throw new MalformedS3Signature('The string to sign is not an S3 SigV4 one.');
  }
  const [date, region] = scope as [string, string, string, string];
  return hmac('sha256', sigv4SigningKey(secret, date, region, 's3'), stringToSign).toString('hex');
}
