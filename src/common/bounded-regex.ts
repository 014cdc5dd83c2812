/**
 * Regular expressions that users supply (the servers list's `name`, `ip` and column
 * filters), matched in time linear in the text: the pattern becomes a Thompson NFA that is
 * simulated state set by state set, the sets cached as DFA states. No pattern can make a
 * match backtrack, so `(a+)+$` costs what `a+$` costs.
 *
 * The syntax is the part that JavaScript, Python, PostgreSQL and MySQL read alike (the
 * same text is also handed to the SQL engines): literals, `.`, classes, `\d \w \s` and
 * their negations, `^ $`, groups, `|`, and the quantifiers `* + ? {n} {n,} {n,m}` (lazy
 * forms accepted, matching the same texts). Anything whose meaning differs between
 * engines or that needs backtracking (backreferences, lookaround, `\b`, POSIX classes,
 * inline flags) is refused with a RegexSyntaxError.
 */

export class RegexSyntaxError extends Error {}

/** Longest pattern accepted; a filter is rarely longer than the names it filters. */
export const MAX_PATTERN_LENGTH = 1024;
/** Largest `{n,m}` count, PostgreSQL's own limit. */
const MAX_REPEAT = 255;
/** Size of the compiled automaton; bounds the work per character of text. */
const MAX_NODES = 4000;
/** Cached DFA states per pattern before the cache starts over. */
const MAX_DFA_STATES = 2000;
const MAX_GROUP_DEPTH = 50;

type CharTest = (cp: number) => boolean;

type Ast =
  | { kind: 'empty' }
  | { kind: 'char'; test: CharTest }
  | { kind: 'bol' }
  | { kind: 'eol' }
  | { kind: 'concat'; items: Ast[] }
  | { kind: 'alt'; items: Ast[] }
  | { kind: 'repeat'; item: Ast; min: number; max: number };

const isDigit: CharTest = (cp) => cp >= 0x30 && cp <= 0x39;
const isWord: CharTest = (cp) => isDigit(cp) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;
const isSpace: CharTest = (cp) => /\s/.test(String.fromCodePoint(cp));
const isLineEnd: CharTest = (cp) => cp === 0x0a || cp === 0x0d || cp === 0x2028 || cp === 0x2029;
const not =
  (test: CharTest): CharTest =>
  (cp) =>
    !test(cp);

const CLASS_ESCAPES: Record<string, CharTest> = { d: isDigit, D: not(isDigit), w: isWord, W: not(isWord), s: isSpace, S: not(isSpace) };
const CONTROL_ESCAPES: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, f: 0x0c, v: 0x0b };

class Parser {
  #pos = 0;
  #depth = 0;
  readonly #cps: number[];

  constructor(pattern: string) {
    this.#cps = [...pattern].map((ch) => ch.codePointAt(0) as number);
  }

  parse(): Ast {
    const ast = this.#alternation();
    if (this.#pos < this.#cps.length) throw new RegexSyntaxError('unbalanced parenthesis');
    return ast;
  }

  #peek(offset = 0): string | undefined {
    const cp = this.#cps[this.#pos + offset];
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  }

