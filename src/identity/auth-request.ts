/**
 * Reads the body of `POST /v3/auth/tokens` into a typed request. Shapes follow Keystone:
 * a user by id or by name plus domain, a project by id or by name plus domain, a domain
 * by id or name, or the literal scope "unscoped".
 */
import { IdentityUnauthorized, IdentityValidationError } from './errors.js';

export type DomainRef = { id: string } | { name: string };
export type UserRef = { id: string } | { name: string; domain: DomainRef };
export type ProjectRef = { id: string } | { name: string; domain: DomainRef };

export type ScopeRequest = { project: ProjectRef } | { domain: DomainRef } | 'unscoped' | null;

export interface AuthRequestBody {
  methods: string[];
  password?: { user: UserRef; password: string };
  /** The bearer given to the token method. */
  token?: string;
  scope: ScopeRequest;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function field(parent: Obj, key: string, path: string): Obj {
  const v = parent[key];
  if (!isObj(v)) throw new IdentityValidationError(`Expecting to find ${path} in the request.`);
  return v;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function domainRef(v: unknown, path: string): DomainRef {
  if (!isObj(v)) throw new IdentityValidationError(`Expecting to find ${path} in the request.`);
  const id = str(v.id);
  if (id !== undefined) return { id };
  const name = str(v.name);
  if (name !== undefined) return { name };
  throw new IdentityValidationError(`Expecting to find id or name in ${path}.`);
}

function userRef(v: Obj): UserRef {
  const id = str(v.id);
  if (id !== undefined) return { id };
  const name = str(v.name);
  if (name === undefined) throw new IdentityValidationError('Expecting to find id or name in user.');
  // Keystone asks for the domain of a user named by name: names are unique per domain only.
  if (v.domain === undefined) throw new IdentityUnauthorized('User domain is required when the user is given by name.');
  return { name, domain: domainRef(v.domain, 'user.domain') };
}

function scopeOf(auth: Obj): ScopeRequest {
  const scope = auth.scope;
  if (scope === undefined || scope === null) return null;
  if (scope === 'unscoped') return 'unscoped';
  if (!isObj(scope)) throw new IdentityValidationError('Invalid scope in the request.');
  if (scope.project !== undefined) {
    if (!isObj(scope.project)) throw new IdentityValidationError('Expecting to find project in scope.');
    const id = str(scope.project.id);
    if (id !== undefined) return { project: { id } };
    const name = str(scope.project.name);
    if (name === undefined) throw new IdentityValidationError('Expecting to find id or name in project.');
    return { project: { name, domain: domainRef(scope.project.domain, 'project.domain') } };
  }
  if (scope.domain !== undefined) return { domain: domainRef(scope.domain, 'scope.domain') };
  if (scope.system !== undefined) throw new IdentityValidationError('System scope is not supported by this identity service.');
  if (scope['OS-TRUST:trust'] !== undefined) throw new IdentityValidationError('Trusts are not supported by this identity service.');
  throw new IdentityValidationError('Invalid scope in the request.');
}

export function parseAuthRequest(body: unknown): AuthRequestBody {
  if (!isObj(body)) throw new IdentityValidationError('Expecting to find auth in the request.');
  const auth = field(body, 'auth', 'auth');
  const identity = field(auth, 'identity', 'identity');
  const methods = identity.methods;
  if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string')) {
    throw new IdentityValidationError('Expecting to find methods in identity.');
  }
  const out: AuthRequestBody = { methods: [...new Set(methods as string[])], scope: scopeOf(auth) };
  for (const method of out.methods) {
    if (method === 'password') {
      const password = field(identity, 'password', 'password');
      const user = field(password, 'user', 'password.user');
      if (typeof user.password !== 'string') throw new IdentityValidationError('Expecting to find password in user.');
      out.password = { user: userRef(user), password: user.password };
    } else if (method === 'token') {
      const token = field(identity, 'token', 'token');
      const id = str(token.id);
      if (id === undefined) throw new IdentityValidationError('Expecting to find id in token.');
      out.token = id;
    } else {
      throw new IdentityUnauthorized(`Attempted to authenticate with an unsupported method.`);
    }
  }
  return out;
}
