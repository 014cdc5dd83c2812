import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseAuthRequest } from '../auth-request.js';
import { IdentityForbidden, TokenNotFound } from '../errors.js';
import { enforce } from '../policy.js';
import type { IdentityService, ValidatedToken } from '../service.js';
import { catalogView, domainView, projectView, tokenView } from '../views.js';
import { baseUrl, callerToken, collectionLinksFor, flag, header, query } from './common.js';

export function registerAuthRoutes(app: FastifyInstance, service: IdentityService): void {
  app.post('/v3/auth/tokens', async (req, reply) => {
    const token = await service.authenticate(parseAuthRequest(req.body));
    reply.code(201).header('X-Subject-Token', token.id);
    return tokenView(token, flag(query(req).nocatalog) ? null : service.catalog);
  });

  /** The token named by X-Subject-Token, after the caller's own token was checked. */
  async function subject(req: FastifyRequest, action: string): Promise<ValidatedToken> {
    const caller = await callerToken(service, req);
    const subjectId = header(req, 'X-Subject-Token');
    if (subjectId === undefined) throw new TokenNotFound('Could not find token: X-Subject-Token is missing.');
    const token = await service.validateToken(subjectId);
    enforce(caller, action, { userId: token.user.id });
    return token;
  }

  app.get('/v3/auth/tokens', async (req, reply) => {
    const token = await subject(req, req.method === 'HEAD' ? 'identity:check_token' : 'identity:validate_token');
    reply.header('X-Subject-Token', token.id);
    return tokenView(token, flag(query(req).nocatalog) ? null : service.catalog);
  });

  app.delete('/v3/auth/tokens', async (req, reply) => {
    const token = await subject(req, 'identity:revoke_token');
    await service.revokeToken(token.id);
    reply.code(204);
  });

  app.get('/v3/auth/catalog', async (req) => {
    const caller = await callerToken(service, req);
    enforce(caller, 'identity:get_auth_catalog');
    if (!caller.project && !caller.domain)
      throw new IdentityForbidden('A project- or domain-scoped token is required to produce a service catalog.');
    return { catalog: catalogView(service.catalog), links: collectionLinksFor(req, '/v3/auth/catalog') };
  });

  app.get('/v3/auth/projects', async (req) => {
    const caller = await callerToken(service, req);
    enforce(caller, 'identity:get_auth_projects');
    const projects = (await service.listUserProjects(caller.user.id)).filter((p) => p.enabled);
    return { projects: projects.map((p) => projectView(baseUrl(req), p)), links: collectionLinksFor(req, '/v3/auth/projects') };
  });

  app.get('/v3/auth/domains', async (req) => {
    const caller = await callerToken(service, req);
    enforce(caller, 'identity:get_auth_domains');
    const domains = (await service.listUserDomains(caller.user.id)).filter((d) => d.enabled);
    return { domains: domains.map((d) => domainView(baseUrl(req), d)), links: collectionLinksFor(req, '/v3/auth/domains') };
  });
}
