/**
 * os-server-groups over HTTP against a cloud with two fake compute hosts
 * (`embedded_compute_hosts`): the API, its quotas, and the scheduler keeping members of an
 * anti-affinity group apart and those of an affinity group together.
 */
import assert from 'node:assert/strict';
import { instanceGetByUuid } from '../../../src/db/api/instances.js';
import { DEFAULT_FILTERS } from '../../../src/scheduler/opts.js';
import { forEachCloudBackend, type WholeCloud } from '../cloud-harness.js';

interface Group {
  id: string;
  name: string;
  policies: string[];
  members: string[];
  metadata: Record<string, string>;
}

async function createGroup(c: WholeCloud, token: string, name: string, policies: unknown) {
  return c.call<{ server_group: Group }>('POST', `${c.computeUrl}/os-server-groups`, token, { server_group: { name, policies } });
}

async function bootInGroup(c: WholeCloud, name: string, group: string): Promise<{ status: number; id: string; body: unknown }> {
  const posted = await c.call<{ server: { id: string } }>('POST', `${c.computeUrl}/servers`, c.demoToken, {
    server: { name, imageRef: c.imageId, flavorRef: '1' },
    'os:scheduler_hints': { group },
  });
  return { status: posted.status, id: posted.body?.server?.id ?? '', body: posted.body };
}

async function activeHost(c: WholeCloud, id: string): Promise<string> {
  const built = await c.notification(id, ['compute.instance.create.end', 'compute.instance.create.error']);
  assert.equal(built.event_type, 'compute.instance.create.end', JSON.stringify(built.payload));
  return (await instanceGetByUuid(c.db, null, id)).host as string;
}

