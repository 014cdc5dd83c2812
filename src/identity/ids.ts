import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** Keystone's resource ids: a UUID4 as 32 hex digits. */
export function newId(): string {
  return randomUUID().replace(/-/g, '');
}

/** A bearer token: 32 random bytes, URL-safe. */
export function newTokenId(): string {
  return randomBytes(32).toString('base64url');
}

/** What the tokens table stores instead of the token itself. */
export function hashTokenId(tokenId: string): string {
  return createHash('sha256').update(tokenId).digest('hex');
}

/** Keystone's audit ids: 16 random bytes, URL-safe base64 without padding. */
export function newAuditId(): string {
  return randomBytes(16).toString('base64url');
}

/** A stable id derived from a name, for configured catalog entries that have no row. */
export function stableId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
}
