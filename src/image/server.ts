/**
 * The embedded image service: a Glance v2 subset over HTTP. Tokens are validated by an
 * injected function (the identity service in-process, or keystone for a remote one);
 * everything else is ImageManager's business.
 */
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { NovaError, Unauthorized } from '../common/errors.js';
import { HTTP_TITLES, reachableUrl } from '../common/http-listen.js';
import { jsonTextTooDeep } from '../common/json-depth.js';
import { getLogger } from '../common/log.js';
import { commonOpts } from '../config/common-opts.js';
import type { Config } from '../config/config.js';
import type { RequestContext } from '../context/context.js';
import type { Database } from '../db/engine.js';
import type { ImageSchema } from '../db/image/schema.js';
import { ImageStore, migrateImageSchema } from '../db/image/store.js';
import { openServiceDatabase } from '../db/manage.js';
import { ImageBadRequest, ImageMediaTypeUnsupported } from './errors.js';
import { FilesystemStore } from './filesystem-store.js';
import { firstLink, nextLink, parseListQuery } from './list-query.js';
import { imageOpts } from './opts.js';
import { PATCH_MEDIA_TYPES, parsePatch } from './patch.js';
import { imageSchema, imagesSchema, memberSchema, membersSchema } from './schemas.js';
import { ImageManager } from './service.js';
import { imageView, memberView } from './views.js';

const log = getLogger('nova.image.server');

const JSON_TYPE = 'application/json; charset=UTF-8';
const JSON_BODY_LIMIT = 1024 * 1024;
const UPLOAD_MEDIA_TYPE = 'application/octet-stream';
/** Versions of the v2 API this subset answers to; the newest is CURRENT. */
const V2_VERSIONS = ['2.9', '2.8', '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'];

/** Turns an `X-Auth-Token` into a context, or throws Unauthorized. */
export type TokenValidator = (token: string) => Promise<RequestContext>;

export interface ImageServiceDeps {
  authenticate: TokenValidator;
  /** An open database for the image tables; the server then does not close it. */
  database?: Database<ImageSchema>;
  /** Listen address and port, overriding `[image] listen` / `listen_port` (tests pass port 0). */
  host?: string;
  port?: number;
  /** Store directory, overriding `[image] filesystem_store_datadir`. */
  storeDirectory?: string;
}

export interface RunningImageService {
  /** `http://host:port` the server listens on (no path). */
  url: string;
  manager: ImageManager;
  close(): Promise<void>;
}

function versionsBody(origin: string): Record<string, unknown> {
  return {
    versions: V2_VERSIONS.map((v, i) => ({
      id: `v${v}`,
      status: i === 0 ? 'CURRENT' : 'SUPPORTED',
      links: [{ rel: 'self', href: `${origin}/v2/` }],
    })),
  };
}

function mediaTypeOf(request: FastifyRequest): string | null {
  const header = request.headers['content-type'];
  if (!header) return null;
  return (header.split(';')[0] as string).trim().toLowerCase();
}

function isStream(value: unknown): value is Readable {
  return value !== null && typeof value === 'object' && typeof (value as Readable).pipe === 'function';
}

/** A JSON body; a body of another media type is 415. */
function jsonBody(request: FastifyRequest): unknown {
  if (isStream(request.body)) {
    const type = mediaTypeOf(request) ?? '';
    (request.body as Readable).resume();
    throw new ImageMediaTypeUnsupported(type, ['application/json']);
  }
  return request.body ?? null;
}

function params(request: FastifyRequest): Record<string, string> {
  return request.params as Record<string, string>;
}

function sendJson(reply: FastifyReply, status: number, body: unknown): void {
  reply.code(status).type(JSON_TYPE).send(JSON.stringify(body));
}

function sendEmpty(reply: FastifyReply, status = 204): void {
  reply.code(status).send();
}

function searchParams(request: FastifyRequest): URLSearchParams {
  const url = request.raw.url ?? '';
  const q = url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
}

export interface ImageAppOptions {
  manager: ImageManager;
  authenticate: TokenValidator;
  limitDefault: number;
  limitMax: number;
}

