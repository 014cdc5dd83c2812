import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Check, type PolicyCredentials, type PolicyTarget, TargetKeyMissing } from '../../../src/policy/checks.js';
import { parseCheck, parseRule, parseTextRule } from '../../../src/policy/parser.js';

function evaluate(rule: Check, target: PolicyTarget, creds: PolicyCredentials, named: Record<string, Check> = {}): boolean {
  const rules = { resolve: (name: string) => named[name] ?? named.default };
  try {
    return rule.evaluate(target, creds, { rules, depth: 0 });
  } catch (err) {
    if (err instanceof TargetKeyMissing) return false;
    throw err;
  }
}

const member = { user_id: 'u1', project_id: 'p1', roles: ['member'], is_admin: false };
const admin = { user_id: 'a1', project_id: 'p0', roles: ['admin'], is_admin: true };

describe('policy rule parser: grammar examples of the spec', () => {
  it('parses "role:admin or (project_id:%(project_id)s and role:x)" as OR(role, AND(project, role))', () => {
    const rule = parseTextRule('role:admin or (project_id:%(project_id)s and role:x)');
    assert.equal(rule.toString(), '(role:admin or (project_id:%(project_id)s and role:x))');
    assert.equal(evaluate(rule, { project_id: 'p1' }, { ...member, roles: ['x'] }), true);
    assert.equal(evaluate(rule, { project_id: 'p1' }, member), false);
    assert.equal(evaluate(rule, { project_id: 'p9' }, { ...member, roles: ['x'] }), false);
    assert.equal(evaluate(rule, { project_id: 'p9' }, admin), true);
  });

  it('turns "a:1 or b:2 and c:3" (and/or mixed without parentheses) into a deny', () => {
    const rule = parseTextRule('a:1 or b:2 and c:3');
    assert.equal(rule.toString(), '!');
    assert.equal(evaluate(rule, {}, { a: '1', b: '2', c: '3' }), false);
  });

  it('denies "a:1 and b:2 or c:3" too', () => {
    assert.equal(parseTextRule('a:1 and b:2 or c:3').toString(), '!');
  });

  it('accepts the parenthesised form "(a:1 and b:2) or c:3"', () => {
    const rule = parseTextRule('(a:1 and b:2) or c:3');
    assert.equal(rule.toString(), '((a:1 and b:2) or c:3)');
    assert.equal(evaluate(rule, {}, { c: '3' }), true);
  });

  it('binds "not" to the next check: "not a:1 and b:2" is AND(NOT a, b)', () => {
    const rule = parseTextRule('not a:1 and b:2');
    assert.equal(rule.toString(), '(not a:1 and b:2)');
    assert.equal(evaluate(rule, {}, { a: '0', b: '2' }), true);
    assert.equal(evaluate(rule, {}, { a: '1', b: '2' }), false);
  });

  it('applies "not" to a parenthesised group: "not (a:1 or b:2)" is NOT(OR(a, b))', () => {
    const rule = parseTextRule('not (a:1 or b:2)');
    assert.equal(rule.toString(), 'not (a:1 or b:2)');
    assert.equal(evaluate(rule, {}, { a: '0', b: '0' }), true);
    assert.equal(evaluate(rule, {}, { a: '0', b: '2' }), false);
  });

  it('flattens chains of a single operator', () => {
    assert.equal(parseTextRule('a:1 and b:2 and c:3').toString(), '(a:1 and b:2 and c:3)');
    assert.equal(parseTextRule('a:1 OR b:2 Or c:3').toString(), '(a:1 or b:2 or c:3)');
  });
});

