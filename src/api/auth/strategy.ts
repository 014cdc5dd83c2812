import type { RequestContext } from '../../context/context.js';

/** What an authentication strategy sees of an HTTP request. */
export interface AuthRequest {
  /** Lower-cased header names, as node delivers them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly remoteAddress: string | null;
  /** The id this request is answered under (`req-<uuid>`). */
  readonly requestId: string;
  /** The caller-supplied `X-OpenStack-Request-ID`, if any. */
  readonly globalRequestId: string | null;
}

/**
 * Turns a request's credentials into a RequestContext, or throws `Unauthorized`.
 *
 * The pipeline then stamps the request id, global request id and remote address on the
 * context, and sets `isAdmin` when the strategy did or when the policy's
 * `context_is_admin` rule holds for the context's credentials; a strategy sets `isAdmin`
 * only when it grants admin on its own terms (noauth2's `admin` user).
 */
export interface AuthStrategy {
  authenticate(req: AuthRequest): Promise<RequestContext>;
}

export function headerValue(req: AuthRequest, name: string): string | undefined {
  const raw = req.headers[name.toLowerCase()];
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