export function buildImageApp(options: ImageAppOptions): FastifyInstance {
  const { manager } = options;
  const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
  const contexts = new WeakMap<FastifyRequest, RequestContext>();
  const ctxOf = (request: FastifyRequest): RequestContext => {
    const ctx = contexts.get(request);
    if (!ctx) throw new Unauthorized('This server could not verify that you are authorized to access the document you requested.');
    return ctx;
  };

  app.removeAllContentTypeParsers();
  const parseJson = (_request: FastifyRequest, text: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
    const s = String(text);
    if (s.trim() === '') {
      done(null, null);
      return;
    }
    if (jsonTextTooDeep(s)) {
      done(new ImageBadRequest('The request body is nested too deeply.'));
      return;
    }
    try {
      done(null, JSON.parse(s));
    } catch {
      done(new ImageBadRequest('Malformed JSON in request body.'));
    }
  };
  app.addContentTypeParser(['application/json', ...PATCH_MEDIA_TYPES], { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, parseJson);
  // Image data (and anything that is not JSON) reaches the handler as the raw stream.
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.addHook('onRequest', async (request) => {
    const path = (request.raw.url ?? '/').split('?')[0] as string;
    if (path === '/' || path === '/versions' || path === '/versions/') return;
    const header = request.headers['x-auth-token'];
    const token = Array.isArray(header) ? header[0] : header;
    if (!token) throw new Unauthorized('This server could not verify that you are authorized to access the document you requested.');
    contexts.set(request, await options.authenticate(token));
  });

  app.setErrorHandler((error, request, reply) => {
    let status = error instanceof NovaError ? error.code : ((error as { statusCode?: number }).statusCode ?? 500);
    if (status < 400 || status > 599) status = 500;
    if (status >= 500) log.error({ err: error, method: request.method, url: request.url }, 'unexpected image service error');
    const message =
      status >= 500 && !(error instanceof NovaError)
        ? 'The server has either erred or is incapable of performing the requested operation.'
        : (error as Error).message;
    const headers = error instanceof NovaError ? error.headers : {};
    if (status === 401) reply.header('www-authenticate', 'Keystone uri="unknown"');
    // A body left unread (an upload refused part-way) is not drained: the connection closes instead.
    if (!request.raw.complete) reply.header('connection', 'close');
    reply
      .code(status)
      .headers(headers)
      .type(JSON_TYPE)
      .send(JSON.stringify({ error: { code: status, title: HTTP_TITLES[status] ?? 'Error', message } }));
  });

  app.setNotFoundHandler(async (request, reply) => {
    sendJson(reply, 404, {
      error: { code: 404, title: 'Not Found', message: `The resource could not be found: ${request.method} ${request.url}` },
    });
  });

  const origin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;
  app.get('/', async (request, reply) => sendJson(reply, 300, versionsBody(origin(request))));
  app.get('/versions', async (request, reply) => sendJson(reply, 200, versionsBody(origin(request))));

  app.get('/v2/schemas/image', async (_r, reply) => sendJson(reply, 200, imageSchema()));
  app.get('/v2/schemas/images', async (_r, reply) => sendJson(reply, 200, imagesSchema()));
  app.get('/v2/schemas/member', async (_r, reply) => sendJson(reply, 200, memberSchema()));
  app.get('/v2/schemas/members', async (_r, reply) => sendJson(reply, 200, membersSchema()));

  app.get('/v2/images', async (request, reply) => {
    const query = searchParams(request);
    const result = await manager.list(ctxOf(request), parseListQuery(query, options.limitDefault, options.limitMax));
    const body: Record<string, unknown> = {
      images: result.images.map(imageView),
      first: firstLink(query),
      schema: '/v2/schemas/images',
    };
    if (result.nextMarker !== null) body.next = nextLink(query, result.nextMarker);
    sendJson(reply, 200, body);
  });

  app.post('/v2/images', async (request, reply) => {
    const image = await manager.create(ctxOf(request), jsonBody(request));
    reply.header('location', `${origin(request)}/v2/images/${image.id}`);
    sendJson(reply, 201, imageView(image));
  });

  app.get('/v2/images/:id', async (request, reply) => {
    sendJson(reply, 200, imageView(await manager.get(ctxOf(request), params(request).id as string)));
  });

  app.patch('/v2/images/:id', async (request, reply) => {
    const type = mediaTypeOf(request) ?? '';
    if (!(PATCH_MEDIA_TYPES as readonly string[]).includes(type)) {
      if (isStream(request.body)) request.body.resume();
      throw new ImageMediaTypeUnsupported(type, PATCH_MEDIA_TYPES);
    }
    const image = await manager.update(ctxOf(request), params(request).id as string, parsePatch(request.body));
    sendJson(reply, 200, imageView(image));
  });

  app.delete('/v2/images/:id', async (request, reply) => {
    await manager.delete(ctxOf(request), params(request).id as string);
    sendEmpty(reply);
  });

  app.put('/v2/images/:id/file', async (request, reply) => {
    const ctx = ctxOf(request);
    const type = mediaTypeOf(request);
    if (!isStream(request.body) || (type !== null && type !== UPLOAD_MEDIA_TYPE)) {
      if (isStream(request.body)) request.body.resume();
      throw new ImageMediaTypeUnsupported(type ?? '', [UPLOAD_MEDIA_TYPE]);
    }
    const lengthHeader = request.headers['content-length'];
    const declared = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
    await manager.upload(ctx, params(request).id as string, request.body, declared);
    sendEmpty(reply);
  });

  app.get('/v2/images/:id/file', async (request, reply) => {
    const data = await manager.download(ctxOf(request), params(request).id as string);
    if (data === null) {
      sendEmpty(reply);
      return reply;
    }
    reply.code(200).type(UPLOAD_MEDIA_TYPE).header('content-length', String(data.size));
    if (data.checksum) reply.header('content-md5', data.checksum);
    return reply.send(data.stream);
  });

  for (const action of ['deactivate', 'reactivate'] as const) {
    app.post(`/v2/images/:id/actions/${action}`, async (request, reply) => {
      await manager[action](ctxOf(request), params(request).id as string);
      sendEmpty(reply);
    });
  }

  app.put('/v2/images/:id/tags/:tag', async (request, reply) => {
    const { id, tag } = params(request) as { id: string; tag: string };
    await manager.addTag(ctxOf(request), id, tag);
    sendEmpty(reply);
  });

  app.delete('/v2/images/:id/tags/:tag', async (request, reply) => {
    const { id, tag } = params(request) as { id: string; tag: string };
    await manager.removeTag(ctxOf(request), id, tag);
    sendEmpty(reply);
  });

  app.get('/v2/images/:id/members', async (request, reply) => {
    const members = await manager.listMembers(ctxOf(request), params(request).id as string);
    sendJson(reply, 200, { members: members.map(memberView), schema: '/v2/schemas/members' });
  });

  app.post('/v2/images/:id/members', async (request, reply) => {
    const body = jsonBody(request) as { member?: unknown } | null;
    const member = await manager.addMember(ctxOf(request), params(request).id as string, body?.member);
    sendJson(reply, 200, memberView(member));
  });

  app.get('/v2/images/:id/members/:member', async (request, reply) => {
    const { id, member } = params(request) as { id: string; member: string };
    sendJson(reply, 200, memberView(await manager.getMember(ctxOf(request), id, member)));
  });

  app.put('/v2/images/:id/members/:member', async (request, reply) => {
    const { id, member } = params(request) as { id: string; member: string };
    const body = jsonBody(request) as { status?: unknown } | null;
    sendJson(reply, 200, memberView(await manager.updateMember(ctxOf(request), id, member, body?.status)));
  });

  app.delete('/v2/images/:id/members/:member', async (request, reply) => {
    const { id, member } = params(request) as { id: string; member: string };
    await manager.removeMember(ctxOf(request), id, member);
    sendEmpty(reply);
  });

  return app;
}

/**
 * Opens (and migrates) the image tables, prepares the store directory, then serves the
 * API on `[image] listen:listen_port` (or the port the caller names).
 */
export async function startImageService(conf: Config, deps: ImageServiceDeps): Promise<RunningImageService> {
  const o = conf.get(imageOpts);
  let database = deps.database;
  let ownDatabase = false;
  if (!database) {
    database = await openServiceDatabase<ImageSchema>(conf, o.connection, 'image');
    ownDatabase = true;
  }
  const opened = database;
  const closeDatabase = async () => {
    if (ownDatabase) await opened.close();
  };
  try {
    await migrateImageSchema(opened);
    const directory = deps.storeDirectory ?? o.filesystem_store_datadir ?? join(conf.get(commonOpts).state_path ?? '.', 'images');
    const files = new FilesystemStore(directory);
    await files.init();
    const manager = new ImageManager({ store: new ImageStore(opened), files, imageSizeCap: o.image_size_cap ?? 1099511627776 });
    const app = buildImageApp({
      manager,
      authenticate: deps.authenticate,
      limitDefault: o.limit_param_default ?? 25,
      limitMax: o.api_limit_max ?? 1000,
    });
    const host = deps.host ?? o.listen ?? '0.0.0.0';
    await app.listen({ host, port: deps.port ?? o.listen_port });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : (deps.port ?? o.listen_port);
    const url = reachableUrl(host, port);
    log.info({ url, store: directory }, 'image service listening');
    return {
      url,
      manager,
      close: async () => {
        await app.close();
        await closeDatabase();
      },
    };
  } catch (err) {
    await closeDatabase();
    throw err;
  }
}
