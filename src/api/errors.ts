/** Errors raised by the HTTP layer itself (parsing, routing, negotiation). */

import { Invalid, NotFound, NovaError, type NovaErrorOptions } from '../common/errors.js';

export class MalformedRequestBody extends Invalid {
  constructor(message = 'Malformed request body') {
    super(message);
  }
}

export class UnsupportedMediaType extends NovaError {
  static override readonly code = 415;
  constructor(message = 'Unsupported Content-Type') {
    super(message);
  }
}

export class MethodNotAllowed extends NovaError {
  static override readonly code = 405;
  constructor(message = 'The method specified is not allowed for this resource.', options: NovaErrorOptions = {}) {
    super(message, options);
  }
}

/** A URL that matches no route (or none at the requested microversion). */
export class RouteNotFound extends NotFound {
  constructor(message = 'The resource could not be found.') {
    super(message);
  }
}

/** An action key in `POST .../action` that no module handles. */
export class UnknownAction extends Invalid {
  constructor(action: string) {
    super(`There is no such action: ${action}`, { kwargs: { action } });
  }
}

/** `/v2[.1]/{project_id}/...` naming a project other than the token's. */
export class ProjectIdMismatch extends Invalid {
  constructor(urlProjectId: string, contextProjectId: string | null) {
    super(`Malformed request URL: URL's project_id '${urlProjectId}' doesn't match Context's project_id '${contextProjectId ?? 'None'}'`);
  }
}

/** A version string that is not `major.minor` (minor without a leading zero). */
export class InvalidAPIVersionString extends Invalid {
  constructor(version: string) {
    super(`API Version String ${version} is of invalid format. Must be of format MajorNum.MinorNum.`, { kwargs: { version } });
  }
}

/** A well-formed version outside the advertised range: 406 with a computeFault body. */
export class InvalidGlobalAPIVersion extends NovaError {
  static override readonly code = 406;
  static override readonly safe = true;
  constructor(requested: string, min: string, max: string) {
    super(`Version ${requested} is not supported by the API. Minimum is ${min} and maximum is ${max}.`, {
      kwargs: { req_ver: requested, min_ver: min, max_ver: max },
    });
  }
}
