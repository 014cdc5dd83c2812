/**
 * Request validation against TypeBox (JSON Schema) schemas, with Nova's error wording.
 * /v2.1 is strict: keys a schema does not allow are rejected. /v2 is lenient: such keys
 * are dropped before the handler sees the body, as Nova's legacy-v2 compatibility does.
 */

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from 'typebox';
import { ValidationError } from '../../common/errors.js';
import { pyRepr, pyStr } from './pyrepr.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule.default;

function makeAjv(lenient: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: false,
    strict: false,
    removeAdditional: lenient,
    useDefaults: false,
  });
  addFormats(ajv);
  return ajv;
}

const strictAjv = makeAjv(false);
const lenientAjv = makeAjv(true);

export interface Validator {
  /** Validates in place (the lenient mode strips unknown keys); throws ValidationError. */
  validate(value: unknown, lenient: boolean): void;
}

/** `where` decides the message shape: body errors name the field, query errors do not. */
export function compileValidator(schema: TSchema, where: 'body' | 'query'): Validator {
  // Compiled up front so that a broken schema stops start-up, not a request.
  const strict: ValidateFunction = strictAjv.compile(schema as object);
  const lenient: ValidateFunction = lenientAjv.compile(schema as object);
  return {
    validate(value: unknown, isLenient: boolean): void {
      const fn = isLenient ? lenient : strict;
      if (fn(value)) return;
      const error = (fn.errors ?? [])[0];
      throw new ValidationError(error ? describeError(error, value, where) : 'Invalid input.');
    },
  };
}

function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let current: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** jsonschema's (Python) wording for the failed keyword, which Nova passes on verbatim. */
function keywordMessage(error: ErrorObject, instance: unknown): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${pyRepr(p.missingProperty)} is a required property`;
    case 'additionalProperties':
      return `Additional properties are not allowed (${pyRepr(p.additionalProperty)} was unexpected)`;
    case 'type': {
      const types = String(p.type).split(',');
      return types.length === 1
        ? `${pyRepr(instance)} is not of type ${pyRepr(types[0])}`
        : `${pyRepr(instance)} is not of type ${types.map((t) => pyRepr(t)).join(', ')}`;
    }
    case 'minLength':
    case 'minItems':
      return `${pyRepr(instance)} is too short`;
    case 'maxLength':
    case 'maxItems':
      return `${pyRepr(instance)} is too long`;
    case 'enum':
      return `${pyRepr(instance)} is not one of ${pyRepr(p.allowedValues)}`;
    case 'const':
      return `${pyRepr(p.allowedValue)} was expected`;
    case 'pattern':
      return `${pyRepr(instance)} does not match ${pyRepr(p.pattern)}`;
    case 'format':
      return `${pyRepr(instance)} is not a ${pyRepr(p.format)}`;
    case 'minimum':
      return `${pyRepr(instance)} is less than the minimum of ${pyRepr(p.limit)}`;
    case 'maximum':
      return `${pyRepr(instance)} is greater than the maximum of ${pyRepr(p.limit)}`;
    case 'exclusiveMinimum':
      return `${pyRepr(instance)} is less than or equal to the minimum of ${pyRepr(p.limit)}`;
    case 'exclusiveMaximum':
      return `${pyRepr(instance)} is greater than or equal to the maximum of ${pyRepr(p.limit)}`;
    case 'uniqueItems':
      return `${pyRepr(instance)} has non-unique elements`;
    case 'minProperties':
      return `${pyRepr(instance)} does not have enough properties`;
    case 'maxProperties':
      return `${pyRepr(instance)} has too many properties`;
    case 'anyOf':
    case 'oneOf':
      return `${pyRepr(instance)} is not valid under any of the given schemas`;
    case 'not':
      return `${pyRepr(instance)} should not be valid under the given schema`;
    default:
      return `${pyRepr(instance)} ${error.message ?? 'is invalid'}`;
  }
}

/**
 * Nova's shape: with a path inside the body, "Invalid input for field/attribute <last
 * path element>. Value: <value>. <reason>"; at the top level, or for query strings, the
 * reason alone.
 */
export function describeError(error: ErrorObject, root: unknown, where: 'body' | 'query'): string {
  const instance = valueAt(root, error.instancePath);
  const reason = keywordMessage(error, instance);
  if (where === 'query' || error.instancePath === '') return reason;
  const segments = error.instancePath.split('/');
  const field = (segments[segments.length - 1] as string).replace(/~1/g, '/').replace(/~0/g, '~');
  return `Invalid input for field/attribute ${field}. Value: ${pyStr(instance)}. ${reason}`;
}
