/**
 * The checks a parsed policy rule is made of. A rule is a tree of these; evaluating it
 * against (target, credentials) answers allow or deny. Check kinds as nova/openstack/common/policy.py defines them.
 */

import { getLogger } from '../common/log.js';

const log = getLogger('nova.policy');

export type PolicyTarget = Readonly<Record<string, unknown>>;
export type PolicyCredentials = Readonly<Record<string, unknown>>;

/**
 * Thrown while evaluating a check whose `%(key)s` names a key the target does not have.
 * It aborts the rule being evaluated (the nearest `rule:` reference or the top-level
 * rule), which then counts as a denial, even if a later `or` branch would have allowed.
 */
export class TargetKeyMissing extends Error {
  readonly key: string;
  constructor(key: string) {
    super(`policy target has no key ${JSON.stringify(key)}`);
    this.key = key;
  }
}

/** How a `rule:<name>` check finds the rule it refers to. */
export interface RuleResolver {
  /** The named rule, or the default rule when it is not defined, or undefined when neither exists. */
  resolve(name: string): Check | undefined;
}

export interface EvalEnv {
  readonly rules: RuleResolver;
  /** Nesting of rule references, to stop a rule that refers to itself. */
  readonly depth: number;
}

const MAX_RULE_DEPTH = 32;

export abstract class Check {
  abstract evaluate(target: PolicyTarget, creds: PolicyCredentials, env: EvalEnv): boolean;
  abstract toString(): string;
}

export class TrueCheck extends Check {
  evaluate(): boolean {
    return true;
  }
  toString(): string {
    return '@';
  }
}

export class FalseCheck extends Check {
  evaluate(): boolean {
    return false;
  }
  toString(): string {
    return '!';
  }
}

/** A `kind:match` check; subclasses decide what the pair means. */
export abstract class KindCheck extends Check {
  readonly kind: string;
  readonly match: string;
  constructor(kind: string, match: string) {
    super();
    this.kind = kind;
    this.match = match;
  }
  toString(): string {
    return `${this.kind}:${this.match}`;
  }
}

/**
 * Evaluates a named rule. A missing target key inside it denies this reference only,
 * so `rule:x or role:y` can still be allowed by its second branch.
 */
export class RuleCheck extends KindCheck {
  evaluate(target: PolicyTarget, creds: PolicyCredentials, env: EvalEnv): boolean {
    if (env.depth >= MAX_RULE_DEPTH) {
      log.error({ rule: this.match }, 'policy rule references nest too deeply (a rule refers to itself?); denying');
      return false;
    }
    const rule = env.rules.resolve(this.match);
    if (!rule) return false;
    try {
      return rule.evaluate(target, creds, { rules: env.rules, depth: env.depth + 1 });
    } catch (err) {
      if (err instanceof TargetKeyMissing) return false;
      throw err;
    }
  }
}

export class RoleCheck extends KindCheck {
  evaluate(_target: PolicyTarget, creds: PolicyCredentials): boolean {
    const roles = creds.roles;
    if (!Array.isArray(roles)) return false;
    const wanted = this.match.toLowerCase();
    return roles.some((r) => String(r).toLowerCase() === wanted);
  }
}

export class IsAdminCheck extends KindCheck {
  readonly expected: boolean;
  constructor(kind: string, match: string) {
    super(kind, match);
    this.expected = match.toLowerCase() === 'true';
  }
  evaluate(_target: PolicyTarget, creds: PolicyCredentials): boolean {
    return creds.is_admin === this.expected;
  }
  override toString(): string {
    return `${this.kind}:${this.expected ? 'True' : 'False'}`;
  }
}

/**
 * `http:<url>` asked a remote server in Grizzly. Evaluation here is synchronous and no
 * deployment of nova-ts relies on it, so it is not supported: it denies and says so.
 */
export class HttpCheck extends KindCheck {
  evaluate(): boolean {
    log.warn({ check: this.toString() }, 'http: policy checks are not supported by nova-ts; denying');
    return false;
  }
}

/** How Python's str() renders a value; policy values are compared in that text form. */
export function pythonText(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => (typeof v === 'string' ? `'${v}'` : pythonText(v))).join(', ')}]`;
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** Expands `%(key)s` (and `%%`) from the target, as Python's `text % target` does. */
export function substituteTarget(text: string, target: PolicyTarget): string {
  return text.replace(/%\(([^)]*)\)s|%%|%/g, (whole, key: string | undefined) => {
    if (whole === '%%') return '%';
    if (key === undefined) throw new TargetKeyMissing(whole);
    if (!Object.hasOwn(target, key)) throw new TargetKeyMissing(key);
    return pythonText(target[key]);
  });
}

/**
 * `<credential key>:<value>`: true when the credential exists and its text equals the
 * value after substitution from the target. A credential that is null never matches,
 * so a context without a project cannot pass `project_id:%(project_id)s` against a
 * target whose project is also unset.
 */
export class GenericCheck extends KindCheck {
  evaluate(target: PolicyTarget, creds: PolicyCredentials): boolean {
    const expected = substituteTarget(this.match, target);
    if (!Object.hasOwn(creds, this.kind)) return false;
    const actual = creds[this.kind];
    if (actual === null || actual === undefined) return false;
    return pythonText(actual) === expected;
  }
}

export class NotCheck extends Check {
  readonly rule: Check;
  constructor(rule: Check) {
    super();
    this.rule = rule;
  }
  evaluate(target: PolicyTarget, creds: PolicyCredentials, env: EvalEnv): boolean {
    return !this.rule.evaluate(target, creds, env);
  }
  toString(): string {
    return `not ${this.rule.toString()}`;
  }
}

export class AndCheck extends Check {
  readonly rules: Check[];
  constructor(rules: Check[]) {
    super();
    this.rules = rules;
  }
  evaluate(target: PolicyTarget, creds: PolicyCredentials, env: EvalEnv): boolean {
    for (const rule of this.rules) if (!rule.evaluate(target, creds, env)) return false;
    return true;
  }
  toString(): string {
    return `(${this.rules.map((r) => r.toString()).join(' and ')})`;
  }
}

export class OrCheck extends Check {
  readonly rules: Check[];
  constructor(rules: Check[]) {
    super();
    this.rules = rules;
  }
  evaluate(target: PolicyTarget, creds: PolicyCredentials, env: EvalEnv): boolean {
    for (const rule of this.rules) if (rule.evaluate(target, creds, env)) return true;
    return false;
  }
  toString(): string {
    return `(${this.rules.map((r) => r.toString()).join(' or ')})`;
  }
}

export type CheckFactory = (kind: string, match: string) => Check;

const checkKinds = new Map<string, CheckFactory>([
  ['rule', (k, m) => new RuleCheck(k, m)],
  ['role', (k, m) => new RoleCheck(k, m)],
  ['is_admin', (k, m) => new IsAdminCheck(k, m)],
  ['http', (k, m) => new HttpCheck(k, m)],
]);

/** Adds a `kind:` to the rule language; kinds without a handler are generic credential checks. */
export function registerCheckKind(kind: string, factory: CheckFactory): void {
  checkKinds.set(kind, factory);
}

export function makeKindCheck(kind: string, match: string): Check {
  const factory = checkKinds.get(kind);
  return factory ? factory(kind, match) : new GenericCheck(kind, match);
}
