/**
 * What a service needs to know of a validated token, whether the embedded identity
 * service or a remote Keystone validated it.
 */

import type { CatalogService } from './catalog.js';
import type { ValidatedToken } from './service.js';
import { catalogView } from './views.js';

export interface TokenInfo {
  userId: string;
  userName: string;
  userDomainId: string;
  projectId: string | null;
  projectName: string | null;
  projectDomainId: string | null;
  roles: string[];
  catalog: unknown[];
  expiresAt: Date;
}

export function tokenInfoFromValidated(token: ValidatedToken, catalog: readonly CatalogService[]): TokenInfo {
  return {
    userId: token.user.id,
    userName: token.user.name,
    userDomainId: token.userDomain.id,
    projectId: token.project?.id ?? null,
    projectName: token.project?.name ?? null,
    projectDomainId: token.projectDomain?.id ?? null,
    roles: token.roles.map((r) => r.name),
    catalog: catalogView(catalog),
    expiresAt: token.expiresAt,
  };
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** Reads Keystone's `{"token": {...}}` body; null when it is not one. */
export function tokenInfoFromBody(body: unknown): TokenInfo | null {
  const token = obj(obj(body).token);
  const user = obj(token.user);
  const project = obj(token.project);
  const userId = str(user.id);
  const expires = str(token.expires_at);
  if (userId === null || expires === null || Number.isNaN(Date.parse(expires))) return null;
  return {
    userId,
    userName: str(user.name) ?? userId,
    userDomainId: str(obj(user.domain).id) ?? 'default',
    projectId: str(project.id),
    projectName: str(project.name),
    projectDomainId: str(obj(project.domain).id),
    roles: Array.isArray(token.roles) ? token.roles.map((r) => str(obj(r).name)).filter((r): r is string => r !== null) : [],
    catalog: Array.isArray(token.catalog) ? token.catalog : [],
    expiresAt: new Date(expires),
  };
}