  #alternation(): Ast {
    const items = [this.#sequence()];
    while (this.#peek() === '|') {
      this.#pos++;
      items.push(this.#sequence());
    }
    return items.length === 1 ? (items[0] as Ast) : { kind: 'alt', items };
  }

  #sequence(): Ast {
    const items: Ast[] = [];
    for (let c = this.#peek(); c !== undefined && c !== '|' && c !== ')'; c = this.#peek()) {
      const atom = this.#atom();
      items.push(this.#quantified(atom));
    }
    if (items.length === 0) return { kind: 'empty' };
    return items.length === 1 ? (items[0] as Ast) : { kind: 'concat', items };
  }

  #atom(): Ast {
    const c = this.#peek() as string;
    this.#pos++;
    switch (c) {
      case '^':
        return { kind: 'bol' };
      case '$':
        return { kind: 'eol' };
      case '.':
        return { kind: 'char', test: not(isLineEnd) };
      case '[':
        return { kind: 'char', test: this.#charClass() };
      case '\\':
        return this.#escape();
      case '(':
        return this.#group();
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError(`nothing to repeat at position ${this.#pos - 1}`);
      case '{':
        if (this.#countAhead() !== null) throw new RegexSyntaxError(`nothing to repeat at position ${this.#pos - 1}`);
        return literal(0x7b);
      default:
        return literal(c.codePointAt(0) as number);
    }
  }

  #group(): Ast {
    if (this.#peek() === '?') {
      if (this.#peek(1) !== ':') throw new RegexSyntaxError('lookaround, named groups and inline flags are not supported');
      this.#pos += 2;
    }
    if (++this.#depth > MAX_GROUP_DEPTH) throw new RegexSyntaxError('groups are nested too deeply');
    const inner = this.#alternation();
    this.#depth--;
    if (this.#peek() !== ')') throw new RegexSyntaxError('missing ), unterminated group');
    this.#pos++;
    return inner;
  }

  #escape(): Ast {
    const c = this.#peek();
    if (c === undefined) throw new RegexSyntaxError('bad escape (end of pattern)');
    const classTest = CLASS_ESCAPES[c];
    if (classTest) {
      this.#pos++;
      return { kind: 'char', test: classTest };
    }
    return literal(this.#escapedCodePoint());
  }

  /** The character an escape stands for (after the backslash); refuses escapes engines read differently. */
  #escapedCodePoint(): number {
    const c = this.#peek() as string;
    this.#pos++;
    const control = CONTROL_ESCAPES[c];
    if (control !== undefined) return control;
    if (c === 'x' || c === 'u') {
      const width = c === 'x' ? 2 : 4;
      const hex = this.#cps
        .slice(this.#pos, this.#pos + width)
        .map((cp) => String.fromCodePoint(cp))
        .join('');
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) throw new RegexSyntaxError(`bad escape \\${c}`);
      this.#pos += width;
      return Number.parseInt(hex, 16);
    }
    if (/^[\p{L}\p{N}]$/u.test(c)) throw new RegexSyntaxError(`unsupported escape \\${c}`);
    return c.codePointAt(0) as number;
  }

  #charClass(): CharTest {
    const negate = this.#peek() === '^';
    if (negate) this.#pos++;
    // `[]...]` and `[^]` mean different things in different engines.
    if (this.#peek() === ']') throw new RegexSyntaxError('a class may not start with ]');
    const tests: CharTest[] = [];
    const ranges: [number, number][] = [];
    for (;;) {
      const c = this.#peek();
      if (c === undefined) throw new RegexSyntaxError('unterminated character set');
      if (c === ']') {
        this.#pos++;
        break;
      }
      if (c === '[' && (this.#peek(1) === ':' || this.#peek(1) === '=' || this.#peek(1) === '.')) {
        throw new RegexSyntaxError('POSIX classes are not supported');
      }
      const low = this.#classMember();
      if (typeof low === 'function') {
        tests.push(low);
        continue;
      }
      if (this.#peek() === '-' && this.#peek(1) !== ']' && this.#peek(1) !== undefined) {
        this.#pos++;
        const high = this.#classMember();
        if (typeof high === 'function' || high < low) throw new RegexSyntaxError('bad character range');
        ranges.push([low, high]);
      } else {
        ranges.push([low, low]);
      }
    }
    const member: CharTest = (cp) => ranges.some(([lo, hi]) => cp >= lo && cp <= hi) || tests.some((t) => t(cp));
    return negate ? not(member) : member;
  }

  #classMember(): number | CharTest {
    const c = this.#peek() as string;
    this.#pos++;
    if (c !== '\\') return c.codePointAt(0) as number;
    const e = this.#peek();
    if (e === undefined) throw new RegexSyntaxError('unterminated character set');
    const classTest = CLASS_ESCAPES[e];
    if (classTest) {
      this.#pos++;
      return classTest;
    }
    return this.#escapedCodePoint();
  }

  /** `{n}`, `{n,}` or `{n,m}` at the current position (which is just after `{`), or null. */
  #countAhead(): { min: number; max: number; length: number } | null {
    let text = '';
    for (let i = 0; ; i++) {
      const c = this.#peek(i);
      if (c === undefined) return null;
      if (c === '}') {
        const m = /^(\d+)(,(\d*))?$/.exec(text);
        if (!m) return null;
        const min = Number(m[1]);
        const max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
        return { min, max, length: i + 1 };
      }
      text += c;
      if (text.length > 12) return null;
    }
  }

  #quantified(atom: Ast): Ast {
    const c = this.#peek();
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.#pos++;
      [min, max] = c === '*' ? [0, Number.POSITIVE_INFINITY] : c === '+' ? [1, Number.POSITIVE_INFINITY] : [0, 1];
    } else if (c === '{') {
      this.#pos++;
      const count = this.#countAhead();
      if (count === null) {
        this.#pos--;
        return atom;
      }
      this.#pos += count.length;
      ({ min, max } = count);
      if (min > MAX_REPEAT || (max !== Number.POSITIVE_INFINITY && max > MAX_REPEAT)) {
        throw new RegexSyntaxError(`repeat counts above ${MAX_REPEAT} are not supported`);
      }
      if (max < min) throw new RegexSyntaxError('min repeat greater than max repeat');
    } else {
      return atom;
    }
    if (atom.kind === 'bol' || atom.kind === 'eol') throw new RegexSyntaxError('nothing to repeat');
    if (this.#peek() === '?') this.#pos++;
    const after = this.#peek();
    if (after === '*' || after === '+' || after === '?' || (after === '{' && this.#lookCount())) {
      throw new RegexSyntaxError('multiple repeat');
    }
    return { kind: 'repeat', item: atom, min, max };
  }

  #lookCount(): boolean {
    this.#pos++;
    const count = this.#countAhead();
    this.#pos--;
    return count !== null;
  }
}

function literal(cp: number): Ast {
  return { kind: 'char', test: (c) => c === cp };
}

type Node =
  | { kind: 'char'; test: CharTest; out: number }
  | { kind: 'split'; out: number; out2: number }
  | { kind: 'bol'; out: number }
  | { kind: 'eol'; out: number }
  | { kind: 'match' };

/** Thompson construction, back to front: each piece is compiled knowing what follows it. */
class Compiler {
  readonly nodes: Node[] = [{ kind: 'match' }];

