/** Domains, projects, users and roles: Keystone's CRUD shapes and filters. */
import type { FastifyInstance } from 'fastify';
import { IdentityValidationError } from '../errors.js';
import { enforce } from '../policy.js';
import type { IdentityService } from '../service.js';
import { domainView, projectView, roleView, userView } from '../views.js';
import {
  baseUrl,
  bodyObject,
  boolFilter,
  callerToken,
  collectionLinksFor,
  extraOf,
  optBool,
  optNullableString,
  optString,
  params,
  query,
} from './common.js';

const DOMAIN_KEYS = ['id', 'name', 'description', 'enabled', 'links', 'tags', 'options'];
const PROJECT_KEYS = ['id', 'name', 'domain_id', 'description', 'enabled', 'parent_id', 'is_domain', 'links', 'options'];
const USER_KEYS = ['id', 'name', 'domain_id', 'password', 'enabled', 'default_project_id', 'links', 'options', 'password_expires_at'];
const ROLE_KEYS = ['id', 'name', 'description', 'domain_id', 'links', 'options'];

function requiredString(o: Record<string, unknown>, key: string, kind: string): string {
  const v = optString(o, key);
  if (v === undefined) throw new IdentityValidationError(`Invalid input for field '${key}': '${key}' is a required property of ${kind}.`);
  return v;
}

export function registerDomainRoutes(app: FastifyInstance, service: IdentityService): void {
  app.get('/v3/domains', async (req) => {
    enforce(await callerToken(service, req), 'identity:list_domains');
    const q = query(req);
    const enabled = boolFilter(q.enabled);
    const domains = await service.listDomains({
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(enabled !== undefined ? { enabled } : {}),
    });
    return { domains: domains.map((d) => domainView(baseUrl(req), d)), links: collectionLinksFor(req, '/v3/domains') };
  });
  app.post('/v3/domains', async (req, reply) => {
    enforce(await callerToken(service, req), 'identity:create_domain');
    const b = bodyObject(req.body, 'domain');
    const description = optString(b, 'description');
    const enabled = optBool(b, 'enabled');
    const domain = await service.createDomain({
      name: requiredString(b, 'name', 'domain'),
      ...(description !== undefined ? { description } : {}),
      ...(enabled !== undefined ? { enabled } : {}),
      extra: extraOf(b, DOMAIN_KEYS),
    });
    reply.code(201);
    return { domain: domainView(baseUrl(req), domain) };
  });
  app.get('/v3/domains/:id', async (req) => {
    const caller = await callerToken(service, req);
    const { id } = params(req);
    // Anyone may read the domain their token lives in; Keystone's get_domain allows it too.
    const own = caller.userDomain.id === id || caller.projectDomain?.id === id || caller.domain?.id === id;
    if (!own) enforce(caller, 'identity:get_domain');
    return { domain: domainView(baseUrl(req), await service.getDomain(id as string)) };
  });
  app.patch('/v3/domains/:id', async (req) => {
    enforce(await callerToken(service, req), 'identity:update_domain');
    const b = bodyObject(req.body, 'domain');
    const name = optString(b, 'name');
    const description = optString(b, 'description');
    const enabled = optBool(b, 'enabled');
    const domain = await service.updateDomain(params(req).id as string, {
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(enabled !== undefined ? { enabled } : {}),
      extra: extraOf(b, DOMAIN_KEYS),
    });
    return { domain: domainView(baseUrl(req), domain) };
  });
  app.delete('/v3/domains/:id', async (req, reply) => {
    enforce(await callerToken(service, req), 'identity:delete_domain');
    await service.deleteDomain(params(req).id as string);
    reply.code(204);
  });
}

