/**
 * The OpenStack Compute API application: request ids, microversion negotiation,
 * authentication, the URL project check, body parsing, version discovery, the resource
 * routes, and one fault handler for every error.
 */

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { jsonTextTooDeep, MAX_JSON_DEPTH } from '../../common/json-depth.js';
import { getLogger } from '../../common/log.js';
import { apiOpts } from '../../config/api-opts.js';
import type { Config } from '../../config/config.js';
import { newRequestId, type RequestContext } from '../../context/context.js';
import type { AuthStrategy } from '../auth/strategy.js';
import { refuseNovaRequestsWhileClosing } from '../closing.js';
import { MalformedRequestBody, MethodNotAllowed, ProjectIdMismatch, RouteNotFound, UnsupportedMediaType } from '../errors.js';
import { JSON_CONTENT_TYPE, renderFault } from '../fault.js';
import { APIVersion, negotiateVersion, versionResponseHeaders } from './api-version.js';
import type { RequestUrls } from './common.js';
import { type PipelineState, type PolicyHook, type ResourceModule, RouteTable, sendAnswer } from './routing.js';
import { applyLinkPrefix, urlJoin } from './urls.js';
import { findVersion, versionChoices, versionDocument, versionList } from './versions.js';

const log = getLogger('nova.api.openstack');

export interface ComputeApiDeps {
  conf: Config;
  /** How tokens become contexts: NoAuth2Strategy or the Keystone strategy. */
  auth: AuthStrategy;
  policy: PolicyHook;
  /** Resource modules to mount (servers, flavors, ...). */
  resources: readonly ResourceModule[];
  /** Identity endpoint named in `WWW-Authenticate` on 401 answers. */
  identityUri?: string | null;
}

type Area = 'root' | 'v2' | 'v2.1';

interface RequestState {
  readonly requestId: string;
  readonly globalRequestId: string | null;
  readonly area: Area;
  urls: RequestUrls;
  apiVersion: APIVersion | null;
  ctx: RequestContext | null;
}

