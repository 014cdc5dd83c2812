/**
 * Signed EC2 Query API requests. The API turns a request into Keystone's `ec2Credentials`
 * shape (access, signature, host, verb, path, params, headers, body_hash) and the identity
 * service, which holds the secret, recomputes the signature from it: SigV2 (HmacSHA1 or
 * HmacSHA256, whichever the request names) and SigV4 in its header and query-string forms.
 */
import {
  canonicalHeaders,
  canonicalQuery,
  hmac,
  parseCredentialScope,
  parseSigv4Authorization,
  SIGV4_ALGORITHM,
  sha256Hex,
  sigv4SigningKey,
} from './canonical.js';

/** What Keystone's `POST /v3/ec2tokens` takes under `credentials`. */
export interface Ec2Credentials {
  access: string;
  signature: string;
  /** The Host header as the client sent it (with the port, if any). */
  host: string;
  verb: string;
  /** The request path as received. */
  path: string;
  /** SigV2: every parameter but `Signature`. SigV4: the URL's query parameters but `X-Amz-Signature`. */
  params: Record<string, string>;
  /** SigV4: the request headers. */
  headers?: Record<string, string>;
  /** SigV4: hex SHA-256 of the request body. */
  body_hash?: string;
}

export type Ec2SignatureForm = 'v2' | 'v4-header' | 'v4-query';

export class UnsupportedSignature extends Error {}

