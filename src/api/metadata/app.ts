/**
 * The metadata service's HTTP application: one handler for every path and method. `/`
 * lists the EC2 versions to anyone; everything else is answered for the instance the
 * request is identified as (src/api/metadata/identify.ts), from its metadata tree.
 */
import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { BadRequest, NotFound, NovaError } from '../../common/errors.js';
import { CLOSING_HEADERS, CLOSING_MESSAGE, refuseRequestsWhileClosing } from '../../common/http-closing.js';
import { getLogger } from '../../common/log.js';
import { onInstanceMetadataChanged } from '../../compute/api/metadata-events.js';
import type { InstanceMetadataLookup } from '../../compute/api/metadata-lookup.js';
import { apiOpts } from '../../config/api-opts.js';
import type { Config } from '../../config/config.js';
import { metadataApiOpts } from '../../config/metadata-api-opts.js';
import { InstanceMetadata, normalizePath } from '../../metadata/instance-metadata.js';
import { PASSWORD_MAX_SIZE } from '../../metadata/password.js';
import { MdPassword, renderNode } from '../../metadata/tree.js';
import { ec2VersionList } from '../../metadata/versions.js';
import { MetadataCache } from './cache.js';
import { type HeadersDistinct, requesterAddress, verifyProxyHeaders } from './identify.js';

const log = getLogger('nova.api.metadata');

const TEXT = 'text/plain; charset=UTF-8';
const JSON_TYPE = 'application/json';
/** Bodies above this never reach a handler; only `password` reads a body at all. */
const BODY_LIMIT = 64 * 1024;

export type MetadataLookup = Pick<InstanceMetadataLookup, 'instanceUuidForAddress' | 'source' | 'setPasswordFromGuest'>;

export interface MetadataApiDeps {
  conf: Config;
  lookup: MetadataLookup;
  /** Clock of the cache, in ms (tests drive it). */
  now?: () => number;
}

export class MetadataNotFound extends NotFound {
  constructor() {
    super('The resource could not be found.');
  }
}

class RequestTooLargeForPassword extends BadRequest {
  constructor() {
    super('Request is too large.');
  }
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  const raw = q < 0 ? url : url.slice(0, q);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new MetadataNotFound();
  }
}

function sendText(reply: FastifyReply, status: number, body: Buffer | string, type = TEXT): void {
  reply.code(status).type(type).send(body);
}

function errorText(status: number, message: string): string {
  return `${status} ${STATUS_CODES[status] ?? ''}\n\n${message}\n`;
}

/** Every header by lower-case name, repeats kept apart (a repeated X-Instance-ID is an error, not a list). */
function distinctHeaders(rawHeaders: readonly string[]): HeadersDistinct {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const values = out[name] ?? [];
    values.push(rawHeaders[i + 1] as string);
    out[name] = values;
  }
  return out;
}

export interface MetadataApp {
  app: FastifyInstance;
  cache: MetadataCache;
}

export function buildMetadataApp(deps: MetadataApiDeps): MetadataApp {
  const opts = deps.conf.get(metadataApiOpts);
  const useForwardedFor = deps.conf.get(apiOpts).use_forwarded_for;
  const proxyMode = opts.service_quantum_metadata_proxy;
  const secret = opts.quantum_metadata_proxy_shared_secret ?? '';
  const cache = new MetadataCache(opts.metadata_cache_expiration ?? 15, deps.now);
  const unsubscribe = onInstanceMetadataChanged((uuid) => cache.invalidate(uuid));

  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    exposeHeadRoutes: false,
    return503OnClosing: false,
    // A path that is not even valid percent-encoding names nothing.
    frameworkErrors: (_error, _request, reply) => {
      sendText(reply, 404, errorText(404, 'The resource could not be found.'));
    },
  });
  refuseRequestsWhileClosing<FastifyRequest, FastifyReply>(app, async (_request, reply) =>
    reply.code(503).headers(CLOSING_HEADERS).type(TEXT).send(errorText(503, CLOSING_MESSAGE)),
  );
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));
  app.addHook('onClose', async () => unsubscribe());

  /** The instance's metadata as this request sees it, or MetadataNotFound. */
  async function metadataFor(request: FastifyRequest): Promise<InstanceMetadata> {
    const headers = distinctHeaders(request.raw.rawHeaders);
    let instanceUuid: string | null;
    let address: string | null;
    let tenantId: string | null = null;
    if (proxyMode) {
      const identity = verifyProxyHeaders(headers, secret);
      instanceUuid = identity.instanceUuid;
      address = identity.address;
      tenantId = identity.tenantId;
    } else {
      if (headers['x-instance-id']) {
        log.warn('X-Instance-ID in a request, ignored: service_quantum_metadata_proxy is off, so the requester address names the instance');
      }
      address = requesterAddress(request.raw.socket.remoteAddress, headers, useForwardedFor);
      instanceUuid = address === null ? null : await deps.lookup.instanceUuidForAddress(address);
      if (instanceUuid === null) log.warn({ address }, 'metadata request from an address that is no fixed IP of an instance');
    }
    if (instanceUuid === null) throw new MetadataNotFound();

    let metadata = cache.get(instanceUuid, address);
    if (!metadata) {
      const source = await deps.lookup.source(instanceUuid);
      if (source === null) {
        log.warn({ instance_uuid: instanceUuid, address }, 'metadata request for an instance that does not exist');
        throw new MetadataNotFound();
      }
      metadata = new InstanceMetadata(source, { address });
      cache.set(instanceUuid, address, metadata);
    }
    if (tenantId !== null && metadata.source.projectId !== tenantId) {
      log.warn({ instance_uuid: instanceUuid, tenant_id: tenantId }, 'X-Tenant-ID is not the project of the instance');
      throw new MetadataNotFound();
    }
    return metadata;
  }

  async function password(request: FastifyRequest, reply: FastifyReply, metadata: InstanceMetadata, node: MdPassword): Promise<void> {
    if (request.method === 'GET' || request.method === 'HEAD') {
      sendText(reply, 200, node.current ?? '');
      return;
    }
    if (request.method !== 'POST') throw new BadRequest('Only GET and POST are accepted here.');
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > PASSWORD_MAX_SIZE || body.length > PASSWORD_MAX_SIZE) throw new RequestTooLargeForPassword();
    await deps.lookup.setPasswordFromGuest(metadata.source.uuid, body.toString('utf8'));
    sendText(reply, 200, '');
  }

  app.all('*', async (request, reply) => {
    const path = pathOf(request.url);
    if (normalizePath(path).length === 0) {
      sendText(reply, 200, ec2VersionList().join('\n'));
      return;
    }
    const metadata = await metadataFor(request);
    const node = metadata.lookup(path);
    if (node === undefined) throw new MetadataNotFound();
    if (node instanceof MdPassword) {
      await password(request, reply, metadata, node);
      return;
    }
    sendText(reply, 200, renderNode(node), path.replace(/\/+$/, '').endsWith('.json') ? JSON_TYPE : TEXT);
  });

  app.setErrorHandler((error, request, reply) => {
    if ((error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      sendText(reply, 400, errorText(400, 'Request is too large.'));
      return;
    }
    if (error instanceof NovaError && error.code < 500) {
      sendText(reply, error.code, errorText(error.code, error.message));
      return;
    }
    log.error({ err: error, method: request.method, url: request.url }, 'metadata request failed');
    sendText(reply, 500, errorText(500, 'An unknown error has occurred. Please try your request again.'));
  });

  return { app, cache };
}
