/**
 * The pieces AWS request signing shares between its versions and services: RFC 3986
 * encoding, canonical query strings, HMACs, the SigV4 signing-key derivation and the
 * timestamp formats. Used by the EC2 API, the object store and the identity service
 * (which holds the secrets and does the final comparison, as Keystone does).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

/** AWS's URI encoding: everything but `A-Za-z0-9-_.~` percent-encoded (upper-case hex); `/` kept when asked. */
export function uriEncode(value: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch) || (keepSlash && ch === '/')) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Decodes `application/x-www-form-urlencoded` text into ordered pairs (`+` is a space). */
export function parseQueryPairs(text: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([decodeComponent(rawKey), decodeComponent(rawValue)]);
  }
  return pairs;
}

function decodeComponent(raw: string): string {
  const spaced = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Sorted, RFC 3986-encoded `k=v&...` as SigV2 and SigV4 sign it (byte order of the encoded forms). */
export function canonicalQuery(pairs: readonly (readonly [string, string])[]): string {
  return pairs
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmac(algorithm: 'sha1' | 'sha256', key: string | Buffer, data: string | Buffer): Buffer {
  return createHmac(algorithm, key).update(data).digest();
}

/** The SigV4 key for one day, region and service. */
export function sigv4SigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac('sha256', `AWS4${secret}`, date);
  const kRegion = hmac('sha256', kDate, region);
  const kService = hmac('sha256', kRegion, service);
  return hmac('sha256', kService, 'aws4_request');
}

/** Compares two signatures without leaking, through timing, how much of them matched. */
export function signaturesEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

/** SigV4's credential scope `AKID/20240101/region/service/aws4_request`, split. */
export interface CredentialScope {
  access: string;
  date: string;
  region: string;
  service: string;
  /** `date/region/service/aws4_request`. */
  scope: string;
}

export function parseCredentialScope(credential: string): CredentialScope | null {
  const parts = credential.split('/');
  if (parts.length < 5 || parts[parts.length - 1] !== 'aws4_request') return null;
  // The access key itself may not contain '/', but be lenient: the last four parts are the scope.
  const tail = parts.slice(-4);
  const [date, region, service] = tail as [string, string, string, string];
  if (!/^\d{8}$/.test(date)) return null;
  return { access: parts.slice(0, -4).join('/'), date, region, service, scope: tail.join('/') };
}

/** `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`, split. */
export interface Sigv4Authorization {
  credential: string;
  signedHeaders: string;
  signature: string;
}

export function parseSigv4Authorization(header: string): Sigv4Authorization | null {
  if (!header.startsWith(`${SIGV4_ALGORITHM} `)) return null;
  const fields: Record<string, string> = {};
  for (const part of header.slice(SIGV4_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const { Credential: credential, SignedHeaders: signedHeaders, Signature: signature } = fields;
  if (!credential || !signedHeaders || !signature) return null;
  return { credential, signedHeaders, signature };
}

/** Header values as SigV4 canonicalises them: trimmed, inner runs of spaces collapsed. */
export function canonicalHeaderValue(value: string | readonly string[]): string {
  const joined = typeof value === 'string' ? value : value.join(',');
  return joined.trim().replace(/\s+/g, ' ');
}

/** `name:value\n` for each signed header, in the order SignedHeaders lists them. */
export function canonicalHeaders(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  signed: readonly string[],
): string {
  const lower: Record<string, string | readonly string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) lower[k.toLowerCase()] = v;
  return signed.map((name) => `${name}:${canonicalHeaderValue(lower[name] ?? '')}\n`).join('');
}

/** `20240101T120000Z` (SigV4's X-Amz-Date) → Date; null when it is not one. */
export function parseAmzDate(value: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** SigV2's `Timestamp`/`Expires`: ISO 8601 with an optional fraction and a `Z` or numeric offset. */
export function parseIsoTimestamp(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/.test(value)) return null;
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`;
  const date = new Date(withZone.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** An HTTP date (`Date:` header, RFC 1123) or an ISO timestamp. */
export function parseHttpDate(value: string): Date | null {
  const iso = parseIsoTimestamp(value) ?? parseAmzDate(value);
  if (iso) return iso;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}