const JSON_MEDIA_TYPES = new Set(['application/json', 'application/vnd.openstack.compute+json']);
const GLOBAL_REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function areaOf(path: string): Area {
  if (path === '/v2.1' || path.startsWith('/v2.1/')) return 'v2.1';
  if (path === '/v2' || path.startsWith('/v2/')) return 'v2';
  return 'root';
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function queryPairsOf(url: string): [string, string][] {
  const q = url.indexOf('?');
  return q < 0 ? [] : [...new URLSearchParams(url.slice(q + 1))];
}

function singleHeader(value: string | string[] | undefined): string | null {
  const v = Array.isArray(value) ? value[value.length - 1] : value;
  return v === undefined || v.trim() === '' ? null : v.trim();
}

function isPublic(request: FastifyRequest): boolean {
  return (request.routeOptions.config as { public?: boolean }).public === true;
}

/**
 * Parses every request body: JSON (with or without a Content-Type), anything else is 415.
 * Nesting is bounded before parsing, so nothing downstream can recurse itself to death.
 */
function parseBody(request: FastifyRequest, text: string): unknown {
  const header = singleHeader(request.headers['content-type']);
  if (header !== null) {
    const mediaType = (header.split(';')[0] as string).trim().toLowerCase();
    if (!JSON_MEDIA_TYPES.has(mediaType)) throw new UnsupportedMediaType();
  }
  if (text.trim() === '') return null;
  if (jsonTextTooDeep(text)) throw new MalformedRequestBody(`Malformed request body: nested deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedRequestBody();
  }
}

export function buildComputeApp(deps: ComputeApiDeps): FastifyInstance {
  const opts = deps.conf.get(apiOpts);
  const bodyLimit = opts.osapi_max_request_body_size ?? 114688;
  const app = Fastify({
    logger: false,
    bodyLimit,
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: false,
  });
  const states = new WeakMap<FastifyRequest, RequestState>();
  const table = new RouteTable();

  const stateOf = (request: FastifyRequest): RequestState => {
    const s = states.get(request);
    if (!s) throw new Error('request reached a handler without pipeline state');
    return s;
  };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (request, text, done) => {
    try {
      done(null, parseBody(request, text as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  refuseNovaRequestsWhileClosing(app);
  app.addHook('onRequest', async (request) => {
    const path = pathOf(request.url);
    const area = areaOf(path);
    const root = applyLinkPrefix(`${request.protocol}://${request.host}`, opts.osapi_compute_link_prefix);
    const urlProject = (request.params as Record<string, string> | undefined)?.project_id;
    const inbound = singleHeader(request.headers['x-openstack-request-id']);
    const state: RequestState = {
      requestId: newRequestId(),
      globalRequestId: inbound !== null && GLOBAL_REQUEST_ID.test(inbound) ? inbound : null,
      area,
      urls: {
        root,
        versionRoot: area === 'root' ? root : urlJoin(root, area),
        urlProjectId: urlProject ?? null,
        queryPairs: queryPairsOf(request.url),
      },
      apiVersion: area === 'v2' ? APIVersion.min : null,
      ctx: null,
    };
    states.set(request, state);

    if (area === 'v2.1') state.apiVersion = negotiateVersion(request.headers);
    if (area === 'root' || isPublic(request)) return;

    const authenticated = await deps.auth.authenticate({
      headers: request.headers,
      remoteAddress: request.ip ?? null,
      requestId: state.requestId,
      globalRequestId: state.globalRequestId,
    });
    const ctx = authenticated.with({
      requestId: state.requestId,
      globalRequestId: state.globalRequestId,
      remoteAddress: request.ip ?? null,
    });
    state.ctx = ctx.isAdmin || !deps.policy.isAdmin(ctx.toPolicyCredentials()) ? ctx : ctx.with({ isAdmin: true });

    if (urlProject !== undefined && urlProject !== state.ctx.projectId) {
      // `/v2.1/{x}` alone is as much an unknown collection as a project root: Nova, whose
      // project ids are hex, finds no route there, and clients probing for a collection read 404.
      if (request.routeOptions.url === '/v2.1/:project_id') throw new RouteNotFound();
      throw new ProjectIdMismatch(urlProject, state.ctx.projectId);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const state = states.get(request);
    const requestId = state?.requestId ?? newRequestId();
    reply.header('x-openstack-request-id', requestId);
    reply.header('x-compute-request-id', requestId);
    if (state?.area === 'v2.1' && state.apiVersion !== null) {
      for (const [name, value] of Object.entries(versionResponseHeaders(state.apiVersion))) reply.header(name, value);
    }
    return payload;
  });

  // One line per request, as Nova's WSGI server writes it.
  app.addHook('onResponse', async (request, reply) => {
    const state = states.get(request);
    const line = `"${request.method} ${request.url}" status: ${reply.statusCode} time: ${(reply.elapsedTime / 1000).toFixed(7)}`;
    if (state?.ctx) log.for(state.ctx).info(line);
    else log.info({ request_id: state?.requestId }, line);
  });

  app.setErrorHandler((error, request, reply) => {
    const fault = renderFault(error, { identityUri: deps.identityUri ?? null });
    if (fault.unexpected) {
      const state = states.get(request);
      const where = { method: request.method, url: request.url };
      if (state?.ctx) log.for(state.ctx).error({ err: error, ...where }, 'unexpected API error');
      else log.error({ err: error, request_id: state?.requestId, ...where }, 'unexpected API error');
    }
    reply.code(fault.status).headers(fault.headers).type(JSON_CONTENT_TYPE).send(JSON.stringify(fault.body));
  });

  app.setNotFoundHandler(async (request, reply) => {
    const path = pathOf(request.url);
    const state = stateOf(request);
    if (state.area === 'root') {
      sendAnswer(reply, 300, versionChoices(state.urls.root, path));
      return;
    }
    const methods = table.methodsAt(path);
    // A trailing slash names a member with a blank id (`DELETE /images/`), which no route serves.
    if (methods.length > 0 && !path.endsWith('/')) throw new MethodNotAllowed(undefined, { headers: { Allow: methods.join(', ') } });
    throw new RouteNotFound();
  });

  registerVersionRoutes(app, table, stateOf);

  for (const resource of deps.resources) resource.register(table);
  table.mount(app, {
    policy: deps.policy,
    state: (request): PipelineState => {
      const s = stateOf(request);
      if (s.ctx === null || s.apiVersion === null) throw new Error('resource route reached without authentication');
      return { ctx: s.ctx, apiVersion: s.apiVersion, legacyV2: s.area === 'v2', urls: s.urls };
    },
  });

  return app;
}

function registerVersionRoutes(app: FastifyInstance, table: RouteTable, stateOf: (r: FastifyRequest) => RequestState): void {
  const document = (id: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const info = findVersion(id);
    if (!info) throw new RouteNotFound();
    sendAnswer(reply, 200, versionDocument(stateOf(request).urls.root, info));
  };
  const get = (url: string, isPublicRoute: boolean, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<void>) => {
    // `/v2.1/:project_id` would match every unknown collection (`/v2.1/os-foo`), turning
    // its 404 into a 405; a project root alone is not a reason for 405.
    if (!url.endsWith('/:project_id')) table.noteRoute('GET', url);
    app.route({ method: 'GET', url, config: { public: isPublicRoute }, handler });
  };

  get('/', true, async (request, reply) => sendAnswer(reply, 200, versionList(stateOf(request).urls.root)));
  get('/v2', true, document('v2.0'));
  get('/v2.1', true, document('v2.1'));
  get('/v2/:project_id', false, document('v2.0'));
  get('/v2.1/:project_id', false, document('v2.1'));
  const byId = async (request: FastifyRequest, reply: FastifyReply) =>
    document((request.params as { version_id: string }).version_id)(request, reply);
  get('/v2.1/versions/:version_id', false, byId);
  get('/v2.1/:project_id/versions/:version_id', false, byId);
}
