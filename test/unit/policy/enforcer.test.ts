import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigNotFound, PolicyNotAuthorized } from '../../../src/common/errors.js';
import { Config } from '../../../src/config/config.js';
import { RequestContext } from '../../../src/context/context.js';
import { GRIZZLY_POLICY_RULE_NAMES, policyDefaults, registerPolicyDefaults } from '../../../src/policy/defaults.js';
import { PolicyEnforcer } from '../../../src/policy/enforcer.js';
import { PolicyFileInvalid } from '../../../src/policy/errors.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nova-policy-'));
  dirs.push(dir);
  return dir;
}

/** A config whose nova.conf lives in a fresh directory, optionally with a policy file beside it. */
function setup(policy?: { name: string; text: string }, confText = ''): { dir: string; conf: Config } {
  const dir = tempDir();
  const confFile = join(dir, 'nova.conf');
  writeFileSync(confFile, confText);
  if (policy) writeFileSync(join(dir, policy.name), policy.text);
  return { dir, conf: Config.load({ configFiles: [confFile] }) };
}

const member = new RequestContext({ userId: 'u1', projectId: 'p1', roles: ['member'] });
const otherMember = new RequestContext({ userId: 'u2', projectId: 'p2', roles: ['member'] });
const admin = new RequestContext({ userId: 'a1', projectId: 'p0', roles: ['admin'], isAdmin: true });

describe('PolicyEnforcer with the built-in defaults', () => {
  const enforcer = new PolicyEnforcer(setup().conf);

  it('registers every rule of Grizzly policy.json in file order', () => {
    assert.equal(GRIZZLY_POLICY_RULE_NAMES.length, 146);
    assert.deepEqual(GRIZZLY_POLICY_RULE_NAMES.slice(0, 4), ['context_is_admin', 'admin_or_owner', 'default', 'compute:create']);
    assert.equal(GRIZZLY_POLICY_RULE_NAMES[9], 'admin_api');
    assert.equal(GRIZZLY_POLICY_RULE_NAMES.at(-1), 'network:delete_dns_domain');
    assert.equal(policyDefaults().get('compute_extension:hide_server_addresses'), 'is_admin:False');
    const values = GRIZZLY_POLICY_RULE_NAMES.map((n) => policyDefaults().get(n));
    assert.equal(values.filter((v) => v === '').length, 91);
    // Grizzly's 43 admin_api rules but lock and unlock, which today's Nova grants the owner.
    assert.equal(values.filter((v) => v === 'rule:admin_api').length, 41);
    assert.equal(values.filter((v) => v === 'rule:admin_or_owner').length, 9);
    assert.equal(policyDefaults().get('compute_extension:admin_actions:lock'), 'rule:admin_or_owner');
  });

  it('denies admin_api rules to a member and allows them to an admin', () => {
    for (const action of ['compute_extension:hosts', 'compute_extension:admin_actions:resetState', 'compute_extension:quotas:update']) {
      assert.equal(enforcer.check(member, action, { project_id: 'p1' }), false, action);
      assert.equal(enforcer.check(admin, action, { project_id: 'p1' }), true, action);
    }
  });

  it('allows admin_or_owner rules to the owner and an admin, and denies another project', () => {
    const action = 'compute_extension:admin_actions:pause';
    const target = { project_id: 'p1', user_id: 'u1' };
    assert.equal(enforcer.check(member, action, target), true);
    assert.equal(enforcer.check(admin, action, target), true);
    assert.equal(enforcer.check(otherMember, action, target), false);
  });

  it('evaluates an action missing from the policy with the default rule (admin or owner)', () => {
    assert.equal(enforcer.check(member, 'compute:reboot', { project_id: 'p1' }), true);
    assert.equal(enforcer.check(otherMember, 'compute:reboot', { project_id: 'p1' }), false);
    assert.equal(enforcer.check(admin, 'compute:reboot', { project_id: 'p1' }), true);
  });

  it('allows empty rules to anyone and applies is_admin:False to non-admins only', () => {
    assert.equal(enforcer.check(otherMember, 'compute:create', {}), true);
    assert.equal(enforcer.check(member, 'compute_extension:hide_server_addresses', {}), true);
    assert.equal(enforcer.check(admin, 'compute_extension:hide_server_addresses', {}), false);
    assert.equal(enforcer.check(member, 'compute:create:forced_host', {}), false);
  });

  it('denies the owner rule when the target lacks project_id', () => {
    assert.equal(enforcer.check(member, 'compute:reboot', {}), false);
    assert.equal(enforcer.check(admin, 'compute:reboot', {}), true);
  });

  it("throws PolicyNotAuthorized (403) with Nova's message from enforce()", () => {
    assert.throws(
      () => enforcer.enforce(member, 'compute_extension:hosts', {}),
      (err: unknown) =>
        err instanceof PolicyNotAuthorized &&
        err.code === 403 &&
        err.message === "Policy doesn't allow compute_extension:hosts to be performed.",
    );
    assert.doesNotThrow(() => enforcer.enforce(admin, 'compute_extension:hosts', {}));
  });

  it('decides isAdmin from context_is_admin, comparing the role case-insensitively', () => {
    assert.equal(enforcer.isAdmin({ roles: ['Admin'], is_admin: false }), true);
    assert.equal(enforcer.isAdmin({ roles: ['member'], is_admin: false }), false);
    assert.equal(enforcer.isAdmin(new RequestContext({ userId: 'x', projectId: 'y', roles: ['ADMIN'] })), true);
  });

  it('picks up defaults registered after it was created', () => {
    registerPolicyDefaults({ 'test_enforcer:late_rule': 'role:late' });
    const lateUser = new RequestContext({ userId: 'u', projectId: 'p', roles: ['late'] });
    assert.equal(enforcer.check(lateUser, 'test_enforcer:late_rule', {}), true);
    assert.equal(enforcer.check(admin, 'test_enforcer:late_rule', {}), false);
  });

  it('refuses to register a different default for an existing rule', () => {
    assert.throws(() => registerPolicyDefaults({ admin_api: 'role:anyone' }), /registered twice/);
    assert.doesNotThrow(() => registerPolicyDefaults([['admin_api', 'is_admin:True']]));
  });
});

