/**
 * Security groups through the whole cloud over HTTP: groups and rules (os-security-groups,
 * os-security-group-rules), a server's groups and the add/removeSecurityGroup actions,
 * default rules, quotas, Nova's validation errors, and the refresh casts reaching the
 * compute host's driver.
 */
import assert from 'node:assert/strict';
import type { ComputeManager } from '../../../src/compute/manager/index.js';
import type { VirtInstance } from '../../../src/virt/types.js';
import { forEachCloudBackend, type WholeCloud } from '../cloud-harness.js';

interface Rule {
  id: number;
  parent_group_id: number;
  ip_protocol: string | null;
  from_port: number | null;
  to_port: number | null;
  group: { name?: string; tenant_id?: string };
  ip_range: { cidr?: string };
}

interface Group {
  id: number;
  name: string;
  description: string;
  tenant_id: string;
  rules: Rule[];
}

type Fault = Record<string, { code: number; message: string }>;

/** Records the instances whose filters the compute host was asked to rebuild. */
function watchRefreshes(c: WholeCloud): string[] {
  const service = c.cloud.services.find((s) => s.binary === 'nova-compute');
  if (!service) throw new Error('the cloud runs no nova-compute');
  const driver = (service.manager as ComputeManager).driver;
  const seen: string[] = [];
  const original = driver.refreshInstanceSecurityRules.bind(driver);
  driver.refreshInstanceSecurityRules = async (instance: VirtInstance) => {
    seen.push(instance.uuid as string);
    return original(instance);
  };
  return seen;
}

