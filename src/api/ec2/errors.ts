/**
 * EC2 errors: the AWS error code and HTTP status a client gets, and how the typed errors
 * of the rest of nova-ts map onto them. Rendered as `<Response><Errors><Error>` by xml.ts.
 */
import {
  Conflict,
  ImageNotFound,
  InstanceInvalidState,
  Invalid,
  KeyPairExists,
  KeypairNotFound,
  NotAuthorized,
  NotFound,
  NovaError,
  QuotaError,
  SecurityGroupNotFound,
  ServiceUnavailable,
} from '../../common/errors.js';
import { InvalidKeypair } from '../../compute/keypairs.js';
import { InvalidManifest } from '../../image/s3.js';

export class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'Ec2Error';
  }
}

export function missingParameter(name: string): Ec2Error {
  return new Ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
}

export function invalidParameterValue(message: string): Ec2Error {
  return new Ec2Error('InvalidParameterValue', message);
}

export function authFailure(message = 'AWS was not able to validate the provided access credentials'): Ec2Error {
  return new Ec2Error('AuthFailure', message, 401);
}

export function requestExpired(message = 'Request has expired.'): Ec2Error {
  return new Ec2Error('RequestExpired', message);
}

export interface RenderedEc2Error {
  status: number;
  code: string;
  message: string;
  /** Not an error a client can cause: the caller logs it. */
  unexpected: boolean;
}

const GENERIC_500 = 'An internal error has occurred.';

/** The EC2 code of any error; what nova-ts's typed errors turn into when they reach the EC2 API. */
export function ec2ErrorOf(err: unknown): RenderedEc2Error {
  if (err instanceof Ec2Error) return { status: err.status, code: err.code, message: err.message, unexpected: err.status >= 500 };
  const known = (status: number, code: string): RenderedEc2Error => ({ status, code, message: (err as Error).message, unexpected: false });
  if (err instanceof KeypairNotFound) return known(400, 'InvalidKeyPair.NotFound');
  if (err instanceof KeyPairExists) return known(400, 'InvalidKeyPair.Duplicate');
  if (err instanceof InvalidKeypair) return known(400, 'InvalidKeyPair.Format');
  if (err instanceof ImageNotFound) return known(400, 'InvalidAMIID.NotFound');
  if (err instanceof InvalidManifest) return known(400, 'InvalidManifest');
  if (err instanceof QuotaError) return known(400, 'ResourceLimitExceeded');
  if (err instanceof SecurityGroupNotFound) return known(400, 'InvalidGroup.NotFound');
  if (err instanceof InstanceInvalidState) return known(400, 'IncorrectInstanceState');
  if (err instanceof NotAuthorized) return known(403, 'UnauthorizedOperation');
  if (err instanceof ServiceUnavailable) return known(503, 'Unavailable');
  if (err instanceof Conflict) return known(400, 'IncorrectState');
  if (err instanceof NotFound) return known(400, err.name);
  if (err instanceof Invalid) return known(400, 'InvalidParameterValue');
  if (err instanceof NovaError && err.code < 500) return known(400, err.name);
  return { status: 500, code: 'InternalError', message: GENERIC_500, unexpected: true };
}
