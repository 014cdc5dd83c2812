import { NovaError } from '../../common/errors.js';
import type { FaultValues } from '../../conductor/types.js';

/**
 * The instance fault recorded for an error: its HTTP-ish code (500 unless the error
 * says otherwise), its message (class name when it has none) and, for a 500, the stack
 * for the operator.
 */
export function faultFromError(instanceUuid: string, err: unknown, host: string | null): FaultValues {
  const error = err instanceof Error ? err : new Error(String(err));
  const code = error instanceof NovaError ? error.code : 500;
  const message = error.message || error.name;
  const details = code >= 500 ? (error.stack ?? message) : message;
  return { instance_uuid: instanceUuid, code, message, details, host };
}

/** The traceback text a compute host leaves in `retry.exc` before sending a build back. */
export function formatException(err: unknown): string {
  return err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
}