describe('policy rule parser: single checks', () => {
  it('allows for "@", "" and []', () => {
    for (const text of ['@', '', '   ']) assert.equal(evaluate(parseRule(text), {}, member), true, JSON.stringify(text));
    assert.equal(evaluate(parseRule([]), {}, member), true);
  });

  it('denies for "!"', () => {
    assert.equal(evaluate(parseRule('!'), {}, admin), false);
  });

  it('denies a check without a kind prefix', () => {
    assert.equal(parseCheck('foo').toString(), '!');
    assert.equal(evaluate(parseRule('foo or role:admin'), {}, admin), true);
    assert.equal(evaluate(parseRule('foo'), {}, admin), false);
  });

  it('compares roles case-insensitively', () => {
    assert.equal(evaluate(parseRule('role:Admin'), {}, { roles: ['ADMIN'] }), true);
    assert.equal(evaluate(parseRule('role:admin'), {}, { roles: ['member'] }), false);
  });

  it('matches is_admin:True and is_admin:False against the credential boolean', () => {
    assert.equal(evaluate(parseRule('is_admin:True'), {}, admin), true);
    assert.equal(evaluate(parseRule('is_admin:true'), {}, member), false);
    assert.equal(evaluate(parseRule('is_admin:False'), {}, member), true);
    assert.equal(evaluate(parseRule('is_admin:False'), {}, admin), false);
  });

  it('substitutes %(key)s from the target in generic checks, case-sensitively', () => {
    const rule = parseRule('project_id:%(project_id)s');
    assert.equal(evaluate(rule, { project_id: 'p1' }, member), true);
    assert.equal(evaluate(rule, { project_id: 'P1' }, member), false);
    assert.equal(evaluate(parseRule('tenant:%(tenant_id)s'), { tenant_id: 't' }, { tenant: 't' }), true);
    assert.equal(evaluate(parseRule('user_id:u1'), {}, member), true);
  });

  it('denies a generic check on a credential the context does not carry', () => {
    assert.equal(evaluate(parseRule('nonexistent:%(project_id)s'), { project_id: 'p1' }, member), false);
  });

  it('never lets an unset credential match an unset target value', () => {
    assert.equal(evaluate(parseRule('project_id:%(project_id)s'), { project_id: null }, { project_id: null }), false);
  });

  it('denies http: checks, which nova-ts does not support', () => {
    assert.equal(evaluate(parseRule('http://policy.example/check'), {}, admin), false);
  });

  it('denies a rule holding a quoted string token', () => {
    assert.equal(parseTextRule('"role:admin"').toString(), '!');
    assert.equal(parseTextRule('role:admin and "x"').toString(), '!');
  });

  it('denies rules that are only operators or unbalanced parentheses', () => {
    for (const text of ['and', 'not', '(role:admin', 'role:admin)', '()', 'role:a role:b']) {
      assert.equal(parseTextRule(text).toString(), '!', text);
    }
  });

  it('denies values that are neither text nor lists', () => {
    assert.equal(parseRule(42).toString(), '!');
    assert.equal(parseRule(null).toString(), '!');
  });
});

describe('policy rule evaluation: a missing target key', () => {
  it('denies the whole rule even when a later "or" branch would allow', () => {
    const rule = parseRule('project_id:%(project_id)s or role:member');
    assert.equal(evaluate(rule, {}, member), false);
  });

  it('still allows when a passing branch comes before the failing one', () => {
    const rule = parseRule('role:member or project_id:%(project_id)s');
    assert.equal(evaluate(rule, {}, member), true);
  });

  it('confines the denial to the rule: reference that hit it', () => {
    const named = { owner: parseRule('project_id:%(project_id)s') };
    assert.equal(evaluate(parseRule('rule:owner or role:member'), {}, member, named), true);
    assert.equal(evaluate(parseRule('rule:owner or role:other'), {}, member, named), false);
  });
});

describe('policy rule evaluation: rule references', () => {
  it('falls back to the default rule for an undefined rule: name', () => {
    const named = { default: parseRule('role:member') };
    assert.equal(evaluate(parseRule('rule:nowhere'), {}, member, named), true);
    assert.equal(evaluate(parseRule('rule:nowhere'), {}, admin, named), false);
  });

  it('denies an undefined rule: name when there is no default rule either', () => {
    assert.equal(evaluate(parseRule('rule:nowhere'), {}, admin, {}), false);
  });

  it('denies a rule that refers to itself instead of recursing forever', () => {
    const named: Record<string, Check> = {};
    named.loop = parseRule('rule:loop');
    assert.equal(evaluate(parseRule('rule:loop'), {}, admin, named), false);
  });
});

describe('policy rule parser: legacy list form', () => {
  it('ORs the outer list and ANDs each inner list', () => {
    const rule = parseRule([['role:admin'], ['project_id:%(project_id)s', 'role:x']]);
    assert.equal(rule.toString(), '(role:admin or (project_id:%(project_id)s and role:x))');
    assert.equal(evaluate(rule, { project_id: 'p1' }, { ...member, roles: ['x'] }), true);
    assert.equal(evaluate(rule, { project_id: 'p1' }, member), false);
  });

  it('treats a bare string in the outer list as a one-check alternative', () => {
    const rule = parseRule(['role:admin', ['role:x']]);
    assert.equal(rule.toString(), '(role:admin or role:x)');
  });

  it('skips empty inner lists, and denies when nothing else is left', () => {
    assert.equal(parseRule([[], ['role:admin']]).toString(), 'role:admin');
    assert.equal(parseRule([[], []]).toString(), '!');
  });
});
