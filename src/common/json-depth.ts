/**
 * Nesting depth of JSON, measured without recursion. Request bodies are checked before
 * they are parsed, so that no validator, message renderer or serialiser further down ever
 * recurses through a value deep enough to overflow the stack.
 */

/** The deepest nesting any request body or hint may have; real requests stay under 10. */
export const MAX_JSON_DEPTH = 64;

/**
 * True when the arrays and objects of `text` nest deeper than `limit`. Only brackets
 * outside strings count; the text need not be valid JSON (the parser judges that).
 */
export function jsonTextTooDeep(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character, quotes included
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** True when a value's arrays and objects nest deeper than `limit`. */
export function valueTooDeep(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}
