/**
 * Parses policy rules into check trees: the text language (`role:admin or (a:1 and b:2)`)
 * and the legacy list-of-lists form. Anything that does not parse becomes a deny, logged,
 * so a typo in policy.json can only take permissions away. Grammar as nova/openstack/common/policy.py parses it.
 */

import { getLogger } from '../common/log.js';
import { AndCheck, type Check, FalseCheck, makeKindCheck, NotCheck, OrCheck, TrueCheck } from './checks.js';

const log = getLogger('nova.policy');

/** One `kind:match` (or `@` / `!`). Text without a colon is a deny. */
export function parseCheck(text: string): Check {
  if (text === '!') return new FalseCheck();
  if (text === '@') return new TrueCheck();
  const colon = text.indexOf(':');
  if (colon < 0) {
    log.error({ rule: text }, 'policy check has no "kind:" prefix; denying');
    return new FalseCheck();
  }
  return makeKindCheck(text.slice(0, colon), text.slice(colon + 1));
}

type TokenKind = '(' | ')' | 'and' | 'or' | 'not' | 'string' | 'check' | 'and_expr' | 'or_expr';
type TokenValue = string | Check;
interface Token {
  kind: TokenKind;
  value: TokenValue;
}

/**
 * Splits on whitespace; parentheses are peeled off the front and back of each word.
 * A word in quotes becomes a `string` token, which no grammar rule accepts.
 */
export function* tokenize(rule: string): Generator<Token> {
  for (const word of rule.split(/\s+/)) {
    if (word === '') continue;
    const afterOpen = word.replace(/^\(+/, '');
    for (let i = 0; i < word.length - afterOpen.length; i++) yield { kind: '(', value: '(' };
    if (afterOpen === '') continue;
    const clean = afterOpen.replace(/\)+$/, '');
    const closing = afterOpen.length - clean.length;
    const lowered = clean.toLowerCase();
    if (lowered === 'and' || lowered === 'or' || lowered === 'not') {
      yield { kind: lowered, value: clean };
    } else if (clean !== '') {
      const first = afterOpen[0];
      const quoted = afterOpen.length >= 2 && (first === '"' || first === "'") && afterOpen[afterOpen.length - 1] === first;
      if (quoted) yield { kind: 'string', value: afterOpen.slice(1, -1) };
      else yield { kind: 'check', value: parseCheck(clean) };
    }
    for (let i = 0; i < closing; i++) yield { kind: ')', value: ')' };
  }
}

interface Reduction {
  pattern: readonly TokenKind[];
  apply(values: TokenValue[]): Token;
}

const asCheck = (v: TokenValue): Check => v as Check;

/**
 * Shift-reduce grammar. An `and` chain and an `or` chain each have their own expression
 * kind and neither accepts the other's operator, which is why `a or b and c` does not
 * parse and must be written with parentheses.
 */
const REDUCTIONS: readonly Reduction[] = [
  { pattern: ['(', 'check', ')'], apply: (v) => ({ kind: 'check', value: asCheck(v[1] as TokenValue) }) },
  { pattern: ['(', 'and_expr', ')'], apply: (v) => ({ kind: 'check', value: asCheck(v[1] as TokenValue) }) },
  { pattern: ['(', 'or_expr', ')'], apply: (v) => ({ kind: 'check', value: asCheck(v[1] as TokenValue) }) },
  {
    pattern: ['check', 'and', 'check'],
    apply: (v) => ({ kind: 'and_expr', value: new AndCheck([asCheck(v[0] as TokenValue), asCheck(v[2] as TokenValue)]) }),
  },
  {
    pattern: ['and_expr', 'and', 'check'],
    apply: (v) => {
      const expr = v[0] as AndCheck;
      return { kind: 'and_expr', value: new AndCheck([...expr.rules, asCheck(v[2] as TokenValue)]) };
    },
  },
  {
    pattern: ['check', 'or', 'check'],
    apply: (v) => ({ kind: 'or_expr', value: new OrCheck([asCheck(v[0] as TokenValue), asCheck(v[2] as TokenValue)]) }),
  },
  {
    pattern: ['or_expr', 'or', 'check'],
    apply: (v) => {
      const expr = v[0] as OrCheck;
      return { kind: 'or_expr', value: new OrCheck([...expr.rules, asCheck(v[2] as TokenValue)]) };
    },
  },
  { pattern: ['not', 'check'], apply: (v) => ({ kind: 'check', value: new NotCheck(asCheck(v[1] as TokenValue)) }) },
];

class ParseState {
  readonly stack: Token[] = [];

  shift(token: Token): void {
    this.stack.push(token);
    this.reduce();
  }

  private reduce(): void {
    for (;;) {
      const reduction = REDUCTIONS.find((r) => this.endsWith(r.pattern));
      if (!reduction) return;
      const taken = this.stack.splice(this.stack.length - reduction.pattern.length);
      this.stack.push(reduction.apply(taken.map((t) => t.value)));
    }
  }

  private endsWith(pattern: readonly TokenKind[]): boolean {
    if (this.stack.length < pattern.length) return false;
    const offset = this.stack.length - pattern.length;
    return pattern.every((kind, i) => this.stack[offset + i]?.kind === kind);
  }

  /** The single check the tokens reduced to, or undefined when they did not. */
  result(): Check | undefined {
    if (this.stack.length !== 1) return undefined;
    const only = this.stack[0] as Token;
    return only.kind === 'check' || only.kind === 'and_expr' || only.kind === 'or_expr' ? asCheck(only.value) : undefined;
  }
}

/** The text form of a rule. Empty text allows; text that does not parse denies. */
export function parseTextRule(rule: string): Check {
  if (rule.trim() === '') return new TrueCheck();
  const state = new ParseState();
  for (const token of tokenize(rule)) state.shift(token);
  const check = state.result();
  if (!check) {
    log.error({ rule }, 'policy rule does not parse (mixing "and" and "or" needs parentheses); denying');
    return new FalseCheck();
  }
  return check;
}

/**
 * The legacy form: an outer list of alternatives, each an inner list of checks that must
 * all pass. A bare string stands for a one-check inner list; empty inner lists are skipped.
 */
export function parseListRule(rule: readonly unknown[]): Check {
  if (rule.length === 0) return new TrueCheck();
  const alternatives: Check[] = [];
  for (const inner of rule) {
    const items = typeof inner === 'string' ? [inner] : inner;
    if (!Array.isArray(items)) {
      log.error({ rule }, 'policy list rule holds something that is neither a string nor a list; denying');
      return new FalseCheck();
    }
    if (items.length === 0) continue;
    const all: Check[] = [];
    for (const item of items) {
      if (typeof item !== 'string') {
        log.error({ rule }, 'policy list rule holds a check that is not a string; denying');
        return new FalseCheck();
      }
      all.push(parseCheck(item));
    }
    alternatives.push(all.length === 1 ? (all[0] as Check) : new AndCheck(all));
  }
  if (alternatives.length === 0) return new FalseCheck();
  return alternatives.length === 1 ? (alternatives[0] as Check) : new OrCheck(alternatives);
}

/** A rule as found in a policy file: text or the legacy list form. Anything else denies. */
export function parseRule(rule: unknown): Check {
  if (typeof rule === 'string') return parseTextRule(rule);
  if (Array.isArray(rule)) return parseListRule(rule);
  log.error({ rule }, 'policy rule is neither text nor a list; denying');
  return new FalseCheck();
}
