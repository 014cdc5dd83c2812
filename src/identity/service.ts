/**
 * The identity service's behaviour, independent of HTTP: who a user is, what a token
 * says, and the rules for changing users, projects, roles and grants.
 *
 * Tokens are random bearers with a row each (stored as a SHA-256), not signed tokens:
 * a row survives a restart, revocation is an update, every process sharing the database
 * sees it at once, and there is no signing key to generate, distribute and rotate.
 * Roles and names are read afresh on each validation, so a revoked grant or a disabled
 * user or project invalidates outstanding tokens immediately.
 */
import { getLogger } from '../common/log.js';
import { DBDuplicateEntry } from '../db/errors.js';
import type {
  AssignmentRecord,
  AssignmentType,
  CredentialRecord,
  DomainRecord,
  Extra,
  IdentityStore,
  ProjectRecord,
  RoleRecord,
  TokenRecord,
  UserRecord,
} from '../db/identity/store.js';
import type { AuthRequestBody, DomainRef, ProjectRef, UserRef } from './auth-request.js';
import type { CatalogService } from './catalog.js';
import { ec2CredentialId, readEc2Blob } from './ec2-credentials.js';
import {
  IdentityConflict,
  IdentityForbidden,
  IdentityNotFound,
  IdentityUnauthorized,
  IdentityValidationError,
  TokenNotFound,
} from './errors.js';
import { hashTokenId, newAuditId, newId, newTokenId } from './ids.js';
import { hashPassword, verifyPassword } from './passwords.js';

const log = getLogger('nova.identity');

export const DEFAULT_DOMAIN_ID = 'default';
export const DEFAULT_DOMAIN_NAME = 'Default';

export interface IdentityServiceOptions {
  /** Seconds a new token lives. */
  tokenExpiration: number;
  catalog: CatalogService[];
  now?: () => Date;
}

/** Everything a validated token stands for, read fresh from the database. */
export interface ValidatedToken {
  id: string;
  methods: string[];
  user: UserRecord;
  userDomain: DomainRecord;
  project: ProjectRecord | null;
  projectDomain: DomainRecord | null;
  domain: DomainRecord | null;
  roles: RoleRecord[];
  auditIds: string[];
  issuedAt: Date;
  expiresAt: Date;
}

export interface ProjectInput {
  name: string;
  domainId?: string;
  description?: string;
  enabled?: boolean;
  extra?: Extra;
}

export interface UserInput {
  name: string;
  domainId?: string;
  password?: string | null;
  enabled?: boolean;
  defaultProjectId?: string | null;
  extra?: Extra;
}

export interface UserChanges {
  name?: string;
  password?: string | null;
  enabled?: boolean;
  defaultProjectId?: string | null;
  extra?: Extra;
}

export interface RoleAssignmentFilter {
  userId?: string;
  projectId?: string;
  domainId?: string;
  roleId?: string;
}

export interface Ec2Credential {
  id: string;
  userId: string;
  projectId: string;
  access: string;
  secret: string;
}

function conflictOnDuplicate(kind: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof DBDuplicateEntry) throw new IdentityConflict(kind);
    throw err;
  };
}

function requireName(name: unknown, kind: string, max: number): string {
  if (typeof name !== 'string' || name.trim() === '')
    throw new IdentityValidationError(`Invalid input for field 'name': ${kind} name must be a non-empty string.`);
  if (name.length > max)
    throw new IdentityValidationError(`Invalid input for field 'name': ${kind} name is longer than ${max} characters.`);
  return name;
}

export class IdentityService {
  readonly store: IdentityStore;
  #tokenExpiration: number;
  #catalog: CatalogService[];
  readonly #now: () => Date;

  constructor(store: IdentityStore, options: IdentityServiceOptions) {
    this.store = store;
    this.#tokenExpiration = options.tokenExpiration;
    this.#catalog = options.catalog;
    this.#now = options.now ?? (() => new Date());
  }

  get catalog(): CatalogService[] {
    return this.#catalog;
  }

  /** Replaces the catalog (nova-all knows its URLs only once every listener is bound). */
  setCatalog(catalog: CatalogService[]): void {
    this.#catalog = catalog;
  }

  // ---- authentication --------------------------------------------------------

