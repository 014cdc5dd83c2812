import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, call, DEMO_PASSWORD, type Harness, passwordAuth, startHarness, tokenFor } from './harness.js';

const ISO_MICRO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe('identity tokens', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  test('version discovery answers 300 at / and describes v3 at /v3', async () => {
    const root = await call(h, 'GET', '/');
    assert.equal(root.status, 300);
    assert.equal(root.body.versions.values[0].id, 'v3.14');
    assert.equal(root.body.versions.values[0].status, 'stable');
    assert.match(root.body.versions.values[0].links[0].href, /\/v3\/$/);
    const v3 = await call(h, 'GET', '/v3');
    assert.equal(v3.status, 200);
    assert.equal(v3.body.version.id, 'v3.14');
  });

  test('issues a project-scoped token for a user and project named with their domains', async () => {
    const r = await call(h, 'POST', '/v3/auth/tokens', {
      body: passwordAuth({ name: 'admin', domain: { name: 'Default' } }, ADMIN_PASSWORD, {
        project: { name: 'admin', domain: { name: 'Default' } },
      }),
    });
    assert.equal(r.status, 201);
    assert.ok(r.headers.get('x-subject-token'));
    const t = r.body.token;
    assert.deepEqual(t.methods, ['password']);
    assert.deepEqual(t.user.domain, { id: 'default', name: 'Default' });
    assert.equal(t.user.name, 'admin');
    assert.equal(t.project.name, 'admin');
    assert.equal(t.project.id, h.accounts.admin.projectId);
    assert.deepEqual(t.project.domain, { id: 'default', name: 'Default' });
    assert.deepEqual(
      t.roles.map((x: { name: string }) => x.name),
      ['admin'],
    );
    assert.match(t.issued_at, ISO_MICRO);
    assert.match(t.expires_at, ISO_MICRO);
    const lifetime = Date.parse(t.expires_at) - Date.parse(t.issued_at);
    assert.equal(lifetime, 3600_000);
    assert.equal(t.audit_ids.length, 1);
    assert.equal(t.is_domain, false);
  });

  test('the catalog lists identity, compute (three interfaces in RegionOne) and image', async () => {
    const r = await call(h, 'POST', '/v3/auth/tokens', {
      body: passwordAuth({ id: h.accounts.demo.userId }, DEMO_PASSWORD, { project: { id: h.accounts.demo.projectId } }),
    });
    assert.equal(r.status, 201);
    const byType = new Map(r.body.token.catalog.map((s: { type: string }) => [s.type, s]));
    assert.deepEqual([...byType.keys()].sort(), ['compute', 'identity', 'image']);
    const compute = byType.get('compute') as { endpoints: { interface: string; region: string; region_id: string; url: string }[] };
    assert.deepEqual(compute.endpoints.map((e) => e.interface).sort(), ['admin', 'internal', 'public']);
    for (const e of compute.endpoints) {
      assert.equal(e.region, 'RegionOne');
      assert.equal(e.region_id, 'RegionOne');
      assert.equal(e.url, 'http://cloud.test:8774/v2.1');
    }
    assert.deepEqual(
      r.body.token.roles.map((x: { name: string }) => x.name),
      ['member'],
    );
  });

  test('password auth by user id without scope falls back to the default project', async () => {
    const r = await call(h, 'POST', '/v3/auth/tokens', { body: passwordAuth({ id: h.accounts.demo.userId }, DEMO_PASSWORD) });
    assert.equal(r.status, 201);
    assert.equal(r.body.token.project.id, h.accounts.demo.projectId);
  });

  test('an explicitly unscoped token carries no project, roles or catalog', async () => {
    const r = await call(h, 'POST', '/v3/auth/tokens', {
      body: passwordAuth({ name: 'demo', domain: { id: 'default' } }, DEMO_PASSWORD, 'unscoped'),
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.token.project, undefined);
    assert.equal(r.body.token.catalog, undefined);
    assert.equal(r.body.token.roles, undefined);
    const projects = await call(h, 'GET', '/v3/auth/projects', { token: r.headers.get('x-subject-token') as string });
    assert.equal(projects.status, 200);
    assert.deepEqual(
      projects.body.projects.map((p: { name: string }) => p.name),
      ['demo'],
    );
    const catalog = await call(h, 'GET', '/v3/auth/catalog', { token: r.headers.get('x-subject-token') as string });
    assert.equal(catalog.status, 403);
  });

  test('the token method rescopes an unscoped token and keeps its expiry and audit chain', async () => {
    const first = await call(h, 'POST', '/v3/auth/tokens', {
      body: passwordAuth({ name: 'demo', domain: { id: 'default' } }, DEMO_PASSWORD, 'unscoped'),
    });
    const unscoped = first.headers.get('x-subject-token') as string;
    const r = await call(h, 'POST', '/v3/auth/tokens', {
      body: {
        auth: {
          identity: { methods: ['token'], token: { id: unscoped } },
          scope: { project: { name: 'demo', domain: { id: 'default' } } },
        },
      },
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.token.project.name, 'demo');
    assert.equal(r.body.token.expires_at, first.body.token.expires_at);
    assert.deepEqual(r.body.token.audit_ids.slice(1), first.body.token.audit_ids);
    assert.ok(r.body.token.methods.includes('token'));
  });

  test('a domain-scoped token names the domain when the user holds a role on it', async () => {
    const admin = await tokenFor(h, 'admin', ADMIN_PASSWORD, 'admin');
    const roles = await call(h, 'GET', '/v3/roles?name=admin', { token: admin });
    const roleId = roles.body.roles[0].id;
    const grant = await call(h, 'PUT', `/v3/domains/default/users/${h.accounts.admin.userId}/roles/${roleId}`, { token: admin });
    assert.equal(grant.status, 204);
    const r = await call(h, 'POST', '/v3/auth/tokens', {
      body: passwordAuth({ name: 'admin', domain: { id: 'default' } }, ADMIN_PASSWORD, { domain: { name: 'Default' } }),
    });
    assert.equal(r.status, 201);
    assert.deepEqual(r.body.token.domain, { id: 'default', name: 'Default' });
    assert.equal(r.body.token.project, undefined);
    assert.ok(Array.isArray(r.body.token.catalog));
  });

  test('rejects a wrong password with 401 and a Keystone error body', async () => {
    const r = await call(h, 'POST', '/v3/auth/tokens', {
      body: passwordAuth({ name: 'admin', domain: { name: 'Default' } }, 'wrong', {
        project: { name: 'admin', domain: { name: 'Default' } },
      }),
    });
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 401);
    assert.equal(r.body.error.title, 'Unauthorized');
    assert.equal(typeof r.body.error.message, 'string');
    assert.match(r.headers.get('www-authenticate') ?? '', /^Keystone uri="http:\/\/127\.0\.0\.1:\d+"$/);
  });

  test('rejects scoping to a project the user holds no role on with 401', async () => {
    const r = await call(h, 'POST', '/v3/auth/tokens', {
      body: passwordAuth({ name: 'demo', domain: { name: 'Default' } }, DEMO_PASSWORD, { project: { id: h.accounts.admin.projectId } }),
    });
    assert.equal(r.status, 401);
  });

  test('validates, checks and revokes a token; a revoked token is 404 as subject and 401 as caller', async () => {
    const admin = await tokenFor(h, 'admin', ADMIN_PASSWORD, 'admin');
    const demo = await tokenFor(h, 'demo', DEMO_PASSWORD, 'demo');
    const validated = await call(h, 'GET', '/v3/auth/tokens', { token: admin, subject: demo });
    assert.equal(validated.status, 200);
    assert.equal(validated.headers.get('x-subject-token'), demo);
    assert.equal(validated.body.token.user.name, 'demo');
    const checked = await call(h, 'HEAD', '/v3/auth/tokens', { token: admin, subject: demo });
    assert.equal(checked.status, 200);
    const self = await call(h, 'GET', '/v3/auth/tokens?nocatalog', { token: demo, subject: demo });
    assert.equal(self.status, 200);
    assert.equal(self.body.token.catalog, undefined);

    const revoked = await call(h, 'DELETE', '/v3/auth/tokens', { token: admin, subject: demo });
    assert.equal(revoked.status, 204);
    const again = await call(h, 'GET', '/v3/auth/tokens', { token: admin, subject: demo });
    assert.equal(again.status, 404);
    assert.equal(again.body.error.title, 'Not Found');
    const asCaller = await call(h, 'GET', '/v3/auth/projects', { token: demo });
    assert.equal(asCaller.status, 401);
    const rescope = await call(h, 'POST', '/v3/auth/tokens', { body: { auth: { identity: { methods: ['token'], token: { id: demo } } } } });
    assert.equal(rescope.status, 401);
  });

  test('a bad caller token is 401 even when the subject is valid', async () => {
    const demo = await tokenFor(h, 'demo', DEMO_PASSWORD, 'demo');
    const r = await call(h, 'GET', '/v3/auth/tokens', { token: 'not-a-token', subject: demo });
    assert.equal(r.status, 401);
    const none = await call(h, 'GET', '/v3/projects');
    assert.equal(none.status, 401);
  });

  test("a member may not validate another user's token (403)", async () => {
    const admin = await tokenFor(h, 'admin', ADMIN_PASSWORD, 'admin');
    const demo = await tokenFor(h, 'demo', DEMO_PASSWORD, 'demo');
    const r = await call(h, 'GET', '/v3/auth/tokens', { token: demo, subject: admin });
    assert.equal(r.status, 403);
  });

  test('tokens stay valid across a restart on the same database', async () => {
    const demo = await tokenFor(h, 'demo', DEMO_PASSWORD, 'demo');
    await h.restart();
    const r = await call(h, 'GET', '/v3/auth/tokens', { token: demo, subject: demo });
    assert.equal(r.status, 200);
    assert.equal(r.body.token.project.name, 'demo');
  });
});

describe('identity token expiry', () => {
  let h: Harness;
  let offset = 0;
  before(async () => {
    h = await startHarness({ token_expiration: 60 }, () => new Date(Date.now() + offset));
  });
  after(async () => {
    await h.stop();
  });

  test('an expired token is refused with 401 as caller and 404 as subject', async () => {
    const admin = await tokenFor(h, 'admin', ADMIN_PASSWORD, 'admin');
    const demo = await tokenFor(h, 'demo', DEMO_PASSWORD, 'demo');
    const before = await call(h, 'GET', '/v3/auth/projects', { token: demo });
    assert.equal(before.status, 200);
    offset = 61_000;
    const fresh = await tokenFor(h, 'admin', ADMIN_PASSWORD, 'admin');
    const asCaller = await call(h, 'GET', '/v3/auth/projects', { token: demo });
    assert.equal(asCaller.status, 401);
    const asSubject = await call(h, 'GET', '/v3/auth/tokens', { token: fresh, subject: admin });
    assert.equal(asSubject.status, 404);
  });
});
