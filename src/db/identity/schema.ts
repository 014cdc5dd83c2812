/**
 * Tables of the embedded identity service (repository `identity`). They carry an
 * `identity_` prefix because nova-all may keep them in the same database as Nova's own.
 * Ids are Keystone-style 32-character hex strings chosen by the service.
 */
import { col, defineTable, type SchemaOf } from '../columns.js';

export const domainsTable = defineTable(
  'identity_domains',
  [
    col.string('id', 64).primaryKey(),
    col.string('name', 64).notNull(),
    col.text('description'),
    col.bool('enabled').notNull(),
    col.text('extra'),
    col.datetime('created_at'),
  ],
  { uniques: [{ name: 'uniq_identity_domains0name', columns: ['name'] }] },
);

export const projectsTable = defineTable(
  'identity_projects',
  [
    col.string('id', 64).primaryKey(),
    col.string('name', 64).notNull(),
    col.string('domain_id', 64).notNull(),
    col.text('description'),
    col.bool('enabled').notNull(),
    col.text('extra'),
    col.datetime('created_at'),
  ],
  {
    uniques: [{ name: 'uniq_identity_projects0domain_id0name', columns: ['domain_id', 'name'] }],
    foreignKeys: [{ name: 'fk_identity_projects_domain', columns: ['domain_id'], table: 'identity_domains', references: ['id'] }],
  },
);

export const usersTable = defineTable(
  'identity_users',
  [
    col.string('id', 64).primaryKey(),
    col.string('name', 255).notNull(),
    col.string('domain_id', 64).notNull(),
    col.bool('enabled').notNull(),
    col.string('default_project_id', 64),
    /** `scrypt$N$r$p$salt$hash` (base64); null for a user who cannot log in with a password. */
    col.string('password_hash', 255),
    col.text('extra'),
    col.datetime('created_at'),
  ],
  {
    uniques: [{ name: 'uniq_identity_users0domain_id0name', columns: ['domain_id', 'name'] }],
    foreignKeys: [{ name: 'fk_identity_users_domain', columns: ['domain_id'], table: 'identity_domains', references: ['id'] }],
  },
);

export const rolesTable = defineTable(
  'identity_roles',
  [
    col.string('id', 64).primaryKey(),
    col.string('name', 255).notNull(),
    col.text('description'),
    col.text('extra'),
    col.datetime('created_at'),
  ],
  { uniques: [{ name: 'uniq_identity_roles0name', columns: ['name'] }] },
);

/** A user's role on a project or on a domain (Keystone's UserProject / UserDomain grants). */
export const assignmentsTable = defineTable(
  'identity_assignments',
  [
    col.string('type', 16).primaryKey(),
    col.string('actor_id', 64).primaryKey(),
    col.string('target_id', 64).primaryKey(),
    col.string('role_id', 64).primaryKey(),
  ],
  {
    indexes: [
      { name: 'ix_identity_assignments_target', columns: ['target_id'] },
      { name: 'ix_identity_assignments_role', columns: ['role_id'] },
    ],
  },
);

/**
 * Issued tokens. Only a SHA-256 of the token is stored, so the table is no list of
 * usable credentials. Roles are not stored: they are read afresh on every validation,
 * so removing a role takes effect at once, as with Keystone's fernet tokens.
 */
export const tokensTable = defineTable(
  'identity_tokens',
  [
    col.string('id_hash', 64).primaryKey(),
    col.string('user_id', 64).notNull(),
    col.string('project_id', 64),
    col.string('domain_id', 64),
    col.string('methods', 255).notNull(),
    col.string('audit_id', 32).notNull(),
    col.string('parent_audit_id', 32),
    col.datetime('issued_at').notNull(),
    col.datetime('expires_at').notNull(),
    col.bool('revoked').notNull(),
  ],
  {
    indexes: [
      { name: 'ix_identity_tokens_user_id', columns: ['user_id'] },
      { name: 'ix_identity_tokens_expires_at', columns: ['expires_at'] },
      { name: 'ix_identity_tokens_audit_id', columns: ['audit_id'] },
    ],
  },
);

export const credentialsTable = defineTable(
  'identity_credentials',
  [
    col.string('id', 64).primaryKey(),
    col.string('user_id', 64).notNull(),
    col.string('project_id', 64),
    col.string('type', 255).notNull(),
    col.text('blob').notNull(),
    col.text('extra'),
    col.datetime('created_at'),
  ],
  { indexes: [{ name: 'ix_identity_credentials_user_id', columns: ['user_id'] }] },
);

export const identityTables = [
  domainsTable,
  projectsTable,
  usersTable,
  rolesTable,
  assignmentsTable,
  tokensTable,
  credentialsTable,
] as const;

export type IdentitySchema = SchemaOf<typeof identityTables>;
