/**
 * How resource modules plug into the Compute API. A module declares routes (and server
 * actions) once, relative to a version root; the table mounts each under `/v2/{project_id}`,
 * `/v2.1` and `/v2.1/{project_id}`, picks the declaration that covers the request's
 * microversion, validates the body and query, and hands the handler a ComputeRequest.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TSchema } from 'typebox';
import type { RequestContext } from '../../context/context.js';
import { MalformedRequestBody, RouteNotFound, UnknownAction } from '../errors.js';
import { JSON_CONTENT_TYPE } from '../fault.js';
import { APIVersion } from './api-version.js';
import type { Query, RequestUrls } from './common.js';
import { compileValidator, type Validator } from './validation.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** The policy engine as the API uses it (src/policy/enforcer.ts implements it). */
export interface PolicyHook {
  /** Throws PolicyNotAuthorized (403) when the rule for `action` fails. */
  enforce(ctx: RequestContext, action: string, target: Record<string, unknown>): void;
  /** The `context_is_admin` rule evaluated on a context's credentials. */
  isAdmin(credentials: Record<string, unknown>): boolean;
}

/** Everything a handler gets: who is calling, at which version, and what they sent. */
export interface ComputeRequest<B = unknown> {
  readonly ctx: RequestContext;
  /** The negotiated microversion (2.1 on /v2). Gate deltas with `apiVersion.matches('2.N')`. */
  readonly apiVersion: APIVersion;
  /** True when the request came in on the legacy `/v2` root (lenient validation). */
  readonly legacyV2: boolean;
  /** Path parameters of the route, without the URL's project id. */
  readonly params: Readonly<Record<string, string>>;
  /** Query parameters; a repeated key is an array of its values. */
  readonly query: Query;
  /** The validated body; `null` for a request without one. */
  readonly body: B;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly urls: RequestUrls;
  /** Enforces a policy rule; the target defaults to the caller's own project and user. */
  authorize(action: string, target?: Record<string, unknown>): void;
  /** Evaluates a policy rule without throwing, for checks that only trim output. */
  allowed(action: string, target?: Record<string, unknown>): boolean;
}

/** A handler's answer when it needs a status or headers other than the route's defaults. */
export class ComputeResponse {
  readonly body: unknown;
  readonly status: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
  constructor(body: unknown, options: { status?: number; headers?: Record<string, string> } = {}) {
    this.body = body;
    this.status = options.status;
    this.headers = options.headers ?? {};
  }
}

/** Body to serialise as JSON, `undefined` for an empty body, or a ComputeResponse. */
export type HandlerResult = unknown;

interface VersionRange {
  /** First microversion that has this route (inclusive); default: the minimum. */
  minVersion?: string;
  /** Last microversion that has it (inclusive); default: no upper bound. */
  maxVersion?: string;
}

export interface RouteSpec<S extends TSchema = TSchema> extends VersionRange {
  method: HttpMethod;
  /** Relative to the version root, fastify syntax: `/servers/:server_id`. Must not use `:project_id`. */
  path: string;
  /** JSON Schema (TypeBox) of the body. Strict on /v2.1, unknown keys dropped on /v2. */
  body?: S;
  /** JSON Schema of the query object (values are strings or arrays of strings). */
  query?: TSchema;
  /** Status of a successful answer; default 200. */
  successStatus?: number;
  handler(req: ComputeRequest<Static<S>>): Promise<HandlerResult>;
}

/** One server action: `POST <path>` with body `{"<action>": ...}`. */
export interface ActionSpec<S extends TSchema = TSchema> extends VersionRange {
  /** Usually `/servers/:server_id/action`. */
  path: string;
  /** The single key of the body that selects this action, e.g. `os-start`. */
  action: string;
  /** Schema of the whole body, `{"<action>": ...}`, as Nova writes action schemas. */
  body?: S;
  /** Default 202. */
  successStatus?: number;
  handler(req: ComputeRequest<Static<S>>): Promise<HandlerResult>;
}

export interface ComputeRouter {
  route<S extends TSchema = TSchema>(spec: RouteSpec<S>): void;
  action<S extends TSchema = TSchema>(spec: ActionSpec<S>): void;
}

/** A resource module: a name (for logs and duplicate detection) and its registrations. */
export interface ResourceModule {
  readonly name: string;
  register(router: ComputeRouter): void;
}

export function defineResource(name: string, register: (router: ComputeRouter) => void): ResourceModule {
  return { name, register };
}