/** The HTTP request as the EC2 API received it. */
export interface Ec2HttpRequest {
  method: string;
  host: string;
  path: string;
  /** Parameters of the URL's query string, in order. */
  query: readonly (readonly [string, string])[];
  /** Parameters of a form-encoded body, in order. */
  form: readonly (readonly [string, string])[];
  /** Header names in lower case, as node delivers them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

function lastValues(pairs: readonly (readonly [string, string])[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) out[k] = v;
  return out;
}

function headerOf(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === wanted && v !== undefined) return Array.isArray(v) ? v.join(',') : v;
  }
  return undefined;
}

/** `x-amz-date` → `X-Amz-Date`: Keystone reads `Authorization` and `X-Amz-Date` by these names. */
function titleCase(name: string): string {
  return name
    .split('-')
    .map((p) => (p === '' ? p : p[0]?.toUpperCase() + p.slice(1)))
    .join('-');
}

function flatHeaders(headers: Ec2HttpRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[titleCase(k)] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

/**
 * Which signature a request carries and the credentials to validate it; null when it
 * carries none that nova-ts knows (no SigV4 header or query, no `SignatureVersion`).
 */
export function ec2CredentialsOf(req: Ec2HttpRequest): { form: Ec2SignatureForm; credentials: Ec2Credentials } | null {
  const base = { host: req.host, verb: req.method.toUpperCase(), path: req.path };
  const authorization = headerOf(req.headers, 'authorization');
  if (authorization?.startsWith(`${SIGV4_ALGORITHM} `)) {
    const parsed = parseSigv4Authorization(authorization);
    const scope = parsed ? parseCredentialScope(parsed.credential) : null;
    if (!parsed || !scope) throw new UnsupportedSignature('The Authorization header is not a well-formed AWS4-HMAC-SHA256 one.');
    return {
      form: 'v4-header',
      credentials: {
        ...base,
        access: scope.access,
        signature: parsed.signature,
        params: lastValues(req.query),
        headers: flatHeaders(req.headers),
        body_hash: sha256Hex(req.body),
      },
    };
  }
  const query = lastValues(req.query);
  if (query['X-Amz-Algorithm'] !== undefined) {
    if (query['X-Amz-Algorithm'] !== SIGV4_ALGORITHM)
      throw new UnsupportedSignature(`X-Amz-Algorithm ${query['X-Amz-Algorithm']} is not supported.`);
    const scope = parseCredentialScope(query['X-Amz-Credential'] ?? '');
    const signature = query['X-Amz-Signature'];
    if (!scope || !signature || !query['X-Amz-SignedHeaders']) {
      throw new UnsupportedSignature('A query-string signature needs X-Amz-Credential, X-Amz-SignedHeaders and X-Amz-Signature.');
    }
    const params = { ...query };
    delete params['X-Amz-Signature'];
    return {
      form: 'v4-query',
      credentials: { ...base, access: scope.access, signature, params, headers: flatHeaders(req.headers), body_hash: sha256Hex(req.body) },
    };
  }
  const all = { ...lastValues(req.query), ...lastValues(req.form) };
  if (all.SignatureVersion === undefined) return null;
  const { Signature: signature, ...params } = all;
  return { form: 'v2', credentials: { ...base, access: all.AWSAccessKeyId ?? '', signature: signature ?? '', params } };
}

function sigv2(secret: string, c: Ec2Credentials, host: string): string {
  const method = c.params.SignatureMethod ?? 'HmacSHA256';
  const algorithm = method === 'HmacSHA256' ? 'sha256' : method === 'HmacSHA1' ? 'sha1' : null;
  if (algorithm === null) throw new UnsupportedSignature(`SignatureMethod ${method} is not supported.`);
  const stringToSign = `${c.verb}\n${host}\n${c.path}\n${canonicalQuery(Object.entries(c.params))}`;
  return hmac(algorithm, secret, stringToSign).toString('base64');
}

function sigv4(secret: string, c: Ec2Credentials): string {
  const headers = c.headers ?? {};
  const authorization = headerOf(headers, 'authorization');
  const fromHeader = authorization ? parseSigv4Authorization(authorization) : null;
  const credential = fromHeader?.credential ?? c.params['X-Amz-Credential'] ?? '';
  const signedHeaders = fromHeader?.signedHeaders ?? c.params['X-Amz-SignedHeaders'] ?? '';
  const scope = parseCredentialScope(credential);
  if (!scope || signedHeaders === '') throw new UnsupportedSignature('The SigV4 credential scope or signed headers are missing.');
  const date = headerOf(headers, 'x-amz-date') ?? c.params['X-Amz-Date'] ?? '';
  if (!date.startsWith(scope.date)) throw new UnsupportedSignature('The request date does not match the credential scope.');
  const signed = signedHeaders.split(';');
  const canonicalRequest = [
    c.verb.toUpperCase(),
    c.path,
    canonicalQuery(Object.entries(c.params)),
    canonicalHeaders(headers, signed),
    signedHeaders,
    c.body_hash ?? sha256Hex(''),
  ].join('\n');
  const stringToSign = [SIGV4_ALGORITHM, date, scope.scope, sha256Hex(canonicalRequest)].join('\n');
  return hmac('sha256', sigv4SigningKey(secret, scope.date, scope.region, scope.service), stringToSign).toString('hex');
}

/** Whether the credentials are SigV4 ones (header or query string). */
export function isSigv4(c: Ec2Credentials): boolean {
  const authorization = headerOf(c.headers ?? {}, 'authorization');
  return authorization?.startsWith(`${SIGV4_ALGORITHM} `) === true || c.params['X-Amz-Algorithm'] === SIGV4_ALGORITHM;
}

/**
 * The signatures a request with these credentials may validly carry: one, or two for a
 * SigV2 request whose Host had a port (some clients sign the host without it, and
 * Keystone accepts that too). Throws UnsupportedSignature for anything but SigV2/SigV4.
 */
export function expectedEc2Signatures(secret: string, c: Ec2Credentials): string[] {
  const version = c.params.SignatureVersion;
  if (version === '2') {
    const out = [sigv2(secret, c, c.host)];
    const bare = c.host.replace(/:\d+$/, '');
    if (bare !== c.host) out.push(sigv2(secret, c, bare));
    return out;
  }
  if (version === undefined && isSigv4(c)) return [sigv4(secret, c)];
  throw new UnsupportedSignature(`Signature version ${version ?? '(none)'} is not supported.`);
}
