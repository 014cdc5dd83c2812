/**
 * The embedded identity service's HTTP server (Keystone v3 subset) on its own port,
 * 5000 by default. nova-all starts it in-process; it can also run alone.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { NovaError } from '../common/errors.js';
import { HTTP_TITLES, reachableUrl } from '../common/http-listen.js';
import { jsonTextTooDeep } from '../common/json-depth.js';
import { getLogger } from '../common/log.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/engine.js';
import type { IdentitySchema } from '../db/identity/schema.js';
import { IdentityStore } from '../db/identity/store.js';
import { openServiceDatabase } from '../db/manage.js';
import { buildCatalog, type CatalogServiceSpec, type CatalogUrls, catalogSpecs } from './catalog.js';
import { IdentityValidationError } from './errors.js';
import { credentialOpts, identityOpts } from './opts.js';
import { registerAssignmentRoutes } from './routes/assignments.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerCatalogRoutes } from './routes/catalog.js';
import { baseUrl } from './routes/common.js';
import { registerCredentialRoutes } from './routes/credentials.js';
import { registerEc2TokenRoutes } from './routes/ec2-tokens.js';
import { registerDomainRoutes, registerProjectRoutes, registerRoleRoutes, registerUserRoutes } from './routes/resources.js';
import { registerVersionRoutes } from './routes/versions.js';
import { IdentityService } from './service.js';

const log = getLogger('nova.identity.server');

const PURGE_INTERVAL_MS = 3600_000;

export function keystoneError(code: number, message: string): { error: { code: number; message: string; title: string } } {
  return { error: { code, message, title: HTTP_TITLES[code] ?? 'Error' } };
}

/** The fastify application of the identity API, not yet listening (tests may `inject`). */
export function buildIdentityApp(service: IdentityService, options: { ec2AuthTtlMinutes?: number } = {}): FastifyInstance {
  const app = Fastify({ logger: false, genReqId: () => `req-${randomUUID()}` });

  // Keystone accepts a missing or empty body on any method, and JSON under any type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    if (jsonTextTooDeep(text)) return done(new IdentityValidationError('The request body is nested too deeply.'), undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new IdentityValidationError('The request body is not valid JSON.'), undefined);
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-openstack-request-id', req.id);
    reply.header('vary', 'X-Auth-Token');
  });

  app.setErrorHandler((err: FastifyError | NovaError, req, reply) => {
    let status: number;
    let message: string;
    if (err instanceof NovaError) {
      status = err.code;
      message = err.message;
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode;
      message = err.message;
    } else {
      status = 500;
      message = 'An unexpected error prevented the server from fulfilling your request.';
    }
    if (status >= 500) log.error({ err, method: req.method, url: req.url, request_id: req.id }, 'identity request failed');
    if (status === 401) reply.header('WWW-Authenticate', `Keystone uri="${baseUrl(req)}"`);
    reply.code(status).send(keystoneError(status, message));
  });
  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).send(keystoneError(404, 'The resource could not be found.'));
  });

  registerVersionRoutes(app);
  registerAuthRoutes(app, service);
  registerDomainRoutes(app, service);
  registerProjectRoutes(app, service);
  registerUserRoutes(app, service);
  registerRoleRoutes(app, service);
  registerAssignmentRoutes(app, service);
  registerCredentialRoutes(app, service);
  registerEc2TokenRoutes(app, service, options.ec2AuthTtlMinutes ?? 15);
  registerCatalogRoutes(app, service);
  return app;
}

export interface IdentityServiceDeps {
  /** An open database holding (or to hold) the identity tables; the server then does not close it. */
  database?: Database<IdentitySchema>;
  /** Catalog URLs nova-all actually serves; default from `[identity]`. */
  catalog?: CatalogUrls | CatalogServiceSpec[];
  /** Listen address and port, overriding `[identity] listen` / `listen_port` (tests pass port 0). */
  host?: string;
  port?: number;
  /** Clock, for tests of expiry. */
  now?: () => Date;
}

export interface RunningIdentityService {
  /** `http://host:port` the server listens on (no path). */
  url: string;
  service: IdentityService;
  close(): Promise<void>;
}

function catalogFromConfig(conf: Config, port: number): CatalogUrls {
  const o = conf.get(identityOpts);
  const host = o.public_host ?? hostname();
  return {
    identity: o.identity_endpoint ?? `http://${host}:${port}/v3`,
    compute: o.compute_endpoint ?? `http://${host}:8774/v2.1`,
    image: o.image_endpoint ?? `http://${host}:9292`,
    ec2: o.ec2_endpoint,
  };
}

/**
 * Opens (and migrates) the identity tables, then serves the API. The catalog is built
 * after the listener is bound, so that port 0 yields a catalog with the real port.
 */
export async function startIdentityService(conf: Config, deps: IdentityServiceDeps = {}): Promise<RunningIdentityService> {
  const o = conf.get(identityOpts);
  let database = deps.database;
  let ownDatabase = false;
  if (!database) {
    database = await openServiceDatabase<IdentitySchema>(conf, o.connection, 'identity');
    ownDatabase = true;
  }
  const store = new IdentityStore(database);
  try {
    await store.migrate();
  } catch (err) {
    if (ownDatabase) await database.close();
    throw err;
  }
  const service = new IdentityService(store, {
    tokenExpiration: o.token_expiration ?? 3600,
    catalog: [],
    ...(deps.now ? { now: deps.now } : {}),
  });
  const app = buildIdentityApp(service, { ec2AuthTtlMinutes: conf.get(credentialOpts).auth_ttl ?? 15 });
  const host = deps.host ?? o.listen ?? '0.0.0.0';
  try {
    await app.listen({ host, port: deps.port ?? o.listen_port });
  } catch (err) {
    if (ownDatabase) await database.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (deps.port ?? o.listen_port);
  const specs = Array.isArray(deps.catalog) ? deps.catalog : catalogSpecs(deps.catalog ?? catalogFromConfig(conf, port));
  service.setCatalog(buildCatalog(specs, o.region ?? 'RegionOne'));

  const purge = () => {
    service.purgeExpiredTokens().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'purging expired tokens failed'));
  };
  await service.purgeExpiredTokens();
  const timer = setInterval(purge, PURGE_INTERVAL_MS);
  timer.unref();

  const url = reachableUrl(host, port);
  log.info({ url }, 'identity service listening');
  const db = database;
  return {
    url,
    service,
    close: async () => {
      clearInterval(timer);
      await app.close();
      if (ownDatabase) await db.close();
    },
  };
}