/** What the pipeline computed for a request before routing reached the handler. */
export interface PipelineState {
  ctx: RequestContext;
  apiVersion: APIVersion;
  legacyV2: boolean;
  urls: RequestUrls;
}

export interface MountOptions {
  policy: PolicyHook;
  /** The per-request state the app's hooks stored (throws if the request was not authenticated). */
  state(request: FastifyRequest): PipelineState;
}

interface Compiled<S extends VersionRange> {
  spec: S;
  min: APIVersion | null;
  max: APIVersion | null;
  body: Validator | null;
  query: Validator | null;
}

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

type Runner = (request: FastifyRequest, state: PipelineState) => Promise<Answer>;

function compile<S extends VersionRange & { body?: TSchema; query?: TSchema }>(spec: S): Compiled<S> {
  return {
    spec,
    min: spec.minVersion ? APIVersion.parse(spec.minVersion) : null,
    max: spec.maxVersion ? APIVersion.parse(spec.maxVersion) : null,
    body: spec.body ? compileValidator(spec.body, 'body') : null,
    query: spec.query ? compileValidator(spec.query, 'query') : null,
  };
}

function covering<S extends VersionRange>(candidates: Compiled<S>[], version: APIVersion): Compiled<S> | undefined {
  return candidates.find((c) => version.matches(c.min, c.max));
}

function overlaps(a: Compiled<VersionRange>, b: Compiled<VersionRange>): boolean {
  const aMin = a.min ?? APIVersion.min;
  const bMin = b.min ?? APIVersion.min;
  const aEndsBeforeB = a.max !== null && a.max.compare(bMin) < 0;
  const bEndsBeforeA = b.max !== null && b.max.compare(aMin) < 0;
  return !aEndsBeforeB && !bEndsBeforeA;
}

function pathPattern(path: string): RegExp {
  const body = path
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}/?$`);
}

function assertOwnPath(path: string): void {
  if (!path.startsWith('/')) throw new Error(`route ${path}: paths start with '/'`);
  if (/(^|\/):project_id(\/|$)/.test(path)) throw new Error(`route ${path}: ':project_id' is reserved for the URL's project`);
}

/** The mount points of a relative path: legacy v2 (project mandatory) and v2.1 (project optional). */
export function mountPaths(path: string): string[] {
  return [`/v2/:project_id${path}`, `/v2.1${path}`, `/v2.1/:project_id${path}`];
}

/**
 * Collects every module's routes, then mounts them. Declarations of the same method and
 * path must cover disjoint microversion ranges; a request outside all of them gets 404.
 */
export class RouteTable implements ComputeRouter {
  readonly #routes = new Map<string, Compiled<RouteSpec>[]>();
  readonly #actions = new Map<string, Map<string, Compiled<ActionSpec>[]>>();
  /** Absolute path patterns and their methods, for telling 405 from 404. */
  readonly #patterns: { pattern: RegExp; method: string }[] = [];

  route<S extends TSchema = TSchema>(spec: RouteSpec<S>): void {
    assertOwnPath(spec.path);
    const key = `${spec.method} ${spec.path}`;
    const compiled = compile(spec as unknown as RouteSpec);
    const list = this.#routes.get(key) ?? [];
    if (list.some((c) => overlaps(c, compiled))) throw new Error(`route ${key} declared twice for overlapping microversions`);
    list.push(compiled);
    this.#routes.set(key, list);
  }

  action<S extends TSchema = TSchema>(spec: ActionSpec<S>): void {
    assertOwnPath(spec.path);
    const byName = this.#actions.get(spec.path) ?? new Map<string, Compiled<ActionSpec>[]>();
    const compiled = compile(spec as unknown as ActionSpec);
    const list = byName.get(spec.action) ?? [];
    if (list.some((c) => overlaps(c, compiled))) {
      throw new Error(`action ${spec.action} on ${spec.path} declared twice for overlapping microversions`);
    }
    list.push(compiled);
    byName.set(spec.action, list);
    this.#actions.set(spec.path, byName);
  }

  /** Records a route the app registers itself (version documents) so 405 detection knows it. */
  noteRoute(method: string, absolutePath: string): void {
    this.#patterns.push({ pattern: pathPattern(absolutePath), method });
  }