describe('PolicyEnforcer rule lookup', () => {
  it('denies an undefined action when the default rule is missing', () => {
    const { conf } = setup({ name: 'policy.json', text: '{}' }, '[DEFAULT]\npolicy_default_rule = no_such_rule\n');
    const enforcer = new PolicyEnforcer(conf);
    assert.equal(enforcer.check(admin, 'compute:reboot', { project_id: 'p0' }), false);
    assert.equal(enforcer.check(admin, 'compute_extension:hosts', {}), true);
  });

  it('uses policy_default_rule to name the fallback rule', () => {
    const { conf } = setup(
      { name: 'policy.json', text: '{"only_admins": "role:admin"}' },
      '[DEFAULT]\npolicy_default_rule = only_admins\n',
    );
    const enforcer = new PolicyEnforcer(conf);
    assert.equal(enforcer.check(member, 'compute:reboot', { project_id: 'p1' }), false);
    assert.equal(enforcer.check(admin, 'compute:reboot', { project_id: 'p1' }), true);
  });
});

describe('PolicyEnforcer policy file', () => {
  it('overrides defaults rule by rule from a JSON file beside nova.conf', () => {
    const { conf } = setup({
      name: 'policy.json',
      text: JSON.stringify({ 'compute_extension:hosts': '', 'compute:create': 'role:builder' }),
    });
    const enforcer = new PolicyEnforcer(conf);
    assert.equal(enforcer.check(member, 'compute_extension:hosts', {}), true);
    assert.equal(enforcer.check(member, 'compute:create', {}), false);
    assert.equal(enforcer.check(member, 'compute_extension:services', {}), false, 'rules not in the file keep their defaults');
  });

  it('reads a YAML file and the legacy list form in it', () => {
    const yaml = [
      "'compute_extension:hosts':",
      '  - ["role:operator"]',
      '  - ["role:admin"]',
      "'compute:create': 'role:builder or role:admin'",
      '',
    ].join('\n');
    const { conf } = setup({ name: 'policy.yaml', text: yaml }, '[DEFAULT]\npolicy_file = policy.yaml\n');
    const enforcer = new PolicyEnforcer(conf);
    const operator = new RequestContext({ userId: 'o', projectId: 'p', roles: ['operator'] });
    assert.equal(enforcer.check(operator, 'compute_extension:hosts', {}), true);
    assert.equal(enforcer.check(member, 'compute_extension:hosts', {}), false);
    assert.equal(enforcer.check(operator, 'compute:create', {}), false);
  });

  it('accepts an absolute policy_file path', () => {
    const other = tempDir();
    const path = join(other, 'custom.json');
    writeFileSync(path, '{"compute:create": "!"}');
    const { conf } = setup(undefined, `[DEFAULT]\npolicy_file = ${path}\n`);
    const enforcer = new PolicyEnforcer(conf);
    assert.equal(enforcer.policyPath, path);
    assert.equal(enforcer.check(admin, 'compute:create', {}), false);
  });

  it('is fine without a file when policy_file has its default name', () => {
    const { dir, conf } = setup();
    const enforcer = new PolicyEnforcer(conf);
    assert.equal(enforcer.policyPath, join(dir, 'policy.json'));
    assert.equal(enforcer.check(member, 'compute:create', {}), true);
  });

  it('fails at start when an explicitly configured file is missing', () => {
    const { conf } = setup(undefined, '[DEFAULT]\npolicy_file = missing-policy.json\n');
    assert.throws(() => new PolicyEnforcer(conf), ConfigNotFound);
  });

  it('fails at start when the file is not a mapping', () => {
    assert.throws(() => new PolicyEnforcer(setup({ name: 'policy.json', text: '["role:admin"]' }).conf), PolicyFileInvalid);
    assert.throws(() => new PolicyEnforcer(setup({ name: 'policy.json', text: '{not json' }).conf), PolicyFileInvalid);
  });

  it('reloads a changed file, looking at it at most once a second', () => {
    const { dir, conf } = setup({ name: 'policy.json', text: '{"compute:create": "!"}' });
    let clock = 10_000;
    const enforcer = new PolicyEnforcer(conf, { now: () => clock });
    assert.equal(enforcer.check(member, 'compute:create', {}), false);

    const path = join(dir, 'policy.json');
    writeFileSync(path, '{"compute:create": "role:member"}');
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    clock += 500;
    assert.equal(enforcer.check(member, 'compute:create', {}), false, 'not re-read within the same second');
    clock += 600;
    assert.equal(enforcer.check(member, 'compute:create', {}), true, 're-read after a second');
  });

  it('keeps the previous rules when a changed file no longer parses', () => {
    const { dir, conf } = setup({ name: 'policy.json', text: '{"compute:create": "!"}' });
    let clock = 0;
    const enforcer = new PolicyEnforcer(conf, { now: () => clock });
    const path = join(dir, 'policy.json');
    writeFileSync(path, '{"compute:create": ');
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    clock += 2000;
    assert.equal(enforcer.check(member, 'compute:create', {}), false);
  });

  it('picks up a default-named file that appears after start', () => {
    const { dir, conf } = setup();
    let clock = 0;
    const enforcer = new PolicyEnforcer(conf, { now: () => clock });
    assert.equal(enforcer.check(member, 'compute:create', {}), true);
    writeFileSync(join(dir, 'policy.json'), '{"compute:create": "!"}');
    clock += 1000;
    assert.equal(enforcer.check(member, 'compute:create', {}), false);
  });

  it('turns an unparsable rule in the file into a deny without affecting other rules', () => {
    const { conf } = setup({ name: 'policy.json', text: JSON.stringify({ 'compute:create': 'role:a or role:b and role:c' }) });
    const enforcer = new PolicyEnforcer(conf);
    const abc = new RequestContext({ userId: 'u', projectId: 'p', roles: ['a', 'b', 'c'] });
    assert.equal(enforcer.check(abc, 'compute:create', {}), false);
    assert.equal(enforcer.describeRules()['compute:create'], '!');
    assert.equal(enforcer.check(abc, 'compute:get_all', {}), true);
  });
});
