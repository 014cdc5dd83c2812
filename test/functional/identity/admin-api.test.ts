import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, call, DEMO_PASSWORD, type Harness, passwordAuth, startHarness, tokenFor } from './harness.js';

describe('identity admin API as Tempest dynamic credentials use it', () => {
  let h: Harness;
  let admin: string;
  before(async () => {
    h = await startHarness();
    admin = await tokenFor(h, 'admin', ADMIN_PASSWORD, 'admin');
  });
  after(async () => {
    await h.stop();
  });

  test('creates a project and user, grants member, authenticates as the user, then cleans up', async () => {
    const project = await call(h, 'POST', '/v3/projects', {
      token: admin,
      body: { project: { name: 'tempest-p1', description: 'tempest', domain_id: 'default' } },
    });
    assert.equal(project.status, 201);
    assert.equal(project.body.project.domain_id, 'default');
    assert.equal(project.body.project.enabled, true);
    assert.equal(project.body.project.is_domain, false);
    const pid = project.body.project.id;

    const dup = await call(h, 'POST', '/v3/projects', { token: admin, body: { project: { name: 'tempest-p1', domain_id: 'default' } } });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.title, 'Conflict');

    const user = await call(h, 'POST', '/v3/users', {
      token: admin,
      body: { user: { name: 'tempest-u1', password: 'pw-u1', project_id: pid, email: 'u1@example.com', domain_id: 'default' } },
    });
    assert.equal(user.status, 201);
    assert.equal(user.body.user.email, 'u1@example.com');
    assert.equal(user.body.user.password, undefined);
    assert.equal(JSON.stringify(user.body).includes('pw-u1'), false);
    const uid = user.body.user.id;

    const roles = await call(h, 'GET', '/v3/roles', { token: admin });
    assert.equal(roles.status, 200);
    const names = roles.body.roles.map((r: { name: string }) => r.name);
    for (const n of ['admin', 'member', 'reader']) assert.ok(names.includes(n));
    const member = roles.body.roles.find((r: { name: string }) => r.name === 'member').id;

    assert.equal((await call(h, 'PUT', `/v3/projects/${pid}/users/${uid}/roles/${member}`, { token: admin })).status, 204);
    assert.equal((await call(h, 'HEAD', `/v3/projects/${pid}/users/${uid}/roles/${member}`, { token: admin })).status, 204);
    const listed = await call(h, 'GET', `/v3/projects/${pid}/users/${uid}/roles`, { token: admin });
    assert.deepEqual(
      listed.body.roles.map((r: { name: string }) => r.name),
      ['member'],
    );

    const assignments = await call(h, 'GET', `/v3/role_assignments?user.id=${uid}&scope.project.id=${pid}&include_names`, { token: admin });
    assert.equal(assignments.status, 200);
    assert.equal(assignments.body.role_assignments.length, 1);
    const a = assignments.body.role_assignments[0];
    assert.deepEqual(a.role, { id: member, name: 'member' });
    assert.equal(a.user.name, 'tempest-u1');
    assert.deepEqual(a.user.domain, { id: 'default', name: 'Default' });
    assert.equal(a.scope.project.name, 'tempest-p1');

    const byRole = await call(h, 'GET', `/v3/role_assignments?role.id=${member}`, { token: admin });
    assert.ok(byRole.body.role_assignments.length >= 2);
    assert.ok(byRole.body.role_assignments.every((x: { role: { id: string } }) => x.role.id === member));

    const userToken = await tokenFor(h, 'tempest-u1', 'pw-u1', 'tempest-p1');
    const mine = await call(h, 'GET', `/v3/users/${uid}/projects`, { token: userToken });
    assert.equal(mine.status, 200);
    assert.deepEqual(
      mine.body.projects.map((p: { id: string }) => p.id),
      [pid],
    );
    const self = await call(h, 'GET', `/v3/users/${uid}`, { token: userToken });
    assert.equal(self.status, 200);
    const ownProject = await call(h, 'GET', `/v3/projects/${pid}`, { token: userToken });
    assert.equal(ownProject.status, 200);

    const filtered = await call(h, 'GET', '/v3/users?name=tempest-u1&domain_id=default', { token: admin });
    assert.deepEqual(
      filtered.body.users.map((u: { id: string }) => u.id),
      [uid],
    );
    const projects = await call(h, 'GET', '/v3/projects?name=tempest-p1', { token: admin });
    assert.deepEqual(
      projects.body.projects.map((p: { id: string }) => p.id),
      [pid],
    );

    assert.equal((await call(h, 'DELETE', `/v3/projects/${pid}/users/${uid}/roles/${member}`, { token: admin })).status, 204);
    assert.equal((await call(h, 'HEAD', `/v3/projects/${pid}/users/${uid}/roles/${member}`, { token: admin })).status, 404);
    // Without a role on its project the user's token is no longer valid.
    assert.equal((await call(h, 'GET', '/v3/auth/projects', { token: userToken })).status, 401);

    assert.equal((await call(h, 'DELETE', `/v3/users/${uid}`, { token: admin })).status, 204);
    assert.equal((await call(h, 'DELETE', `/v3/projects/${pid}`, { token: admin })).status, 204);
    assert.equal((await call(h, 'GET', `/v3/users/${uid}`, { token: admin })).status, 404);
    const gone = await call(h, 'GET', `/v3/projects/${pid}`, { token: admin });
    assert.equal(gone.status, 404);
    assert.match(gone.body.error.message, /Could not find project/);
  });

  test('a member calling an admin API gets 403', async () => {
    const demo = await tokenFor(h, 'demo', DEMO_PASSWORD, 'demo');
    for (const [method, path, body] of [
      ['GET', '/v3/projects', undefined],
      ['GET', '/v3/users', undefined],
      ['POST', '/v3/projects', { project: { name: 'nope' } }],
      ['POST', '/v3/roles', { role: { name: 'nope' } }],
      ['GET', '/v3/role_assignments', undefined],
      ['GET', `/v3/users/${h.accounts.admin.userId}`, undefined],
      ['GET', `/v3/projects/${h.accounts.admin.projectId}`, undefined],
    ] as const) {
      const r = await call(h, method, path, { token: demo, ...(body ? { body } : {}) });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.body.error.title, 'Forbidden');
    }
  });

  test('updates users and projects with PATCH; disabling a user ends their sessions', async () => {
    const user = await call(h, 'POST', '/v3/users', { token: admin, body: { user: { name: 'patchme', password: 'p1' } } });
    const uid = user.body.user.id;
    await call(
      h,
      'PUT',
      `/v3/projects/${h.accounts.demo.projectId}/users/${uid}/roles/${(await call(h, 'GET', '/v3/roles?name=member', { token: admin })).body.roles[0].id}`,
      {
        token: admin,
      },
    );
    const session = await tokenFor(h, 'patchme', 'p1', 'demo');
    const patched = await call(h, 'PATCH', `/v3/users/${uid}`, {
      token: admin,
      body: { user: { description: 'changed', enabled: false } },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.user.enabled, false);
    assert.equal(patched.body.user.description, 'changed');
    assert.equal((await call(h, 'GET', '/v3/auth/projects', { token: session })).status, 401);
    const login = await call(h, 'POST', '/v3/auth/tokens', {
      body: passwordAuth({ id: uid }, 'p1', { project: { name: 'demo', domain: { id: 'default' } } }),
    });
    assert.equal(login.status, 401);

    const project = await call(h, 'PATCH', `/v3/projects/${h.accounts.demo.projectId}`, {
      token: admin,
      body: { project: { description: 'demo things' } },
    });
    assert.equal(project.status, 200);
    assert.equal(project.body.project.description, 'demo things');
  });

  test('a user changes their own password with the original one', async () => {
    const user = await call(h, 'POST', '/v3/users', {
      token: admin,
      body: { user: { name: 'pwchange', password: 'old', default_project_id: h.accounts.demo.projectId } },
    });
    const uid = user.body.user.id;
    const member = (await call(h, 'GET', '/v3/roles?name=member', { token: admin })).body.roles[0].id;
    await call(h, 'PUT', `/v3/projects/${h.accounts.demo.projectId}/users/${uid}/roles/${member}`, { token: admin });
    const token = await tokenFor(h, 'pwchange', 'old', 'demo');
    const wrong = await call(h, 'POST', `/v3/users/${uid}/password`, {
      token,
      body: { user: { original_password: 'nope', password: 'new' } },
    });
    assert.equal(wrong.status, 401);
    const ok = await call(h, 'POST', `/v3/users/${uid}/password`, { token, body: { user: { original_password: 'old', password: 'new' } } });
    assert.equal(ok.status, 204);
    assert.equal((await call(h, 'POST', '/v3/auth/tokens', { body: passwordAuth({ id: uid }, 'old') })).status, 401);
    assert.equal((await call(h, 'POST', '/v3/auth/tokens', { body: passwordAuth({ id: uid }, 'new') })).status, 201);
  });

  test('role CRUD: create, rename, refuse a duplicate name, delete', async () => {
    const created = await call(h, 'POST', '/v3/roles', { token: admin, body: { role: { name: 'operator' } } });
    assert.equal(created.status, 201);
    const id = created.body.role.id;
    assert.equal((await call(h, 'POST', '/v3/roles', { token: admin, body: { role: { name: 'operator' } } })).status, 409);
    const renamed = await call(h, 'PATCH', `/v3/roles/${id}`, { token: admin, body: { role: { name: 'operator2' } } });
    assert.equal(renamed.body.role.name, 'operator2');
    assert.equal((await call(h, 'DELETE', `/v3/roles/${id}`, { token: admin })).status, 204);
    assert.equal((await call(h, 'GET', `/v3/roles/${id}`, { token: admin })).status, 404);
  });

  test('domains: the default domain exists and an enabled domain cannot be deleted', async () => {
    const def = await call(h, 'GET', '/v3/domains/default', { token: admin });
    assert.equal(def.body.domain.name, 'Default');
    const d = await call(h, 'POST', '/v3/domains', { token: admin, body: { domain: { name: 'other' } } });
    assert.equal(d.status, 201);
    assert.equal((await call(h, 'DELETE', `/v3/domains/${d.body.domain.id}`, { token: admin })).status, 403);
    await call(h, 'PATCH', `/v3/domains/${d.body.domain.id}`, { token: admin, body: { domain: { enabled: false } } });
    assert.equal((await call(h, 'DELETE', `/v3/domains/${d.body.domain.id}`, { token: admin })).status, 204);
  });

  test('services, endpoints and regions list the configured catalog', async () => {
    const services = await call(h, 'GET', '/v3/services', { token: admin });
    assert.deepEqual(services.body.services.map((s: { type: string }) => s.type).sort(), ['compute', 'identity', 'image']);
    const compute = services.body.services.find((s: { type: string }) => s.type === 'compute');
    const endpoints = await call(h, 'GET', `/v3/endpoints?service_id=${compute.id}&interface=public`, { token: admin });
    assert.equal(endpoints.body.endpoints.length, 1);
    assert.equal(endpoints.body.endpoints[0].url, 'http://cloud.test:8774/v2.1');
    const demo = await tokenFor(h, 'demo', DEMO_PASSWORD, 'demo');
    const regions = await call(h, 'GET', '/v3/regions', { token: demo });
    assert.deepEqual(
      regions.body.regions.map((r: { id: string }) => r.id),
      ['RegionOne'],
    );
    const catalog = await call(h, 'GET', '/v3/auth/catalog', { token: demo });
    assert.equal(catalog.status, 200);
    assert.equal(catalog.body.catalog.length, 3);
  });

  test('an unknown path answers 404 in the Keystone error shape', async () => {
    const r = await call(h, 'GET', '/v3/nothing-here', { token: admin });
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 404);
  });
});

