/** Request value types that several compute API schemas share (Nova's parameter_types). */
import { Type } from 'typebox';
import { InvalidInput } from '../../../common/errors.js';

const TRUE_VALUES = [true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes'] as const;
const FALSE_VALUES = [false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'] as const;

/** Every spelling of a boolean a v2.1 body may use. */
export const BOOLEAN_VALUES: readonly (boolean | string)[] = [...TRUE_VALUES, ...FALSE_VALUES];

export function parseBoolean(value: boolean | string): boolean {
  if ((TRUE_VALUES as readonly (boolean | string)[]).includes(value)) return true;
  if ((FALSE_VALUES as readonly (boolean | string)[]).includes(value)) return false;
  throw new InvalidInput(`Invalid boolean value: ${String(value)}`);
}

/** The largest value an integer column holds; Nova caps sizes, counts and limits there. */
export const MAX_INT = 0x7fffffff;

/** A name stored for display: 1–255 printable characters, no space at either end. */
export const Name = Type.String({ minLength: 1, maxLength: 255, format: 'name' });

/** An integer ≥ 1, or such a number written as a string. */
export const PositiveInteger = Type.Unsafe<number | string>({
  type: ['integer', 'string'],
  pattern: '^[0-9]*$',
  minLength: 1,
  minimum: 1,
  maximum: MAX_INT,
});

/** An integer ≥ 0, or such a number written as a string. */
export const NonNegativeInteger = Type.Unsafe<number | string>({
  type: ['integer', 'string'],
  pattern: '^[0-9]*$',
  minLength: 1,
  minimum: 0,
  maximum: MAX_INT,
});

/** A disk size in GB, as a block device mapping or a flavor gives it. */
export const VolumeSize = Type.Unsafe<number | string>({ type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1, maximum: MAX_INT });

const METADATA_KEY = '^[a-zA-Z0-9_:. \\-]{1,255}$';

/**
 * User metadata (servers, images): keys of letters, digits, spaces and `-_:.`, values of
 * at most 255 characters. Keys go through `propertyNames`, so that the lenient /v2
 * validation refuses a bad key instead of dropping it, as Nova's does.
 */
export function metadata(options: { minProperties?: number; maxProperties?: number } = {}) {
  return Type.Unsafe<Record<string, string>>({
    type: 'object',
    propertyNames: { pattern: METADATA_KEY },
    additionalProperties: { type: 'string', maxLength: 255 },
    ...options,
  });
}

/** A project (tenant) id as Keystone issues them: letters, digits, `-` and `_`. */
export const PROJECT_ID_PATTERN = '^[a-zA-Z0-9_-]{1,255}$';

const PROJECT_ID = new RegExp(PROJECT_ID_PATTERN);

/**
 * Refuses an id from a URL that no project (or quota class) can have: control
 * characters, spaces, slashes. Such ids would otherwise be stored as keys.
 */
export function checkProjectId(id: string, what = 'Project ID'): string {
  if (!PROJECT_ID.test(id)) throw new InvalidInput(`${what} ${JSON.stringify(id)} is not valid.`);
  return id;
}
