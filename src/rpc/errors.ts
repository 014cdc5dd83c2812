import { NovaError, registerErrors } from '../common/errors.js';

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

/** The transport was closed while an operation was waiting on it. */
export class TransportClosed extends NovaError {
  constructor(message = 'RPC transport is closed') {
    super(message);
  }
}

registerErrors({ UnsupportedRpcEnvelopeVersion, UnknownRpcMethod, TransportClosed });
