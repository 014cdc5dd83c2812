/**
 * Python's repr()/str() of JSON values. Nova's validation messages are built from them
 * ("'' is too short", "Value: {'name': 1}"), and clients and operators know that wording.
 * Rendering walks an explicit stack, so that no value is too deep to describe.
 */

function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch < ' ' || ch === '\x7f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

function reprNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return String(n);
}

/** Punctuation waiting on the stack between the values still to render. */
class Literal {
  constructor(readonly text: string) {}
}

function reprScalar(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return reprString(value);
  if (typeof value === 'number') return reprNumber(value);
  return String(value);
}

export function pyRepr(value: unknown): string {
  let out = '';
  const work: unknown[] = [value];
  while (work.length > 0) {
    const item = work.pop();
    if (item instanceof Literal) {
      out += item.text;
    } else if (Array.isArray(item)) {
      work.push(new Literal(']'));
      for (let i = item.length - 1; i >= 0; i--) {
        work.push(item[i]);
        if (i > 0) work.push(new Literal(', '));
      }
      work.push(new Literal('['));
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item as Record<string, unknown>);
      work.push(new Literal('}'));
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        work.push(child);
        work.push(new Literal(`${i > 0 ? ', ' : ''}${reprString(key)}: `));
      }
      work.push(new Literal('{'));
    } else {
      out += reprScalar(item);
    }
  }
  return out;
}

/** str(): strings as they are, everything else as repr(). */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}
