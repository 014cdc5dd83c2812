/**
 * The only module that writes the identity tables. Everything above it deals in the
 * plain records below; `extra` holds attributes clients set that have no column of their
 * own (Keystone keeps those too, e.g. a user's `email`).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../engine.js';
import { isUniqueViolation, translateDuplicate } from '../errors.js';
import { migrate } from '../migrator.js';
import { IDENTITY_REPOSITORY, identityMigrations } from './migrations.js';
import type { IdentitySchema } from './schema.js';

export type Extra = Record<string, unknown>;

export interface DomainRecord {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  extra: Extra;
}

export interface ProjectRecord {
  id: string;
  name: string;
  domainId: string;
  description: string;
  enabled: boolean;
  extra: Extra;
}

export interface UserRecord {
  id: string;
  name: string;
  domainId: string;
  enabled: boolean;
  defaultProjectId: string | null;
  passwordHash: string | null;
  extra: Extra;
}

export interface RoleRecord {
  id: string;
  name: string;
  description: string;
  extra: Extra;
}

export type AssignmentType = 'UserProject' | 'UserDomain';

export interface AssignmentRecord {
  type: AssignmentType;
  userId: string;
  targetId: string;
  roleId: string;
}

export interface TokenRecord {
  idHash: string;
  userId: string;
  projectId: string | null;
  domainId: string | null;
  methods: string[];
  auditId: string;
  parentAuditId: string | null;
  issuedAt: Date;
  expiresAt: Date;
  revoked: boolean;
}

export interface CredentialRecord {
  id: string;
  userId: string;
  projectId: string | null;
  type: string;
  blob: string;
  extra: Extra;
}

export interface ProjectFilter {
  name?: string;
  domainId?: string;
  enabled?: boolean;
  ids?: string[];
}

export interface UserFilter {
  name?: string;
  domainId?: string;
  enabled?: boolean;
}

export interface AssignmentFilter {
  userId?: string;
  targetId?: string;
  roleId?: string;
  type?: AssignmentType;
}

function parseExtra(text: string | null): Extra {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Extra) : {};
  } catch {
    return {};
  }
}

function dumpExtra(extra: Extra): string {
  return JSON.stringify(extra);
}

function toDomain(r: { id: string; name: string; description: string | null; enabled: boolean; extra: string | null }): DomainRecord {
  return { id: r.id, name: r.name, description: r.description ?? '', enabled: Boolean(r.enabled), extra: parseExtra(r.extra) };
}

function toProject(r: {
  id: string;
  name: string;
  domain_id: string;
  description: string | null;
  enabled: boolean;
  extra: string | null;
}): ProjectRecord {
  return {
    id: r.id,
    name: r.name,
    domainId: r.domain_id,
    description: r.description ?? '',
    enabled: Boolean(r.enabled),
    extra: parseExtra(r.extra),
  };
}

function toUser(r: {
  id: string;
  name: string;
  domain_id: string;
  enabled: boolean;
  default_project_id: string | null;
  password_hash: string | null;
  extra: string | null;
}): UserRecord {
  return {
    id: r.id,
    name: r.name,
    domainId: r.domain_id,
    enabled: Boolean(r.enabled),
    defaultProjectId: r.default_project_id,
    passwordHash: r.password_hash,
    extra: parseExtra(r.extra),
  };
}

function toRole(r: { id: string; name: string; description: string | null; extra: string | null }): RoleRecord {
  return { id: r.id, name: r.name, description: r.description ?? '', extra: parseExtra(r.extra) };
}

function toToken(r: {
  id_hash: string;
  user_id: string;
  project_id: string | null;
  domain_id: string | null;
  methods: string;
  audit_id: string;
  parent_audit_id: string | null;
  issued_at: Date;
  expires_at: Date;
  revoked: boolean;
}): TokenRecord {
  return {
    idHash: r.id_hash,
    userId: r.user_id,
    projectId: r.project_id,
    domainId: r.domain_id,
    methods: r.methods.split(',').filter((m) => m !== ''),
    auditId: r.audit_id,
    parentAuditId: r.parent_audit_id,
    issuedAt: r.issued_at,
    expiresAt: r.expires_at,
    revoked: Boolean(r.revoked),
  };
}

function toCredential(r: {
  id: string;
  user_id: string;
  project_id: string | null;
  type: string;
  blob: string;
  extra: string | null;
}): CredentialRecord {
  return { id: r.id, userId: r.user_id, projectId: r.project_id, type: r.type, blob: r.blob, extra: parseExtra(r.extra) };
}

export class IdentityStore {
  readonly #db: Kysely<IdentitySchema>;

  constructor(readonly database: Database<IdentitySchema>) {
    this.#db = database.kysely;
  }

  /** Brings the identity tables to the newest schema; safe to call on every start. */
  async migrate(): Promise<number> {
    return migrate(this.database, IDENTITY_REPOSITORY, identityMigrations);
  }

  // ---- domains ---------------------------------------------------------------

  async createDomain(d: DomainRecord): Promise<DomainRecord> {
    await translateDuplicate('domain', () =>
      this.#db
        .insertInto('identity_domains')
        .values({
          id: d.id,
          name: d.name,
          description: d.description,
          enabled: d.enabled,
          extra: dumpExtra(d.extra),
          created_at: new Date(),
        })
        .execute(),
    );
    return d;
  }

  async getDomain(id: string): Promise<DomainRecord | undefined> {
    const r = await this.#db.selectFrom('identity_domains').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toDomain(r);
  }

  async getDomainByName(name: string): Promise<DomainRecord | undefined> {
    const r = await this.#db.selectFrom('identity_domains').selectAll().where('name', '=', name).executeTakeFirst();
    return r && toDomain(r);
  }

  async listDomains(filter: { name?: string; enabled?: boolean } = {}): Promise<DomainRecord[]> {
    let q = this.#db.selectFrom('identity_domains').selectAll().orderBy('name');
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.enabled !== undefined) q = q.where('enabled', '=', filter.enabled);
    return (await q.execute()).map(toDomain);
  }

  async updateDomain(d: DomainRecord): Promise<void> {
    await translateDuplicate('domain', () =>
      this.#db
        .updateTable('identity_domains')
        .set({ name: d.name, description: d.description, enabled: d.enabled, extra: dumpExtra(d.extra) })
        .where('id', '=', d.id)
        .execute(),
    );
  }

  async deleteDomain(id: string): Promise<void> {
    await this.#db.deleteFrom('identity_assignments').where('target_id', '=', id).where('type', '=', 'UserDomain').execute();
    await this.#db.deleteFrom('identity_domains').where('id', '=', id).execute();
  }

  // ---- projects --------------------------------------------------------------

  async createProject(p: ProjectRecord): Promise<ProjectRecord> {
    await translateDuplicate('project', () =>
      this.#db
        .insertInto('identity_projects')
        .values({
          id: p.id,
          name: p.name,
          domain_id: p.domainId,
          description: p.description,
          enabled: p.enabled,
          extra: dumpExtra(p.extra),
          created_at: new Date(),
        })
        .execute(),
    );
    return p;
  }

  async getProject(id: string): Promise<ProjectRecord | undefined> {
    const r = await this.#db.selectFrom('identity_projects').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toProject(r);
  }

  async getProjectByName(name: string, domainId: string): Promise<ProjectRecord | undefined> {
    const r = await this.#db
      .selectFrom('identity_projects')
      .selectAll()
      .where('name', '=', name)
      .where('domain_id', '=', domainId)
      .executeTakeFirst();
    return r && toProject(r);
  }

  async listProjects(filter: ProjectFilter = {}): Promise<ProjectRecord[]> {
    if (filter.ids !== undefined && filter.ids.length === 0) return [];
    let q = this.#db.selectFrom('identity_projects').selectAll().orderBy('name').orderBy('id');
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.domainId !== undefined) q = q.where('domain_id', '=', filter.domainId);
    if (filter.enabled !== undefined) q = q.where('enabled', '=', filter.enabled);
    if (filter.ids !== undefined) q = q.where('id', 'in', filter.ids);
    return (await q.execute()).map(toProject);
  }

  async countProjectsInDomain(domainId: string): Promise<number> {
    const r = await this.#db
      .selectFrom('identity_projects')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('domain_id', '=', domainId)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async updateProject(p: ProjectRecord): Promise<void> {
    await translateDuplicate('project', () =>
      this.#db
        .updateTable('identity_projects')
        .set({ name: p.name, description: p.description, enabled: p.enabled, extra: dumpExtra(p.extra) })
        .where('id', '=', p.id)
        .execute(),
    );
  }

  /** Deletes the project with its grants and the credentials and tokens scoped to it. */
  async deleteProject(id: string): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('identity_assignments').where('target_id', '=', id).where('type', '=', 'UserProject').execute();
      await tx.deleteFrom('identity_credentials').where('project_id', '=', id).execute();
      await tx.updateTable('identity_tokens').set({ revoked: true }).where('project_id', '=', id).execute();
      await tx.deleteFrom('identity_projects').where('id', '=', id).execute();
    });
  }

  // ---- users -----------------------------------------------------------------

  async createUser(u: UserRecord): Promise<UserRecord> {
    await translateDuplicate('user', () =>
      this.#db
        .insertInto('identity_users')
        .values({
          id: u.id,
          name: u.name,
          domain_id: u.domainId,
          enabled: u.enabled,
          default_project_id: u.defaultProjectId,
          password_hash: u.passwordHash,
          extra: dumpExtra(u.extra),
          created_at: new Date(),
        })
        .execute(),
    );
    return u;
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const r = await this.#db.selectFrom('identity_users').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toUser(r);
  }

  async getUserByName(name: string, domainId: string): Promise<UserRecord | undefined> {
    const r = await this.#db
      .selectFrom('identity_users')
      .selectAll()
      .where('name', '=', name)
      .where('domain_id', '=', domainId)
      .executeTakeFirst();
    return r && toUser(r);
  }

  async listUsers(filter: UserFilter = {}): Promise<UserRecord[]> {
    let q = this.#db.selectFrom('identity_users').selectAll().orderBy('name').orderBy('id');
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.domainId !== undefined) q = q.where('domain_id', '=', filter.domainId);
    if (filter.enabled !== undefined) q = q.where('enabled', '=', filter.enabled);
    return (await q.execute()).map(toUser);
  }

  async updateUser(u: UserRecord): Promise<void> {
    await translateDuplicate('user', () =>
      this.#db
        .updateTable('identity_users')
        .set({
          name: u.name,
          enabled: u.enabled,
          default_project_id: u.defaultProjectId,
          password_hash: u.passwordHash,
          extra: dumpExtra(u.extra),
        })
        .where('id', '=', u.id)
        .execute(),
    );
  }

  /** Deletes the user with their grants and credentials, and revokes their tokens. */
  async deleteUser(id: string): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('identity_assignments').where('actor_id', '=', id).execute();
      await tx.deleteFrom('identity_credentials').where('user_id', '=', id).execute();
      await tx.updateTable('identity_tokens').set({ revoked: true }).where('user_id', '=', id).execute();
      await tx.deleteFrom('identity_users').where('id', '=', id).execute();
    });
  }

  // ---- roles -----------------------------------------------------------------

  async createRole(r: RoleRecord): Promise<RoleRecord> {
    await translateDuplicate('role', () =>
      this.#db
        .insertInto('identity_roles')
        .values({ id: r.id, name: r.name, description: r.description, extra: dumpExtra(r.extra), created_at: new Date() })
        .execute(),
    );
    return r;
  }

  async getRole(id: string): Promise<RoleRecord | undefined> {
    const r = await this.#db.selectFrom('identity_roles').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toRole(r);
  }

  async getRoleByName(name: string): Promise<RoleRecord | undefined> {
    const r = await this.#db.selectFrom('identity_roles').selectAll().where('name', '=', name).executeTakeFirst();
    return r && toRole(r);
  }

  async listRoles(filter: { name?: string; ids?: string[] } = {}): Promise<RoleRecord[]> {
    if (filter.ids !== undefined && filter.ids.length === 0) return [];
    let q = this.#db.selectFrom('identity_roles').selectAll().orderBy('name');
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.ids !== undefined) q = q.where('id', 'in', filter.ids);
    return (await q.execute()).map(toRole);
  }

  async updateRole(r: RoleRecord): Promise<void> {
    await translateDuplicate('role', () =>
      this.#db
        .updateTable('identity_roles')
        .set({ name: r.name, description: r.description, extra: dumpExtra(r.extra) })
        .where('id', '=', r.id)
        .execute(),
    );
  }

  async deleteRole(id: string): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('identity_assignments').where('role_id', '=', id).execute();
      await tx.deleteFrom('identity_roles').where('id', '=', id).execute();
    });
  }

  // ---- assignments -----------------------------------------------------------

  /** Grants a role; granting one that exists already is not an error. */
  async addAssignment(a: AssignmentRecord): Promise<void> {
    try {
      await this.#db
        .insertInto('identity_assignments')
        .values({ type: a.type, actor_id: a.userId, target_id: a.targetId, role_id: a.roleId })
        .execute();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }

  /** Returns whether there was such a grant. */
  async removeAssignment(a: AssignmentRecord): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('identity_assignments')
      .where('type', '=', a.type)
      .where('actor_id', '=', a.userId)
      .where('target_id', '=', a.targetId)
      .where('role_id', '=', a.roleId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listAssignments(filter: AssignmentFilter = {}): Promise<AssignmentRecord[]> {
    let q = this.#db.selectFrom('identity_assignments').selectAll().orderBy('actor_id').orderBy('target_id').orderBy('role_id');
    if (filter.userId !== undefined) q = q.where('actor_id', '=', filter.userId);
    if (filter.targetId !== undefined) q = q.where('target_id', '=', filter.targetId);
    if (filter.roleId !== undefined) q = q.where('role_id', '=', filter.roleId);
    if (filter.type !== undefined) q = q.where('type', '=', filter.type);
    return (await q.execute()).map((r) => ({
      type: r.type as AssignmentType,
      userId: r.actor_id,
      targetId: r.target_id,
      roleId: r.role_id,
    }));
  }

  // ---- tokens ----------------------------------------------------------------

  async createToken(t: TokenRecord): Promise<void> {
    await this.#db
      .insertInto('identity_tokens')
      .values({
        id_hash: t.idHash,
        user_id: t.userId,
        project_id: t.projectId,
        domain_id: t.domainId,
        methods: t.methods.join(','),
        audit_id: t.auditId,
        parent_audit_id: t.parentAuditId,
        issued_at: t.issuedAt,
        expires_at: t.expiresAt,
        revoked: t.revoked,
      })
      .execute();
  }

  async getToken(idHash: string): Promise<TokenRecord | undefined> {
    const r = await this.#db.selectFrom('identity_tokens').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return r && toToken(r);
  }

  async revokeToken(idHash: string): Promise<void> {
    await this.#db.updateTable('identity_tokens').set({ revoked: true }).where('id_hash', '=', idHash).execute();
  }

  async revokeUserTokens(userId: string, projectId?: string): Promise<void> {
    let q = this.#db.updateTable('identity_tokens').set({ revoked: true }).where('user_id', '=', userId);
    if (projectId !== undefined) q = q.where('project_id', '=', projectId);
    await q.execute();
  }

  /** Drops tokens that expired before `before`; returns how many. */
  async purgeExpiredTokens(before: Date): Promise<number> {
    const result = await this.#db.deleteFrom('identity_tokens').where('expires_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  // ---- credentials -----------------------------------------------------------

  async createCredential(c: CredentialRecord): Promise<CredentialRecord> {
    await translateDuplicate('credential', () =>
      this.#db
        .insertInto('identity_credentials')
        .values({
          id: c.id,
          user_id: c.userId,
          project_id: c.projectId,
          type: c.type,
          blob: c.blob,
          extra: dumpExtra(c.extra),
          created_at: new Date(),
        })
        .execute(),
    );
    return c;
  }

  async getCredential(id: string): Promise<CredentialRecord | undefined> {
    const r = await this.#db.selectFrom('identity_credentials').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toCredential(r);
  }

  async listCredentials(filter: { userId?: string; type?: string } = {}): Promise<CredentialRecord[]> {
    let q = this.#db.selectFrom('identity_credentials').selectAll().orderBy('created_at').orderBy('id');
    if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
    if (filter.type !== undefined) q = q.where('type', '=', filter.type);
    return (await q.execute()).map(toCredential);
  }

  async updateCredential(c: CredentialRecord): Promise<void> {
    await this.#db
      .updateTable('identity_credentials')
      .set({ project_id: c.projectId, type: c.type, blob: c.blob, extra: dumpExtra(c.extra) })
      .where('id', '=', c.id)
      .execute();
  }

  async deleteCredential(id: string): Promise<void> {
    await this.#db.deleteFrom('identity_credentials').where('id', '=', id).execute();
  }
}