/** Waits for a cast to arrive (casts are not awaited by the API). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`never happened: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

forEachCloudBackend('security groups over HTTP', async (t, c) => {
  const url = c.computeUrl;
  const post = <T>(path: string, body: unknown, token = c.demoToken) => c.call<T>('POST', `${url}${path}`, token, body);
  let web: Group | null = null;
  let db: Group | null = null;
  let serverId = '';

  await t.test('listing gives the project its default group', async () => {
    const listed = await c.call<{ security_groups: Group[] }>('GET', `${url}/os-security-groups`, c.demoToken);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.security_groups.map((g) => g.name),
      ['default'],
    );
    assert.deepEqual(Object.keys(listed.body.security_groups[0] as Group).sort(), ['description', 'id', 'name', 'rules', 'tenant_id']);
  });

  await t.test('default rules: admin only, duplicates 409, copied into a new default group', async () => {
    const body = { security_group_default_rule: { ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr: '10.0.0.0/24' } };
    assert.equal((await post('/os-security-group-default-rules', body)).status, 403);
    assert.equal((await c.call('GET', `${url}/os-security-group-default-rules`, c.demoToken)).status, 403);
    const created = await post<{ security_group_default_rule: Record<string, unknown> }>(
      '/os-security-group-default-rules',
      body,
      c.adminToken,
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const rule = created.body.security_group_default_rule;
    assert.deepEqual({ ...rule, id: 0 }, { id: 0, ip_protocol: 'tcp', from_port: 22, to_port: 22, ip_range: { cidr: '10.0.0.0/24' } });
    assert.equal((await post('/os-security-group-default-rules', body, c.adminToken)).status, 409);
    const bad = { security_group_default_rule: { ip_protocol: 'tcp', from_port: 5, to_port: 1, cidr: '10.0.0.0/24' } };
    assert.equal((await post('/os-security-group-default-rules', bad, c.adminToken)).status, 400);
    const listed = await c.call<{ security_group_default_rules: unknown[] }>('GET', `${url}/os-security-group-default-rules`, c.adminToken);
    assert.deepEqual(listed.body.security_group_default_rules, [rule]);
    assert.equal((await c.call('GET', `${url}/os-security-group-default-rules/${rule.id}`, c.adminToken)).status, 200);
    assert.equal((await c.call('GET', `${url}/os-security-group-default-rules/abc`, c.adminToken)).status, 400);
    // The admin project's default group does not exist yet: listing makes it, with the rule in it.
    const adminGroups = await c.call<{ security_groups: Group[] }>('GET', `${url}/os-security-groups`, c.adminToken);
    const adminDefault = adminGroups.body.security_groups.find((g) => g.name === 'default') as Group;
    assert.deepEqual(
      adminDefault.rules.map((r) => [r.ip_protocol, r.from_port, r.to_port, r.ip_range.cidr]),
      [['tcp', 22, 22, '10.0.0.0/24']],
    );
    assert.equal((await c.call('DELETE', `${url}/os-security-group-default-rules/${rule.id}`, c.adminToken)).status, 204);
    assert.equal((await c.call('DELETE', `${url}/os-security-group-default-rules/${rule.id}`, c.adminToken)).status, 404);
  });

  await t.test('a group is created, shown, renamed; Nova refuses bad and duplicate names with 400', async () => {
    const created = await post<{ security_group: Group }>('/os-security-groups', {
      security_group: { name: 'web', description: 'web tier' },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    web = created.body.security_group;
    assert.equal(web.tenant_id, c.cloud.bootstrap.demo.projectId);
    assert.deepEqual(web.rules, []);
    const dup = await post<Fault>('/os-security-groups', { security_group: { name: 'web', description: 'again' } });
    assert.equal(dup.status, 400);
    assert.match(dup.body.badRequest?.message ?? '', /Security group web already exists/);
    for (const bad of [
      { name: ' ', description: 'd' },
      { name: 'x'.repeat(256), description: 'd' },
      { name: 'n' },
      { name: 5, description: 'd' },
    ]) {
      const refused = await post<Fault>('/os-security-groups', { security_group: bad });
      assert.equal(refused.status, 400, JSON.stringify(bad));
    }
    const shown = await c.call<{ security_group: Group }>('GET', `${url}/os-security-groups/${web.id}`, c.demoToken);
    assert.deepEqual(shown.body.security_group, web);
    const renamed = await c.call<{ security_group: Group }>('PUT', `${url}/os-security-groups/${web.id}`, c.demoToken, {
      security_group: { name: 'web', description: 'front end' },
    });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.security_group.description, 'front end');
    const made = await post<{ security_group: Group }>('/os-security-groups', { security_group: { name: 'db', description: 'data' } });
    db = made.body.security_group;
  });

  await t.test('ids must be integers (400), unknown and foreign groups are 404', async () => {
    assert.equal((await c.call('GET', `${url}/os-security-groups/abc`, c.demoToken)).status, 400);
    assert.equal((await c.call('GET', `${url}/os-security-groups/999999`, c.demoToken)).status, 404);
    const admins = await post<{ security_group: Group }>(
      '/os-security-groups',
      { security_group: { name: 'ops', description: 'o' } },
      c.adminToken,
    );
    assert.equal(admins.status, 200);
    assert.equal((await c.call('GET', `${url}/os-security-groups/${admins.body.security_group.id}`, c.demoToken)).status, 404);
    assert.equal((await c.call('DELETE', `${url}/os-security-groups/${admins.body.security_group.id}`, c.demoToken)).status, 404);
  });

  await t.test('rules: CIDR with a port range, ICMP type/code, a source group; the views say which', async () => {
    const w = web as Group;
    const ssh = await post<{ security_group_rule: Rule }>('/os-security-group-rules', {
      security_group_rule: { parent_group_id: w.id, ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr: '10.0.0.0/8' },
    });
    assert.equal(ssh.status, 200, JSON.stringify(ssh.body));
    assert.deepEqual(
      { ...ssh.body.security_group_rule, id: 0 },
      {
        id: 0,
        parent_group_id: w.id,
        ip_protocol: 'tcp',
        from_port: 22,
        to_port: 22,
        group: {},
        ip_range: { cidr: '10.0.0.0/8' },
      },
    );
    const ping = await post<{ security_group_rule: Rule }>('/os-security-group-rules', {
      security_group_rule: { parent_group_id: String(w.id), ip_protocol: 'icmp', from_port: '-1', to_port: '-1' },
    });
    assert.equal(ping.status, 200, JSON.stringify(ping.body));
    assert.deepEqual(ping.body.security_group_rule.ip_range, { cidr: '0.0.0.0/0' });
    const fromDb = await post<{ security_group_rule: Rule }>('/os-security-group-rules', {
      security_group_rule: { parent_group_id: w.id, ip_protocol: 'tcp', from_port: 80, to_port: 443, group_id: (db as Group).id },
    });
    assert.equal(fromDb.status, 200, JSON.stringify(fromDb.body));
    assert.deepEqual(fromDb.body.security_group_rule.group, { name: 'db', tenant_id: c.cloud.bootstrap.demo.projectId });
    assert.deepEqual(fromDb.body.security_group_rule.ip_range, {});
    const shown = await c.call<{ security_group: Group }>('GET', `${url}/os-security-groups/${w.id}`, c.demoToken);
    assert.equal(shown.body.security_group.rules.length, 3);
  });

  await t.test('bad rules are refused with 400, unknown groups with 404, and nothing is created', async () => {
    const w = web as Group;
    const rule = (extra: Record<string, unknown>) => ({
      security_group_rule: { parent_group_id: w.id, ip_protocol: 'tcp', from_port: 1000, to_port: 2000, cidr: '192.0.2.0/24', ...extra },
    });
    const refusals: [Record<string, unknown>, number, RegExp][] = [
      [{ from_port: 22, to_port: 22, cidr: '10.0.0.0/8' }, 400, /already exists/],
      [{ cidr: '10.0.0.0/33' }, 400, /not a valid IP network/],
      [{ cidr: 'banana' }, 400, /not a valid IP network/],
      [{ cidr: '10.1.2.3/0' }, 400, /not a valid IP network/],
      [{ from_port: 3000, to_port: 2000 }, 400, /Former value cannot be greater/],
      [{ from_port: 0, to_port: 10 }, 400, /between 1-65535/],
      [{ to_port: 70000 }, 400, /between 1-65535/],
      [{ from_port: 'x' }, 400, /must be integers/],
      [{ ip_protocol: 'gre' }, 400, /Invalid IP protocol/],
      [{ ip_protocol: 'icmp', from_port: 256, to_port: 0 }, 400, /type:code must be valid/],
      [{ ip_protocol: null, from_port: null, to_port: null }, 400, /Not enough parameters/],
      [{ parent_group_id: 'abc' }, 400, /integer/],
      [{ parent_group_id: 999999 }, 404, /not found/],
      [{ group_id: 999999, cidr: undefined }, 404, /not found/],
    ];
    for (const [extra, status, message] of refusals) {
      const refused = await post<Fault>('/os-security-group-rules', rule(extra));
      assert.equal(refused.status, status, `${JSON.stringify(extra)}: ${JSON.stringify(refused.body)}`);
      assert.match(Object.values(refused.body)[0]?.message ?? '', message, JSON.stringify(extra));
    }
    const shown = await c.call<{ security_group: Group }>('GET', `${url}/os-security-groups/${w.id}`, c.demoToken);
    assert.equal(shown.body.security_group.rules.length, 3, 'no refused rule was stored');
  });

  await t.test("a server starts in the default group; addSecurityGroup joins it to another and refreshes the host's filter", async () => {
    const refreshed = watchRefreshes(c);
    const posted = await post<{ server: { id: string } }>('/servers', { server: { name: 'sg-1', imageRef: c.imageId, flavorRef: '1' } });
    assert.equal(posted.status, 202);
    serverId = posted.body.server.id;
    const built = await c.notification(serverId, ['compute.instance.create.end', 'compute.instance.create.error']);
    assert.equal(built.event_type, 'compute.instance.create.end');
    const before = await c.call<{ security_groups: Group[] }>('GET', `${url}/servers/${serverId}/os-security-groups`, c.demoToken);
    assert.deepEqual(
      before.body.security_groups.map((g) => g.name),
      ['default'],
    );
    const added = await post(`/servers/${serverId}/action`, { addSecurityGroup: { name: 'db' } });
    assert.equal(added.status, 202, JSON.stringify(added.body));
    const after = await c.call<{ security_groups: Group[] }>('GET', `${url}/servers/${serverId}/os-security-groups`, c.demoToken);
    assert.deepEqual(after.body.security_groups.map((g) => g.name).sort(), ['db', 'default']);
    const again = await post<Fault>(`/servers/${serverId}/action`, { addSecurityGroup: { name: 'db' } });
    assert.equal(again.status, 400);
    assert.equal((await post(`/servers/${serverId}/action`, { addSecurityGroup: { name: 'nope' } })).status, 404);
    assert.equal((await post(`/servers/${serverId}/action`, { addSecurityGroup: { name: '' } })).status, 400);
    assert.equal((await post(`/servers/${serverId}/action`, { removeSecurityGroup: { name: 'web' } })).status, 400);
    // A rule of a group the server is in changes: its host rebuilds its filter.
    refreshed.length = 0;
    const rule = await post('/os-security-group-rules', {
      security_group_rule: { parent_group_id: (db as Group).id, ip_protocol: 'udp', from_port: 53, to_port: 53, cidr: '0.0.0.0/0' },
    });
    assert.equal(rule.status, 200);
    await eventually(() => refreshed.includes(serverId), 'refresh_instance_security_rules on the server host');
  });

  await t.test('groups in use and the default group cannot be deleted (400); removed, a group can', async () => {
    const d = db as Group;
    const inUse = await c.call<Fault>('DELETE', `${url}/os-security-groups/${d.id}`, c.demoToken);
    assert.equal(inUse.status, 400);
    assert.match(inUse.body.badRequest?.message ?? '', /still in use/);
    const groups = await c.call<{ security_groups: Group[] }>('GET', `${url}/os-security-groups`, c.demoToken);
    const dflt = groups.body.security_groups.find((g) => g.name === 'default') as Group;
    const system = await c.call<Fault>('DELETE', `${url}/os-security-groups/${dflt.id}`, c.demoToken);
    assert.equal(system.status, 400);
    assert.match(system.body.badRequest?.message ?? '', /Unable to delete system group 'default'/);
    const removed = await post(`/servers/${serverId}/action`, { removeSecurityGroup: { name: 'db' } });
    assert.equal(removed.status, 202);
    assert.equal((await c.call('DELETE', `${url}/os-security-groups/${d.id}`, c.demoToken)).status, 202);
    const shown = await c.call<{ security_group: Group }>('GET', `${url}/os-security-groups/${(web as Group).id}`, c.demoToken);
    assert.ok(
      shown.body.security_group.rules.every((r) => r.group.name !== 'db'),
      'rules that named the deleted group as source went with it',
    );
  });

  await t.test('a rule is deleted once (202, then 404)', async () => {
    const shown = await c.call<{ security_group: Group }>('GET', `${url}/os-security-groups/${(web as Group).id}`, c.demoToken);
    const ruleId = (shown.body.security_group.rules[0] as Rule).id;
    assert.equal((await c.call('DELETE', `${url}/os-security-group-rules/${ruleId}`, c.demoToken)).status, 202);
    assert.equal((await c.call('DELETE', `${url}/os-security-group-rules/${ruleId}`, c.demoToken)).status, 404);
    assert.equal((await c.call('DELETE', `${url}/os-security-group-rules/x`, c.demoToken)).status, 400);
  });

  await t.test('a new member of a source group gets its peers refreshed when it receives its address', async () => {
    const groups = await c.call<{ security_groups: Group[] }>('GET', `${url}/os-security-groups`, c.demoToken);
    const dflt = groups.body.security_groups.find((g) => g.name === 'default') as Group;
    const sameGroup = await post('/os-security-group-rules', {
      security_group_rule: { parent_group_id: dflt.id, ip_protocol: 'tcp', from_port: 1, to_port: 65535, group_id: dflt.id },
    });
    assert.equal(sameGroup.status, 200, JSON.stringify(sameGroup.body));
    const refreshed = watchRefreshes(c);
    const posted = await post<{ server: { id: string } }>('/servers', { server: { name: 'sg-2', imageRef: c.imageId, flavorRef: '1' } });
    assert.equal(posted.status, 202);
    const built = await c.notification(posted.body.server.id, ['compute.instance.create.end', 'compute.instance.create.error']);
    assert.equal(built.event_type, 'compute.instance.create.end');
    await eventually(() => refreshed.includes(serverId), 'the first server refreshed for its new peer');
  });

  await t.test('security_groups and security_group_rules quotas answer 403', async () => {
    const projectId = c.cloud.bootstrap.demo.projectId;
    const set = await c.call('PUT', `${url}/os-quota-sets/${projectId}`, c.adminToken, {
      quota_set: { security_groups: 2, security_group_rules: 1 },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const over = await post<Fault>('/os-security-groups', { security_group: { name: 'third', description: 'x' } });
    assert.equal(over.status, 403, JSON.stringify(over.body));
    const w = web as Group;
    const shown = await c.call<{ security_group: Group }>('GET', `${url}/os-security-groups/${w.id}`, c.demoToken);
    assert.ok(shown.body.security_group.rules.length >= 1);
    const overRules = await post<Fault>('/os-security-group-rules', {
      security_group_rule: { parent_group_id: w.id, ip_protocol: 'tcp', from_port: 8080, to_port: 8080, cidr: '0.0.0.0/0' },
    });
    assert.equal(overRules.status, 403, JSON.stringify(overRules.body));
  });
});
