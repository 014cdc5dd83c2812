/**
 * nova-objectstore's HTTP server: the S3 subset EC2 bundles and today's S3 clients use,
 * path-style (`/`, `/<bucket>`, `/<bucket>/<key>`): buckets (list, create, head, delete,
 * list objects v1 and v2 with prefix, marker, max-keys and delimiter), objects (put,
 * get with a byte range, head, delete, multi-delete) and multipart uploads. A bucket
 * belongs to the project that created it; only that project (or an admin) reaches it.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { parseQueryPairs } from '../common/aws-signature/canonical.js';
import { CLOSING_HEADERS, CLOSING_MESSAGE, refuseRequestsWhileClosing } from '../common/http-closing.js';
import { type ListeningServer, listen } from '../common/http-listen.js';
import { getLogger } from '../common/log.js';
import type { S3Authenticator, S3Caller } from './auth.js';
import { accessDenied, S3Error } from './errors.js';
import type { ObjectStore } from './store.js';
import { completeUploadXml, deleteResultXml, errorXml, initiateUploadXml, listBucketsXml, listObjectsXml, locationXml } from './xml.js';

const log = getLogger('nova.objectstore');

const XML_TYPE = 'application/xml';
const DEFAULT_MAX_KEYS = 1000;
const MAX_XML_BODY = 1024 * 1024;

interface S3Request {
  method: string;
  bucket: string | null;
  key: string | null;
  query: Map<string, string>;
  caller: S3Caller;
  raw: FastifyRequest;
  reply: FastifyReply;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readBody(req: FastifyRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.raw) {
    size += (chunk as Buffer).length;
    if (size > MAX_XML_BODY) throw new S3Error('MaxMessageLengthExceeded', 'Your request was too big.', 400);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseXml(body: Buffer): Record<string, unknown> {
  try {
    return new XMLParser({ parseTagValue: false, isArray: (name) => name === 'Part' || name === 'Object' }).parse(
      body.toString('utf8'),
    ) as Record<string, unknown>;
  } catch {
    throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.', 400);
  }
}

function maxKeysOf(query: Map<string, string>): number {
  const raw = query.get('max-keys');
  if (raw === undefined) return DEFAULT_MAX_KEYS;
  if (!/^\d+$/.test(raw)) throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', 400);
  return Math.min(Number(raw), DEFAULT_MAX_KEYS);
}

function parseRange(value: string | undefined, size: number): { start: number; end: number } | null {
  if (!value) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) throw new S3Error('InvalidRange', 'The requested range is not satisfiable', 416);
  return { start, end };
}

export class ObjectStoreApp {
  constructor(
    private readonly store: ObjectStore,
    private readonly auth: S3Authenticator,
  ) {}

  async #ownedBucket(r: S3Request): Promise<string> {
    const bucket = r.bucket as string;
    const info = await this.store.requireBucket(bucket);
    if (!r.caller.ctx.isAdmin && info.owner !== r.caller.ctx.projectId) throw accessDenied();
    return bucket;
  }

  #checks(r: S3Request): { sha256?: string; md5?: string } {
    const md5 = header(r.raw, 'content-md5');
    return { ...(r.caller.payloadSha256 ? { sha256: r.caller.payloadSha256 } : {}), ...(md5 ? { md5 } : {}) };
  }

  async #service(r: S3Request): Promise<void> {
    if (r.method !== 'GET') throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
    const project = r.caller.ctx.projectId ?? '';
    const buckets = (await this.store.listBuckets()).filter((b) => r.caller.ctx.isAdmin || b.owner === project);
    await r.reply.type(XML_TYPE).send(listBucketsXml(buckets, project));
  }

  async #bucket(r: S3Request): Promise<void> {
    const bucket = r.bucket as string;
    switch (r.method) {
      case 'PUT':
        await this.store.createBucket(bucket, r.caller.ctx.projectId ?? '');
        await r.reply.header('Location', `/${bucket}`).send();
        return;
      case 'HEAD':
        await this.#ownedBucket(r);
        await r.reply.send();
        return;
      case 'DELETE':
        await this.#ownedBucket(r);
        await this.store.deleteBucket(bucket);
        await r.reply.code(204).send();
        return;
      case 'POST':
        if (r.query.has('delete')) return this.#deleteMany(r);
        break;
      case 'GET':
        return this.#list(r);
    }
    throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
  }

  async #list(r: S3Request): Promise<void> {
    const bucket = await this.#ownedBucket(r);
    if (r.query.has('location')) {
      await r.reply.type(XML_TYPE).send(locationXml(''));
      return;
    }
    for (const sub of ['acl', 'policy', 'versioning', 'lifecycle', 'cors', 'tagging', 'uploads', 'website', 'logging']) {
      if (r.query.has(sub)) throw new S3Error('NotImplemented', `The ${sub} sub-resource is not implemented.`, 501);
    }
    const prefix = r.query.get('prefix') ?? '';
    const delimiter = r.query.get('delimiter') ?? '';
    const maxKeys = maxKeysOf(r.query);
    if (r.query.get('list-type') === '2') {
      const token = r.query.get('continuation-token') ?? null;
      const startAfter = r.query.get('start-after') ?? null;
      const after = token !== null ? Buffer.from(token, 'base64url').toString('utf8') : (startAfter ?? '');
      const result = await this.store.listObjects(bucket, { prefix, after, maxKeys, delimiter });
      const nextToken = result.truncated && result.last !== null ? Buffer.from(result.last, 'utf8').toString('base64url') : null;
      await r.reply
        .type(XML_TYPE)
        .send(listObjectsXml(result, { bucket, prefix, delimiter, maxKeys, v2: { continuationToken: token, startAfter, nextToken } }));
      return;
    }
    const marker = r.query.get('marker') ?? '';
    const result = await this.store.listObjects(bucket, { prefix, after: marker, maxKeys, delimiter });
    await r.reply.type(XML_TYPE).send(listObjectsXml(result, { bucket, prefix, delimiter, maxKeys, marker }));
  }

  async #deleteMany(r: S3Request): Promise<void> {
    const bucket = await this.#ownedBucket(r);
    const doc = parseXml(await readBody(r.raw));
    const request = (doc.Delete ?? {}) as { Object?: { Key?: unknown }[]; Quiet?: unknown };
    const deleted: string[] = [];
    const errors: { key: string; code: string; message: string }[] = [];
    for (const o of request.Object ?? []) {
      const key = typeof o.Key === 'string' ? o.Key : '';
      try {
        await this.store.deleteObject(bucket, key);
        deleted.push(key);
      } catch (err) {
        if (!(err instanceof S3Error)) throw err;
        errors.push({ key, code: err.code, message: err.message });
      }
    }
    await r.reply.type(XML_TYPE).send(deleteResultXml(deleted, errors, String(request.Quiet) === 'true'));
  }

  async #object(r: S3Request): Promise<void> {
    const key = r.key as string;
    const bucket = await this.#ownedBucket(r);
    const uploadId = r.query.get('uploadId');
    switch (r.method) {
      case 'PUT': {
        if (header(r.raw, 'x-amz-copy-source') !== undefined)
          throw new S3Error('NotImplemented', 'Copying objects is not implemented.', 501);
        if (uploadId !== undefined) {
          await this.store.upload(uploadId, bucket, key);
          const etag = await this.store.putPart(uploadId, Number(r.query.get('partNumber')), r.raw.raw, this.#checks(r));
          await r.reply.header('ETag', etag).send();
          return;
        }
        const contentType = header(r.raw, 'content-type') ?? 'binary/octet-stream';
        const etag = await this.store.putObject(bucket, key, r.raw.raw, contentType, this.#checks(r));
        await r.reply.header('ETag', etag).send();
        return;
      }
      case 'POST': {
        if (r.query.has('uploads')) {
          const contentType = header(r.raw, 'content-type') ?? 'binary/octet-stream';
          const id = await this.store.createUpload(bucket, key, r.caller.ctx.projectId ?? '', contentType);
          await r.reply.type(XML_TYPE).send(initiateUploadXml(bucket, key, id));
          return;
        }
        if (uploadId !== undefined) {
          const doc = parseXml(await readBody(r.raw));
          const parts = (
            (doc.CompleteMultipartUpload as { Part?: { PartNumber?: unknown; ETag?: unknown }[] } | undefined)?.Part ?? []
          ).map((p) => ({
            partNumber: Number(p.PartNumber),
            etag: String(p.ETag ?? ''),
          }));
          const etag = await this.store.completeUpload(uploadId, bucket, key, parts);
          await r.reply.type(XML_TYPE).send(completeUploadXml(`/${bucket}/${key}`, bucket, key, etag));
          return;
        }
        break;
      }
      case 'DELETE':
        if (uploadId !== undefined) await this.store.abortUpload(uploadId, bucket, key);
        else await this.store.deleteObject(bucket, key);
        await r.reply.code(204).send();
        return;
      case 'GET':
      case 'HEAD': {
        const info = await this.store.getObject(bucket, key);
        const range = parseRange(header(r.raw, 'range'), info.size);
        r.reply
          .header('ETag', info.etag)
          .header('Last-Modified', info.lastModified.toUTCString())
          .header('Content-Type', info.contentType)
          .header('Accept-Ranges', 'bytes');
        if (range) {
          r.reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
        }
        const length = range ? range.end - range.start + 1 : info.size;
        r.reply.header('Content-Length', String(length));
        if (r.method === 'HEAD') {
          await r.reply.send();
          return;
        }
        await r.reply.send(createReadStream(info.path, range ? { start: range.start, end: range.end } : {}));
        return;
      }
    }
    throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
  }

  async handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const requestId = req.id;
    reply.header('x-amz-request-id', requestId);
    const q = req.url.indexOf('?');
    const rawPath = q < 0 ? req.url : req.url.slice(0, q);
    const rawQuery = q < 0 ? '' : req.url.slice(q + 1);
    try {
      const caller = await this.auth.authenticate({
        method: req.method,
        rawPath,
        rawQuery,
        query: [],
        headers: req.headers,
        requestId,
        remoteAddress: req.ip ?? null,
      });
      const segments = rawPath.replace(/^\/+/, '');
      const slash = segments.indexOf('/');
      const bucket = segments === '' ? null : decodeURIComponent(slash < 0 ? segments : segments.slice(0, slash));
      const keyPart = slash < 0 ? '' : segments.slice(slash + 1);
      const key = keyPart === '' ? null : decodeURIComponent(keyPart);
      const r: S3Request = { method: req.method, bucket, key, query: new Map(parseQueryPairs(rawQuery)), caller, raw: req, reply };
      if (bucket === null) await this.#service(r);
      else if (key === null) await this.#bucket(r);
      else await this.#object(r);
      log.info(
        { method: req.method, path: rawPath, status: reply.statusCode, request_id: requestId, project_id: caller.ctx.projectId },
        'S3 request',
      );
    } catch (err) {
      const known =
        err instanceof S3Error ? err : err instanceof URIError ? new S3Error('InvalidURI', "Couldn't parse the specified URI.", 400) : null;
      if (!known) log.error({ err, method: req.method, path: rawPath, request_id: requestId }, 'S3 request failed');
      else
        log.info(
          { method: req.method, path: rawPath, code: known.code, status: known.status, request_id: requestId },
          'S3 request refused',
        );
      const e = known ?? new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500);
      // An unread request body would otherwise be left in the connection.
      if (!req.raw.readableEnded) req.raw.resume();
      reply.code(e.status).removeHeader('Content-Length').removeHeader('Content-Range');
      if (req.method === 'HEAD') await reply.send();
      else await reply.type(XML_TYPE).send(errorXml(e.code, e.message, rawPath, requestId));
    }
  }
}

export function buildObjectStoreApp(store: ObjectStore, auth: S3Authenticator): FastifyInstance {
  const app = Fastify({
    logger: false,
    exposeHeadRoutes: false,
    return503OnClosing: false,
    genReqId: () => randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase(),
  });
  refuseRequestsWhileClosing<FastifyRequest, FastifyReply>(app, async (req, reply) => {
    reply.code(503).headers(CLOSING_HEADERS).header('x-amz-request-id', req.id);
    if (req.method === 'HEAD') return reply.send();
    const q = req.url.indexOf('?');
    return reply.type(XML_TYPE).send(errorXml('ServiceUnavailable', CLOSING_MESSAGE, q < 0 ? req.url : req.url.slice(0, q), req.id));
  });
  // Bodies are streamed by the handlers, never parsed by fastify.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
  const s3 = new ObjectStoreApp(store, auth);
  app.route({ method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'], url: '*', handler: (req, reply) => s3.handle(req, reply) });
  return app;
}

export type RunningObjectStore = ListeningServer;

export async function listenObjectStore(app: FastifyInstance, host: string, port: number): Promise<RunningObjectStore> {
  return listen(app, host, port);
}