export function registerProjectRoutes(app: FastifyInstance, service: IdentityService): void {
  app.get('/v3/projects', async (req) => {
    enforce(await callerToken(service, req), 'identity:list_projects');
    const q = query(req);
    const enabled = boolFilter(q.enabled);
    const projects = await service.listProjects({
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(q.domain_id !== undefined ? { domainId: q.domain_id } : {}),
      ...(enabled !== undefined ? { enabled } : {}),
    });
    // Every project is top level: a parent other than its domain matches nothing.
    const filtered = q.parent_id !== undefined ? projects.filter((p) => p.domainId === q.parent_id) : projects;
    return { projects: filtered.map((p) => projectView(baseUrl(req), p)), links: collectionLinksFor(req, '/v3/projects') };
  });
  app.post('/v3/projects', async (req, reply) => {
    const caller = await callerToken(service, req);
    enforce(caller, 'identity:create_project');
    const b = bodyObject(req.body, 'project');
    if (b.is_domain === true) throw new IdentityValidationError('Projects acting as domains are not supported.');
    const domainId = optString(b, 'domain_id') ?? caller.projectDomain?.id ?? caller.domain?.id;
    const parentId = optNullableString(b, 'parent_id');
    if (parentId && parentId !== (domainId ?? 'default')) throw new IdentityValidationError('Project hierarchies are not supported.');
    const description = optString(b, 'description');
    const enabled = optBool(b, 'enabled');
    const project = await service.createProject({
      name: requiredString(b, 'name', 'project'),
      ...(domainId !== undefined ? { domainId } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(enabled !== undefined ? { enabled } : {}),
      extra: extraOf(b, PROJECT_KEYS),
    });
    reply.code(201);
    return { project: projectView(baseUrl(req), project) };
  });
  app.get('/v3/projects/:id', async (req) => {
    const { id } = params(req);
    enforce(await callerToken(service, req), 'identity:get_project', { projectId: id as string });
    return { project: projectView(baseUrl(req), await service.getProject(id as string)) };
  });
  app.patch('/v3/projects/:id', async (req) => {
    enforce(await callerToken(service, req), 'identity:update_project');
    const b = bodyObject(req.body, 'project');
    const name = optString(b, 'name');
    const description = optString(b, 'description');
    const enabled = optBool(b, 'enabled');
    const id = params(req).id as string;
    const current = await service.getProject(id);
    const domainId = optString(b, 'domain_id');
    if (domainId !== undefined && domainId !== current.domainId) throw new IdentityValidationError('Update of `domain_id` is not allowed.');
    const project = await service.updateProject(id, {
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(enabled !== undefined ? { enabled } : {}),
      extra: extraOf(b, PROJECT_KEYS),
    });
    return { project: projectView(baseUrl(req), project) };
  });
  app.delete('/v3/projects/:id', async (req, reply) => {
    enforce(await callerToken(service, req), 'identity:delete_project');
    await service.deleteProject(params(req).id as string);
    reply.code(204);
  });
}

export function registerUserRoutes(app: FastifyInstance, service: IdentityService): void {
  app.get('/v3/users', async (req) => {
    enforce(await callerToken(service, req), 'identity:list_users');
    const q = query(req);
    const enabled = boolFilter(q.enabled);
    const users = await service.listUsers({
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(q.domain_id !== undefined ? { domainId: q.domain_id } : {}),
      ...(enabled !== undefined ? { enabled } : {}),
    });
    return { users: users.map((u) => userView(baseUrl(req), u)), links: collectionLinksFor(req, '/v3/users') };
  });
  app.post('/v3/users', async (req, reply) => {
    const caller = await callerToken(service, req);
    enforce(caller, 'identity:create_user');
    const b = bodyObject(req.body, 'user');
    const domainId = optString(b, 'domain_id') ?? caller.projectDomain?.id ?? caller.domain?.id;
    const password = optNullableString(b, 'password');
    const enabled = optBool(b, 'enabled');
    const defaultProjectId = optNullableString(b, 'default_project_id');
    const user = await service.createUser({
      name: requiredString(b, 'name', 'user'),
      ...(domainId !== undefined ? { domainId } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(enabled !== undefined ? { enabled } : {}),
      ...(defaultProjectId !== undefined ? { defaultProjectId } : {}),
      extra: extraOf(b, USER_KEYS),
    });
    reply.code(201);
    return { user: userView(baseUrl(req), user) };
  });
  app.get('/v3/users/:id', async (req) => {
    const id = params(req).id as string;
    enforce(await callerToken(service, req), 'identity:get_user', { userId: id });
    return { user: userView(baseUrl(req), await service.getUser(id)) };
  });
  app.patch('/v3/users/:id', async (req) => {
    enforce(await callerToken(service, req), 'identity:update_user');
    const b = bodyObject(req.body, 'user');
    const id = params(req).id as string;
    const name = optString(b, 'name');
    const password = optNullableString(b, 'password');
    const enabled = optBool(b, 'enabled');
    const defaultProjectId = optNullableString(b, 'default_project_id');
    const current = await service.getUser(id);
    const domainId = optString(b, 'domain_id');
    if (domainId !== undefined && domainId !== current.domainId) throw new IdentityValidationError('Update of `domain_id` is not allowed.');
    const user = await service.updateUser(id, {
      ...(name !== undefined ? { name } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(enabled !== undefined ? { enabled } : {}),
      ...(defaultProjectId !== undefined ? { defaultProjectId } : {}),
      extra: extraOf(b, USER_KEYS),
    });
    return { user: userView(baseUrl(req), user) };
  });
  app.delete('/v3/users/:id', async (req, reply) => {
    enforce(await callerToken(service, req), 'identity:delete_user');
    await service.deleteUser(params(req).id as string);
    reply.code(204);
  });
  app.post('/v3/users/:id/password', async (req, reply) => {
    const id = params(req).id as string;
    enforce(await callerToken(service, req), 'identity:change_password', { userId: id });
    const b = bodyObject(req.body, 'user');
    const original = optString(b, 'original_password');
    const password = optString(b, 'password');
    if (original === undefined || password === undefined) {
      throw new IdentityValidationError("Invalid input for field 'user': 'password' and 'original_password' are required.");
    }
    await service.changePassword(id, original, password);
    reply.code(204);
  });
  app.get('/v3/users/:id/projects', async (req) => {
    const id = params(req).id as string;
    enforce(await callerToken(service, req), 'identity:list_user_projects', { userId: id });
    await service.getUser(id);
    const q = query(req);
    const enabled = boolFilter(q.enabled);
    const projects = (await service.listUserProjects(id)).filter(
      (p) =>
        (enabled === undefined || p.enabled === enabled) &&
        (q.name === undefined || p.name === q.name) &&
        (q.domain_id === undefined || p.domainId === q.domain_id),
    );
    return { projects: projects.map((p) => projectView(baseUrl(req), p)), links: collectionLinksFor(req, `/v3/users/${id}/projects`) };
  });
  app.get('/v3/users/:id/groups', async (req) => {
    const id = params(req).id as string;
    enforce(await callerToken(service, req), 'identity:list_groups_for_user', { userId: id });
    await service.getUser(id);
    // Groups are not part of this subset: every user belongs to none.
    return { groups: [], links: collectionLinksFor(req, `/v3/users/${id}/groups`) };
  });
}

export function registerRoleRoutes(app: FastifyInstance, service: IdentityService): void {
  app.get('/v3/roles', async (req) => {
    enforce(await callerToken(service, req), 'identity:list_roles');
    const q = query(req);
    // Domain-specific roles do not exist here, so a domain filter matches nothing.
    const roles = q.domain_id ? [] : await service.listRoles(q.name !== undefined ? { name: q.name } : {});
    return { roles: roles.map((r) => roleView(baseUrl(req), r)), links: collectionLinksFor(req, '/v3/roles') };
  });
  app.post('/v3/roles', async (req, reply) => {
    enforce(await callerToken(service, req), 'identity:create_role');
    const b = bodyObject(req.body, 'role');
    if (optNullableString(b, 'domain_id')) throw new IdentityValidationError('Domain-specific roles are not supported.');
    const description = optString(b, 'description');
    const role = await service.createRole({
      name: requiredString(b, 'name', 'role'),
      ...(description !== undefined ? { description } : {}),
      extra: extraOf(b, ROLE_KEYS),
    });
    reply.code(201);
    return { role: roleView(baseUrl(req), role) };
  });
  app.get('/v3/roles/:id', async (req) => {
    enforce(await callerToken(service, req), 'identity:get_role');
    return { role: roleView(baseUrl(req), await service.getRole(params(req).id as string)) };
  });
  app.patch('/v3/roles/:id', async (req) => {
    enforce(await callerToken(service, req), 'identity:update_role');
    const b = bodyObject(req.body, 'role');
    const name = optString(b, 'name');
    const description = optString(b, 'description');
    const role = await service.updateRole(params(req).id as string, {
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
      extra: extraOf(b, ROLE_KEYS),
    });
    return { role: roleView(baseUrl(req), role) };
  });
  app.delete('/v3/roles/:id', async (req, reply) => {
    enforce(await callerToken(service, req), 'identity:delete_role');
    await service.deleteRole(params(req).id as string);
    reply.code(204);
  });
}
