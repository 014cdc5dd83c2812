/**
 * The typed error hierarchy. Every error a client can cause carries the HTTP status
 * and the Nova fault name, so one fault wrapper (api/fault.ts) renders all of them.
 * Names of the classes follow nova/exception.py so that an RPC failure can be
 * re-created on the caller side by class name (see rpc/remote-error.ts).
 */

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

export function faultNameFor(status: number): string {
  return FAULT_NAMES[status] ?? 'computeFault';
}

export interface NovaErrorOptions {
  cause?: unknown;
  /** Extra fields the RPC layer carries across the wire and that callers may read. */
  kwargs?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export class NovaError extends Error {
  /** HTTP status when this error reaches the API. */
  static readonly code: number = 500;
  /** Whether the message is safe to show a client when it reaches the generic handler. */
  static readonly safe: boolean = false;

  readonly kwargs: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(message?: string, options: NovaErrorOptions = {}) {
    super(message ?? 'An unknown exception occurred.', options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.kwargs = options.kwargs ?? {};
    this.headers = options.headers ?? {};
  }

  get code(): number {
    return (this.constructor as typeof NovaError).code;
  }

  get faultName(): string {
    return faultNameFor(this.code);
  }
}

// ---- 400 family ------------------------------------------------------------
export class Invalid extends NovaError {
  static override readonly code = 400;
}
export class BadRequest extends Invalid {}
export class ValidationError extends Invalid {}
export class InvalidInput extends Invalid {}
export class InvalidParameterValue extends Invalid {}
export class InvalidUUID extends Invalid {}
export class InvalidID extends Invalid {}
export class MarkerNotFound extends Invalid {}
export class InvalidQuotaValue extends Invalid {}
export class InvalidReservationExpiration extends Invalid {}
export class QuotaResourceUnknown extends Invalid {}
export class InvalidConfig extends Invalid {}
export class InvalidRequest extends Invalid {}

// ---- 401 / 403 -------------------------------------------------------------
export class Unauthorized extends NovaError {
  static override readonly code = 401;
}
export class NotAuthorized extends NovaError {
  static override readonly code = 403;
}
export class Forbidden extends NotAuthorized {}
export class PolicyNotAuthorized extends NotAuthorized {
  constructor(action: string) {
    super(`Policy doesn't allow ${action} to be performed.`, { kwargs: { action } });
  }
}
export class AdminRequired extends NotAuthorized {
  constructor(message = 'User does not have admin privileges') {
    super(message);
  }
}

// ---- 404 -------------------------------------------------------------------
export class NotFound extends NovaError {
  static override readonly code = 404;
}
export class ServiceNotFound extends NotFound {}
export class HostBinaryNotFound extends NotFound {}
export class ComputeHostNotFound extends NotFound {}
export class InstanceNotFound extends NotFound {}
export class FlavorNotFound extends NotFound {}
export class ImageNotFound extends NotFound {}
export class KeypairNotFound extends NotFound {}
export class NetworkNotFound extends NotFound {}
export class InstanceGroupNotFound extends NotFound {}
export class MigrationNotFound extends NotFound {}
export class SecurityGroupNotFound extends NotFound {}
export class SecurityGroupNotFoundForProject extends SecurityGroupNotFound {
  constructor(projectId: string, name: string) {
    super(`Security group ${name} not found for project ${projectId}.`, { kwargs: { project_id: projectId, security_group_id: name } });
  }
}
export class ProjectQuotaNotFound extends NotFound {}
export class QuotaClassNotFound extends NotFound {}
export class ReservationNotFound extends NotFound {}
export class VersionNotFoundForAPIMethod extends NotFound {}

// ---- 409 -------------------------------------------------------------------
export class Conflict extends NovaError {
  static override readonly code = 409;
}
export class InstanceInvalidState extends Conflict {}
export class UnexpectedTaskStateError extends Conflict {}
export class ConstraintNotMet extends Conflict {}
export class InstanceExists extends Conflict {}
export class KeyPairExists extends Conflict {}
export class FlavorExists extends Conflict {}
export class DuplicateEntry extends Conflict {}

// ---- 413 / quota -----------------------------------------------------------
/** Quota errors: Grizzly answered 413; the v2.1 API answers 403 (see api/fault.ts). */
export class QuotaError extends NovaError {
  static override readonly code = 413;
  static override readonly safe = true;
}
export class TooManyInstances extends QuotaError {}
export class MetadataLimitExceeded extends QuotaError {}
export class OnsetFileLimitExceeded extends QuotaError {}
export class OnsetFilePathLimitExceeded extends QuotaError {}
export class OnsetFileContentLimitExceeded extends QuotaError {}
export class KeypairLimitExceeded extends QuotaError {}
export class SecurityGroupLimitExceeded extends QuotaError {}
export class FloatingIpLimitExceeded extends QuotaError {}
export class FixedIpLimitExceeded extends QuotaError {}
export class ServerGroupLimitExceeded extends QuotaError {}

/** Internal: callers translate it into one of the QuotaError classes. */
export class OverQuota extends NovaError {
  readonly overs: string[];
  readonly quotas: Record<string, number>;
  readonly usages: Record<string, { in_use: number; reserved: number }>;
  constructor(overs: string[], quotas: Record<string, number>, usages: Record<string, { in_use: number; reserved: number }>) {
    super(`Quota exceeded for resources: ${overs.join(', ')}`, { kwargs: { overs, quotas, usages } });
    this.overs = overs;
    this.quotas = quotas;
    this.usages = usages;
  }
}

export class RequestTooLarge extends NovaError {
  static override readonly code = 413;
}

// ---- 5xx -------------------------------------------------------------------
export class NotImplementedYet extends NovaError {
  static override readonly code = 501;
}
export class ServiceUnavailable extends NovaError {
  static override readonly code = 503;
}
export class NoValidHost extends NovaError {
  static override readonly code = 500;
  constructor(reason: string) {
    super(`No valid host was found. ${reason}`, { kwargs: { reason } });
  }
}
export class DBNotAllowed extends NovaError {}
export class DBError extends NovaError {}
export class ConfigNotFound extends NovaError {}

// ---- RPC -------------------------------------------------------------------
export class MessagingTimeout extends NovaError {
  constructor(message = 'Timeout while waiting on RPC response.') {
    super(message);
  }
}
export class UnsupportedRpcVersion extends NovaError {}
export class RemoteError extends NovaError {
  readonly excType: string;
  constructor(excType: string, value: string, options: NovaErrorOptions = {}) {
    super(`Remote error: ${excType} ${value}`, options);
    this.excType = excType;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: constructors of the hierarchy take different arguments
export type NovaErrorClass = abstract new (...args: any[]) => NovaError;
