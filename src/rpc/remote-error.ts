/**
 * Exceptions across the bus: the server sends `{class, module, message, tb, args, kwargs}`
 * as a JSON string (as Nova's `serialize_remote_exception`); the caller re-creates the
 * class of that name from its error table, or a RemoteError for anything it does not know.
 */
import { NovaError, RemoteError } from '../common/errors.js';
import { BASE_ERRORS, type ErrorTable } from './error-table.js';

interface FailureFields {
  class: string;
  module: string;
  message: string;
  tb: string[];
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/** Module names as Nova's, so a Python peer would recognise the allowed modules. */
const NOVA_MODULE = 'nova.exception';
const BUILTIN_MODULE = 'exceptions';

export function serializeFailure(err: unknown): string {
  const error = err instanceof Error ? err : new Error(String(err));
  const isNova = error instanceof NovaError;
  const fields: FailureFields = {
    class: isNova ? error.constructor.name : error.name || 'Error',
    module: isNova ? NOVA_MODULE : BUILTIN_MODULE,
    message: error.message,
    tb: (error.stack ?? '').split('\n'),
    args: [error.message],
    kwargs: isNova ? toPlain(error.kwargs) : {},
  };
  return JSON.stringify(fields);
}

/** Rebuilds the error a remote endpoint threw, if `table` knows its class. */
export function deserializeFailure(failure: string, table: ErrorTable = BASE_ERRORS): Error {
  let fields: Partial<FailureFields>;
  try {
    fields = JSON.parse(failure) as Partial<FailureFields>;
  } catch {
    return new RemoteError('Unknown', failure);
  }
  const className = typeof fields.class === 'string' ? fields.class : 'Unknown';
  const message = typeof fields.message === 'string' ? fields.message : '';
  const remoteTrace = Array.isArray(fields.tb) ? fields.tb.join('\n') : '';
  const cls = fields.module === NOVA_MODULE ? table.get(className) : undefined;
  if (!cls) {
    const err = new RemoteError(className, message);
    attachRemoteTrace(err, remoteTrace);
    return err;
  }
  // Bypass the constructor: subclasses take arguments of their own (NoValidHost(reason), ...).
  const err = Object.create(cls.prototype) as NovaError;
  Object.defineProperties(err, {
    message: { value: message, writable: true, configurable: true },
    name: { value: className, writable: true, configurable: true },
    kwargs: { value: isRecord(fields.kwargs) ? fields.kwargs : {}, enumerable: true },
    headers: { value: {}, enumerable: true },
  });
  // Classes that keep kwargs as own fields (OverQuota.overs, ...) get them back too.
  for (const [k, v] of Object.entries(isRecord(fields.kwargs) ? fields.kwargs : {})) {
    if (!(k in err)) Object.defineProperty(err, k, { value: v, writable: true, enumerable: true, configurable: true });
  }
  attachRemoteTrace(err, remoteTrace);
  return err;
}

function attachRemoteTrace(err: Error, remoteTrace: string): void {
  Object.defineProperty(err, 'stack', {
    value: `${err.name}: ${err.message}\n    (raised remotely)${remoteTrace ? `\n${remoteTrace}` : ''}`,
    writable: true,
    configurable: true,
  });
}

function toPlain(value: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
