/**
 * How one method's arguments or result cross the bus. What is sent is JSON (Dates become
 * ISO strings, undefined members vanish); a codec turns what arrives back into the type the
 * code uses, validating on the way where the sender is not trusted.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Static, TSchema } from 'typebox';
import { parseUtc } from '../common/datetime.js';

/** What JSON makes of a T: Dates arrive as strings; arrays, tuples and objects member by member. */
export type Jsonified<T> = T extends Date
  ? string
  : T extends (...args: never[]) => unknown
    ? never
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

export interface Codec<T> {
  /** The JSON-safe value put on the wire. */
  encode(value: T): unknown;
  /** A received wire value as a T; throws WireFormatError when it is not one. */
  decode(wire: unknown): T;
}

/** A wire value that is not what its codec declares (the RPC layer reports it as InvalidRpcArguments). */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
}

const identity = (value: unknown): unknown => value;

/**
 * A value whose JSON form is itself (no Dates inside), from a sender that is trusted to
 * send what the contract says. Naming a type with Dates fails to compile: it needs a reviver.
 */
export function plain<T>(..._noDates: Jsonified<T> extends T ? [] : [never]): Codec<T> {
  return { encode: identity, decode: (wire) => wire as T };
}

/** A value from a trusted sender whose Dates `revive` turns back from strings. */
export function revived<T>(revive: (wire: Jsonified<T>) => T): Codec<T> {
  return { encode: identity, decode: (wire) => revive(wire as Jsonified<T>) };
}

/** Casts and methods with nothing to return: null on the wire, nothing to the caller. */
export const nothing: Codec<void> = { encode: () => null, decode: () => undefined };

const ajv = new Ajv({ allErrors: false, strict: false, useDefaults: false });

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'invalid value';
  const where = error.instancePath === '' ? 'arguments' : error.instancePath.slice(1).replaceAll('/', '.');
  return `${where} ${error.message ?? 'is invalid'}`;
}

/**
 * A value validated against a JSON Schema (TypeBox) before use: for arguments from senders
 * that are not trusted (the conductor's, which compute hosts send). `revive` then turns the
 * validated wire value into the code's type (Dates and the like).
 */
export function validated<S extends TSchema>(schema: S): Codec<Static<S>>;
export function validated<S extends TSchema, T>(schema: S, revive: (wire: Static<S>) => T): Codec<T>;
export function validated<S extends TSchema, T>(schema: S, revive?: (wire: Static<S>) => T): Codec<T | Static<S>> {
  // Compiled on first use: a service compiles only the schemas of the methods it serves.
  let check: ValidateFunction | null = null;
  return {
    encode: identity,
    decode(wire) {
      check ??= ajv.compile(schema as object);
      if (!check(wire)) throw new WireFormatError(describe(check.errors?.[0]));
      return revive ? revive(wire as Static<S>) : (wire as Static<S>);
    },
  };
}

/** A datetime as JSON or Nova writes it; one without a zone is UTC (Nova's are naive UTC). */
export function wireDate(value: string): Date {
  const date = parseUtc(value);
  if (Number.isNaN(date.getTime())) throw new WireFormatError(`'${value}' is not a datetime`);
  return date;
}

/** wireDate for a nullable one. */
export function wireDateOrNull(value: string | null): Date | null {
  return value === null ? null : wireDate(value);
}