  /** Every POST, PUT and PATCH route and every action: what a client can send a body to. */
  bodyRoutes(): { method: HttpMethod; path: string; action: string | null }[] {
    const out: { method: HttpMethod; path: string; action: string | null }[] = [];
    for (const key of this.#routes.keys()) {
      const [method, path] = key.split(' ', 2) as [HttpMethod, string];
      if (method === 'POST' || method === 'PUT' || method === 'PATCH') out.push({ method, path, action: null });
    }
    for (const [path, byName] of this.#actions) for (const action of byName.keys()) out.push({ method: 'POST', path, action });
    return out;
  }

  /** Methods that some route accepts at this path; empty when the path is unknown. */
  methodsAt(path: string): string[] {
    const methods = new Set<string>();
    for (const p of this.#patterns) if (p.pattern.test(path)) methods.add(p.method);
    return [...methods];
  }

  mount(app: FastifyInstance, options: MountOptions): void {
    for (const [key, candidates] of this.#routes) {
      const [method, path] = key.split(' ', 2) as [HttpMethod, string];
      if (method === 'POST' && this.#actions.has(path)) {
        throw new Error(`POST ${path} is both a route and an action path`);
      }
      this.#register(app, options, method, path, (request, state) => {
        const chosen = covering(candidates, state.apiVersion);
        if (!chosen) throw new RouteNotFound();
        return this.#invoke(request, state, chosen, options, 200);
      });
    }
    for (const [path, byName] of this.#actions) {
      this.#register(app, options, 'POST', path, (request, state) => {
        const name = actionName(request.body);
        const candidates = byName.get(name);
        if (!candidates) throw new UnknownAction(name);
        const chosen = covering(candidates, state.apiVersion);
        if (!chosen) throw new RouteNotFound();
        return this.#invoke(request, state, chosen, options, 202);
      });
    }
  }

  #register(app: FastifyInstance, options: MountOptions, method: HttpMethod, path: string, run: Runner): void {
    for (const absolute of mountPaths(path)) {
      this.noteRoute(method, absolute);
      app.route({
        method,
        url: absolute,
        handler: async (request, reply) => {
          const answer = await run(request, options.state(request));
          sendAnswer(reply, answer.status, answer.body, answer.headers);
        },
      });
    }
  }

  async #invoke<S extends RouteSpec | ActionSpec>(
    request: FastifyRequest,
    state: PipelineState,
    chosen: Compiled<S>,
    options: MountOptions,
    defaultStatus: number,
  ): Promise<Answer> {
    const body = request.body === undefined ? null : request.body;
    chosen.body?.validate(body, state.legacyV2);
    const query = (request.query ?? {}) as Query;
    chosen.query?.validate(query, state.legacyV2);
    const { project_id: _urlProject, ...params } = (request.params ?? {}) as Record<string, string>;
    const callerTarget = (): Record<string, unknown> => ({ project_id: state.ctx.projectId, user_id: state.ctx.userId });
    const computeRequest: ComputeRequest = {
      ctx: state.ctx,
      apiVersion: state.apiVersion,
      legacyV2: state.legacyV2,
      params,
      query,
      body,
      headers: request.headers,
      urls: state.urls,
      authorize: (action, target) => options.policy.enforce(state.ctx, action, target ?? callerTarget()),
      allowed: (action, target) => {
        try {
          options.policy.enforce(state.ctx, action, target ?? callerTarget());
          return true;
        } catch (err) {
          if ((err as { code?: unknown }).code === 403) return false;
          throw err;
        }
      },
    };
    const result = await chosen.spec.handler(computeRequest as ComputeRequest<never>);
    const status = chosen.spec.successStatus ?? defaultStatus;
    if (result instanceof ComputeResponse) {
      return { status: result.status ?? status, body: result.body, headers: { ...result.headers } };
    }
    return { status, body: result, headers: {} };
  }
}

/** The single key of an action body; anything else is a malformed body, as in Nova. */
export function actionName(body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new MalformedRequestBody();
  const keys = Object.keys(body);
  if (keys.length !== 1) throw new MalformedRequestBody();
  return keys[0] as string;
}

/** Writes a success answer: JSON, or an empty body with `Content-Length: 0`. */
export function sendAnswer(reply: FastifyReply, status: number, body: unknown, headers: Record<string, string> = {}): void {
  reply.code(status).headers(headers);
  if (body === undefined) {
    reply.header('content-length', '0').send();
    return;
  }
  reply.type(JSON_CONTENT_TYPE).send(JSON.stringify(body));
}
