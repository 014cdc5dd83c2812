/**
 * Which error classes a caller re-creates from a remote failure, by class name. Each
 * contract names the modules whose errors its methods may raise; the table is built from
 * exactly those, so what a caller understands never depends on which modules happen to
 * have been imported.
 */
import * as commonErrors from '../common/errors.js';
import { NovaError, type NovaErrorClass } from '../common/errors.js';
import * as rpcErrors from './errors.js';

export type ErrorTable = ReadonlyMap<string, NovaErrorClass>;

function isNovaErrorClass(value: unknown): value is NovaErrorClass {
  return typeof value === 'function' && (value === NovaError || value.prototype instanceof NovaError);
}

/** The NovaError classes among the exports of the given modules (and the entries of other tables). */
export function errorTable(...sources: readonly (Readonly<Record<string, unknown>> | ErrorTable)[]): ErrorTable {
  const table = new Map<string, NovaErrorClass>();
  for (const source of sources) {
    const values = source instanceof Map ? [...source.values()] : Object.values(source);
    for (const value of values) if (isNovaErrorClass(value)) table.set(value.name, value);
  }
  return table;
}

/** What every RPC caller understands: the shared hierarchy and the RPC layer's own errors. */
export const BASE_ERRORS: ErrorTable = errorTable(commonErrors, rpcErrors);
