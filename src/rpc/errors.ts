import { NovaError } from '../common/errors.js';

/** A received 2.0 envelope whose `oslo.version` this process cannot read. */
export class UnsupportedRpcEnvelopeVersion extends NovaError {
  constructor(version: string) {
    super(`Specified RPC envelope version, ${version}, not supported by this endpoint.`, { kwargs: { version } });
  }
}

/** The request named a method the endpoint does not expose (Nova answers AttributeError). */
export class UnknownRpcMethod extends NovaError {
  constructor(method: string) {
    super(`No such RPC function '${method}'`, { kwargs: { method } });
  }
}

/**
 * A request's arguments are not what its method's contract declares. The method did not
 * run; the caller gets this error instead of whatever a malformed argument would have caused.
 */
export class InvalidRpcArguments extends NovaError {
  constructor(method: string, reason: string) {
    super(`Invalid arguments for RPC method '${method}': ${reason}`, { kwargs: { method, reason } });
  }
}

/** The transport was closed while an operation was waiting on it. */
export class TransportClosed extends NovaError {
  constructor(message = 'RPC transport is closed') {
    super(message);
  }
}
