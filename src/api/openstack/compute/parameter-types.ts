/** Request value types that several compute API schemas share (Nova's parameter_types). */
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
