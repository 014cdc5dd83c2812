/** Keystone v3 JSON shapes of the identity records. `base` is `scheme://host[:port]`. */
import type { AssignmentRecord, CredentialRecord, DomainRecord, ProjectRecord, RoleRecord, UserRecord } from '../db/identity/store.js';
import type { CatalogService } from './catalog.js';
import { readEc2Blob } from './ec2-credentials.js';
import type { ValidatedToken } from './service.js';

type Json = Record<string, unknown>;

/** Keystone's timestamps: ISO 8601 with microseconds and a Z. */
export function keystoneTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function domainView(base: string, d: DomainRecord): Json {
  return {
    ...d.extra,
    id: d.id,
    name: d.name,
    description: d.description,
    enabled: d.enabled,
    tags: [],
    options: {},
    links: { self: `${base}/v3/domains/${d.id}` },
  };
}

export function projectView(base: string, p: ProjectRecord): Json {
  return {
    ...p.extra,
    id: p.id,
    name: p.name,
    domain_id: p.domainId,
    description: p.description,
    enabled: p.enabled,
    parent_id: p.domainId,
    is_domain: false,
    tags: Array.isArray(p.extra.tags) ? p.extra.tags : [],
    options: {},
    links: { self: `${base}/v3/projects/${p.id}` },
  };
}

export function userView(base: string, u: UserRecord): Json {
  return {
    ...u.extra,
    id: u.id,
    name: u.name,
    domain_id: u.domainId,
    enabled: u.enabled,
    ...(u.defaultProjectId ? { default_project_id: u.defaultProjectId } : {}),
    password_expires_at: null,
    options: {},
    links: { self: `${base}/v3/users/${u.id}` },
  };
}

export function roleView(base: string, r: RoleRecord): Json {
  return {
    ...r.extra,
    id: r.id,
    name: r.name,
    domain_id: null,
    description: r.description,
    options: {},
    links: { self: `${base}/v3/roles/${r.id}` },
  };
}

export function credentialView(base: string, c: CredentialRecord): Json {
  return {
    ...c.extra,
    id: c.id,
    user_id: c.userId,
    project_id: c.projectId,
    type: c.type,
    blob: c.blob,
    links: { self: `${base}/v3/credentials/${c.id}` },
  };
}

/** The OS-EC2 extension's view; null when the blob is not an EC2 key pair. */
export function ec2CredentialView(base: string, c: CredentialRecord): Json | null {
  const blob = readEc2Blob(c.blob);
  if (!blob) return null;
  return {
    user_id: c.userId,
    tenant_id: c.projectId,
    access: blob.access,
    secret: blob.secret,
    trust_id: blob.trust_id ?? null,
    links: { self: `${base}/v3/users/${c.userId}/credentials/OS-EC2/${blob.access}` },
  };
}

export function catalogView(catalog: readonly CatalogService[]): Json[] {
  return catalog.map((s) => ({
    id: s.id,
    type: s.type,
    name: s.name,
    endpoints: s.endpoints.map((e) => ({ id: e.id, interface: e.interface, region: e.region, region_id: e.region_id, url: e.url })),
  }));
}

function domainRef(d: DomainRecord): Json {
  return { id: d.id, name: d.name };
}

export function tokenView(token: ValidatedToken, catalog: readonly CatalogService[] | null): Json {
  const body: Json = {
    methods: token.methods,
    user: { id: token.user.id, name: token.user.name, domain: domainRef(token.userDomain), password_expires_at: null },
    audit_ids: token.auditIds,
    issued_at: keystoneTime(token.issuedAt),
    expires_at: keystoneTime(token.expiresAt),
  };
  if (token.project && token.projectDomain) {
    body.project = { id: token.project.id, name: token.project.name, domain: domainRef(token.projectDomain) };
    body.is_domain = false;
  } else if (token.domain) {
    body.domain = domainRef(token.domain);
  }
  if (token.project || token.domain) {
    body.roles = token.roles.map((r) => ({ id: r.id, name: r.name }));
    if (catalog) body.catalog = catalogView(catalog);
  }
  return { token: body };
}

export interface AssignmentNames {
  users: Map<string, UserRecord>;
  projects: Map<string, ProjectRecord>;
  domains: Map<string, DomainRecord>;
  roles: Map<string, RoleRecord>;
}

export function assignmentView(base: string, a: AssignmentRecord, names: AssignmentNames | null): Json {
  const withDomain = (id: string, name: string | undefined, domainId: string | undefined): Json => {
    if (!names) return { id };
    const domain = domainId !== undefined ? names.domains.get(domainId) : undefined;
    return { id, ...(name !== undefined ? { name } : {}), ...(domain ? { domain: domainRef(domain) } : {}) };
  };
  const user = names?.users.get(a.userId);
  const role = names?.roles.get(a.roleId);
  const scopeKey = a.type === 'UserProject' ? 'project' : 'domain';
  let scope: Json;
  if (a.type === 'UserProject') {
    const project = names?.projects.get(a.targetId);
    scope = withDomain(a.targetId, project?.name, project?.domainId);
  } else {
    const domain = names?.domains.get(a.targetId);
    scope = names ? { id: a.targetId, ...(domain ? { name: domain.name } : {}) } : { id: a.targetId };
  }
  return {
    role: names && role ? { id: role.id, name: role.name } : { id: a.roleId },
    user: withDomain(a.userId, user?.name, user?.domainId),
    scope: { [scopeKey]: scope },
    links: {
      assignment: `${base}/v3/${scopeKey === 'project' ? 'projects' : 'domains'}/${a.targetId}/users/${a.userId}/roles/${a.roleId}`,
    },
  };
}