  /** Runs `POST /v3/auth/tokens`: checks the credentials, resolves the scope, issues a token. */
  async authenticate(request: AuthRequestBody): Promise<ValidatedToken> {
    let user: UserRecord;
    let methods: string[];
    let expiresAt: Date | null = null;
    let parentAuditId: string | null = null;
    if (request.password) {
      user = await this.#checkPassword(request.password.user, request.password.password);
      methods = ['password'];
    } else if (request.token !== undefined) {
      let previous: ValidatedToken;
      try {
        previous = await this.validateToken(request.token);
      } catch (err) {
        if (err instanceof TokenNotFound) throw new IdentityUnauthorized('The request you have made requires authentication.');
        throw err;
      }
      user = previous.user;
      methods = [...new Set(['token', ...previous.methods])];
      expiresAt = previous.expiresAt;
      parentAuditId = previous.auditIds[previous.auditIds.length - 1] ?? null;
    } else {
      throw new IdentityUnauthorized('No authentication method was given.');
    }

    let projectId: string | null = null;
    let domainId: string | null = null;
    const scope = request.scope;
    if (scope !== null && scope !== 'unscoped' && 'project' in scope) {
      const project = await this.#resolveProjectForScope(scope.project);
      if (!(await this.#hasRoleOn(user.id, 'UserProject', project.id))) {
        throw new IdentityUnauthorized(`User ${user.id} has no access to project ${project.id}`);
      }
      projectId = project.id;
    } else if (scope !== null && scope !== 'unscoped' && 'domain' in scope) {
      const domain = await this.#resolveDomain(scope.domain).catch(() => null);
      if (!domain?.enabled) throw new IdentityUnauthorized('Could not find the domain to scope to.');
      if (!(await this.#hasRoleOn(user.id, 'UserDomain', domain.id))) {
        throw new IdentityUnauthorized(`User ${user.id} has no access to domain ${domain.id}`);
      }
      domainId = domain.id;
    } else if (scope === null && user.defaultProjectId) {
      // As Keystone does: no scope asked for means the default project, when usable.
      const project = await this.store.getProject(user.defaultProjectId);
      if (project?.enabled && (await this.#hasRoleOn(user.id, 'UserProject', project.id))) projectId = project.id;
    }

    return this.#issue({ user, projectId, domainId, methods, expiresAt, parentAuditId });
  }

  /**
   * A project-scoped token for a user who proved who they are by other means than a
   * password (an EC2 signature), as Keystone's ec2tokens does: the user, the project
   * and a role on it must exist and be enabled.
   */
  async issueProjectToken(userId: string, projectId: string, method: string): Promise<ValidatedToken> {
    const refused = new IdentityUnauthorized('The request you have made requires authentication.');
    const user = await this.store.getUser(userId);
    if (!user?.enabled) throw refused;
    const domain = await this.store.getDomain(user.domainId);
    if (!domain?.enabled) throw refused;
    const project = await this.#resolveProjectForScope({ id: projectId });
    if (!(await this.#hasRoleOn(user.id, 'UserProject', project.id))) throw new IdentityUnauthorized('User not valid for project.');
    return this.#issue({ user, projectId: project.id, domainId: null, methods: [method], expiresAt: null, parentAuditId: null });
  }

  async #issue(o: {
    user: UserRecord;
    projectId: string | null;
    domainId: string | null;
    methods: string[];
    expiresAt: Date | null;
    parentAuditId: string | null;
  }): Promise<ValidatedToken> {
    const now = this.#now();
    const ownExpiry = new Date(now.getTime() + this.#tokenExpiration * 1000);
    const tokenId = newTokenId();
    const record: TokenRecord = {
      idHash: hashTokenId(tokenId),
      userId: o.user.id,
      projectId: o.projectId,
      domainId: o.domainId,
      methods: o.methods,
      auditId: newAuditId(),
      parentAuditId: o.parentAuditId,
      issuedAt: now,
      expiresAt: o.expiresAt !== null && o.expiresAt < ownExpiry ? o.expiresAt : ownExpiry,
      revoked: false,
    };
    await this.store.createToken(record);
    log.info({ user_id: o.user.id, project_id: o.projectId, domain_id: o.domainId, audit_id: record.auditId }, 'token issued');
    return this.#expand(tokenId, record);
  }

  async #checkPassword(ref: UserRef, password: string): Promise<UserRecord> {
    let user: UserRecord | undefined;
    if ('id' in ref) {
      user = await this.store.getUser(ref.id);
    } else {
      const domain = await this.#resolveDomain(ref.domain).catch(() => null);
      user = domain ? await this.store.getUserByName(ref.name, domain.id) : undefined;
    }
    // One message for every failure, so a caller cannot probe which users exist.
    const refused = new IdentityUnauthorized('The request you have made requires authentication.');
    if (!user) throw refused;
    if (!(await verifyPassword(password, user.passwordHash))) {
      log.info({ user_id: user.id }, 'password authentication failed');
      throw refused;
    }
    if (!user.enabled) throw refused;
    const domain = await this.store.getDomain(user.domainId);
    if (!domain?.enabled) throw refused;
    return user;
  }

  async #resolveProjectForScope(ref: ProjectRef): Promise<ProjectRecord> {
    let project: ProjectRecord | undefined;
    if ('id' in ref) {
      project = await this.store.getProject(ref.id);
    } else {
      const domain = await this.#resolveDomain(ref.domain).catch(() => null);
      project = domain ? await this.store.getProjectByName(ref.name, domain.id) : undefined;
    }
    if (!project) throw new IdentityUnauthorized('Could not find the project to scope to.');
    if (!project.enabled) throw new IdentityUnauthorized(`Project ${project.id} is disabled.`);
    const domain = await this.store.getDomain(project.domainId);
    if (!domain?.enabled) throw new IdentityUnauthorized(`Domain ${project.domainId} is disabled.`);
    return project;
  }

  async #resolveDomain(ref: DomainRef): Promise<DomainRecord> {
    const domain = 'id' in ref ? await this.store.getDomain(ref.id) : await this.store.getDomainByName(ref.name);
    if (!domain) throw new IdentityNotFound('domain', 'id' in ref ? ref.id : ref.name);
    return domain;
  }

  async #hasRoleOn(userId: string, type: AssignmentType, targetId: string): Promise<boolean> {
    return (await this.store.listAssignments({ userId, type, targetId })).length > 0;
  }

  /**
   * Resolves a bearer into what it stands for; a token that is unknown, revoked, expired
   * or whose user, project or grants are gone throws TokenNotFound.
   */
  async validateToken(tokenId: string): Promise<ValidatedToken> {
    const record = await this.store.getToken(hashTokenId(tokenId));
    if (!record || record.revoked || record.expiresAt.getTime() <= this.#now().getTime()) throw new TokenNotFound();
    return this.#expand(tokenId, record);
  }

  async #expand(tokenId: string, record: TokenRecord): Promise<ValidatedToken> {
    const user = await this.store.getUser(record.userId);
    if (!user?.enabled) throw new TokenNotFound();
    const userDomain = await this.store.getDomain(user.domainId);
    if (!userDomain?.enabled) throw new TokenNotFound();
    let project: ProjectRecord | null = null;
    let projectDomain: DomainRecord | null = null;
    let domain: DomainRecord | null = null;
    let roleIds: string[] = [];
    if (record.projectId !== null) {
      project = (await this.store.getProject(record.projectId)) ?? null;
      if (!project?.enabled) throw new TokenNotFound();
      projectDomain = (await this.store.getDomain(project.domainId)) ?? null;
      if (!projectDomain?.enabled) throw new TokenNotFound();
      roleIds = (await this.store.listAssignments({ userId: user.id, type: 'UserProject', targetId: project.id })).map((a) => a.roleId);
    } else if (record.domainId !== null) {
      domain = (await this.store.getDomain(record.domainId)) ?? null;
      if (!domain?.enabled) throw new TokenNotFound();
      roleIds = (await this.store.listAssignments({ userId: user.id, type: 'UserDomain', targetId: domain.id })).map((a) => a.roleId);
    }
    const roles = await this.store.listRoles({ ids: [...new Set(roleIds)] });
    if ((project !== null || domain !== null) && roles.length === 0) throw new TokenNotFound();
    return {
      id: tokenId,
      methods: record.methods,
      user,
      userDomain,
      project,
      projectDomain,
      domain,
      roles,
      auditIds: record.parentAuditId ? [record.auditId, record.parentAuditId] : [record.auditId],
      issuedAt: record.issuedAt,
      expiresAt: record.expiresAt,
    };
  }

  /** Revokes a token; an unknown, expired or already revoked one is TokenNotFound. */
  async revokeToken(tokenId: string): Promise<void> {
    const token = await this.validateToken(tokenId);
    await this.store.revokeToken(hashTokenId(tokenId));
    log.info({ user_id: token.user.id, audit_id: token.auditIds[0] }, 'token revoked');
  }

  /** The service's clock (tests drive it). */
  now(): Date {
    return this.#now();
  }

  async purgeExpiredTokens(): Promise<number> {
    return this.store.purgeExpiredTokens(this.#now());
  }

  // ---- domains ---------------------------------------------------------------

  async getDomain(id: string): Promise<DomainRecord> {
    const domain = await this.store.getDomain(id);
    if (!domain) throw new IdentityNotFound('domain', id);
    return domain;
  }

  listDomains(filter: { name?: string; enabled?: boolean } = {}): Promise<DomainRecord[]> {
    return this.store.listDomains(filter);
  }

  async createDomain(input: { id?: string; name: string; description?: string; enabled?: boolean; extra?: Extra }): Promise<DomainRecord> {
    const record: DomainRecord = {
      id: input.id ?? newId(),
      name: requireName(input.name, 'domain', 64),
      description: input.description ?? '',
      enabled: input.enabled ?? true,
      extra: input.extra ?? {},
    };
    return this.store.createDomain(record).catch(conflictOnDuplicate('domain'));
  }

  async updateDomain(
    id: string,
    changes: { name?: string; description?: string; enabled?: boolean; extra?: Extra },
  ): Promise<DomainRecord> {
    const domain = await this.getDomain(id);
    if (id === DEFAULT_DOMAIN_ID && changes.enabled === false) throw new IdentityForbidden('The default domain cannot be disabled.');
    const updated: DomainRecord = {
      ...domain,
      ...(changes.name !== undefined ? { name: requireName(changes.name, 'domain', 64) } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
      extra: { ...domain.extra, ...(changes.extra ?? {}) },
    };
    await this.store.updateDomain(updated).catch(conflictOnDuplicate('domain'));
    return updated;
  }

  /** Keystone's rule: only a disabled domain may be deleted; everything in it goes too. */
  async deleteDomain(id: string): Promise<void> {
    const domain = await this.getDomain(id);
    if (id === DEFAULT_DOMAIN_ID) throw new IdentityForbidden('The default domain cannot be deleted.');
    if (domain.enabled) throw new IdentityForbidden('Cannot delete a domain that is enabled, please disable it first.');
    for (const user of await this.store.listUsers({ domainId: id })) await this.store.deleteUser(user.id);
    for (const project of await this.store.listProjects({ domainId: id })) await this.store.deleteProject(project.id);
    await this.store.deleteDomain(id);
  }

  // ---- projects --------------------------------------------------------------

  async getProject(id: string): Promise<ProjectRecord> {
    const project = await this.store.getProject(id);
    if (!project) throw new IdentityNotFound('project', id);
    return project;
  }

  listProjects(filter: { name?: string; domainId?: string; enabled?: boolean } = {}): Promise<ProjectRecord[]> {
    return this.store.listProjects(filter);
  }

  async createProject(input: ProjectInput): Promise<ProjectRecord> {
    const domainId = input.domainId ?? DEFAULT_DOMAIN_ID;
    await this.#requireDomainForCreate(domainId);
    const record: ProjectRecord = {
      id: newId(),
      name: requireName(input.name, 'project', 64),
      domainId,
      description: input.description ?? '',
      enabled: input.enabled ?? true,
      extra: input.extra ?? {},
    };
    return this.store.createProject(record).catch(conflictOnDuplicate('project'));
  }

  async #requireDomainForCreate(domainId: string): Promise<void> {
    if (!(await this.store.getDomain(domainId))) throw new IdentityValidationError(`Could not find domain: ${domainId}.`);
  }

  async updateProject(
    id: string,
    changes: { name?: string; description?: string; enabled?: boolean; extra?: Extra },
  ): Promise<ProjectRecord> {
    const project = await this.getProject(id);
    const updated: ProjectRecord = {
      ...project,
      ...(changes.name !== undefined ? { name: requireName(changes.name, 'project', 64) } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
      extra: { ...project.extra, ...(changes.extra ?? {}) },
    };
    await this.store.updateProject(updated).catch(conflictOnDuplicate('project'));
    return updated;
  }

  async deleteProject(id: string): Promise<void> {
    await this.getProject(id);
    await this.store.deleteProject(id);
  }

  /** Enabled projects the user holds at least one role on. */
  async listUserProjects(userId: string): Promise<ProjectRecord[]> {
    const grants = await this.store.listAssignments({ userId, type: 'UserProject' });
    const projects = await this.store.listProjects({ ids: [...new Set(grants.map((g) => g.targetId))] });
    return projects;
  }

  async listUserDomains(userId: string): Promise<DomainRecord[]> {
    const grants = await this.store.listAssignments({ userId, type: 'UserDomain' });
    const ids = new Set(grants.map((g) => g.targetId));
    return (await this.store.listDomains()).filter((d) => ids.has(d.id));
  }

  // ---- users -----------------------------------------------------------------

  async getUser(id: string): Promise<UserRecord> {
    const user = await this.store.getUser(id);
    if (!user) throw new IdentityNotFound('user', id);
    return user;
  }

  listUsers(filter: { name?: string; domainId?: string; enabled?: boolean } = {}): Promise<UserRecord[]> {
    return this.store.listUsers(filter);
  }

  async createUser(input: UserInput): Promise<UserRecord> {
    const domainId = input.domainId ?? DEFAULT_DOMAIN_ID;
    await this.#requireDomainForCreate(domainId);
    const record: UserRecord = {
      id: newId(),
      name: requireName(input.name, 'user', 255),
      domainId,
      enabled: input.enabled ?? true,
      defaultProjectId: input.defaultProjectId ?? null,
      passwordHash: typeof input.password === 'string' ? await hashPassword(input.password) : null,
      extra: input.extra ?? {},
    };
    return this.store.createUser(record).catch(conflictOnDuplicate('user'));
  }

  async updateUser(id: string, changes: UserChanges): Promise<UserRecord> {
    const user = await this.getUser(id);
    const updated: UserRecord = {
      ...user,
      ...(changes.name !== undefined ? { name: requireName(changes.name, 'user', 255) } : {}),
      ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
      ...(changes.defaultProjectId !== undefined ? { defaultProjectId: changes.defaultProjectId } : {}),
      extra: { ...user.extra, ...(changes.extra ?? {}) },
    };
    if (changes.password !== undefined) updated.passwordHash = changes.password === null ? null : await hashPassword(changes.password);
    await this.store.updateUser(updated).catch(conflictOnDuplicate('user'));
    // A disabled user or a changed password ends every session, as in Keystone.
    if (changes.enabled === false || changes.password !== undefined) await this.store.revokeUserTokens(id);
    return updated;
  }

  /** The self-service password change: the old password must match. */
  async changePassword(id: string, originalPassword: string, newPassword: string): Promise<void> {
    const user = await this.getUser(id);
    if (!(await verifyPassword(originalPassword, user.passwordHash))) throw new IdentityUnauthorized('Invalid user / password');
    await this.updateUser(id, { password: newPassword });
  }

  async deleteUser(id: string): Promise<void> {
    await this.getUser(id);
    await this.store.deleteUser(id);
  }

  // ---- roles -----------------------------------------------------------------

  async getRole(id: string): Promise<RoleRecord> {
    const role = await this.store.getRole(id);
    if (!role) throw new IdentityNotFound('role', id);
    return role;
  }

  listRoles(filter: { name?: string } = {}): Promise<RoleRecord[]> {
    return this.store.listRoles(filter);
  }

  async createRole(input: { name: string; description?: string; extra?: Extra }): Promise<RoleRecord> {
    const record: RoleRecord = {
      id: newId(),
      name: requireName(input.name, 'role', 255),
      description: input.description ?? '',
      extra: input.extra ?? {},
    };
    return this.store.createRole(record).catch(conflictOnDuplicate('role'));
  }

  async updateRole(id: string, changes: { name?: string; description?: string; extra?: Extra }): Promise<RoleRecord> {
    const role = await this.getRole(id);
    const updated: RoleRecord = {
      ...role,
      ...(changes.name !== undefined ? { name: requireName(changes.name, 'role', 255) } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      extra: { ...role.extra, ...(changes.extra ?? {}) },
    };
    await this.store.updateRole(updated).catch(conflictOnDuplicate('role'));
    return updated;
  }

  async deleteRole(id: string): Promise<void> {
    await this.getRole(id);
    await this.store.deleteRole(id);
  }

  // ---- grants ----------------------------------------------------------------

  async #grantTarget(target: { projectId: string } | { domainId: string }): Promise<{ type: AssignmentType; targetId: string }> {
    if ('projectId' in target) {
      await this.getProject(target.projectId);
      return { type: 'UserProject', targetId: target.projectId };
    }
    await this.getDomain(target.domainId);
    return { type: 'UserDomain', targetId: target.domainId };
  }

  async grantRole(userId: string, target: { projectId: string } | { domainId: string }, roleId: string): Promise<void> {
    const where = await this.#grantTarget(target);
    await this.getUser(userId);
    await this.getRole(roleId);
    await this.store.addAssignment({ ...where, userId, roleId });
  }

  async checkGrant(userId: string, target: { projectId: string } | { domainId: string }, roleId: string): Promise<void> {
    const where = await this.#grantTarget(target);
    await this.getUser(userId);
    await this.getRole(roleId);
    const found = await this.store.listAssignments({ ...where, userId, roleId });
    if (found.length === 0) throw new IdentityNotFound('role grant', `${roleId} for user ${userId} on ${where.targetId}`);
  }

  async revokeGrant(userId: string, target: { projectId: string } | { domainId: string }, roleId: string): Promise<void> {
    const where = await this.#grantTarget(target);
    if (!(await this.store.removeAssignment({ ...where, userId, roleId }))) {
      throw new IdentityNotFound('role grant', `${roleId} for user ${userId} on ${where.targetId}`);
    }
  }

  async listGrantedRoles(userId: string, target: { projectId: string } | { domainId: string }): Promise<RoleRecord[]> {
    const where = await this.#grantTarget(target);
    await this.getUser(userId);
    const grants = await this.store.listAssignments({ ...where, userId });
    return this.store.listRoles({ ids: grants.map((g) => g.roleId) });
  }

  listRoleAssignments(filter: RoleAssignmentFilter): Promise<AssignmentRecord[]> {
    if (filter.projectId !== undefined && filter.domainId !== undefined) return Promise.resolve([]);
    return this.store.listAssignments({
      ...(filter.userId !== undefined ? { userId: filter.userId } : {}),
      ...(filter.roleId !== undefined ? { roleId: filter.roleId } : {}),
      ...(filter.projectId !== undefined ? { type: 'UserProject' as const, targetId: filter.projectId } : {}),
      ...(filter.domainId !== undefined ? { type: 'UserDomain' as const, targetId: filter.domainId } : {}),
    });
  }

  // ---- credentials -----------------------------------------------------------

  async getCredential(id: string): Promise<CredentialRecord> {
    const credential = await this.store.getCredential(id);
    if (!credential) throw new IdentityNotFound('credential', id);
    return credential;
  }

  listCredentials(filter: { userId?: string; type?: string } = {}): Promise<CredentialRecord[]> {
    return this.store.listCredentials(filter);
  }

  async createCredential(input: {
    id: string;
    userId: string;
    projectId: string | null;
    type: string;
    blob: string;
    extra?: Extra;
  }): Promise<CredentialRecord> {
    await this.getUser(input.userId);
    if (input.projectId !== null) await this.getProject(input.projectId);
    const record: CredentialRecord = { ...input, extra: input.extra ?? {} };
    return this.store.createCredential(record).catch(conflictOnDuplicate('credential'));
  }

  async updateCredential(
    id: string,
    changes: { projectId?: string | null; type?: string; blob?: string; extra?: Extra },
  ): Promise<CredentialRecord> {
    const credential = await this.getCredential(id);
    if (changes.projectId) await this.getProject(changes.projectId);
    const updated: CredentialRecord = {
      ...credential,
      ...(changes.projectId !== undefined ? { projectId: changes.projectId } : {}),
      ...(changes.type !== undefined ? { type: changes.type } : {}),
      ...(changes.blob !== undefined ? { blob: changes.blob } : {}),
      extra: { ...credential.extra, ...(changes.extra ?? {}) },
    };
    await this.store.updateCredential(updated);
    return updated;
  }

  async deleteCredential(id: string): Promise<void> {
    await this.getCredential(id);
    await this.store.deleteCredential(id);
  }

  /** An EC2 key pair by its access key, for the EC2 API's request signing. */
  async findEc2Credential(access: string): Promise<Ec2Credential | undefined> {
    const credential = await this.store.getCredential(ec2CredentialId(access));
    if (credential?.type !== 'ec2') return undefined;
    const blob = readEc2Blob(credential.blob);
    if (!blob || credential.projectId === null) return undefined;
    return { id: credential.id, userId: credential.userId, projectId: credential.projectId, access: blob.access, secret: blob.secret };
  }
}