describe('identity EC2 credentials', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  test('a user creates, lists, reads and deletes their own OS-EC2 key pairs', async () => {
    const demo = await tokenFor(h, 'demo', DEMO_PASSWORD, 'demo');
    const uid = h.accounts.demo.userId;
    const created = await call(h, 'POST', `/v3/users/${uid}/credentials/OS-EC2`, {
      token: demo,
      body: { tenant_id: h.accounts.demo.projectId },
    });
    assert.equal(created.status, 201);
    const c = created.body.credential;
    assert.equal(c.user_id, uid);
    assert.equal(c.tenant_id, h.accounts.demo.projectId);
    assert.match(c.access, /^[0-9a-f]{32}$/);
    assert.match(c.secret, /^[0-9a-f]{32}$/);

    const list = await call(h, 'GET', `/v3/users/${uid}/credentials/OS-EC2`, { token: demo });
    assert.deepEqual(
      list.body.credentials.map((x: { access: string }) => x.access),
      [c.access],
    );
    const one = await call(h, 'GET', `/v3/users/${uid}/credentials/OS-EC2/${c.access}`, { token: demo });
    assert.equal(one.body.credential.secret, c.secret);

    const found = await h.running.service.findEc2Credential(c.access);
    assert.equal(found?.secret, c.secret);
    assert.equal(found?.projectId, h.accounts.demo.projectId);

    const generic = await call(h, 'GET', '/v3/credentials?type=ec2', { token: demo });
    assert.equal(generic.body.credentials.length, 1);
    assert.equal(generic.body.credentials[0].type, 'ec2');
    assert.deepEqual(JSON.parse(generic.body.credentials[0].blob).access, c.access);

    const other = await call(h, 'GET', `/v3/users/${h.accounts.admin.userId}/credentials/OS-EC2`, { token: demo });
    assert.equal(other.status, 403);

    assert.equal((await call(h, 'DELETE', `/v3/users/${uid}/credentials/OS-EC2/${c.access}`, { token: demo })).status, 204);
    assert.equal((await call(h, 'GET', `/v3/users/${uid}/credentials/OS-EC2/${c.access}`, { token: demo })).status, 404);
    assert.equal(await h.running.service.findEc2Credential(c.access), undefined);
  });

  test('/v3/credentials of type ec2: the id is derived from the access key; a project is required', async () => {
    const admin = await tokenFor(h, 'admin', ADMIN_PASSWORD, 'admin');
    const blob = JSON.stringify({ access: 'AKIDEXAMPLE', secret: 's3cr3t' });
    const missing = await call(h, 'POST', '/v3/credentials', {
      token: admin,
      body: { credential: { type: 'ec2', user_id: h.accounts.admin.userId, blob } },
    });
    assert.equal(missing.status, 400);
    const created = await call(h, 'POST', '/v3/credentials', {
      token: admin,
      body: { credential: { type: 'ec2', user_id: h.accounts.admin.userId, project_id: h.accounts.admin.projectId, blob } },
    });
    assert.equal(created.status, 201);
    assert.match(created.body.credential.id, /^[0-9a-f]{64}$/);
    const id = created.body.credential.id;
    const patched = await call(h, 'PATCH', `/v3/credentials/${id}`, {
      token: admin,
      body: { credential: { blob: JSON.stringify({ access: 'AKIDEXAMPLE', secret: 'rotated' }) } },
    });
    assert.equal(patched.status, 200);
    assert.equal((await h.running.service.findEc2Credential('AKIDEXAMPLE'))?.secret, 'rotated');
    const demo = await tokenFor(h, 'demo', DEMO_PASSWORD, 'demo');
    assert.equal((await call(h, 'GET', `/v3/credentials/${id}`, { token: demo })).status, 403);
    assert.equal((await call(h, 'DELETE', `/v3/credentials/${id}`, { token: admin })).status, 204);
  });
});
