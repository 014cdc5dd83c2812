/**
 * Matching of a capability or aggregate value against a flavor extra_spec requirement
 * such as `>= 4`, `s== x86_64`, `<in> sse4` or `<or> a <or> b`.
 */

type Comparison = (value: unknown, arg: string) => boolean;

function num(x: unknown): number {
  const n = typeof x === 'number' ? x : Number(String(x).trim());
  if (String(x).trim() === '' || Number.isNaN(n)) throw new RangeError('not a number');
  return n;
}

function str(x: unknown): string {
  return typeof x === 'string' ? x : String(x);
}

const OPERATORS: Record<string, Comparison> = {
  '=': (v, a) => num(v) >= num(a),
  '==': (v, a) => num(v) === num(a),
  '!=': (v, a) => num(v) !== num(a),
  '>=': (v, a) => num(v) >= num(a),
  '<=': (v, a) => num(v) <= num(a),
  's==': (v, a) => str(v) === a,
  's!=': (v, a) => str(v) !== a,
  's<': (v, a) => str(v) < a,
  's<=': (v, a) => str(v) <= a,
  's>': (v, a) => str(v) > a,
  's>=': (v, a) => str(v) >= a,
  '<in>': (v, a) => (Array.isArray(v) ? v.map(str).includes(a) : str(v).includes(a)),
};

/** Plain requirements compare as text; numbers and booleans advertised by drivers compare by their text. */
function plainEquals(value: unknown, requirement: string): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value === requirement;
  if (typeof value === 'number') return String(value) === requirement;
  if (typeof value === 'boolean') return (value ? 'True' : 'False') === requirement || String(value) === requirement;
  return false;
}

export function matchesRequirement(value: unknown, requirement: string): boolean {
  const words = requirement.split(/\s+/).filter((w) => w !== '');
  const op = words.shift();
  const method = op === undefined ? undefined : OPERATORS[op];
  if (op !== '<or>' && !method) return plainEquals(value, requirement);
  if (value === null || value === undefined) return false;

  if (op === '<or>') {
    const text = str(value);
    for (let i = 0; i < words.length; i += 2) {
      if (words[i] === text) return true;
    }
    return false;
  }
  const arg = words[0];
  if (arg === undefined || !method) return false;
  try {
    return method(value, arg);
  } catch {
    return false;
  }
}