  #push(node: Node): number {
    if (this.nodes.length >= MAX_NODES) throw new RegexSyntaxError('pattern is too complex');
    this.nodes.push(node);
    return this.nodes.length - 1;
  }

  compile(ast: Ast, next: number): number {
    switch (ast.kind) {
      case 'empty':
        return next;
      case 'char':
        return this.#push({ kind: 'char', test: ast.test, out: next });
      case 'bol':
      case 'eol':
        return this.#push({ kind: ast.kind, out: next });
      case 'concat': {
        let entry = next;
        for (let i = ast.items.length - 1; i >= 0; i--) entry = this.compile(ast.items[i] as Ast, entry);
        return entry;
      }
      case 'alt': {
        let entry = this.compile(ast.items[ast.items.length - 1] as Ast, next);
        for (let i = ast.items.length - 2; i >= 0; i--) {
          entry = this.#push({ kind: 'split', out: this.compile(ast.items[i] as Ast, next), out2: entry });
        }
        return entry;
      }
      case 'repeat':
        return this.#repeat(ast.item, ast.min, ast.max, next);
    }
  }

  #repeat(item: Ast, min: number, max: number, next: number): number {
    let entry = next;
    if (max === Number.POSITIVE_INFINITY) {
      const loop = this.#push({ kind: 'split', out: -1, out2: next });
      (this.nodes[loop] as { out: number }).out = this.compile(item, loop);
      entry = loop;
    } else {
      for (let i = 0; i < max - min; i++) entry = this.#push({ kind: 'split', out: this.compile(item, entry), out2: next });
    }
    for (let i = 0; i < min; i++) entry = this.compile(item, entry);
    return entry;
  }
}

interface DState {
  ids: number[];
  accepting: boolean;
  next: Map<number, DState>;
}

export class BoundedRegex {
  readonly source: string;
  readonly #nodes: Node[];
  readonly #start: number;
  #states = new Map<string, DState>();
  #initial: DState | null = null;
  readonly #mark: Int32Array;
  #generation = 0;

  constructor(pattern: string) {
    if (pattern.length > MAX_PATTERN_LENGTH) throw new RegexSyntaxError(`patterns are limited to ${MAX_PATTERN_LENGTH} characters`);
    this.source = pattern;
    const compiler = new Compiler();
    this.#start = compiler.compile(new Parser(pattern).parse(), 0);
    this.#nodes = compiler.nodes;
    this.#mark = new Int32Array(this.#nodes.length);
  }

  /** Whether the pattern matches anywhere in `text` (Python's re.search, SQL's REGEXP). */
  test(text: string): boolean {
    let state = this.#initialState();
    if (state.accepting) return true;
    let length = 0;
    for (const ch of text) {
      length++;
      const cp = ch.codePointAt(0) as number;
      let next = state.next.get(cp);
      if (!next) {
        next = this.#step(state, cp);
        state.next.set(cp, next);
      }
      state = next;
      if (state.accepting) return true;
    }
    return this.#closure(state.ids, length === 0, true).includes(0);
  }

  #initialState(): DState {
    this.#initial ??= this.#intern(this.#closure([this.#start], true, false));
    return this.#initial;
  }

  #step(state: DState, cp: number): DState {
    const seeds: number[] = [];
    for (const id of state.ids) {
      const node = this.#nodes[id] as Node;
      if (node.kind === 'char' && node.test(cp)) seeds.push(node.out);
    }
    // Unanchored search: a match may also begin after this character.
    seeds.push(this.#start);
    if (this.#states.size >= MAX_DFA_STATES) {
      this.#states = new Map();
      this.#initial = null;
    }
    return this.#intern(this.#closure(seeds, false, false));
  }

  #intern(ids: number[]): DState {
    const key = ids.join(',');
    let state = this.#states.get(key);
    if (!state) {
      state = { ids, accepting: ids.includes(0), next: new Map() };
      this.#states.set(key, state);
    }
    return state;
  }

  /**
   * The nodes reachable from `seeds` without reading a character: characters to read,
   * the match, and `$` assertions still waiting for the end (passed when `atEnd`).
   */
  #closure(seeds: readonly number[], atStart: boolean, atEnd: boolean): number[] {
    const generation = ++this.#generation;
    const out: number[] = [];
    const stack = [...seeds];
    while (stack.length > 0) {
      const id = stack.pop() as number;
      if (this.#mark[id] === generation) continue;
      this.#mark[id] = generation;
      const node = this.#nodes[id] as Node;
      switch (node.kind) {
        case 'split':
          stack.push(node.out2, node.out);
          break;
        case 'bol':
          if (atStart) stack.push(node.out);
          break;
        case 'eol':
          if (atEnd) stack.push(node.out);
          else out.push(id);
          break;
        default:
          out.push(id);
      }
    }
    return out.sort((a, b) => a - b);
  }
}
