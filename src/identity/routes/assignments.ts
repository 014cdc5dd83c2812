/** Role grants on projects and domains, and `/v3/role_assignments`. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { enforce } from '../policy.js';
import type { IdentityService } from '../service.js';
import { type AssignmentNames, assignmentView, roleView } from '../views.js';
import { baseUrl, callerToken, collectionLinksFor, flag, params, query } from './common.js';

type Target = { projectId: string } | { domainId: string };

export function registerAssignmentRoutes(app: FastifyInstance, service: IdentityService): void {
  for (const [kind, toTarget] of [
    ['projects', (id: string): Target => ({ projectId: id })],
    ['domains', (id: string): Target => ({ domainId: id })],
  ] as const) {
    const grant = `/v3/${kind}/:target/users/:user/roles/:role`;
    const target = (req: FastifyRequest): Target => toTarget(params(req).target as string);

    app.put(grant, async (req, reply) => {
      enforce(await callerToken(service, req), 'identity:create_grant');
      const p = params(req);
      await service.grantRole(p.user as string, target(req), p.role as string);
      reply.code(204);
    });
    // HEAD comes with GET; both only say whether the grant exists.
    app.get(grant, async (req, reply) => {
      enforce(await callerToken(service, req), 'identity:check_grant');
      const p = params(req);
      await service.checkGrant(p.user as string, target(req), p.role as string);
      reply.code(204);
    });
    app.delete(grant, async (req, reply) => {
      enforce(await callerToken(service, req), 'identity:revoke_grant');
      const p = params(req);
      await service.revokeGrant(p.user as string, target(req), p.role as string);
      reply.code(204);
    });
    app.get(`/v3/${kind}/:target/users/:user/roles`, async (req) => {
      enforce(await callerToken(service, req), 'identity:list_grants');
      const p = params(req);
      const roles = await service.listGrantedRoles(p.user as string, target(req));
      return {
        roles: roles.map((r) => roleView(baseUrl(req), r)),
        links: collectionLinksFor(req, `/v3/${kind}/${p.target}/users/${p.user}/roles`),
      };
    });
  }

  app.get('/v3/role_assignments', async (req) => {
    enforce(await callerToken(service, req), 'identity:list_role_assignments');
    const q = query(req);
    const filter = {
      ...(q['user.id'] !== undefined ? { userId: q['user.id'] } : {}),
      ...(q['scope.project.id'] !== undefined ? { projectId: q['scope.project.id'] } : {}),
      ...(q['scope.domain.id'] !== undefined ? { domainId: q['scope.domain.id'] } : {}),
      ...(q['role.id'] !== undefined ? { roleId: q['role.id'] } : {}),
    };
    // Groups and system scope do not exist here, so asking for them matches nothing.
    const none = q['group.id'] !== undefined || q['scope.system'] !== undefined;
    const assignments = none ? [] : await service.listRoleAssignments(filter);
    let names: AssignmentNames | null = null;
    if (flag(q.include_names)) {
      const [users, projects, domains, roles] = await Promise.all([
        service.listUsers(),
        service.listProjects(),
        service.listDomains(),
        service.listRoles(),
      ]);
      names = {
        users: new Map(users.map((u) => [u.id, u])),
        projects: new Map(projects.map((p) => [p.id, p])),
        domains: new Map(domains.map((d) => [d.id, d])),
        roles: new Map(roles.map((r) => [r.id, r])),
      };
    }
    return {
      role_assignments: assignments.map((a) => assignmentView(baseUrl(req), a, names)),
      links: collectionLinksFor(req, '/v3/role_assignments'),
    };
  });
}
