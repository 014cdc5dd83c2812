/**
 * Minimal AWS clients for tests, written apart from src/common/aws-signature so that a
 * mistake there cannot hide itself: EC2 Query requests signed with SigV4 (header or
 * query string) or SigV2, and S3 requests signed with SigV4 or SigV2 (header or query).
 */
import { createHash, createHmac } from 'node:crypto';

export interface AwsKeys {
  access: string;
  secret: string;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: Buffer;
}

const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (d: string | Buffer) => createHash('sha256').update(d).digest('hex');
const hmac = (k: string | Buffer, d: string, alg = 'sha256') => createHmac(alg, k).update(d).digest();

function amzDate(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function query(pairs: [string, string][]): string {
  return pairs
    .map(([k, v]) => [enc(k), enc(v)])
    .sort(([a, x], [b, y]) => (a === b ? (x as string).localeCompare(y as string) : (a as string) < (b as string) ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function v4Signature(secret: string, date: string, region: string, service: string, canonical: string, stamp: string): string {
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', stamp, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${secret}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  return createHmac('sha256', key).update(toSign).digest('hex');
}

async function send(url: string, init: RequestInit): Promise<Reply> {
  const res = await fetch(url, init);
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, text: body.toString('utf8'), body };
}

export interface Ec2CallOptions {
  signing?: 'v4' | 'v4-query' | 'v2' | 'v2-sha1';
  /** When the request claims it was signed. */
  at?: Date;
  /** Path of the endpoint; default `/`. */
  path?: string;
  version?: string;
  /** Sign with this secret instead of the right one. */
  secret?: string;
  /** SigV2 only: send Expires instead of Timestamp. */
  expires?: Date;
}

export class Ec2Client {
  constructor(
    readonly baseUrl: string,
    readonly keys: AwsKeys,
    readonly region = 'nova',
  ) {}

  async call(action: string, params: Record<string, string> = {}, o: Ec2CallOptions = {}): Promise<Reply> {
    const at = o.at ?? new Date();
    const url = new URL(this.baseUrl);
    const path = o.path ?? '/';
    const host = url.host;
    const secret = o.secret ?? this.keys.secret;
    const all: [string, string][] = [['Action', action], ['Version', o.version ?? '2016-11-15'], ...Object.entries(params)];
    const signing = o.signing ?? 'v4';
    if (signing === 'v2' || signing === 'v2-sha1') {
      all.push(
        ['AWSAccessKeyId', this.keys.access],
        ['SignatureVersion', '2'],
        ['SignatureMethod', signing === 'v2' ? 'HmacSHA256' : 'HmacSHA1'],
      );
      all.push(o.expires ? ['Expires', o.expires.toISOString()] : ['Timestamp', at.toISOString().replace(/\.\d{3}Z$/, 'Z')]);
      const toSign = `POST\n${host}\n${path}\n${query(all)}`;
      all.push(['Signature', hmac(secret, toSign, signing === 'v2' ? 'sha256' : 'sha1').toString('base64')]);
      return send(`${url.origin}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: all.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&'),
      });
    }
    const stamp = amzDate(at);
    const date = stamp.slice(0, 8);
    if (signing === 'v4-query') {
      const q: [string, string][] = [
        ...all,
        ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
        ['X-Amz-Credential', `${this.keys.access}/${date}/${this.region}/ec2/aws4_request`],
        ['X-Amz-Date', stamp],
        ['X-Amz-Expires', '300'],
        ['X-Amz-SignedHeaders', 'host'],
      ];
      const canonical = ['GET', path, query(q), `host:${host}\n`, 'host', sha256('')].join('\n');
      q.push(['X-Amz-Signature', v4Signature(secret, date, this.region, 'ec2', canonical, stamp)]);
      return send(`${url.origin}${path}?${query(q)}`, { method: 'GET' });
    }
    const body = all.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
    const contentType = 'application/x-www-form-urlencoded; charset=utf-8';
    const canonical = [
      'POST',
      path,
      '',
      `content-type:${contentType}\nhost:${host}\nx-amz-date:${stamp}\n`,
      'content-type;host;x-amz-date',
      sha256(body),
    ].join('\n');
    const signature = v4Signature(secret, date, this.region, 'ec2', canonical, stamp);
    return send(`${url.origin}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': contentType,
        'X-Amz-Date': stamp,
        Authorization: `AWS4-HMAC-SHA256 Credential=${this.keys.access}/${date}/${this.region}/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${signature}`,
      },
      body,
    });
  }
}

export interface S3CallOptions {
  signing?: 'v4' | 'v2' | 'v4-query' | 'v2-query' | 'none';
  body?: Buffer | string;
  headers?: Record<string, string>;
  at?: Date;
  secret?: string;
  /** SigV4: send this payload hash instead of the body's. */
  payloadHash?: string;
}

export class S3Client {
  constructor(
    readonly baseUrl: string,
    readonly keys: AwsKeys,
    readonly region = 'us-east-1',
  ) {}

  /** `pathAndQuery` is already encoded, e.g. `/bucket/a%20b?uploads`. */
  async call(method: string, pathAndQuery: string, o: S3CallOptions = {}): Promise<Reply> {
    const url = new URL(this.baseUrl);
    const [path = '/', rawQuery = ''] = pathAndQuery.split('?');
    const pairs: [string, string][] = rawQuery
      ? rawQuery.split('&').map((p) => {
          const [k = '', v = ''] = p.split('=');
          return [decodeURIComponent(k), decodeURIComponent(v)];
        })
      : [];
    const at = o.at ?? new Date();
    const secret = o.secret ?? this.keys.secret;
    const body = o.body === undefined ? Buffer.alloc(0) : Buffer.from(o.body);
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    const signing = o.signing ?? 'v4';
    let finalQuery = rawQuery;
    if (signing === 'v4') {
      const stamp = amzDate(at);
      const date = stamp.slice(0, 8);
      const payload = o.payloadHash ?? sha256(body);
      headers['x-amz-date'] = stamp;
      headers['x-amz-content-sha256'] = payload;
      const signed = ['host', 'x-amz-content-sha256', 'x-amz-date'];
      const canonicalHeaders = `host:${url.host}\nx-amz-content-sha256:${payload}\nx-amz-date:${stamp}\n`;
      const canonical = [method, path, query(pairs), canonicalHeaders, signed.join(';'), payload].join('\n');
      const signature = v4Signature(secret, date, this.region, 's3', canonical, stamp);
      headers.Authorization = `AWS4-HMAC-SHA256 Credential=${this.keys.access}/${date}/${this.region}/s3/aws4_request, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
    } else if (signing === 'v4-query') {
      const stamp = amzDate(at);
      const date = stamp.slice(0, 8);
      const q: [string, string][] = [
        ...pairs,
        ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
        ['X-Amz-Credential', `${this.keys.access}/${date}/${this.region}/s3/aws4_request`],
        ['X-Amz-Date', stamp],
        ['X-Amz-Expires', '60'],
        ['X-Amz-SignedHeaders', 'host'],
      ];
      const canonical = [method, path, query(q), `host:${url.host}\n`, 'host', 'UNSIGNED-PAYLOAD'].join('\n');
      q.push(['X-Amz-Signature', v4Signature(secret, date, this.region, 's3', canonical, stamp)]);
      finalQuery = query(q);
    } else if (signing === 'v2' || signing === 'v2-query') {
      const sub = pairs
        .filter(([k]) => ['uploads', 'uploadId', 'partNumber', 'delete', 'acl', 'location'].includes(k))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => (v ? `${k}=${v}` : k));
      const resource = sub.length ? `${path}?${sub.join('&')}` : path;
      const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
      const dateLine = signing === 'v2-query' ? String(Math.floor(at.getTime() / 1000) + 60) : at.toUTCString();
      if (signing === 'v2') headers.Date = dateLine;
      const toSign = [method, lower['content-md5'] ?? '', lower['content-type'] ?? '', dateLine, ''].join('\n') + resource;
      const signature = hmac(secret, toSign, 'sha1').toString('base64');
      if (signing === 'v2') headers.Authorization = `AWS ${this.keys.access}:${signature}`;
      else
        finalQuery = [rawQuery, `AWSAccessKeyId=${enc(this.keys.access)}&Expires=${dateLine}&Signature=${enc(signature)}`]
          .filter((x) => x)
          .join('&');
    }
    return send(`${url.origin}${path}${finalQuery ? `?${finalQuery}` : ''}`, {
      method,
      headers,
      ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
    });
  }
}
