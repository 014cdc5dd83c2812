/**
 * Errors of the identity service. They sit in the common hierarchy (so status codes and
 * RPC re-creation work as everywhere else); the identity server renders them in
 * Keystone's `{"error": {"code", "message", "title"}}` shape.
 */
import { Conflict, Forbidden, Invalid, NotFound, NovaError, Unauthorized } from '../common/errors.js';

export class IdentityValidationError extends Invalid {}

export class IdentityUnauthorized extends Unauthorized {
  constructor(message = 'The request you have made requires authentication.') {
    super(message);
  }
}

export class IdentityForbidden extends Forbidden {}

/** Keystone's policy refusal: names the rule that said no. */
export class IdentityPolicyForbidden extends Forbidden {
  constructor(action: string) {
    super(`You are not authorized to perform the requested action: ${action}.`, { kwargs: { action } });
  }
}

export class IdentityNotFound extends NotFound {
  constructor(kind: string, id: string) {
    super(`Could not find ${kind}: ${id}.`, { kwargs: { kind, id } });
  }
}

/** A token that does not exist, was revoked or has expired. */
export class TokenNotFound extends NotFound {
  constructor(message = 'Failed to validate token') {
    super(message);
  }
}

export class IdentityConflict extends Conflict {
  constructor(kind: string, detail = 'Duplicate entry.') {
    super(`Conflict occurred attempting to store ${kind} - ${detail}`, { kwargs: { kind } });
  }
}

export class IdentityMethodNotAllowed extends NovaError {
  static override readonly code = 405;
  constructor(message = 'The method specified is not allowed for this resource.') {
    super(message);
  }
}