forEachCloudBackend(
  'os-server-groups',
  async (t, c) => {
    let anti = '';

    await t.test('two compute services run, one per configured host', async () => {
      const hosts = c.cloud.services.filter((s) => s.binary === 'nova-compute').map((s) => s.host);
      assert.equal(hosts.length, 2);
      assert.ok(hosts.includes('compute2'));
    });

    await t.test('POST creates a group with Nova’s keys; GET lists and shows it', async () => {
      const created = await createGroup(c, c.demoToken, 'web', ['anti-affinity']);
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const g = created.body.server_group;
      assert.deepEqual(Object.keys(g).sort(), ['id', 'members', 'metadata', 'name', 'policies']);
      assert.deepEqual([g.name, g.policies, g.members, g.metadata], ['web', ['anti-affinity'], [], {}]);
      anti = g.id;
      const listed = await c.call<{ server_groups: Group[] }>('GET', `${c.computeUrl}/os-server-groups`, c.demoToken);
      assert.equal(listed.status, 200);
      assert.deepEqual(
        listed.body.server_groups.map((x) => x.id),
        [anti],
      );
      const shown = await c.call<{ server_group: Group }>('GET', `${c.computeUrl}/os-server-groups/${anti}`, c.demoToken);
      assert.equal(shown.status, 200);
      assert.equal(shown.body.server_group.name, 'web');
    });

    await t.test('an unknown policy, two policies, a missing name or extra keys are 400 and create nothing', async () => {
      for (const body of [
        { server_group: { name: 'x', policies: ['packed'] } },
        { server_group: { name: 'x', policies: ['affinity', 'anti-affinity'] } },
        { server_group: { name: 'x', policies: [] } },
        { server_group: { policies: ['affinity'] } },
        { server_group: { name: 'x', policies: ['affinity'], extra: 1 } },
      ]) {
        const r = await c.call<{ badRequest?: unknown }>('POST', `${c.computeUrl}/os-server-groups`, c.demoToken, body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.ok(r.body.badRequest);
      }
      const listed = await c.call<{ server_groups: Group[] }>('GET', `${c.computeUrl}/os-server-groups`, c.demoToken);
      assert.equal(listed.body.server_groups.length, 1);
    });

    await t.test('another project’s group is 404 to show and delete; an admin lists every project’s with all_projects', async () => {
      const adminGroup = await createGroup(c, c.adminToken, 'ops', ['affinity']);
      assert.equal(adminGroup.status, 200);
      const id = adminGroup.body.server_group.id;
      assert.equal((await c.call('GET', `${c.computeUrl}/os-server-groups/${id}`, c.demoToken)).status, 404);
      assert.equal((await c.call('DELETE', `${c.computeUrl}/os-server-groups/${id}`, c.demoToken)).status, 404);
      const all = await c.call<{ server_groups: Group[] }>('GET', `${c.computeUrl}/os-server-groups?all_projects=True`, c.adminToken);
      assert.deepEqual(all.body.server_groups.map((g) => g.name).sort(), ['ops', 'web']);
      const own = await c.call<{ server_groups: Group[] }>('GET', `${c.computeUrl}/os-server-groups?all_projects=True`, c.demoToken);
      assert.deepEqual(
        own.body.server_groups.map((g) => g.name),
        ['web'],
      );
      assert.equal((await c.call('DELETE', `${c.computeUrl}/os-server-groups/${id}`, c.adminToken)).status, 204);
    });

    await t.test('two servers of an anti-affinity group land on different hosts and are its members', async () => {
      const a = await bootInGroup(c, 'anti-1', anti);
      assert.equal(a.status, 202, JSON.stringify(a.body));
      const hostA = await activeHost(c, a.id);
      const b = await bootInGroup(c, 'anti-2', anti);
      assert.equal(b.status, 202, JSON.stringify(b.body));
      const hostB = await activeHost(c, b.id);
      assert.notEqual(hostA, hostB);
      const shown = await c.call<{ server_group: Group }>('GET', `${c.computeUrl}/os-server-groups/${anti}`, c.demoToken);
      assert.deepEqual(shown.body.server_group.members.sort(), [a.id, b.id].sort());
    });

    await t.test('a third member finds no host left: the server goes to ERROR', async () => {
      const third = await bootInGroup(c, 'anti-3', anti);
      assert.equal(third.status, 202);
      // The scheduler's update notification is sent once the instance is in ERROR.
      const update = await c.notification(third.id, ['compute.instance.update']);
      assert.equal(update.payload.state, 'error');
      const row = await instanceGetByUuid(c.db, null, third.id);
      assert.equal(row.vm_state, 'error');
      assert.equal(row.host, null);
      assert.equal((await c.call('DELETE', `${c.computeUrl}/servers/${third.id}`, c.demoToken)).status, 204);
    });

    await t.test('servers of an affinity group share a host', async () => {
      const created = await createGroup(c, c.demoToken, 'db', ['affinity']);
      const group = created.body.server_group.id;
      const hosts = [];
      for (const name of ['aff-1', 'aff-2']) {
        const s = await bootInGroup(c, name, group);
        assert.equal(s.status, 202, JSON.stringify(s.body));
        hosts.push(await activeHost(c, s.id));
      }
      assert.equal(hosts[0], hosts[1]);
    });

    await t.test('quota server_group_members refuses a server beyond it with 403; server_groups refuses a group beyond it', async () => {
      const projectId = (await instanceGetByUuid(c.db, null, (await bootInGroup(c, 'probe', 'no-such-group')).id)).project_id;
      const set = await c.call('PUT', `${c.computeUrl}/os-quota-sets/${projectId}`, c.adminToken, {
        quota_set: { server_group_members: 2, server_groups: 2 },
      });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      const refused = await bootInGroup(c, 'over', anti);
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      assert.match(JSON.stringify(refused.body), /too many servers in group/);
      const group = await createGroup(c, c.demoToken, 'third', ['affinity']);
      assert.equal(group.status, 403, JSON.stringify(group.body));
      assert.match(JSON.stringify(group.body), /too many server groups/);
    });

    await t.test('the different_host and same_host hints place a server away from, or beside, the one they name', async () => {
      const first = await bootInGroup(c, 'hint-base', 'free-form-hint-1');
      const base = await activeHost(c, first.id);
      for (const [hint, expectSame] of [
        ['different_host', false],
        ['same_host', true],
      ] as const) {
        const posted = await c.call<{ server: { id: string } }>('POST', `${c.computeUrl}/servers`, c.demoToken, {
          server: { name: `hint-${hint}`, imageRef: c.imageId, flavorRef: '1' },
          'os:scheduler_hints': { [hint]: [first.id] },
        });
        assert.equal(posted.status, 202, JSON.stringify(posted.body));
        const host = await activeHost(c, posted.body.server.id);
        assert.equal(host === base, expectSame, `${hint}: ${host} vs ${base}`);
      }
    });

    await t.test('DELETE removes the group: 204, then 404', async () => {
      assert.equal((await c.call('DELETE', `${c.computeUrl}/os-server-groups/${anti}`, c.demoToken)).status, 204);
      assert.equal((await c.call('GET', `${c.computeUrl}/os-server-groups/${anti}`, c.demoToken)).status, 404);
      assert.equal((await c.call('DELETE', `${c.computeUrl}/os-server-groups/${anti}`, c.demoToken)).status, 404);
    });
  },
  {
    DEFAULT: {
      embedded_compute_hosts: ['compute2'],
      notify_on_state_change: 'vm_state',
      scheduler_default_filters: [...DEFAULT_FILTERS, 'DifferentHostFilter', 'SameHostFilter'],
    },
  },
);
