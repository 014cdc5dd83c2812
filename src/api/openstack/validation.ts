/**
 * Request validation against TypeBox (JSON Schema) schemas, with Nova's error wording.
 * /v2.1 is strict: keys a schema does not allow are rejected. /v2 is lenient: such keys
 * are dropped before the handler sees the body, as Nova's legacy-v2 compatibility does.
 *
 * Two rules follow Nova's validator (`nova/api/validation/validators.py`) rather than
 * plain JSON Schema: `minimum`/`maximum` also bound strings that spell a number (so
 * `"min_count": "0"` fails `minimum: 1`), and the `name` format accepts printable
 * characters only, not starting or ending with a space.
 */

import { Ajv, type ErrorObject, type FuncKeywordDefinition, type SchemaValidateFunction, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from 'typebox';
import { ValidationError } from '../../common/errors.js';
import { pyRepr, pyStr } from './pyrepr.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule.default;

/** Python's int() then float() of a string, as Nova's validator converts before comparing; null if neither parses. */
export function numberFromString(text: string): { value: number; shown: string } | null {
  const t = text.trim();
  if (/^[+-]?[0-9]+(_[0-9]+)*$/.test(t)) {
    const digits = BigInt(t.replace(/_/g, ''));
    return { value: Number(digits), shown: digits.toString() };
  }
  if (/^[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?|inf(inity)?|nan)$/i.test(t)) {
    const lower = t.toLowerCase().replace(/^\+/, '');
    const value = lower.endsWith('nan') ? Number.NaN : lower.includes('inf') ? (lower.startsWith('-') ? -Infinity : Infinity) : Number(t);
    return { value, shown: pyRepr(value) };
  }
  return null;
}

type Comparison = 'minimum' | 'maximum';

/** `minimum`/`maximum` over numbers and numeric strings; other strings are left to `pattern`. */
function numericBound(keyword: Comparison): FuncKeywordDefinition {
  const passes = (limit: number, n: number): boolean => (keyword === 'minimum' ? n >= limit : n <= limit);
  const check: SchemaValidateFunction = (limit: number, data: unknown): boolean => {
    const parsed =
      typeof data === 'number' ? { value: data, shown: pyRepr(data) } : typeof data === 'string' ? numberFromString(data) : null;
    // NaN compares false both ways, as in Python, so it fails either bound.
    if (parsed === null || passes(limit, parsed.value)) return true;
    check.errors = [{ keyword, params: { comparison: keyword === 'minimum' ? '>=' : '<=', limit, shown: parsed.shown } }];
    return false;
  };
  return { keyword, schemaType: 'number', errors: true, validate: check };
}

const NAME_MESSAGE = "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.";

/**
 * Nova's printable test: no control, format, surrogate, private-use or unassigned code
 * point, no line or paragraph separator, and no space separator at either end.
 */
const PRINTABLE_NAME = /^(?!\p{Zs})[^\p{C}\p{Zl}\p{Zp}]*(?<!\p{Zs})$/u;

export function isPrintableName(value: string): boolean {
  return PRINTABLE_NAME.test(value);
}

function makeAjv(lenient: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: false,
    strict: false,
    removeAdditional: lenient,
    useDefaults: false,
  });
  addFormats(ajv);
  ajv.addFormat('name', { type: 'string', validate: isPrintableName });
  for (const keyword of ['minimum', 'maximum'] as const) {
    ajv.removeKeyword(keyword);
    ajv.addKeyword(numericBound(keyword));
  }
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
      return `${p.shown ?? pyRepr(instance)} is less than the minimum of ${pyRepr(p.limit)}`;
    case 'maximum':
      return `${p.shown ?? pyRepr(instance)} is greater than the maximum of ${pyRepr(p.limit)}`;
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
  if (error.keyword === 'format' && (error.params as { format?: string }).format === 'name') return NAME_MESSAGE;
  const instance = valueAt(root, error.instancePath);
  // A key refused by `propertyNames` reads as Nova's refusal of a key no pattern allows.
  const reason =
    error.propertyName !== undefined
      ? `Additional properties are not allowed (${pyRepr(error.propertyName)} was unexpected)`
      : keywordMessage(error, instance);
  if (where === 'query' || error.instancePath === '') return reason;
  const segments = error.instancePath.split('/');
  const field = (segments[segments.length - 1] as string).replace(/~1/g, '/').replace(/~0/g, '~');
  return `Invalid input for field/attribute ${field}. Value: ${pyStr(instance)}. ${reason}`;
}
