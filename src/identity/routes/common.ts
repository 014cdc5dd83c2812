/** Pieces every identity route uses: who is calling, request bodies, query filters. */
import type { FastifyRequest } from 'fastify';
import { IdentityUnauthorized, IdentityValidationError, TokenNotFound } from '../errors.js';
import type { IdentityService, ValidatedToken } from '../service.js';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `scheme://host[:port]` the client used, for links. */
export function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? req.hostname}`;
}

export function header(req: FastifyRequest, name: string): string | undefined {
  const raw = req.headers[name.toLowerCase()];
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** The caller's token from X-Auth-Token; anything wrong with it is 401. */
export async function callerToken(service: IdentityService, req: FastifyRequest): Promise<ValidatedToken> {
  const tokenId = header(req, 'X-Auth-Token');
  if (tokenId === undefined) throw new IdentityUnauthorized();
  try {
    return await service.validateToken(tokenId);
  } catch (err) {
    if (err instanceof TokenNotFound) throw new IdentityUnauthorized();
    throw err;
  }
}

/** The object under `key` of a JSON body (`{"project": {...}}`). */
export function bodyObject(body: unknown, key: string): Obj {
  if (!isObj(body) || !isObj(body[key])) throw new IdentityValidationError(`Expecting to find ${key} in the request.`);
  return body[key];
}

export function optString(o: Obj, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new IdentityValidationError(`Invalid input for field '${key}': expected a string.`);
  return v;
}

export function optNullableString(o: Obj, key: string): string | null | undefined {
  if (o[key] === null) return null;
  return optString(o, key);
}

export function optBool(o: Obj, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean')
    throw new IdentityValidationError(`Invalid input for field '${key}': ${JSON.stringify(v)} is not of type 'boolean'.`);
  return v;
}

/** The attributes of a body that are not columns, kept as Keystone keeps them. */
export function extraOf(o: Obj, reserved: readonly string[]): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (!reserved.includes(k)) out[k] = v;
  return out;
}

export function query(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(req.query)) {
    for (const [k, v] of Object.entries(req.query)) {
      const value = Array.isArray(v) ? v[v.length - 1] : v;
      if (typeof value === 'string') out[k] = value;
    }
  }
  return out;
}

/** Keystone reads a boolean filter as false for 0/false/no/off (any case), true otherwise. */
export function boolFilter(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  return !['0', 'false', 'no', 'off', 'f', 'n'].includes(value.toLowerCase());
}

/** Present in the query string at all (`?include_names`, `?nocatalog`). */
export function flag(value: string | undefined): boolean {
  return value !== undefined && boolFilter(value === '' ? 'true' : value) === true;
}

export function params(req: FastifyRequest): Record<string, string> {
  return req.params as Record<string, string>;
}

export function collectionLinksFor(req: FastifyRequest, path: string): Record<string, unknown> {
  const url = req.url;
  const q = url.indexOf('?');
  return { self: `${baseUrl(req)}${path}${q >= 0 ? url.slice(q) : ''}`, previous: null, next: null };
}
